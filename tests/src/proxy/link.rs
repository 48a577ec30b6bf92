//! A slow link: each direction sends one byte after the other at the link's bandwidth, and a
//! byte arrives half a round trip after it was sent. All connections through the proxy share
//! the link, as all requests of one phone share its radio.
//!
//! The proxy asks [`Link::schedule`] when a chunk it just read will have arrived, and writes it
//! then; reading goes on meanwhile, so a long message is paced by the bandwidth, not by one
//! round trip per chunk.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::plan::LinkPlan;

/// Which way bytes go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// From the client to the server.
    Up,
    /// From the server to the client.
    Down,
}

/// The shared state of a slow link: when each direction is free to send again.
#[derive(Debug)]
pub struct Link {
    plan: LinkPlan,
    up_free_at: Mutex<Instant>,
    down_free_at: Mutex<Instant>,
}

impl Link {
    pub fn new(plan: LinkPlan) -> Link {
        let now = Instant::now();
        Link {
            plan,
            up_free_at: Mutex::new(now),
            down_free_at: Mutex::new(now),
        }
    }

    pub fn plan(&self) -> &LinkPlan {
        &self.plan
    }

    /// Time to put `bytes` on the wire at the link's bandwidth.
    pub fn transmit_time(&self, bytes: usize) -> Duration {
        if self.plan.bits_per_second == 0 {
            return Duration::ZERO;
        }
        Duration::from_secs_f64(bytes as f64 * 8.0 / self.plan.bits_per_second as f64)
    }

    /// Queues `bytes` on the link now; returns when they will have arrived at the other end.
    pub fn schedule(&self, direction: Direction, bytes: usize) -> Instant {
        let slot = match direction {
            Direction::Up => &self.up_free_at,
            Direction::Down => &self.down_free_at,
        };
        // A poisoned lock only means another connection's task panicked: the instant inside
        // is still a valid instant.
        let mut free_at = slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let start = (*free_at).max(Instant::now());
        *free_at = start + self.transmit_time(bytes);
        *free_at + self.plan.round_trip / 2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(bits_per_second: u64, round_trip_ms: u64) -> Link {
        Link::new(LinkPlan {
            bits_per_second,
            round_trip: Duration::from_millis(round_trip_ms),
            mean_cut_interval: None,
            outage: Duration::ZERO,
        })
    }

    #[test]
    fn a_kilobyte_at_64_kbit_takes_125_ms_plus_half_the_round_trip() {
        let link = link(64_000, 400);
        let before = Instant::now();
        let arrives = link.schedule(Direction::Up, 1000);
        let took = arrives - before;
        assert!(took >= Duration::from_millis(325), "{took:?}");
        assert!(took < Duration::from_millis(345), "{took:?}");
    }

    #[test]
    fn chunks_queue_behind_each_other_but_directions_do_not() {
        let link = link(64_000, 0);
        let before = Instant::now();
        for _ in 0..8 {
            link.schedule(Direction::Up, 1000);
        }
        let last_up = link.schedule(Direction::Up, 1000);
        let first_down = link.schedule(Direction::Down, 1000);
        assert!(last_up - before >= Duration::from_millis(9 * 125));
        assert!(first_down - before < Duration::from_millis(150));
    }

    #[test]
    fn zero_bandwidth_means_unlimited() {
        let link = link(0, 100);
        let before = Instant::now();
        let arrives = link.schedule(Direction::Down, 10_000_000);
        assert!(arrives - before < Duration::from_millis(60));
    }
}
