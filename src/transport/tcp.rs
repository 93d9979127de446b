//! The socket under TLS and HTTP, in place of ureq's `TcpConnector`, for what a token request costs
//! in system calls. A keep-alive token request is a few hundred bytes each way, so the calls around
//! it, not the bytes, are the price:
//! - ureq sends the request head and the form body in two writes (two TCP segments under
//!   `TCP_NODELAY`, two wake-ups of the server); here a write is held back until the transport
//!   is asked to wait for the answer, or the held bytes fill half the buffer, so head and body
//!   (and under TLS, their two records) leave in one `send`.
//! - ureq's pool checks a connection twice per request (when it goes back, right after its last
//!   read, and when it is taken again), each time as `ioctl(FIONBIO)`, `read`, `ioctl(FIONBIO)`.
//!   Here only the second check asks the kernel (the first can learn nothing the second will not),
//!   and it asks once: `recv(MSG_PEEK | MSG_DONTWAIT)`.
//!
//! The rest is ureq's behaviour: every resolved address tried within the connect timeout, the
//! socket registered with the agent for shutdown, read and write timeouts set only when they
//! change, a read interrupted by a signal retried within its time.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::{Arc, Weak};
use std::time::Instant;

use ureq::unversioned::transport::time::Duration as UreqDuration;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout, ShutdownHandle, Transport,
};
use ureq::{Error, Timeout};

/// The connector: opens a socket unless an earlier connector in the chain (a CONNECT proxy)
/// already made the connection.
#[derive(Debug)]
pub(crate) struct TcpConnector;

impl<In: Transport> Connector<In> for TcpConnector {
    type Out = Either<In, TcpTransport>;

    fn connect(&self, details: &ConnectionDetails, chained: Option<In>) -> Result<Option<Self::Out>, Error> {
        if chained.is_some() {
            return Ok(chained.map(Either::A));
        }
        let stream = connect_any(&details.addrs, details.timeout)?;
        if details.config.no_delay() {
            stream.set_nodelay(true)?;
        }
        let buffers = LazyBuffers::new(details.config.input_buffer_size(), details.config.output_buffer_size());
        let transport = TcpTransport {
            stream: Arc::new(stream),
            buffers: HeldBuffers { inner: buffers, held: 0 },
            timeout_read: None,
            timeout_write: None,
            sent: 0,
            checked_since_io: true,
        };
        let handle: Weak<dyn ShutdownHandle> = Arc::downgrade(&transport.stream) as Weak<TcpStream>;
        (details.register_shutdown)(handle)?;
        Ok(Some(Either::B(transport)))
    }
}

/// Tries the addresses in order within the connect timeout: each gets half of the time left (the
/// last one all of it), so a dead first address cannot use up the budget of the others.
fn connect_any(addrs: &[SocketAddr], timeout: NextTimeout) -> Result<TcpStream, Error> {
    let deadline = timeout.not_zero().map(|t| Instant::now() + *t);
    let mut last_err = None;
    for (i, addr) in addrs.iter().enumerate() {
        let attempt = match deadline {
            Some(deadline) => {
                let left = deadline.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(Error::Timeout(timeout.reason));
                }
                let share =
                    if i + 1 == addrs.len() { left } else { (left / 2).max(std::time::Duration::from_millis(10)) };
                TcpStream::connect_timeout(addr, share)
            }
            None => TcpStream::connect(addr),
        };
        match attempt {
            Ok(stream) => return Ok(stream),
            Err(e) if is_addr_specific(&e) => last_err = Some(Error::Io(e)),
            Err(e) if matches!(e.kind(), io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock) => {
                last_err = Some(Error::Timeout(Timeout::Connect))
            }
            Err(e) => return Err(Error::Io(e)),
        }
    }
    Err(last_err.unwrap_or_else(|| Error::Io(io::ErrorKind::ConnectionRefused.into())))
}

