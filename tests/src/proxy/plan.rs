//! The fault plan: which faults the proxy puts on the wire, and how often.
//!
//! Faults are drawn per request (a kept-alive connection meets them as often as new ones do),
//! from a ChaCha generator seeded with [`FaultPlan::seed`]: connection number `n` (in order of
//! acceptance) draws from stream `n`, its requests in order, so the same seed gives each
//! connection the same faults whatever the other connections do. Only the order in which
//! concurrent clients connect can vary between runs; a failing run prints its seed, and the
//! same seed replays the same plan.
//!
//! ```
//! use std::time::Duration;
//! use perisai_e2e::proxy::FaultPlan;
//! let plan = FaultPlan::clean(7)
//!     .with_cuts(0.2, 0.2, 1..=4096)
//!     .with_delays(0.1, Duration::from_millis(50)..=Duration::from_millis(500))
//!     .with_duplicates(0.2, Duration::ZERO..=Duration::from_millis(300));
//! # let _ = plan;
//! ```

use std::ops::RangeInclusive;
use std::time::Duration;

use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// What the proxy does to the traffic that passes through it.
#[derive(Clone, Debug)]
pub struct FaultPlan {
    /// Seeds every decision (see the module comment).
    pub seed: u64,
    /// Share of requests cut after some of their bytes (mid-request).
    pub cut_request: f64,
    /// Share of responses cut after some of their bytes (mid-response).
    pub cut_response: f64,
    /// Where a cut falls: after this many bytes of the request or response; a cut planned
    /// beyond the message's end does not happen.
    pub cut_after_bytes: RangeInclusive<u64>,
    /// Share of cuts made with a reset (RST, as a dropped radio link often looks); the others
    /// close the connection (FIN).
    pub reset_share: f64,
    /// Share of requests held back before they reach the server.
    pub delay: f64,
    /// Share of chunks (of at most [`CHUNK`] bytes) held back in either direction: stalls in
    /// the middle of a message, also on a kept-alive connection.
    pub stall: f64,
    /// How long a delay or a stall lasts.
    pub delay_range: RangeInclusive<Duration>,
    /// Share of complete requests replayed to the server on a second connection, the replay's
    /// answer thrown away (a retrying middlebox, or a client that retried on its own).
    pub duplicate: f64,
    /// How long after the original request its duplicate leaves.
    pub duplicate_lag: RangeInclusive<Duration>,
    /// A slow, flaky link shared by every connection through the proxy (one phone's link).
    pub link: Option<LinkPlan>,
}

/// A slow link: bandwidth in each direction, a round trip, and drops at random.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkPlan {
    /// Bandwidth of each direction; 0 means unlimited.
    pub bits_per_second: u64,
    /// Round-trip time: each byte arrives half of it after it was sent.
    pub round_trip: Duration,
    /// Mean time between drops of the link (exponentially distributed); `None`: never.
    pub mean_cut_interval: Option<Duration>,
    /// How long the link stays down after a drop: connections made meanwhile are closed at once.
    pub outage: Duration,
}

/// Largest piece the proxy reads and forwards at once (an Ethernet segment's payload), so that
/// pacing and cuts have a fine grain.
pub const CHUNK: usize = 1460;

/// What one request (and its response) gets, drawn when its first byte arrives. Faults are
/// drawn per request, not per connection, so that a kept-alive connection meets them too.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestFaults {
    /// Held this long before it goes on to the server.
    pub delay: Option<Duration>,
    /// Cut after this many bytes of the request (no cut when the request is shorter).
    pub cut_request_after: Option<u64>,
    /// Cut after this many bytes of its response (no cut when the response is shorter).
    pub cut_response_after: Option<u64>,
    /// A cut is a reset rather than a close.
    pub reset: bool,
    /// Sent a second time, this long after it was complete.
    pub duplicate_after: Option<Duration>,
}

impl FaultPlan {
    /// A plan that changes nothing: the proxy only forwards and counts.
    pub fn clean(seed: u64) -> FaultPlan {
        FaultPlan {
            seed,
            cut_request: 0.0,
            cut_response: 0.0,
            cut_after_bytes: 1..=4096,
            reset_share: 0.5,
            delay: 0.0,
            stall: 0.0,
            delay_range: Duration::ZERO..=Duration::ZERO,
            duplicate: 0.0,
            duplicate_lag: Duration::ZERO..=Duration::ZERO,
            link: None,
        }
    }

