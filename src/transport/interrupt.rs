//! Cancelling a request in flight. ureq blocks the calling thread in socket reads; a connector in
//! its chain (under TLS) cuts each read wait into slices and checks the calling thread's cancel
//! flag between them, so a raised flag ends the request within one slice instead of at the timeout.
//! The flag reaches the connector through the calling thread: ureq runs a request on the thread
//! that sends it, and `InFlight` marks that thread for exactly the duration of the send.

use std::cell::Cell;
use std::io;
use std::time::Instant;

use ureq::unversioned::transport::time::Duration as UreqDuration;
use ureq::unversioned::transport::{Buffers, ConnectionDetails, Connector, NextTimeout, Transport};

use crate::cancel::Cancel;

/// How long a read waits before it looks at the flag again.
const SLICE: std::time::Duration = std::time::Duration::from_millis(50);

thread_local! {
    /// The cancel flag of the request this thread is sending, or null.
    static CURRENT: Cell<*const Cancel> = const { Cell::new(std::ptr::null()) };
}

/// Marks the calling thread as sending a request that `cancel` may stop; unmarks it when dropped.
pub(crate) struct InFlight {
    previous: *const Cancel,
}

impl InFlight {
    pub(crate) fn enter(cancel: Option<&Cancel>) -> InFlight {
        let ptr = cancel.map_or(std::ptr::null(), |c| c as *const Cancel);
        InFlight { previous: CURRENT.with(|c| c.replace(ptr)) }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.previous));
    }
}

fn cancelled() -> bool {
    // SAFETY: the pointer is set only by `InFlight::enter` from a live `&Cancel`, and reset by its
    // drop before that borrow ends; reads happen on the same thread, inside the send.
    CURRENT.with(|c| unsafe { c.get().as_ref() }).is_some_and(Cancel::is_cancelled)
}

fn has_flag() -> bool {
    CURRENT.with(|c| !c.get().is_null())
}

/// The error a cancel cuts a request short with. Not `ErrorKind::Interrupted`: readers retry
/// that one (EINTR), and a cancel must end the read.
fn interrupted() -> ureq::Error {
    ureq::Error::Io(io::Error::other("cancelled by the application"))
}

/// The connector: wraps whatever transport the chain made so far.
#[derive(Debug)]
pub(crate) struct Interruptible;

impl<In: Transport> Connector<In> for Interruptible {
    type Out = Sliced<In>;

    fn connect(&self, _: &ConnectionDetails, chained: Option<In>) -> Result<Option<Self::Out>, ureq::Error> {
        if cancelled() {
            return Err(interrupted());
        }
        Ok(chained.map(Sliced))
    }
}

/// Rounds a socket timeout down to a multiple of `GRAIN`. The deadline of a call makes the
/// time left differ on every read, and the TCP transport sets the socket's timeout (a
/// `setsockopt` each) whenever it differs from the last one: three extra system calls per
/// request. Rounded, consecutive reads and requests mostly ask for the same value, and a read
/// gives up at most `GRAIN` before the deadline, never after it.
fn coarse(timeout: NextTimeout) -> NextTimeout {
    const GRAIN: u128 = 10_000_000; // 10 ms in nanoseconds
    match timeout.after {
        UreqDuration::Exact(d) if d.as_nanos() > 10 * GRAIN => {
            let rounded = std::time::Duration::from_nanos((d.as_nanos() / GRAIN * GRAIN) as u64);
            NextTimeout { after: UreqDuration::Exact(rounded), ..timeout }
        }
        _ => timeout,
    }
}

/// A transport whose read waits are sliced when the request has a cancel flag.
#[derive(Debug)]
pub(crate) struct Sliced<T>(T);

impl<T: Transport> Transport for Sliced<T> {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.0.buffers()
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        if cancelled() {
            return Err(interrupted());
        }
        self.0.transmit_output(amount, coarse(timeout))
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        // Without a flag nothing can interrupt the wait: one read, no extra system calls.
        if !has_flag() {
            return self.0.await_input(coarse(timeout));
        }
        let started = Instant::now();
        let budget = match timeout.after {
            UreqDuration::Exact(d) => Some(d),
            UreqDuration::NotHappening => None,
        };
        loop {
            if cancelled() {
                return Err(interrupted());
            }
            let left = budget.map(|b| b.saturating_sub(started.elapsed()));
            let slice = left.map_or(SLICE, |l| l.min(SLICE));
            let last = left.is_some_and(|l| l <= SLICE);
            let sliced = NextTimeout { after: UreqDuration::Exact(slice), ..timeout };
            match self.0.await_input(sliced) {
                Err(ureq::Error::Timeout(_)) if !last => continue,
                other => return other,
            }
        }
    }

    fn is_open(&mut self) -> bool {
        self.0.is_open()
    }

    fn is_tls(&self) -> bool {
        self.0.is_tls()
    }
}
