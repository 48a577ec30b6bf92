//! The server's acknowledgement of a batch (docs/PROTOCOL.md, "Batches"): verified before any
//! record moves, then turned into one outcome per record.
//!
//! [`open_ack`] checks, in order: the body is a signed envelope; its signature verifies in the
//! context `perisai/v1/ack` under a server key the device trusts (the pinned one, the next one a
//! rotation announced, or one a carried rotation leads to: `crate::protocol::rotation`); the
//! payload names this device, this `seq` and this batch's hash. Only then [`outcomes`] maps the
//! per-record results:
//!
//! | server says | record becomes |
//! |---|---|
//! | `accepted` | `accepted` |
//! | `accepted` with `nik.duplicate_known` | `flagged` |
//! | `duplicate_record` | `accepted` (the server has it with the same content) |
//! | `rejected` with codes | `rejected`, codes kept for the agent |
//! | whole batch refused (`batch_codes`, e.g. an undecodable body) | every record `rejected` |
//! | no result for a record of the batch | `rejected` with `ack.missing`: never left `sent` silently |

use std::collections::HashMap;

use super::state::KeptBatch;
use crate::error::CoreError;
use crate::protocol::envelope::SignedEnvelope;
use crate::protocol::labels::LABEL_ACK;
use crate::protocol::messages::{Ack, RecordResult, RecordStatus};
use crate::protocol::rotation::{ServerTrust, TrustChange, TrustError};
use crate::queue::{AckOutcome, RecordState};

/// The code an accepted record carries when its NIK may already be registered.
pub const NIK_DUPLICATE_KNOWN: &str = "nik.duplicate_known";
/// The code given to a record the acknowledgement does not mention.
pub const ACK_MISSING: &str = "ack.missing";

/// Why an acknowledgement was not taken.
#[derive(Debug)]
pub enum AckError {
    /// Not a signed envelope at all (a captive portal's page, a cut body): worth a retry.
    Undecodable,
    /// Signed wrongly, or signed but about another batch: never applied.
    NotAuthentic(CoreError),
}

/// Verifies an acknowledgement body for `batch` of `device_id` under the keys in `trust`;
/// returns it with what it changes in the trust (to apply with the acknowledgement).
pub fn open_ack(
    body: &[u8],
    trust: &ServerTrust,
    device_id: &str,
    batch: &KeptBatch,
) -> Result<(Ack, TrustChange), AckError> {
    let envelope: SignedEnvelope =
        serde_json::from_slice(body).map_err(|_| AckError::Undecodable)?;
    let opened = trust.open(&envelope, LABEL_ACK).map_err(|e| match e {
        TrustError::Malformed => AckError::Undecodable,
        TrustError::Signature => AckError::NotAuthentic(CoreError::SyncServerKey(
            "acknowledgement signature does not verify",
        )),
        TrustError::UnknownKey => AckError::NotAuthentic(CoreError::SyncServerKey(
            "acknowledgement signed by a server key this device does not trust",
        )),
    })?;
    let ack: Ack = serde_json::from_slice(&opened.payload).map_err(|_| AckError::Undecodable)?;
    if ack.device_id != device_id || ack.seq != batch.seq || ack.batch_hash != batch.batch_hash {
        return Err(AckError::NotAuthentic(CoreError::SyncServerKey(
            "acknowledgement is for another batch",
        )));
    }
    Ok((ack, opened.change))
}

fn outcome_of(result: &RecordResult) -> AckOutcome {
    match result.status {
        RecordStatus::Accepted if result.codes.iter().any(|c| c.code == NIK_DUPLICATE_KNOWN) => {
            AckOutcome::DuplicateKnown
        }
        RecordStatus::Accepted => AckOutcome::Accepted,
        RecordStatus::DuplicateRecord => AckOutcome::DuplicateRecord,
        RecordStatus::Rejected => AckOutcome::Rejected {
            codes: result.codes.iter().map(|c| c.code.clone()).collect(),
        },
    }
}

