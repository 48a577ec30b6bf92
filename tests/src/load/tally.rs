//! What the load driver counts: one [`Outcome`] per upload attempt, and from them the figures of
//! a run (batches and records acknowledged, latency percentiles, errors by kind). Pure
//! arithmetic over what was measured, so it is unit-tested; the timings themselves come only
//! from driver runs.

use std::collections::BTreeMap;
use std::time::Duration;

/// One upload attempt of one batch by one device.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// When the request was sent, since the start of the run.
    pub sent_at: Duration,
    /// From the request sent to the whole answer received (and, for a 200, its signature and
    /// contents checked).
    pub latency: Duration,
    /// The records acknowledged, or why the attempt failed.
    pub result: Result<u32, String>,
    /// Sent after the measured part of the run, to finish a batch that had failed (so that
    /// every frozen batch ends acknowledged and the database can be checked exactly).
    pub drain: bool,
}

impl Outcome {
    /// When the answer arrived, since the start of the run.
    pub fn answered_at(&self) -> Duration {
        self.sent_at + self.latency
    }
}

/// Latency percentiles of a set of acknowledged batches (nearest rank).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Percentiles {
    pub count: usize,
    pub p50: Duration,
    pub p90: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl Percentiles {
    /// Percentiles of `latencies` (any order); all zero when empty.
    pub fn of(mut latencies: Vec<Duration>) -> Percentiles {
        if latencies.is_empty() {
            return Percentiles::default();
        }
        latencies.sort_unstable();
        let rank = |p: f64| {
            // Nearest rank: the smallest value with at least p % of the values at or below it.
            let n = latencies.len();
            let index = ((p / 100.0) * n as f64).ceil() as usize;
            latencies[index.clamp(1, n) - 1]
        };
        Percentiles {
            count: latencies.len(),
            p50: rank(50.0),
            p90: rank(90.0),
            p99: rank(99.0),
            max: latencies[latencies.len() - 1],
        }
    }
}

/// The figures of a set of attempts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub attempts: u64,
    pub batches_acknowledged: u64,
    pub records_acknowledged: u64,
    /// Failed attempts by kind (`status 429`, `transport: …`, `ack: …`).
    pub errors: BTreeMap<String, u64>,
    pub latency: Percentiles,
}

impl Summary {
    /// Sums up the attempts `keep` selects.
    pub fn of<'a>(
        outcomes: impl IntoIterator<Item = &'a Outcome>,
        keep: impl Fn(&Outcome) -> bool,
    ) -> Summary {
        let mut summary = Summary::default();
        let mut latencies = Vec::new();
        for outcome in outcomes.into_iter().filter(|o| keep(o)) {
            summary.attempts += 1;
            match &outcome.result {
                Ok(records) => {
                    summary.batches_acknowledged += 1;
                    summary.records_acknowledged += u64::from(*records);
                    latencies.push(outcome.latency);
                }
                Err(kind) => *summary.errors.entry(kind.clone()).or_default() += 1,
            }
        }
        summary.latency = Percentiles::of(latencies);
        summary
    }

    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }
}

/// The sustained rate of a closed-loop run: records acknowledged per second between the moment
/// `from` of all records had been acknowledged and the moment `to` had (e.g. 0.1 and 0.9), so
/// that neither the start (connections opening, caches cold) nor the tail (devices running out
/// of batches one by one) counts. Also returns that span. `None` with fewer than two answers.
pub fn sustained_rate(outcomes: &[Outcome], from: f64, to: f64) -> Option<(f64, Duration)> {
    let mut acks: Vec<(Duration, u32)> = outcomes
        .iter()
        .filter_map(|o| o.result.as_ref().ok().map(|r| (o.answered_at(), *r)))
        .collect();
    if acks.len() < 2 {
        return None;
    }
    acks.sort_unstable();
    let total: u64 = acks.iter().map(|(_, r)| u64::from(*r)).sum();
    let (low, high) = ((total as f64 * from) as u64, (total as f64 * to) as u64);
    let (mut seen, mut start, mut end) = (0u64, None, None);
    for (at, records) in &acks {
        seen += u64::from(*records);
        if start.is_none() && seen > low {
            start = Some((*at, seen));
        }
        if end.is_none() && seen >= high {
            end = Some((*at, seen));
        }
    }
    let ((start_at, start_seen), (end_at, end_seen)) = (start?, end?);
    let span = end_at.checked_sub(start_at)?;
    if span.is_zero() {
        return None;
    }
    Some(((end_seen - start_seen) as f64 / span.as_secs_f64(), span))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    fn ok(sent: u64, latency: u64, records: u32) -> Outcome {
        Outcome {
            sent_at: ms(sent),
            latency: ms(latency),
            result: Ok(records),
            drain: false,
        }
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let p = Percentiles::of((1..=100).rev().map(ms).collect());
        assert_eq!(p.count, 100);
        assert_eq!(
            (p.p50, p.p90, p.p99, p.max),
            (ms(50), ms(90), ms(99), ms(100))
        );
        let one = Percentiles::of(vec![ms(7)]);
        assert_eq!((one.p50, one.p99, one.max), (ms(7), ms(7), ms(7)));
        assert_eq!(Percentiles::of(Vec::new()), Percentiles::default());
    }

    #[test]
    fn a_summary_counts_records_of_acknowledged_batches_and_errors_by_kind() {
        let mut failed = ok(30, 5, 0);
        failed.result = Err("status 429".into());
        let outcomes = vec![ok(0, 10, 20), ok(10, 30, 20), failed.clone(), failed];
        let all = Summary::of(&outcomes, |_| true);
        assert_eq!(all.attempts, 4);
        assert_eq!(all.batches_acknowledged, 2);
        assert_eq!(all.records_acknowledged, 40);
        assert_eq!(all.errors.get("status 429"), Some(&2));
        assert_eq!(all.error_count(), 2);
        assert_eq!(all.latency.max, ms(30));
        // Latencies of failed attempts are not acknowledgement latencies.
        assert_eq!(all.latency.count, 2);
        let late = Summary::of(&outcomes, |o| o.sent_at >= ms(10));
        assert_eq!(late.attempts, 3);
        assert_eq!(late.records_acknowledged, 20);
    }

    #[test]
    fn the_sustained_rate_leaves_out_the_start_and_the_tail() {
        // 10 batches of 100 records answered at 1 s, 2 s, … 10 s; then a slow tail at 60 s.
        let mut outcomes: Vec<Outcome> = (1..=10).map(|s| ok(s * 1000 - 1, 1, 100)).collect();
        outcomes.push(ok(59_999, 1, 100));
        // 1,100 records: 10 % is passed at the 2nd answer (2 s), 90 % reached at the 10th (10 s).
        let (rate, span) = sustained_rate(&outcomes, 0.1, 0.9).unwrap();
        assert_eq!(span, ms(8000));
        assert!((rate - 800.0 / 8.0).abs() < 1e-9, "{rate}");
        assert_eq!(sustained_rate(&outcomes[..1], 0.1, 0.9), None);
    }
}