/// Failures that say nothing about the host's other addresses (an IPv6 address without an IPv6
/// route, say), as ureq and curl judge them.
fn is_addr_specific(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::HostUnreachable
            | io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::NetworkDown
            | io::ErrorKind::AddrNotAvailable
    )
}

/// ureq's buffers, with the output handed out after the bytes held back for the next send.
#[derive(Debug)]
struct HeldBuffers {
    inner: LazyBuffers,
    /// Bytes at the start of the output buffer written by ureq but not yet sent.
    held: usize,
}

impl Buffers for HeldBuffers {
    fn output(&mut self) -> &mut [u8] {
        let held = self.held;
        &mut self.inner.output()[held..]
    }
    fn input(&self) -> &[u8] {
        self.inner.input()
    }
    fn input_append_buf(&mut self) -> &mut [u8] {
        self.inner.input_append_buf()
    }
    fn input_appended(&mut self, amount: usize) {
        self.inner.input_appended(amount)
    }
    fn input_consume(&mut self, amount: usize) {
        self.inner.input_consume(amount)
    }
    fn tmp_and_output(&mut self) -> (&mut [u8], &mut [u8]) {
        let held = self.held;
        let (tmp, output) = self.inner.tmp_and_output();
        (tmp, &mut output[held..])
    }
    fn can_use_input(&self) -> bool {
        self.inner.can_use_input()
    }
}

/// A plain TCP connection.
#[derive(Debug)]
pub(crate) struct TcpTransport {
    /// Shared (weakly) with the agent, which may shut it down from another thread.
    stream: Arc<TcpStream>,
    buffers: HeldBuffers,
    timeout_read: Option<std::time::Duration>,
    timeout_write: Option<std::time::Duration>,
    /// Of the held bytes, those already sent.
    sent: usize,
    /// Whether the pool has asked `is_open` since the last send or receive.
    checked_since_io: bool,
}

/// ureq's error for a timeout already passed, before any system call.
fn check(timeout: NextTimeout) -> Result<NextTimeout, Error> {
    if timeout.after.is_zero() {
        Err(Error::Timeout(timeout.reason))
    } else {
        Ok(timeout)
    }
}

fn timeout_of(timeout: &NextTimeout) -> Option<std::time::Duration> {
    match timeout.not_zero() {
        Some(UreqDuration::Exact(d)) => Some(d),
        _ => None,
    }
}

/// Sets a socket timeout only when it differs from the one set last (a `setsockopt` each).
fn set_if_changed(
    last: &mut Option<std::time::Duration>,
    wanted: Option<std::time::Duration>,
    set: impl FnOnce(Option<std::time::Duration>) -> io::Result<()>,
) -> io::Result<()> {
    if wanted != *last {
        set(wanted)?;
        *last = wanted;
    }
    Ok(())
}

fn map_timeout(e: io::Error, reason: Timeout) -> Error {
    match e.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => Error::Timeout(reason),
        _ => Error::Io(e),
    }
}

impl TcpTransport {
    /// Sends the held bytes, if any. A write cut short by its timeout keeps the rest held, so a
    /// wait sliced for cancellation (interrupt.rs) can go on sending where it stopped.
    fn flush(&mut self, timeout: NextTimeout) -> Result<(), Error> {
        if self.buffers.held == 0 {
            return Ok(());
        }
        let timeout = check(timeout.for_write())?;
        set_if_changed(&mut self.timeout_write, timeout_of(&timeout), |t| self.stream.set_write_timeout(t))?;
        while self.sent < self.buffers.held {
            let output = &self.buffers.inner.output()[self.sent..self.buffers.held];
            match (&*self.stream).write(output) {
                Ok(0) => return Err(Error::Io(io::ErrorKind::WriteZero.into())),
                Ok(n) => self.sent += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(map_timeout(e, timeout.reason)),
            }
        }
        self.sent = 0;
        self.buffers.held = 0;
        Ok(())
    }
}

