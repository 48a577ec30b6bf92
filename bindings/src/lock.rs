//! The app lock's gate (`perisai_core::lock`) as an object both shells hold one of per process.

use std::sync::{Arc, Mutex};

/// Whether the screens are locked: locked at start, unlocked by the PIN or biometrics, locked
/// again after [`relock_after_ms`] away. `now_ms` is a monotonic clock in milliseconds.
#[derive(uniffi::Object)]
pub struct LockGate(Mutex<perisai_core::lock::LockGate>);

#[uniffi::export]
impl LockGate {
    /// A gate as the app's process starts: locked.
    #[uniffi::constructor]
    pub fn new() -> Arc<LockGate> {
        Arc::new(LockGate(Mutex::new(perisai_core::lock::LockGate::new())))
    }

    pub fn is_locked(&self) -> bool {
        self.gate().is_locked()
    }

    /// The PIN or the phone's biometrics were accepted.
    pub fn unlock(&self) {
        self.gate().unlock();
    }

    /// The app went to the background.
    pub fn left(&self, now_ms: i64) {
        self.gate().left(now_ms);
    }

    /// The app is in front again (every resume); returns whether it is locked.
    pub fn returned(&self, now_ms: i64) -> bool {
        self.gate().returned(now_ms)
    }
}

impl LockGate {
    fn gate(&self) -> std::sync::MutexGuard<'_, perisai_core::lock::LockGate> {
        // The gate is two fields, always consistent: a panic elsewhere cannot leave it half-set.
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// How long away locks the app again (five minutes), in milliseconds.
#[uniffi::export]
pub fn relock_after_ms() -> i64 {
    perisai_core::lock::RELOCK_AFTER_MS
}
