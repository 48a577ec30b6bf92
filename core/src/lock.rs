//! The app lock's gate: whether the screens are covered. Locked when the app's process starts
//! (so a process the OS killed and restored opens on the lock, whatever screen it restores),
//! unlocked by the PIN or the phone's biometrics, and locked again when the agent comes back after
//! [`RELOCK_AFTER_MS`] or more away: a participant's personal data is on those screens.
//!
//! The shells tell it when the agent leaves and comes back, with a monotonic clock in
//! milliseconds (Android `SystemClock.elapsedRealtime`, iOS `ProcessInfo.systemUptime`: both keep
//! counting while the phone sleeps and ignore changes of the wall clock). Both shells use this
//! one gate through the facade, so the lock behaves the same on every phone.

/// Away this long, the lock comes back: a stall's customer served, not a phone left on the
/// counter.
pub const RELOCK_AFTER_MS: i64 = 5 * 60 * 1000;

/// Whether the screens are locked, and since when the agent is away.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockGate {
    locked: bool,
    left_at_ms: Option<i64>,
}

impl Default for LockGate {
    fn default() -> Self {
        LockGate::new()
    }
}

impl LockGate {
    /// A gate as the process starts: locked.
    pub fn new() -> LockGate {
        LockGate {
            locked: true,
            left_at_ms: None,
        }
    }

    pub fn is_locked(&self) -> bool {
        self.locked
    }

    /// The PIN or the phone's biometrics were accepted.
    pub fn unlock(&mut self) {
        self.left_at_ms = None;
        self.locked = false;
    }

    /// The agent left the app (it went to the background) at `now_ms`; the first time counts.
    pub fn left(&mut self, now_ms: i64) {
        self.left_at_ms.get_or_insert(now_ms);
    }

    /// The agent is back at `now_ms` (every resume): locked again if away [`RELOCK_AFTER_MS`] or
    /// more. A clock that went backwards counts as no time away. Returns whether it is locked.
    pub fn returned(&mut self, now_ms: i64) -> bool {
        if let Some(since) = self.left_at_ms.take() {
            if now_ms.saturating_sub(since) >= RELOCK_AFTER_MS {
                self.locked = true;
            }
        }
        self.locked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locked_at_start_unlocked_by_the_pin_and_locked_again_after_five_minutes_away() {
        let mut gate = LockGate::new();
        assert!(gate.is_locked());
        gate.unlock();
        assert!(!gate.is_locked());
        gate.left(1_000);
        gate.left(50_000); // a second "left" does not restart the clock
        assert!(!gate.returned(1_000 + RELOCK_AFTER_MS - 1));
        gate.left(10_000_000);
        assert!(gate.returned(10_000_000 + RELOCK_AFTER_MS));
        assert!(gate.is_locked());
    }

    #[test]
    fn coming_back_without_having_left_and_a_clock_going_back_change_nothing() {
        let mut gate = LockGate::new();
        gate.unlock();
        assert!(!gate.returned(i64::MAX));
        gate.left(5_000);
        assert!(!gate.returned(0));
        gate.left(i64::MIN);
        assert!(gate.returned(i64::MAX), "saturating: far away is away");
    }
}
