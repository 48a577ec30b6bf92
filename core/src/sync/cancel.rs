//! [`SyncCancel`]: a handle that stops a running sync from another thread, for the shells'
//! schedulers (Android's WorkManager stopping a worker, an iOS background task expiring).
//!
//! The sync looks at it between batches, before every attempt of a request, during every retry
//! wait (which it wakes from at once) and before downsync, and then ends with
//! `sync.cancelled` ([`CoreError::SyncCancelled`]). It never abandons a request in flight: an
//! answer that arrives is applied first, and a batch that went out without an answer stays
//! frozen and unacknowledged, exactly as after a network failure, so the next sync resends the
//! same bytes and the server's exactly-once check (same `seq`, same hash) takes it once. Nothing
//! that was sealed is lost, and nothing is stored twice.
//!
//! A request already on the wire still runs to its answer or its timeout
//! ([`SyncOptions::request_timeout`](super::SyncOptions::request_timeout)) before the sync sees
//! the cancellation.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::error::CoreError;

/// Stops a running sync: [`cancel`](SyncCancel::cancel) from any thread, and the sync that was
/// given this handle ends at its next check with `sync.cancelled`, everything unsent still
/// queued. Cheap to clone (clones share one flag). Once cancelled it stays cancelled: make a
/// new one for every sync.
#[derive(Clone, Debug, Default)]
pub struct SyncCancel {
    shared: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    cancelled: AtomicBool,
    /// Held only to wait on `wake` and to notify it, so that a wait cannot miss a cancellation
    /// made between its check of the flag and its sleep.
    lock: Mutex<()>,
    wake: Condvar,
}

impl SyncCancel {
    /// A handle not cancelled yet.
    pub fn new() -> SyncCancel {
        SyncCancel::default()
    }

    /// Asks the sync to stop; returns at once (the sync ends at its next check). Calling it
    /// again, or when no sync runs, does nothing more.
    pub fn cancel(&self) {
        self.shared.cancelled.store(true, Ordering::SeqCst);
        let _held = self
            .shared
            .lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        self.shared.wake.notify_all();
    }

    /// Whether [`cancel`](SyncCancel::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.shared.cancelled.load(Ordering::SeqCst)
    }

    /// Waits `wait`, or less when the handle is cancelled meanwhile (also when it already was);
    /// returns whether it is cancelled.
    pub fn wait(&self, wait: Duration) -> bool {
        // A wait too long to add to the clock is as good as forever.
        let deadline = Instant::now().checked_add(wait);
        let mut held = self
            .shared
            .lock
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        loop {
            if self.is_cancelled() {
                return true;
            }
            let left = match deadline {
                Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => left,
                    _ => return false,
                },
                None => Duration::from_secs(3600),
            };
            held = self
                .shared
                .wake
                .wait_timeout(held, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// `Err(sync.cancelled)` once cancelled: the sync's check.
    pub(crate) fn check(&self) -> Result<(), CoreError> {
        if self.is_cancelled() {
            Err(CoreError::SyncCancelled)
        } else {
            Ok(())
        }
    }
}

/// The default wait between attempts ([`SyncOptions::sleep`](super::SyncOptions::sleep)):
/// [`SyncCancel::wait`], so a cancellation ends the wait at once.
pub fn wait_unless_cancelled(wait: Duration, cancel: &SyncCancel) {
    cancel.wait(wait);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::thread;

    /// Fails only on a hang: far longer than any machine needs to wake a thread.
    const HANG: Duration = Duration::from_secs(60);

    #[test]
    fn a_new_handle_is_not_cancelled_and_clones_share_the_flag() {
        let cancel = SyncCancel::new();
        let clone = cancel.clone();
        assert!(!cancel.is_cancelled());
        assert!(cancel.check().is_ok());
        clone.cancel();
        assert!(cancel.is_cancelled());
        assert_eq!(cancel.check().unwrap_err().code(), "sync.cancelled");
        clone.cancel();
        assert!(cancel.is_cancelled(), "stays cancelled");
    }

    #[test]
    fn a_short_wait_ends_by_itself_uncancelled() {
        let cancel = SyncCancel::new();
        assert!(!cancel.wait(Duration::from_millis(1)));
        assert!(!cancel.wait(Duration::ZERO));
    }

    #[test]
    fn a_cancelled_handle_does_not_wait_at_all() {
        let cancel = SyncCancel::new();
        cancel.cancel();
        // A day: the call returns only because the handle is cancelled.
        assert!(cancel.wait(Duration::from_secs(86_400)));
        assert!(cancel.wait(Duration::MAX));
    }

    #[test]
    fn a_long_wait_wakes_when_another_thread_cancels() {
        let cancel = SyncCancel::new();
        let (done, finished) = mpsc::channel();
        let waiter = {
            let cancel = cancel.clone();
            thread::spawn(move || {
                let woke = cancel.wait(Duration::from_secs(86_400));
                let _ = done.send(woke);
            })
        };
        thread::sleep(Duration::from_millis(20));
        cancel.cancel();
        let woke = finished
            .recv_timeout(HANG)
            .expect("the wait did not end after cancel");
        assert!(woke);
        waiter.join().unwrap();
    }
}
