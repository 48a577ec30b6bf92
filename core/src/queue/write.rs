//! The queue's own transactions: drafts, submit with its receipt number, withdraw, and the
//! server's outcomes and purges, each all-or-nothing.

use super::*;

impl Store {
    /// An IMMEDIATE transaction (the write lock is taken at once, so the receipt number read
    /// and the insert cannot interleave with another writer), and the sealer beside it.
    pub(crate) fn write_tx(&mut self) -> Result<(rusqlite::Transaction<'_>, &Sealer), CoreError> {
        self.writes_since_checkpoint += 1;
        if self.writes_since_checkpoint >= crate::store::CHECKPOINT_EVERY_WRITES {
            self.checkpoint()?;
        }
        let Store { conn, sealer, .. } = self;
        Ok((
            conn.transaction_with_behavior(TransactionBehavior::Immediate)?,
            sealer,
        ))
    }

    /// The state of record `id`.
    pub fn state(&self, id: &str) -> Result<RecordState, CoreError> {
        Ok(get_row(&self.conn, id)?.state)
    }

    // ----- drafts -------------------------------------------------------------------------

    /// Saves a draft: any JSON object, sealed, not validated. With `id`, replaces that draft's
    /// content (it must still be a draft); without, creates one. Returns the draft's id.
    pub fn save_draft(
        &mut self,
        id: Option<&str>,
        draft: &serde_json::Value,
        now: &DateTime<FixedOffset>,
    ) -> Result<String, CoreError> {
        if !draft.is_object() {
            return Err(CoreError::MalformedInput);
        }
        let at = rfc3339(now);
        let (tx, sealer) = self.write_tx()?;
        let id = match id {
            Some(id) => {
                let row = get_row(&tx, id)?;
                if row.state != RecordState::Draft {
                    return Err(not_allowed(row.state));
                }
                let blob = seal_json(sealer, Purpose::Draft, id, DRAFT_VERSION, draft)?;
                tx.execute(
                    "UPDATE records SET content = ?2, content_version = ?3, updated_at = ?4
                     WHERE id = ?1",
                    params![id, blob, DRAFT_VERSION, at],
                )?;
                id.to_string()
            }
            None => {
                let id = uuid::Uuid::now_v7().to_string();
                let blob = seal_json(sealer, Purpose::Draft, &id, DRAFT_VERSION, draft)?;
                tx.execute(
                    "INSERT INTO records (id, state, created_at, updated_at, content_version, content)
                     VALUES (?1, 'draft', ?2, ?2, ?3, ?4)",
                    params![id, at, DRAFT_VERSION, blob],
                )?;
                id
            }
        };
        tx.commit()?;
        Ok(id)
    }

    /// The JSON object saved in draft `id`.
    pub fn load_draft(&self, id: &str) -> Result<serde_json::Value, CoreError> {
        let row = get_row(&self.conn, id)?;
        if row.state != RecordState::Draft {
            return Err(not_allowed(row.state));
        }
        let blob = row
            .content
            .ok_or(CoreError::Crypto("draft has no content"))?;
        open_json(&self.sealer, Purpose::Draft, id, row.content_version, &blob)
    }

    /// Deletes draft `id` (`secure_delete` overwrites its sealed bytes). Drafts have no receipt
    /// number, so nothing needs a tombstone.
    pub fn discard_draft(&mut self, id: &str) -> Result<(), CoreError> {
        let (tx, _) = self.write_tx()?;
        let row = get_row(&tx, id)?;
        if row.state != RecordState::Draft {
            return Err(not_allowed(row.state));
        }
        tx.execute("DELETE FROM records WHERE id = ?1", [id])?;
        tx.commit()?;
        self.forget_erased_pages()
    }

    // ----- submit, withdraw, correct ------------------------------------------------------

