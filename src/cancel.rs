//! A cancellation flag another thread can raise to stop a waiting sign-in or device flow.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// A cancellation flag another thread can raise to stop a call: within about 100 ms while it waits
/// for an answer, in retry waits and device polling; a connection being opened is given up at its
/// connect timeout.
#[derive(Debug, Default)]
pub struct Cancel {
    cancelled: Mutex<bool>,
    wake: Condvar,
}

impl Cancel {
    /// A flag that is not raised.
    pub fn new() -> Self {
        Cancel::default()
    }

    /// Raises the flag and wakes every waiter. Idempotent.
    pub fn cancel(&self) {
        *self.cancelled.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.wake.notify_all();
    }

    /// Whether the flag is raised.
    pub fn is_cancelled(&self) -> bool {
        *self.cancelled.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Fails with `Cancelled` once the flag is up.
    pub fn check(&self) -> Result<()> {
        if self.is_cancelled() {
            Err(cancelled())
        } else {
            Ok(())
        }
    }

    /// Sleeps for `duration` unless cancelled first (then fails with `Cancelled`).
    pub fn sleep(&self, duration: Duration) -> Result<()> {
        let deadline = Instant::now() + duration;
        let mut flag = self.cancelled.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if *flag {
                return Err(cancelled());
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(());
            }
            flag = self.wake.wait_timeout(flag, deadline - now).unwrap_or_else(|p| p.into_inner()).0;
        }
    }
}

fn cancelled() -> Error {
    Error::cancelled("cancelled by the application")
}

/// Sleeps, cancellably when a flag is given.
pub(crate) fn sleep(cancel: Option<&Cancel>, duration: Duration) -> Result<()> {
    match cancel {
        Some(c) => c.sleep(duration),
        None => {
            std::thread::sleep(duration);
            Ok(())
        }
    }
}
