//! `make bench` (bench/run.sh drives it): tokenkit through its C ABI against a plain ureq loop,
//! and the measurements around it. Subcommands, each printing result lines (`kind key=value ...`)
//! on stdout and progress on stderr:
//!
//! ```text
//! throughput              C ABI vs plain ureq, interleaved rounds over http and https, 1 and 8 threads
//! requests IMPL SCHEME N  N sequential requests after a warm-up (what strace counts)
//! cached N                the cached-token cost through the C ABI, ns per call
//! rss N                   resident memory before and after N requests through the C ABI
//! coldstart N             one https token per process: the CLI, a one-shot ureq program, curl
//! strace-diff IMPL SCHEME N BASE FULL   syscalls per request from two `strace -f -c` reports
//! report FILE             the table, from every result line in FILE (exit 1 if a target is missed)
//! ```
//!
//! Environment, set by bench/run.sh (which holds the defaults): BENCH_HTTP_URL, BENCH_HTTPS_URL,
//! BENCH_CA_FILE, BENCH_STATUS_ADDR; BENCH_N requests per phase, BENCH_ROUNDS, BENCH_WARMUP,
//! BENCH_THREADS, BENCH_SCHEMES, BENCH_STRACE_WARMUP.

mod abi;
mod measure;
mod plain;
mod report;

use std::process::{Command, Stdio};
use std::time::Instant;

use measure::{env, env_usize, phase};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |i: usize| args.get(i).map(String::as_str).unwrap_or_else(|| usage());
    let number = |i: usize| arg(i).parse::<usize>().unwrap_or_else(|_| usage());
    match arg(0) {
        "throughput" => throughput(),
        "requests" => requests(arg(1), arg(2), number(3)),
        "cached" => cached(number(1)),
        "rss" => rss(number(1)),
        "coldstart" => coldstart(number(1)),
        "strace-diff" => report::strace_diff(arg(1), arg(2), number(3), arg(4), arg(5)),
        "report" => std::process::exit(report::report(arg(1))),
        _ => usage(),
    }
}

fn usage() -> ! {
    eprintln!("usage: tokenkit-bench throughput | requests IMPL SCHEME N | cached N | rss N | coldstart N | strace-diff IMPL SCHEME N BASE FULL | report FILE");
    std::process::exit(2)
}

/// The endpoint and CA file for a scheme.
fn endpoint(scheme: &str) -> (String, Option<String>) {
    match scheme {
        "http" => (env("BENCH_HTTP_URL"), None),
        "https" => (env("BENCH_HTTPS_URL"), Some(env("BENCH_CA_FILE"))),
        other => panic!("unknown scheme {other}"),
    }
}

fn list(name: &str) -> Vec<String> {
    env(name).split(',').map(|s| s.trim().to_owned()).collect()
}

/// tokenkit (one client) and ureq (one agent) per scheme; every (scheme, threads) pair warmed up,
/// then measured in rounds, the two alternating which goes first.
fn throughput() {
    let n = env_usize("BENCH_N");
    let rounds = env_usize("BENCH_ROUNDS");
    let warmup = env_usize("BENCH_WARMUP");
    let threads: Vec<usize> = list("BENCH_THREADS").iter().map(|t| t.parse().expect("BENCH_THREADS")).collect();
    let ends: Vec<_> = list("BENCH_SCHEMES")
        .into_iter()
        .map(|scheme| {
            let (url, ca) = endpoint(&scheme);
            (abi::Client::new(&url, ca.as_deref()), plain::agent(ca.as_deref()), url, scheme)
        })
        .collect();
    let configs: Vec<_> = ends.iter().flat_map(|end| threads.iter().map(move |&t| (end, t))).collect();
    for ((client, agent, url, _), t) in &configs {
        phase(*t, warmup, &|| client.request());
        phase(*t, warmup, &|| plain::request(agent, url));
    }
    for round in 0..rounds {
        eprintln!("bench: C ABI / ureq round {}/{rounds}", round + 1);
        for ((client, agent, url, scheme), t) in &configs {
            let tokenkit = || ("tokenkit", phase(*t, n, &|| client.request()));
            let ureq = || ("ureq", phase(*t, n, &|| plain::request(agent, url)));
            let results = if round % 2 == 0 { [tokenkit(), ureq()] } else { [ureq(), tokenkit()] };
            for (name, p) in results {
                println!(
                    "tput lang=c impl={name} scheme={scheme} threads={t} round={round} n={} secs={:.6} cpu={:.6} conns={}",
                    p.requests,
                    p.seconds,
                    p.cpu_seconds,
                    p.new_connections.map_or("na".to_owned(), |c| c.to_string())
                );
            }
        }
    }
}

