//! Retry waits with "full jitter" (AWS Architecture Blog, "Exponential Backoff and Jitter"): the
//! wait before retry `n` is uniformly random in `[0, min(cap, base · 2ⁿ)]`.
//!
//! Why full jitter: after a market's mobile mast comes back, every agent's phone retries at once;
//! random waits spread them out instead of hammering the server in waves, and on average they
//! also finish sooner than fixed exponential waits.

use std::time::Duration;

use ring::rand::{SecureRandom, SystemRandom};

/// The wait ceilings of successive attempts, and a source of randomness.
#[derive(Debug)]
pub struct Backoff {
    base: Duration,
    cap: Duration,
    attempt: u32,
    rng: SystemRandom,
}

impl Backoff {
    pub fn new(base: Duration, cap: Duration) -> Backoff {
        Backoff {
            base,
            cap,
            attempt: 0,
            rng: SystemRandom::new(),
        }
    }

    /// The ceiling of the wait before retry number `attempt` (0 for the first retry):
    /// `min(cap, base · 2^attempt)`, without overflow.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let factor = 1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX);
        self.base
            .checked_mul(factor)
            .map_or(self.cap, |d| d.min(self.cap))
    }

    /// The next wait (random in `[0, ceiling(attempt)]`), and one more attempt counted.
    pub fn next_wait(&mut self) -> Duration {
        let ceiling = self.ceiling(self.attempt);
        self.attempt = self.attempt.saturating_add(1);
        let millis = u64::try_from(ceiling.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(self.random_up_to(millis))
    }

    /// Consecutive failures so far.
    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    /// After a success the next failure starts from the base again.
    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    /// Uniform in `[0, max]`. Without a working random source (it never fails on the platforms
    /// we ship), the full ceiling is used: waiting longer is safe, waiting zero is not.
    fn random_up_to(&self, max: u64) -> u64 {
        let mut bytes = [0u8; 8];
        if self.rng.fill(&mut bytes).is_err() {
            return max;
        }
        match max.checked_add(1) {
            Some(span) => u64::from_be_bytes(bytes) % span,
            None => u64::from_be_bytes(bytes),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ceilings_double_up_to_the_cap() {
        let b = Backoff::new(Duration::from_secs(1), Duration::from_secs(60));
        let ceilings: Vec<u64> = (0..9).map(|n| b.ceiling(n).as_secs()).collect();
        assert_eq!(ceilings, vec![1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(b.ceiling(u32::MAX), Duration::from_secs(60));
    }

    #[test]
    fn waits_stay_within_zero_and_the_ceiling_and_spread_out() {
        let mut b = Backoff::new(Duration::from_millis(500), Duration::from_secs(8));
        let mut seen = Vec::new();
        for attempt in 0..200u32 {
            let ceiling = b.ceiling(attempt.min(b.attempts()));
            let wait = b.next_wait();
            assert!(wait <= ceiling, "{wait:?} > {ceiling:?}");
            seen.push(wait);
        }
        assert_eq!(b.attempts(), 200);
        // Jittered, not constant: among 200 waits under an 8 s ceiling there are many values.
        seen.sort();
        seen.dedup();
        assert!(seen.len() > 50, "{} distinct waits", seen.len());
        b.reset();
        assert!(b.next_wait() <= Duration::from_millis(500));
    }

    #[test]
    fn a_zero_base_never_waits() {
        let mut b = Backoff::new(Duration::ZERO, Duration::ZERO);
        assert_eq!(b.next_wait(), Duration::ZERO);
    }
}
