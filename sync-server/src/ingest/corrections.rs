//! Corrections: which stored records an agent may supersede, checked in the statement that
//! supersedes them, and what a refused correction becomes (refused at ingest, and a fraud signal
//! when it named another agent's record).

use perisai_domain::protocol::messages::FieldCode;
use sqlx::AnyConnection;

use crate::db::devices::Device;
use crate::db::flags::{self, Flag};
use crate::error::ApiError;

/// The statuses a correction may replace: what still waits for a decision (`received`), what
/// review sent back (`has_issues`), and what ingest refused. Approved and rejected records are
/// final; reversing a decision is the supervisor's, not the device's. (A macro, so that the
/// statements below are constants.)
macro_rules! correctable_statuses {
    () => {
        "('received', 'has_issues', 'rejected_at_ingest')"
    };
}

/// Whether record `$2` of branch `$1` is agent `$3`'s and may be corrected.
pub(super) const CORRECTABLE_BY_AGENT: &str = concat!(
    "SELECT id FROM enrollments WHERE branch = $1 AND id = $2 AND agent_id = $3 AND status IN ",
    correctable_statuses!()
);

/// Marks record `$3` of branch `$2` superseded by `$1`, if it is agent `$4`'s and may be
/// corrected.
pub(super) const SUPERSEDE: &str = concat!(
    "UPDATE enrollments SET status = 'superseded', superseded_by = $1
     WHERE branch = $2 AND id = $3 AND agent_id = $4 AND status IN ",
    correctable_statuses!()
);

/// What became of a correction's `supersedes`.
pub(super) enum Superseding {
    /// The older record is now `superseded` and gave up its NIK claim.
    Done,
    /// The older record is not this agent's to correct, or not in a state that can be
    /// corrected, or not there at all. `owner` is the agent whose record it is, when that is
    /// another agent: an attempt on someone else's record.
    Refused { owner: Option<String> },
}

/// The correction `new` replaces `old`, if `old` is a record of the device's own agent in a
/// state that may be corrected: checked in the UPDATE itself, so nothing between a check and
/// the write can change the answer. A record of this very batch qualifies only if this batch
/// inserted it (a decoy whose id another record holds was not inserted, so the stored row keeps
/// its own agent and status). On success `old` gives up its NIK claim (the correction claims
/// afresh, possibly with a corrected NIK).
pub(super) async fn supersede(
    conn: &mut AnyConnection,
    device: &Device,
    old: &str,
    new: &str,
) -> Result<Superseding, sqlx::Error> {
    let updated = sqlx::query(SUPERSEDE)
        .bind(new)
        .bind(&device.branch)
        .bind(old)
        .bind(&device.agent_id)
        .execute(&mut *conn)
        .await?;
    if updated.rows_affected() != 1 {
        let owner: Option<String> =
            sqlx::query_scalar("SELECT agent_id FROM enrollments WHERE branch = $1 AND id = $2")
                .bind(&device.branch)
                .bind(old)
                .fetch_optional(&mut *conn)
                .await?;
        return Ok(Superseding::Refused {
            owner: owner.filter(|agent| *agent != device.agent_id),
        });
    }
    sqlx::query("DELETE FROM nik_claims WHERE branch = $1 AND record_id = $2")
        .bind(&device.branch)
        .bind(old)
        .execute(&mut *conn)
        .await?;
    Ok(Superseding::Done)
}

/// A correction whose `supersedes` was refused is refused itself: its row (inserted by this
/// batch) is marked as refused at ingest with `supersedes.invalid`, like a record the
/// validator refused, so it never reaches review.
pub(super) async fn refuse_correction(
    conn: &mut AnyConnection,
    device: &Device,
    seq: i64,
    id: &str,
    codes: &[FieldCode],
) -> Result<(), ApiError> {
    let codes = serde_json::to_string(codes).map_err(|_| ApiError::internal())?;
    sqlx::query(
        "UPDATE enrollments SET status = 'rejected_at_ingest', codes = $1
         WHERE branch = $2 AND id = $3 AND device_id = $4 AND batch_seq = $5",
    )
    .bind(codes)
    .bind(&device.branch)
    .bind(id)
    .bind(&device.id)
    .bind(seq)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The fraud signal of a device that tried to correct another agent's record.
pub(super) fn foreign_supersede_flag(
    device: &Device,
    record_id: &str,
    old: &str,
    owner: &str,
) -> Flag {
    Flag {
        branch: device.branch.clone(),
        kind: flags::kind::FOREIGN_SUPERSEDE,
        agent_id: Some(device.agent_id.clone()),
        device_id: Some(device.id.clone()),
        record_id: Some(record_id.to_string()),
        evidence: serde_json::json!({
            "record_id": record_id,
            "supersedes": old,
            "owner_agent_id": owner,
        }),
        dedup_key: format!("{}:{record_id}", flags::kind::FOREIGN_SUPERSEDE),
    }
}