/// A warm-up, then `n` sequential requests: run under `strace -f -c`, once with n = 0.
fn requests(which: &str, scheme: &str, n: usize) {
    let (url, ca) = endpoint(scheme);
    let warmup = env_usize("BENCH_STRACE_WARMUP");
    let mut sink = 0;
    match which {
        "tokenkit" => {
            let client = abi::Client::new(&url, ca.as_deref());
            (0..warmup + n).for_each(|_| sink += client.request());
        }
        "ureq" => {
            let agent = plain::agent(ca.as_deref());
            (0..warmup + n).for_each(|_| sink += plain::request(&agent, &url));
        }
        other => panic!("unknown implementation {other}"),
    }
    std::hint::black_box(sink);
}

/// A fresh cached token from a source, read `n` times each way.
fn cached(n: usize) {
    let (url, ca) = endpoint("http");
    let client = abi::Client::new(&url, ca.as_deref());
    let source = client.source();
    // The copy is the path for a C program that asks on every request (the target); the others
    // are shown beside it.
    let calls: [(&str, bool, &dyn Fn() -> usize); 3] = [
        ("source_access_token_copy", true, &|| source.access_token_copy()),
        ("source_token+token_access_token+token_free", false, &|| source.token_accessor()),
        ("source_access_token+string_free", false, &|| source.access_token()),
    ];
    for (name, target, call) in calls {
        let mut sink = 0;
        (0..n / 10).for_each(|_| sink += call());
        let start = Instant::now();
        (0..n).for_each(|_| sink += call());
        let ns = start.elapsed().as_nanos() as f64 / n as f64;
        std::hint::black_box(sink);
        println!("cached lang=c call={name} n={n} ns={ns:.1} target={target}");
    }
}

/// Resident memory after a warm-up and after `n` more requests over https through the C ABI.
fn rss(n: usize) {
    let (url, ca) = endpoint("https");
    let client = abi::Client::new(&url, ca.as_deref());
    (0..1000).for_each(|_| _ = client.request());
    let before = measure::rss_kib();
    (0..n).for_each(|_| _ = client.request());
    let after = measure::rss_kib();
    println!("rss lang=c scheme=https n={n} before_kib={before} after_kib={after}");
}

/// One https token per process, `n` runs of each program in turn after a few untimed ones; the
/// median wall time of each.
fn coldstart(n: usize) {
    let url = env("BENCH_HTTPS_URL");
    let ca = env("BENCH_CA_FILE");
    let mut programs: Vec<(&str, Command)> = Vec::new();
    let mut cli = Command::new(env("BENCH_CLI"));
    cli.args(["client-credentials", "--token-url", &url, "--client-id", "demo-client", "--ca-file", &ca]);
    cli.env("TOKENKIT_CLIENT_SECRET", "demo-secret");
    programs.push(("cli", cli));
    let mut oneshot = Command::new(env("BENCH_ONESHOT"));
    oneshot.args([&url, &ca]);
    programs.push(("ureq", oneshot));
    let mut curl = Command::new("curl");
    curl.args(["-sS", "--fail", "--cacert", &ca, "-o", "/dev/null"]);
    curl.args([
        "-d",
        "grant_type=client_credentials",
        "-d",
        "client_id=demo-client",
        "-d",
        "client_secret=demo-secret",
    ]);
    curl.arg(&url);
    programs.push(("curl", curl));
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); programs.len()];
    for run in 0..n + 3 {
        for (i, (name, command)) in programs.iter_mut().enumerate() {
            let start = Instant::now();
            let status = command.stdout(Stdio::null()).status().unwrap_or_else(|e| panic!("{name}: {e}"));
            let ms = start.elapsed().as_secs_f64() * 1e3;
            assert!(status.success(), "{name} failed: {status}");
            if run >= 3 {
                times[i].push(ms);
            }
        }
    }
    for ((name, _), mut t) in programs.iter().zip(times) {
        println!("cold what={name} runs={n} median_ms={:.3}", report::median(&mut t));
    }
}