/// One outcome per record of the batch (`records`: ids and states as stored; tombstones get
/// theirs too, and applying it changes nothing).
pub fn outcomes(ack: &Ack, records: &[(String, RecordState)]) -> Vec<(String, AckOutcome)> {
    if !ack.batch_codes.is_empty() {
        let codes: Vec<String> = ack.batch_codes.iter().map(|c| c.code.clone()).collect();
        return records
            .iter()
            .map(|(id, _)| {
                (
                    id.clone(),
                    AckOutcome::Rejected {
                        codes: codes.clone(),
                    },
                )
            })
            .collect();
    }
    let by_id: HashMap<&str, &RecordResult> =
        ack.results.iter().map(|r| (r.id.as_str(), r)).collect();
    records
        .iter()
        .map(|(id, _)| {
            let outcome = match by_id.get(id.as_str()) {
                Some(result) => outcome_of(result),
                None => AckOutcome::Rejected {
                    codes: vec![ACK_MISSING.to_string()],
                },
            };
            (id.clone(), outcome)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::labels::LABEL_DOWNSYNC;
    use crate::protocol::messages::FieldCode;
    use crate::signer::{DeviceSigner, SoftwareSigner};

    fn batch() -> KeptBatch {
        KeptBatch {
            seq: 4,
            batch_hash: "ab".repeat(32),
            record_count: 2,
            bytes: vec![1, 2, 3],
            acked: false,
        }
    }

    fn ack(results: Vec<RecordResult>) -> Ack {
        Ack {
            device_id: "dev-1".into(),
            seq: 4,
            batch_hash: "ab".repeat(32),
            results,
            nonce: "n-5".into(),
            batch_codes: Vec::new(),
        }
    }

    fn result(id: &str, status: RecordStatus, codes: &[(&str, &str)]) -> RecordResult {
        RecordResult {
            id: id.into(),
            status,
            codes: codes
                .iter()
                .map(|(f, c)| FieldCode {
                    field: (*f).into(),
                    code: (*c).into(),
                })
                .collect(),
        }
    }

    #[test]
    fn only_a_signed_ack_for_this_very_batch_is_taken() {
        let server = SoftwareSigner::generate_ephemeral().unwrap();
        let key = ServerTrust {
            pinned: server.public_key().unwrap(),
            next: None,
        };
        let sign = |a: &Ack, label| {
            serde_json::to_vec(&SignedEnvelope::sign(label, a, &server).unwrap()).unwrap()
        };
        let good = ack(vec![]);
        assert_eq!(
            open_ack(&sign(&good, LABEL_ACK), &key, "dev-1", &batch()).unwrap(),
            (good.clone(), TrustChange::Keep)
        );
        // Another key, another context, another batch, another device: refused.
        let other = SoftwareSigner::generate_ephemeral().unwrap();
        let foreign =
            serde_json::to_vec(&SignedEnvelope::sign(LABEL_ACK, &good, &other).unwrap()).unwrap();
        let refused = |body: &[u8], device: &str| {
            matches!(
                open_ack(body, &key, device, &batch()),
                Err(AckError::NotAuthentic(CoreError::SyncServerKey(_)))
            )
        };
        assert!(refused(&foreign, "dev-1"));
        assert!(refused(&sign(&good, LABEL_DOWNSYNC), "dev-1"));
        assert!(refused(&sign(&good, LABEL_ACK), "dev-2"));
        let mut later = good.clone();
        later.seq = 5;
        assert!(refused(&sign(&later, LABEL_ACK), "dev-1"));
        let mut forked = good.clone();
        forked.batch_hash = "cd".repeat(32);
        assert!(refused(&sign(&forked, LABEL_ACK), "dev-1"));
        // A page from a captive portal is not an ack, and worth a retry.
        assert!(matches!(
            open_ack(b"<html>Login</html>", &key, "dev-1", &batch()),
            Err(AckError::Undecodable)
        ));
    }

    #[test]
    fn results_map_to_record_outcomes_and_nothing_stays_sent() {
        let a = ack(vec![
            result("r1", RecordStatus::Accepted, &[]),
            result(
                "r2",
                RecordStatus::Accepted,
                &[("nik", NIK_DUPLICATE_KNOWN)],
            ),
            result("r3", RecordStatus::DuplicateRecord, &[]),
            result(
                "r4",
                RecordStatus::Rejected,
                &[("nik", "nik.format"), ("id", "id.conflict")],
            ),
            result("stranger", RecordStatus::Accepted, &[]),
        ]);
        let records: Vec<(String, RecordState)> = ["r1", "r2", "r3", "r4", "r5"]
            .iter()
            .map(|id| (id.to_string(), RecordState::Sent))
            .collect();
        let got = outcomes(&a, &records);
        assert_eq!(
            got,
            vec![
                ("r1".into(), AckOutcome::Accepted),
                ("r2".into(), AckOutcome::DuplicateKnown),
                ("r3".into(), AckOutcome::DuplicateRecord),
                (
                    "r4".into(),
                    AckOutcome::Rejected {
                        codes: vec!["nik.format".into(), "id.conflict".into()]
                    }
                ),
                (
                    "r5".into(),
                    AckOutcome::Rejected {
                        codes: vec![ACK_MISSING.into()]
                    }
                ),
            ]
        );
    }

    #[test]
    fn a_batch_refused_whole_rejects_each_record_with_the_batch_code() {
        let mut a = ack(vec![]);
        a.batch_codes = vec![FieldCode {
            field: "batch".into(),
            code: "batch.body_undecodable".into(),
        }];
        let records = vec![("r1".to_string(), RecordState::Sent)];
        assert_eq!(
            outcomes(&a, &records),
            vec![(
                "r1".into(),
                AckOutcome::Rejected {
                    codes: vec!["batch.body_undecodable".into()]
                }
            )]
        );
    }
}
