//! What the machine does during a measurement: wall time, the process's CPU time (every thread),
//! resident memory, and the connections the endpoint accepted (nginx's stub_status).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Barrier;
use std::time::{Duration, Instant};

/// User + system CPU time of the whole process so far, in seconds.
pub fn cpu_seconds() -> f64 {
    // SAFETY: getrusage writes one struct rusage into the zeroed value.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// VmRSS in KiB.
pub fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// The number of connections the endpoint has accepted so far (nginx stub_status at
/// BENCH_STATUS_ADDR, GET /status), or None when it is not available. Each call opens one.
pub fn accepts() -> Option<i64> {
    let addr = std::env::var("BENCH_STATUS_ADDR").ok()?;
    let mut stream = TcpStream::connect(addr).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    stream.write_all(b"GET /status HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut text = String::new();
    stream.read_to_string(&mut text).ok()?;
    let mut lines = text.lines().skip_while(|l| !l.starts_with("server accepts"));
    lines.next()?;
    lines.next()?.split_whitespace().next()?.parse().ok()
}

/// One measured phase.
pub struct Phase {
    pub requests: usize,
    pub seconds: f64,
    pub cpu_seconds: f64,
    /// Connections opened during the phase, when the endpoint reports them.
    pub new_connections: Option<i64>,
}

/// Runs `n` calls of `one`, spread over `threads` threads started together (1: on this thread).
pub fn phase(threads: usize, n: usize, one: &(dyn Fn() -> usize + Sync)) -> Phase {
    let per_thread = (n / threads).max(1);
    let accepted = accepts();
    let cpu = cpu_seconds();
    let elapsed = if threads == 1 {
        let start = Instant::now();
        let mut sink = 0;
        for _ in 0..per_thread {
            sink += one();
        }
        std::hint::black_box(sink);
        start.elapsed()
    } else {
        let barrier = Barrier::new(threads + 1);
        std::thread::scope(|s| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    s.spawn(|| {
                        barrier.wait();
                        let mut sink = 0;
                        for _ in 0..per_thread {
                            sink += one();
                        }
                        std::hint::black_box(sink);
                    })
                })
                .collect();
            barrier.wait();
            let start = Instant::now();
            for worker in workers {
                worker.join().expect("worker thread");
            }
            start.elapsed()
        })
    };
    let cpu_seconds = cpu_seconds() - cpu;
    // The second status request's own connection is counted in its answer.
    let new_connections = accepted.zip(accepts()).map(|(before, after)| after - before - 1);
    Phase { requests: per_thread * threads, seconds: elapsed.as_secs_f64(), cpu_seconds, new_connections }
}

/// A number set by bench/run.sh (which holds every default).
pub fn env_usize(name: &str) -> usize {
    env(name).trim().parse().unwrap_or_else(|_| panic!("{name} is not a number"))
}

/// A required variable set by bench/run.sh.
pub fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run the benchmark through `make bench`"))
}
