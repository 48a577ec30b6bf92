//! Batch size adapted to the link: small batches on a bad link lose little when the connection
//! is cut; large ones on a good link save round trips and compress better.
//!
//! Start at [`INITIAL_RECORDS`], double after every acknowledged batch, halve after a failed or
//! timed-out attempt, never below 1 nor above [`MAX_RECORDS`] records; and whatever the count, a
//! batch body is at most [`MAX_BODY_BYTES`] after compression (the freezer drops records from
//! the end until it fits). A batch already frozen is never resized: it is resent as it is.

/// Records in the first batch of a sync.
pub const INITIAL_RECORDS: u32 = 10;
/// Most records in one batch (ARCHITECTURE.md §3).
pub const MAX_RECORDS: u32 = crate::protocol::MAX_RECORDS_PER_BATCH as u32;
/// Most bytes of compressed body in one batch (ARCHITECTURE.md §3: 64 KiB).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The current batch size and how it moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkAdapter {
    records: u32,
}

impl LinkAdapter {
    pub fn new(initial: u32) -> LinkAdapter {
        LinkAdapter {
            records: initial.clamp(1, MAX_RECORDS),
        }
    }

    /// How many records the next batch may carry.
    pub fn batch_records(&self) -> u32 {
        self.records
    }

    /// A batch was acknowledged: try twice as many.
    pub fn on_success(&mut self) {
        self.records = self.records.saturating_mul(2).min(MAX_RECORDS);
    }

    /// An attempt failed or timed out: try half as many.
    pub fn on_failure(&mut self) {
        self.records = (self.records / 2).max(1);
    }
}

impl Default for LinkAdapter {
    fn default() -> LinkAdapter {
        LinkAdapter::new(INITIAL_RECORDS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_small_grows_on_success_shrinks_on_failure_within_bounds() {
        let mut link = LinkAdapter::default();
        assert_eq!(link.batch_records(), 10);
        link.on_success();
        assert_eq!(link.batch_records(), 20);
        for _ in 0..5 {
            link.on_success();
        }
        assert_eq!(link.batch_records(), 100, "capped at 100");
        link.on_failure();
        assert_eq!(link.batch_records(), 50);
        for _ in 0..10 {
            link.on_failure();
        }
        assert_eq!(link.batch_records(), 1, "never below one record");
        link.on_success();
        assert_eq!(link.batch_records(), 2);
        assert_eq!(LinkAdapter::new(0).batch_records(), 1);
        assert_eq!(LinkAdapter::new(1000).batch_records(), 100);
    }
}
