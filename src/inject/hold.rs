//! Watching a sustained fault for as long as it is applied. A fault that something
//! else undoes halfway (another process resumes a paused one, someone unpauses a
//! container) did not hold: evidence taken only at the start and the end would call it
//! a success. A [`Watch`] polls a check on its own thread from the apply to the revert
//! and keeps the first moment the check failed.

use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What a watch saw from its start to its end.
#[derive(Debug, Clone, PartialEq)]
pub struct Held {
    /// How long the fault was watched.
    pub watched: Duration,
    /// When the check first failed (after the start), and what it said.
    pub lapse: Option<(Duration, String)>,
    /// How many times the check ran.
    pub checks: u64,
}

impl Held {
    /// How long the fault held: until its lapse, or the whole watch.
    pub fn held(&self) -> Duration {
        self.lapse.as_ref().map_or(self.watched, |(at, _)| *at)
    }
}

/// A running watch; [`Watch::end`] stops it and returns what it saw.
pub struct Watch {
    stop: mpsc::Sender<()>,
    thread: JoinHandle<Held>,
}

impl Watch {
    /// Starts polling `check` every `every`; `Err(why)` from it means the fault no
    /// longer holds. Watching stops at the first lapse.
    pub fn start(
        every: Duration,
        mut check: impl FnMut() -> Result<(), String> + Send + 'static,
    ) -> std::io::Result<Watch> {
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("fault-watch".into())
            .spawn(move || {
                let start = Instant::now();
                let mut checks = 0;
                loop {
                    checks += 1;
                    if let Err(why) = check() {
                        // Wait for the end all the same, so `watched` is the fault's time.
                        let at = start.elapsed();
                        let _ = stopped.recv();
                        return Held {
                            watched: start.elapsed(),
                            lapse: Some((at, why)),
                            checks,
                        };
                    }
                    match stopped.recv_timeout(every) {
                        Err(mpsc::RecvTimeoutError::Timeout) => {}
                        _ => {
                            // A last look at the end, so a lapse since the previous
                            // check is not missed.
                            let watched = start.elapsed();
                            checks += 1;
                            return Held {
                                watched,
                                lapse: check().err().map(|why| (watched, why)),
                                checks,
                            };
                        }
                    }
                }
            })?;
        Ok(Watch { stop, thread })
    }

    /// Stops the watch (before the fault is reverted: the check runs once more) and
    /// returns what it saw.
    pub fn end(self) -> Held {
        let _ = self.stop.send(());
        self.thread.join().unwrap_or(Held {
            watched: Duration::ZERO,
            lapse: Some((Duration::ZERO, "the watch panicked".into())),
            checks: 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    #[test]
    fn a_check_that_keeps_passing_holds_for_the_whole_watch() {
        let watch = Watch::start(Duration::from_millis(5), || Ok(())).unwrap();
        std::thread::sleep(Duration::from_millis(50));
        let held = watch.end();
        assert!(held.lapse.is_none());
        assert!(held.checks >= 2, "{held:?}");
        assert_eq!(held.held(), held.watched);
    }

    #[test]
    fn the_first_failure_is_kept_with_its_time() {
        let undone = Arc::new(AtomicBool::new(false));
        let seen = Arc::clone(&undone);
        let watch = Watch::start(Duration::from_millis(5), move || {
            if seen.load(Ordering::SeqCst) {
                Err("undone".into())
            } else {
                Ok(())
            }
        })
        .unwrap();
        std::thread::sleep(Duration::from_millis(40));
        undone.store(true, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(40));
        let held = watch.end();
        let (at, why) = held.lapse.clone().expect("a lapse");
        assert_eq!(why, "undone");
        assert!(
            // The watch's clock starts when its thread does, up to a few ms after the
            // test's on a loaded machine: the lapse is seen after most of the 40 ms.
            at >= Duration::from_millis(20) && at <= held.watched,
            "{held:?}"
        );
    }
}