    /// Seals and durably inserts a validated record as `queued` with the next receipt number,
    /// and applies `origin` to the draft or corrected record, all in one transaction.
    pub fn insert_submitted(
        &mut self,
        content: &RecordContent,
        origin: Origin,
    ) -> Result<Submitted, CoreError> {
        let (tx, sealer) = self.write_tx()?;
        let id = match &origin {
            Origin::Draft(draft_id) => {
                let row = get_row(&tx, draft_id)?;
                if row.state != RecordState::Draft {
                    return Err(not_allowed(row.state));
                }
                draft_id.clone()
            }
            _ => uuid::Uuid::now_v7().to_string(),
        };
        if let Origin::Replaces(old) = &origin {
            let row = get_row(&tx, old)?;
            if row.state != RecordState::Queued {
                return Err(not_allowed(row.state));
            }
            if content.enrollment.supersedes.is_some() {
                return Err(CoreError::Store(
                    "a replacement of a queued record supersedes nothing".into(),
                ));
            }
            erase_to_tombstone(&tx, old, &content.created_at)?;
        }
        let supersedes = content.enrollment.supersedes.as_deref();
        if let Some(old) = supersedes {
            let row = get_row(&tx, old)?;
            if !row.state.needs_fix() {
                return Err(not_allowed(row.state));
            }
            tx.execute(
                "UPDATE records SET state = 'superseded', updated_at = ?2 WHERE id = ?1",
                params![old, content.created_at],
            )?;
        }
        let last: Option<i64> =
            tx.query_row("SELECT MAX(receipt_no) FROM records", [], |r| r.get(0))?;
        let receipt_no = receipt_u64(last)?.unwrap_or(0) + 1;
        let sealed = content.seal(sealer, &id)?;
        let card = Card::from_content(content).seal(sealer, &id)?;
        let tag = sealer.nik_tag(&content.enrollment.nik);
        let n = i64::try_from(receipt_no)
            .map_err(|_| CoreError::Store("receipt numbers exhausted".into()))?;
        if matches!(origin, Origin::Draft(_)) {
            tx.execute(
                "UPDATE records SET state = 'queued', receipt_no = ?2, created_at = ?3,
                        updated_at = ?3, supersedes = ?4, nik_tag = ?5, content_version = ?6,
                        content = ?7, card = ?8
                 WHERE id = ?1",
                params![
                    id,
                    n,
                    content.created_at,
                    supersedes,
                    tag,
                    CONTENT_VERSION,
                    sealed,
                    card
                ],
            )?;
        } else {
            tx.execute(
                "INSERT INTO records (id, state, receipt_no, created_at, updated_at, supersedes,
                                      nik_tag, content_version, content, card)
                 VALUES (?1, 'queued', ?2, ?3, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    id,
                    n,
                    content.created_at,
                    supersedes,
                    tag,
                    CONTENT_VERSION,
                    sealed,
                    card
                ],
            )?;
        }
        tx.commit()?;
        if matches!(origin, Origin::Replaces(_)) {
            self.forget_erased_pages()?;
        }
        Ok(Submitted {
            reference: reference(receipt_no, &id),
            id,
            receipt_no,
            status: RecordState::Queued,
            warnings: content.warnings_confirmed.clone(),
        })
    }

    /// Withdraws a `queued` record: it stays as a `withdrawn` tombstone with its id and receipt
    /// number, and everything personal (content, card, NIK tag) is erased. A draft is discarded.
    pub fn withdraw(&mut self, id: &str, now: &DateTime<FixedOffset>) -> Result<(), CoreError> {
        let (tx, _) = self.write_tx()?;
        let row = get_row(&tx, id)?;
        if !row.state.can_withdraw() {
            return Err(not_allowed(row.state));
        }
        match row.state {
            RecordState::Draft => {
                tx.execute("DELETE FROM records WHERE id = ?1", [id])?;
            }
            _ => erase_to_tombstone(&tx, id, &rfc3339(now))?,
        }
        tx.commit()?;
        self.forget_erased_pages()
    }

    /// After erasing content: `secure_delete` has zeroed the freed bytes in the main file, but
    /// the WAL still holds page images from before, and WAL frames are reused, not wiped.
    /// Checkpointing with TRUNCATE copies the current pages home and empties the WAL, so erased
    /// ciphertext does not linger (it would open again with the key).
    pub(crate) fn forget_erased_pages(&self) -> Result<(), CoreError> {
        // A reader in another process can make the checkpoint partial (a busy flag, not an
        // error); the next erasure or auto-checkpoint completes it.
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    // ----- what sync applies --------------------------------------------------------------

    /// Records for the next batch, in receipt order: `queued` records with their content, and
    /// `withdrawn` tombstones not yet sent (so the server's receipt sequence has no gap).
    pub fn pending_for_batch(&self, limit: u32) -> Result<Vec<PendingRecord>, CoreError> {
        pending_in(&self.conn, &self.sealer, limit)
    }

    /// Marks records as carried by frozen batch `batch`: `queued` → `sent`; a `withdrawn`
    /// tombstone keeps its state and records the batch. All or nothing: any other state, or a
    /// record already in a batch, refuses the whole call.
    pub fn mark_sent(
        &mut self,
        ids: &[String],
        batch: &str,
        now: &DateTime<FixedOffset>,
    ) -> Result<(), CoreError> {
        let (tx, _) = self.write_tx()?;
        mark_sent_in(&tx, ids, batch, now)?;
        tx.commit()?;
        Ok(())
    }

    /// Applies the server's acknowledgement of a `sent` record, and starts its retention clock.
    /// A replayed acknowledgement (record already past `sent`) changes nothing.
    pub fn apply_ack(
        &mut self,
        id: &str,
        outcome: &AckOutcome,
        now: &DateTime<FixedOffset>,
    ) -> Result<RecordState, CoreError> {
        let (tx, _) = self.write_tx()?;
        let state = apply_ack_in(&tx, id, outcome, now)?;
        tx.commit()?;
        Ok(state)
    }

    /// Applies a supervisor's decision. Decisions can be reversed, so a decided record takes a
    /// new one; a `superseded` or `purged` record ignores late decisions.
    pub fn apply_decision(
        &mut self,
        id: &str,
        decision: &Decision,
        now: &DateTime<FixedOffset>,
    ) -> Result<RecordState, CoreError> {
        let (tx, sealer) = self.write_tx()?;
        let state = apply_decision_in(&tx, sealer, id, decision, now)?;
        tx.commit()?;
        Ok(state)
    }

    /// Stores the payment code (kode iuran) the branch issued, on the participant's card.
    pub fn apply_payment_code(&mut self, id: &str, payment_code: &str) -> Result<(), CoreError> {
        let (tx, sealer) = self.write_tx()?;
        apply_payment_code_in(&tx, sealer, id, payment_code)?;
        tx.commit()?;
        Ok(())
    }

    /// Records a payment the server confirmed, covering contribution months up to `paid_through`
    /// (`YYYY-MM`): the receipt now reads paid, and the card's next due month moves on.
    pub fn apply_payment_confirmed(
        &mut self,
        id: &str,
        paid_through: &str,
    ) -> Result<(), CoreError> {
        let (tx, sealer) = self.write_tx()?;
        apply_payment_confirmed_in(&tx, sealer, id, paid_through)?;
        tx.commit()?;
        Ok(())
    }

    /// Erases the full content of records the server confirmed more than `retention_days` ago
    /// (see the module comment for what stays), then truncates the WAL so no copy of the erased
    /// pages lingers. Returns how many records were purged.
    pub fn purge_expired(
        &mut self,
        now: &DateTime<FixedOffset>,
        retention_days: u32,
    ) -> Result<u64, CoreError> {
        let cutoff = now.timestamp() - i64::from(retention_days) * 86_400;
        let (tx, _) = self.write_tx()?;
        let purged = tx.execute(
            &format!(
                "UPDATE records SET
                    prior_state = state,
                    state = 'purged',
                    content = NULL,
                    note = NULL,
                    card = CASE WHEN state IN ({KEEPS_CARD}) THEN card END,
                    nik_tag = CASE WHEN state IN ({KEEPS_CARD}) THEN nik_tag END,
                    updated_at = ?2
                 WHERE confirmed_at IS NOT NULL AND content IS NOT NULL
                   AND confirmed_at <= ?1 AND state IN ({PURGEABLE})"
            ),
            params![cutoff, rfc3339(now)],
        )?;
        tx.commit()?;
        if purged > 0 {
            self.forget_erased_pages()?;
        }
        Ok(purged as u64)
    }
}