    /// The plan of the exactly-once test: a fifth of requests cut midway, a fifth of responses
    /// cut midway, a tenth delayed, some stalls, a fifth duplicated.
    pub fn hostile(seed: u64) -> FaultPlan {
        FaultPlan::clean(seed)
            .with_cuts(0.2, 0.2, 1..=6000)
            .with_delays(0.1, Duration::from_millis(20)..=Duration::from_millis(400))
            .with_stalls(0.01)
            .with_duplicates(0.2, Duration::ZERO..=Duration::from_millis(300))
    }

    /// Cuts: `request` and `response` are the shares of requests and responses cut,
    /// `after_bytes` where the cut falls in the message.
    pub fn with_cuts(
        mut self,
        request: f64,
        response: f64,
        after_bytes: RangeInclusive<u64>,
    ) -> FaultPlan {
        self.cut_request = request;
        self.cut_response = response;
        self.cut_after_bytes = after_bytes;
        self
    }

    /// The share of cuts made with a reset instead of a close.
    pub fn with_reset_share(mut self, share: f64) -> FaultPlan {
        self.reset_share = share;
        self
    }

    /// Delays: the share of requests held back, and for how long.
    pub fn with_delays(mut self, share: f64, range: RangeInclusive<Duration>) -> FaultPlan {
        self.delay = share;
        self.delay_range = range;
        self
    }

    /// Stalls: the share of chunks held back (for as long as a delay).
    pub fn with_stalls(mut self, share: f64) -> FaultPlan {
        self.stall = share;
        self
    }

    /// Duplicates: the share of complete requests replayed, and how long after the original.
    pub fn with_duplicates(mut self, share: f64, lag: RangeInclusive<Duration>) -> FaultPlan {
        self.duplicate = share;
        self.duplicate_lag = lag;
        self
    }

    /// A slow and flaky link under everything.
    pub fn with_link(mut self, link: LinkPlan) -> FaultPlan {
        self.link = Some(link);
        self
    }

    /// The generator of connection number `connection`.
    pub fn dice(&self, connection: u64) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(connection);
        rng
    }

    /// The generator of the link's drops (a stream no connection uses).
    pub fn link_dice(&self) -> ChaCha8Rng {
        self.dice(u64::MAX)
    }

    /// Draws the faults of one request.
    pub fn request_faults(&self, rng: &mut ChaCha8Rng) -> RequestFaults {
        // Always draw every value, so that one setting does not shift the others' draws.
        let delayed = chance(rng, self.delay);
        let delay = duration_in(rng, &self.delay_range);
        let cut_request = chance(rng, self.cut_request);
        let request_after = u64_in(rng, &self.cut_after_bytes);
        let cut_response = chance(rng, self.cut_response);
        let response_after = u64_in(rng, &self.cut_after_bytes);
        let reset = chance(rng, self.reset_share);
        let duplicated = chance(rng, self.duplicate);
        let lag = duration_in(rng, &self.duplicate_lag);
        RequestFaults {
            delay: delayed.then_some(delay),
            cut_request_after: cut_request.then_some(request_after),
            cut_response_after: cut_response.then_some(response_after),
            reset,
            duplicate_after: duplicated.then_some(lag),
        }
    }

    /// Whether a link drop resets (rather than closes) a connection.
    pub fn link_drop_resets(&self, rng: &mut ChaCha8Rng) -> bool {
        chance(rng, self.reset_share)
    }

    /// Whether a chunk stalls, and for how long.
    pub fn stall_for(&self, rng: &mut ChaCha8Rng) -> Option<Duration> {
        if self.stall <= 0.0 {
            return None;
        }
        let stalled = chance(rng, self.stall);
        let how_long = duration_in(rng, &self.delay_range);
        stalled.then_some(how_long)
    }

    /// Time until the link's next drop, when it drops at all.
    pub fn next_link_cut(&self, rng: &mut ChaCha8Rng) -> Option<Duration> {
        let mean = self.link.as_ref()?.mean_cut_interval?;
        // Exponential: the link has no memory of its last drop.
        let u: f64 = rng.gen();
        let factor = -(1.0 - u).ln();
        Some(mean.mul_f64(factor.clamp(0.0, 50.0)))
    }
}

