//! What sync applies, inside a transaction the sync client opened: it applies a whole
//! acknowledgement or downsync page in ONE transaction together with its own bookkeeping (frozen
//! batch, chain head, cursor), so these take the connection of an open transaction. The `Store`
//! methods (`write`) wrap each in a transaction of their own.

use super::*;

/// Records for the next batch, in receipt order: `queued` records with their content, and
/// `withdrawn` tombstones not yet sent (so the server's receipt sequence has no gap).
pub(crate) fn pending_in(
    conn: &rusqlite::Connection,
    sealer: &Sealer,
    limit: u32,
) -> Result<Vec<PendingRecord>, CoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {ROW_COLUMNS} FROM records
         WHERE batch IS NULL AND receipt_no IS NOT NULL AND state IN ('queued', 'withdrawn')
         ORDER BY receipt_no LIMIT ?1"
    ))?;
    let rows = stmt.query_map([limit], read_row)?;
    let mut out = Vec::new();
    for raw in rows {
        let row = raw?;
        let content = match (&row.state, &row.content) {
            (RecordState::Queued, Some(blob)) => Some(RecordContent::open(
                sealer,
                &row.id,
                row.content_version,
                blob,
            )?),
            _ => None,
        };
        out.push(PendingRecord {
            receipt_no: row.receipt_no.unwrap_or(0),
            created_at: row.created_at,
            id: row.id,
            state: row.state,
            content,
        });
    }
    Ok(out)
}

/// Marks records as carried by frozen batch `batch`: `queued` → `sent`; a `withdrawn`
/// tombstone keeps its state and records the batch. Any other state, or a record already in a
/// batch, is an error (and the caller drops its transaction: all or nothing).
pub(crate) fn mark_sent_in(
    conn: &rusqlite::Connection,
    ids: &[String],
    batch: &str,
    now: &DateTime<FixedOffset>,
) -> Result<(), CoreError> {
    let at = rfc3339(now);
    for id in ids {
        let row = get_row(conn, id)?;
        let next = match (row.state, &row.batch) {
            (RecordState::Queued, None) => RecordState::Sent,
            (RecordState::Withdrawn, None) => RecordState::Withdrawn,
            (other, _) => return Err(not_allowed(other)),
        };
        conn.execute(
            "UPDATE records SET state = ?2, batch = ?3, updated_at = ?4 WHERE id = ?1",
            params![id, next.as_str(), batch, at],
        )?;
    }
    Ok(())
}

/// Applies the server's acknowledgement of a `sent` record, and starts its retention clock.
/// A replayed acknowledgement (record already past `sent`) changes nothing.
pub(crate) fn apply_ack_in(
    conn: &rusqlite::Connection,
    id: &str,
    outcome: &AckOutcome,
    now: &DateTime<FixedOffset>,
) -> Result<RecordState, CoreError> {
    let row = get_row(conn, id)?;
    match row.state {
        RecordState::Sent => {}
        RecordState::Draft | RecordState::Queued => return Err(not_allowed(row.state)),
        other => return Ok(other),
    }
    let (next, codes) = match outcome {
        AckOutcome::Accepted | AckOutcome::DuplicateRecord => (RecordState::Accepted, None),
        AckOutcome::DuplicateKnown => (RecordState::Flagged, None),
        AckOutcome::Rejected { codes } => (
            RecordState::Rejected,
            Some(
                serde_json::to_string(codes)
                    .map_err(|_| CoreError::Store("cannot encode codes".into()))?,
            ),
        ),
    };
    conn.execute(
        "UPDATE records SET state = ?2, outcome_codes = ?3, confirmed_at = ?4, updated_at = ?5
         WHERE id = ?1",
        params![id, next.as_str(), codes, now.timestamp(), rfc3339(now)],
    )?;
    Ok(next)
}