impl Transport for TcpTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), Error> {
        check(timeout.for_write())?;
        self.checked_since_io = false;
        self.buffers.held += amount;
        // Past half the buffer, ureq might not find room for what comes next: send now.
        if self.buffers.held > self.buffers.inner.output().len() / 2 {
            self.flush(timeout)?;
        }
        Ok(())
    }

    fn maybe_await_input(&mut self, timeout: NextTimeout) -> Result<bool, Error> {
        // Whatever ureq (or TLS) waits for is an answer to what it wrote: that leaves first.
        self.flush(timeout)?;
        if self.buffers.can_use_input() {
            return Ok(true);
        }
        self.await_input(timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, Error> {
        let timeout = if self.buffers.held > 0 {
            // A send that had to wait takes its time off the wait for the answer. One that went
            // straight into the socket's buffer (under a millisecond) leaves the timeout as it
            // was: a value that changed by microseconds would cost a `setsockopt` per request.
            let started = Instant::now();
            self.flush(timeout)?;
            let took = started.elapsed();
            match timeout.after {
                UreqDuration::Exact(d) if took >= std::time::Duration::from_millis(1) => {
                    NextTimeout { after: UreqDuration::Exact(d.saturating_sub(took)), ..timeout }
                }
                _ => timeout,
            }
        } else {
            timeout
        };
        self.checked_since_io = false;
        let timeout = check(timeout.for_read())?;
        let wanted = timeout_of(&timeout);
        set_if_changed(&mut self.timeout_read, wanted, |t| self.stream.set_read_timeout(t))?;
        let started = Instant::now();
        let read = loop {
            match (&*self.stream).read(self.buffers.inner.input_append_buf()) {
                // Linux does not restart a socket read that has a timeout after a signal: read
                // again with the time that is left, as ureq does.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                    let Some(budget) = wanted else { break Err(e) };
                    let left = budget.saturating_sub(started.elapsed());
                    if left.is_zero() {
                        break Err(io::ErrorKind::TimedOut.into());
                    }
                    self.stream.set_read_timeout(Some(left))?;
                    self.timeout_read = Some(left);
                }
                other => break other,
            }
        };
        let amount = read.map_err(|e| map_timeout(e, timeout.reason))?;
        self.buffers.inner.input_appended(amount);
        Ok(amount > 0)
    }

    fn is_open(&mut self) -> bool {
        if self.buffers.held > 0 {
            // A request half sent: never reused.
            return false;
        }
        // The pool's first question after I/O comes as the connection goes back, right after its
        // last read; the question that matters is asked when it is taken again.
        if !std::mem::replace(&mut self.checked_since_io, true) {
            return true;
        }
        probe(&self.stream)
    }
}

impl Drop for TcpTransport {
    // Held bytes never sent (a cancel, a failed send) are a plain-text request on http, with the
    // client secret or a code in it, below the part of the buffer `Wiped` reaches.
    fn drop(&mut self) {
        let held = self.buffers.held;
        if held > 0 {
            zeroize::Zeroize::zeroize(&mut self.buffers.inner.output()[..held]);
        }
    }
}

/// An idle keep-alive connection is usable when the server has neither closed it nor sent
/// anything: nothing to read yet, and a peek that would block says exactly that.
fn probe(stream: &TcpStream) -> bool {
    let mut byte = 0u8;
    loop {
        // SAFETY: a one-byte buffer we own, on a socket descriptor `stream` keeps open.
        let n = unsafe {
            libc::recv(stream.as_raw_fd(), (&mut byte as *mut u8).cast(), 1, libc::MSG_PEEK | libc::MSG_DONTWAIT)
        };
        if n >= 0 {
            // 0: closed by the server; more: bytes nobody asked for.
            return false;
        }
        match io::Error::last_os_error().kind() {
            io::ErrorKind::WouldBlock => return true,
            io::ErrorKind::Interrupted => continue,
            _ => return false,
        }
    }
}
