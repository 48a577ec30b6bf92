//! Freezing the next batch: the records the queue hands out (`pending_for_batch`: `queued`
//! records and unsent tombstones, in receipt order) become one signed batch that is stored and
//! marked `sent` in ONE transaction ([`freeze_next`]), so a crash leaves either no batch and the
//! records `queued`, or the batch kept and the records `sent`; never a record in two batches,
//! never a batch that is not kept.
//!
//! The chain: the batch takes `seq = next_seq` and `prev_hash` = the previous batch's hash (the
//! genesis hash for seq 1), both from the identity row, which then moves on in the same
//! transaction. Once frozen a batch is never rebuilt or re-signed: retries send its stored bytes.

use chrono::{DateTime, FixedOffset};
use serde_json::Value;

use super::link::MAX_BODY_BYTES;
use super::state::{self, batch_label, KeptBatch};
use super::wire;
use crate::error::CoreError;
use crate::protocol::batch::{deflate_records, freeze, BatchHeader};
use crate::protocol::PROTOCOL_VERSION;
use crate::queue::{mark_sent_in, pending_in, rfc3339};
use crate::signer::DeviceSigner;
use crate::store::Store;

/// A batch just frozen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frozen {
    pub batch: KeptBatch,
    /// Enrollments in it (tombstones not counted).
    pub enrollments: u32,
}

/// The longest prefix of `records` (at least one) whose deflated JSON array is at most
/// `max_body` bytes, and its body. Halves the count until it fits: a batch over the limit is
/// rare (records are small and compress well), so this is cheap in practice.
pub fn fit_body(records: &[Value], max_body: usize) -> Result<(Vec<u8>, usize), CoreError> {
    let mut count = records.len();
    loop {
        let body = deflate_records(&records[..count])?;
        if body.len() <= max_body {
            return Ok((body, count));
        }
        if count <= 1 {
            return Err(CoreError::InvalidParameter {
                field: "batch".into(),
                code: "batch.too_large".into(),
            });
        }
        count /= 2;
    }
}

/// Freezes the next batch of at most `max_records` records; `None` when nothing is pending.
pub fn freeze_next(
    store: &mut Store,
    signer: &dyn DeviceSigner,
    max_records: u32,
    now: &DateTime<FixedOffset>,
) -> Result<Option<Frozen>, CoreError> {
    let (tx, sealer) = store.write_tx()?;
    let identity = state::require_identity(&tx)?;
    let pending = pending_in(&tx, sealer, max_records.max(1))?;
    if pending.is_empty() {
        return Ok(None);
    }
    let wires = pending
        .iter()
        .map(|p| wire::wire_record(p, &identity.device_id))
        .collect::<Result<Vec<_>, _>>()?;
    let (body, count) = fit_body(&wires, MAX_BODY_BYTES)?;
    let carried = &pending[..count];
    let created_at = rfc3339(now);
    let header = BatchHeader {
        v: PROTOCOL_VERSION,
        device_id: identity.device_id.clone(),
        seq: identity.next_seq,
        prev_hash: identity.prev_hash.clone(),
        created_at: created_at.clone(),
        count: 0,
        body_sha256: String::new(),
    };
    let count_u32 = u32::try_from(count).map_err(|_| CoreError::Store("batch too long".into()))?;
    let (bytes, batch_hash) = freeze(header, count_u32, &body, signer)?;
    let batch = KeptBatch {
        seq: identity.next_seq,
        batch_hash,
        record_count: count_u32,
        bytes,
        acked: false,
    };
    state::insert_batch(&tx, sealer, &identity.device_id, &batch, &created_at)?;
    let ids: Vec<String> = carried.iter().map(|p| p.id.clone()).collect();
    mark_sent_in(&tx, &ids, &batch_label(&identity.device_id, batch.seq), now)?;
    state::advance_chain(&tx, batch.seq, &batch.batch_hash)?;
    tx.commit()?;
    let enrollments = carried.iter().filter(|p| !wire::is_tombstone(p)).count() as u32;
    Ok(Some(Frozen { batch, enrollments }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_body_over_the_cap_is_cut_to_a_prefix_that_fits() {
        // Incompressible filler: 2 KiB of pseudo-random hex per record, 100 records ≈ 200 KiB.
        let records: Vec<Value> = (0..100u32)
            .map(|i| {
                let noise: String = (0..1024u32)
                    .map(|j| {
                        let x = (i.wrapping_mul(2_654_435_761) ^ j.wrapping_mul(40_503))
                            .wrapping_mul(2_246_822_519);
                        format!("{:02x}", (x >> 13) as u8)
                    })
                    .collect();
                json!({"id": i, "address": noise})
            })
            .collect();
        let (body, count) = fit_body(&records, MAX_BODY_BYTES).unwrap();
        assert!(body.len() <= MAX_BODY_BYTES, "{}", body.len());
        assert!((1..100).contains(&count), "{count}");
        // Small records all fit.
        let small: Vec<Value> = (0..100).map(|i| json!({"id": i})).collect();
        assert_eq!(fit_body(&small, MAX_BODY_BYTES).unwrap().1, 100);
        // A single record over the cap is refused, never sent half.
        let err = fit_body(&records[..1], 100).unwrap_err();
        assert_eq!(err.code(), "input.parameter");
    }
}
