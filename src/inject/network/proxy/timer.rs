//! A precise one-shot timer for chunk release times.
//!
//! tokio's timer rounds every deadline up to the next millisecond tick and wakes on an
//! `epoll_wait` timeout in milliseconds, so a 50 ms delay comes out as 50.5–51.5 ms. A
//! `timerfd` (an hrtimer, with the thread's 50 µs timer slack) registered with the
//! runtime wakes within about a tenth of a millisecond instead. A pipe creates one
//! when it starts holding chunks and drops it when it returns to the fast path; if
//! none can be created (out of file descriptors), it falls back to tokio's timer.

use std::io;
use std::os::fd::{AsFd, AsRawFd, RawFd};

use nix::sys::time::TimeSpec;
use nix::sys::timerfd::{ClockId, Expiration, TimerFd, TimerFlags, TimerSetTimeFlags};
use tokio::io::unix::AsyncFd;
use tokio::time::Instant;

struct Fd(TimerFd);

impl AsRawFd for Fd {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_fd().as_raw_fd()
    }
}

/// A `timerfd` on `CLOCK_MONOTONIC` (the clock of `Instant`), or tokio's timer.
pub struct Timer(Option<AsyncFd<Fd>>);

impl Timer {
    pub fn new() -> Timer {
        let fd = TimerFd::new(
            ClockId::CLOCK_MONOTONIC,
            TimerFlags::TFD_NONBLOCK | TimerFlags::TFD_CLOEXEC,
        )
        .ok()
        // SAFETY: `Fd` owns the timerfd and returns that same descriptor for as long as
        // the `AsyncFd` lives; it is closed only when the `AsyncFd` is dropped.
        .and_then(|fd| unsafe { AsyncFd::register(Fd(fd)) }.ok());
        Timer(fd)
    }

    /// Whether this timer is a `timerfd` (not the millisecond fallback).
    #[cfg(test)]
    pub fn precise(&self) -> bool {
        self.0.is_some()
    }

    /// Waits until `deadline`; never returns before it.
    pub async fn sleep_until(&self, deadline: Instant) -> io::Result<()> {
        let Some(fd) = &self.0 else {
            tokio::time::sleep_until(deadline).await;
            return Ok(());
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(());
        }
        // Relative to now on CLOCK_MONOTONIC; a new setting replaces the old one and
        // clears its expirations.
        fd.get_ref().0.set(
            Expiration::OneShot(TimeSpec::from_duration(left)),
            TimerSetTimeFlags::empty(),
        )?;
        loop {
            let mut ready = fd.readable().await?;
            match ready.try_io(|inner| inner.get_ref().0.wait().map_err(io::Error::from)) {
                Ok(result) => return result,
                // A readiness left over from an earlier setting: wait again.
                Err(_would_block) => continue,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn wakes_within_a_fraction_of_a_millisecond() {
        let timer = Timer::new();
        assert!(timer.precise());
        let mut late = Vec::new();
        for _ in 0..20 {
            let deadline = Instant::now() + Duration::from_micros(3_300);
            timer.sleep_until(deadline).await.expect("the timer");
            let now = Instant::now();
            assert!(now >= deadline, "woke early");
            late.push(now - deadline);
        }
        late.sort();
        // The median: a loaded test host may delay a few wake-ups.
        assert!(late[10] < Duration::from_micros(700), "{late:?}");
    }
}