/// Applies a supervisor's decision. Decisions can be reversed, so a decided record takes a
/// new one; a `superseded` or `purged` record ignores late decisions.
pub(crate) fn apply_decision_in(
    conn: &rusqlite::Connection,
    sealer: &Sealer,
    id: &str,
    decision: &Decision,
    now: &DateTime<FixedOffset>,
) -> Result<RecordState, CoreError> {
    let row = get_row(conn, id)?;
    match row.state {
        RecordState::Sent
        | RecordState::Accepted
        | RecordState::Flagged
        | RecordState::Approved
        | RecordState::HasIssues
        | RecordState::RejectedByReview => {}
        RecordState::Superseded | RecordState::Purged => return Ok(row.state),
        other => return Err(not_allowed(other)),
    }
    let (next, text) = match decision {
        Decision::Approved => (RecordState::Approved, None),
        Decision::HasIssues { comment } => (RecordState::HasIssues, comment.as_deref()),
        Decision::RejectedByReview { reason } => (RecordState::RejectedByReview, reason.as_deref()),
    };
    let note = text
        .map(|t| sealer.seal(Purpose::Note, id, NOTE_VERSION, t.as_bytes()))
        .transpose()?;
    // A decision on a `sent` record means the server stored it: the retention clock starts
    // now if no acknowledgement was applied (e.g. the ack response was lost).
    conn.execute(
        "UPDATE records SET state = ?2, note = ?3, updated_at = ?4,
                confirmed_at = COALESCE(confirmed_at, ?5)
         WHERE id = ?1",
        params![id, next.as_str(), note, rfc3339(now), now.timestamp()],
    )?;
    Ok(next)
}

/// Stores the payment code (kode iuran) the branch issued, on the participant's card.
pub(crate) fn apply_payment_code_in(
    conn: &rusqlite::Connection,
    sealer: &Sealer,
    id: &str,
    payment_code: &str,
) -> Result<(), CoreError> {
    update_card_in(conn, sealer, id, false, |card| {
        card.payment_code = Some(payment_code.to_string())
    })
}

/// Records a payment the server confirmed through `paid_through` (`YYYY-MM`).
pub(crate) fn apply_payment_confirmed_in(
    conn: &rusqlite::Connection,
    sealer: &Sealer,
    id: &str,
    paid_through: &str,
) -> Result<(), CoreError> {
    let next = YearMonth::parse(paid_through)
        .ok_or_else(|| CoreError::InvalidParameter {
            field: "paid_through".into(),
            code: "month.format".into(),
        })?
        .next();
    update_card_in(conn, sealer, id, true, |card| {
        // Payments may be confirmed out of order: the due month only moves forward.
        let later = match YearMonth::parse(&card.next_due_month) {
            Some(due) => next > due,
            None => true,
        };
        if later {
            card.next_due_month = next.to_string();
        }
    })
}

/// Re-seals the card of record `id` after `change`, and sets the paid flag when `paid`.
pub(super) fn update_card_in(
    conn: &rusqlite::Connection,
    sealer: &Sealer,
    id: &str,
    paid: bool,
    change: impl FnOnce(&mut Card),
) -> Result<(), CoreError> {
    let row = get_row(conn, id)?;
    let blob = row.card.ok_or_else(|| not_allowed(row.state))?;
    let mut card = Card::open(sealer, id, &blob)?;
    change(&mut card);
    conn.execute(
        "UPDATE records SET card = ?2, paid = paid OR ?3 WHERE id = ?1",
        params![id, card.seal(sealer, id)?, paid],
    )?;
    Ok(())
}

/// `queued` → `withdrawn`: keeps id, receipt number and times; erases everything personal.
pub(super) fn erase_to_tombstone(
    tx: &rusqlite::Transaction<'_>,
    id: &str,
    at: &str,
) -> Result<(), CoreError> {
    tx.execute(
        "UPDATE records SET state = 'withdrawn', content = NULL, card = NULL, note = NULL,
                nik_tag = NULL, updated_at = ?2
         WHERE id = ?1",
        params![id, at],
    )?;
    Ok(())
}