/// True with probability `p` (values outside [0, 1] act as 0 or 1; never panics).
fn chance(rng: &mut ChaCha8Rng, p: f64) -> bool {
    let u: f64 = rng.gen();
    u < p
}

fn u64_in(rng: &mut ChaCha8Rng, range: &RangeInclusive<u64>) -> u64 {
    let (lo, hi) = (*range.start(), *range.end());
    if lo >= hi {
        return lo;
    }
    rng.gen_range(lo..=hi)
}

fn duration_in(rng: &mut ChaCha8Rng, range: &RangeInclusive<Duration>) -> Duration {
    let (lo, hi) = (range.start().as_micros(), range.end().as_micros());
    let lo = u64::try_from(lo).unwrap_or(u64::MAX);
    let hi = u64::try_from(hi).unwrap_or(u64::MAX);
    Duration::from_micros(u64_in(rng, &(lo..=hi)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draws(plan: &FaultPlan, connections: u64) -> Vec<RequestFaults> {
        (0..connections)
            .map(|n| plan.request_faults(&mut plan.dice(n)))
            .collect()
    }

    #[test]
    fn the_same_seed_replays_the_same_faults_and_another_seed_does_not() {
        let a = draws(&FaultPlan::hostile(42), 200);
        let b = draws(&FaultPlan::hostile(42), 200);
        let c = draws(&FaultPlan::hostile(43), 200);
        assert_eq!(a, b);
        assert_ne!(a, c);
        // Connection 17 gets its faults whatever came before it.
        let plan = FaultPlan::hostile(42);
        assert_eq!(plan.request_faults(&mut plan.dice(17)), a[17]);
    }

    #[test]
    fn faults_come_as_often_as_planned_and_where_planned() {
        let plan = FaultPlan::clean(1)
            .with_cuts(0.2, 0.3, 10..=20)
            .with_delays(0.1, Duration::from_millis(5)..=Duration::from_millis(9));
        let all = draws(&plan, 10_000);
        let share = |f: &dyn Fn(&RequestFaults) -> bool| {
            all.iter().filter(|c| f(c)).count() as f64 / all.len() as f64
        };
        assert!((share(&|c| c.cut_request_after.is_some()) - 0.2).abs() < 0.02);
        assert!((share(&|c| c.cut_response_after.is_some()) - 0.3).abs() < 0.02);
        assert!((share(&|c| c.delay.is_some()) - 0.1).abs() < 0.02);
        for c in &all {
            if let Some(n) = c.cut_request_after {
                assert!((10..=20).contains(&n));
            }
            if let Some(d) = c.delay {
                assert!(d >= Duration::from_millis(5) && d <= Duration::from_millis(9));
            }
        }
    }

    #[test]
    fn a_clean_plan_draws_no_fault() {
        let plan = FaultPlan::clean(9);
        for faults in draws(&plan, 1000) {
            assert_eq!(faults.delay, None);
            assert_eq!(faults.cut_request_after, None);
            assert_eq!(faults.cut_response_after, None);
            assert_eq!(faults.duplicate_after, None);
        }
        let mut rng = plan.dice(0);
        assert_eq!(plan.stall_for(&mut rng), None);
        assert_eq!(plan.next_link_cut(&mut rng), None);
    }

    #[test]
    fn link_drops_average_their_mean_interval() {
        let plan = FaultPlan::clean(5).with_link(LinkPlan {
            bits_per_second: 64_000,
            round_trip: Duration::from_millis(400),
            mean_cut_interval: Some(Duration::from_secs(30)),
            outage: Duration::ZERO,
        });
        let mut rng = plan.link_dice();
        let n = 5_000;
        let total: f64 = (0..n)
            .filter_map(|_| plan.next_link_cut(&mut rng))
            .map(|d| d.as_secs_f64())
            .sum();
        let mean = total / n as f64;
        assert!((27.0..33.0).contains(&mean), "mean interval {mean} s");
    }

    #[test]
    fn odd_settings_never_panic() {
        let plan = FaultPlan::clean(3)
            .with_cuts(7.0, -1.0, RangeInclusive::new(50, 10))
            .with_delays(0.5, Duration::from_secs(2)..=Duration::from_secs(1));
        let faults = plan.request_faults(&mut plan.dice(0));
        assert_eq!(faults.cut_request_after, Some(50));
        assert_eq!(faults.cut_response_after, None);
    }
}
