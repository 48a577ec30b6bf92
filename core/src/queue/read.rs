//! Reading the queue: lists, content, participants, receipts, counts, duplicate checks.

use super::*;

impl Store {
    // ----- reading ------------------------------------------------------------------------

    /// Records in receipt order (drafts, which have no number, last), optionally of one state.
    /// A record whose sealed data cannot be opened is still listed, without a name, so one
    /// damaged row never hides the others; its receipt reports the error.
    pub fn list(&self, state: Option<RecordState>) -> Result<Vec<RecordSummary>, CoreError> {
        // Two statements rather than `?1 IS NULL OR state = ?1`, so a filtered list uses the
        // state index.
        let filter = if state.is_some() {
            "WHERE state = ?1"
        } else {
            "WHERE ?1 IS NULL"
        };
        let sql = format!(
            "SELECT {ROW_COLUMNS} FROM records {filter}
             ORDER BY receipt_no IS NULL, receipt_no, updated_at, id"
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map([state.map(RecordState::as_str)], read_row)?;
        let mut out = Vec::new();
        for raw in rows {
            let row = raw?;
            let full_name = self.name_of(&row);
            out.push(RecordSummary {
                reference: row.receipt_no.map(|n| reference(n, &row.id)),
                id: row.id,
                state: row.state,
                receipt_no: row.receipt_no,
                created_at: row.created_at,
                full_name,
            });
        }
        Ok(out)
    }

    fn name_of(&self, row: &Row) -> Option<String> {
        if let Some(card) = &row.card {
            return Card::open(&self.sealer, &row.id, card)
                .ok()
                .map(|c| c.full_name);
        }
        let blob = row.content.as_ref()?;
        if row.state == RecordState::Draft {
            let draft: serde_json::Value = open_json(
                &self.sealer,
                Purpose::Draft,
                &row.id,
                row.content_version,
                blob,
            )
            .ok()?;
            return draft
                .get("full_name")
                .and_then(|n| n.as_str())
                .map(|n| n.trim().to_string());
        }
        RecordContent::open(&self.sealer, &row.id, row.content_version, blob)
            .ok()
            .map(|c| c.enrollment.full_name)
    }

    /// The record's sealed content, when it still has it (not for drafts, tombstones, purged).
    pub fn content(&self, id: &str) -> Result<Option<RecordContent>, CoreError> {
        let row = get_row(&self.conn, id)?;
        match (&row.state, &row.content) {
            (RecordState::Draft, _) | (_, None) => Ok(None),
            (_, Some(blob)) => Ok(Some(RecordContent::open(
                &self.sealer,
                id,
                row.content_version,
                blob,
            )?)),
        }
    }

    /// Every participant card, in receipt order: the records that stand for a participant
    /// (submitted and not withdrawn, superseded or rejected on review), also after their purge.
    pub fn participants(&self) -> Result<Vec<ParticipantCard>, CoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, state, prior_state, card FROM records WHERE card IS NOT NULL
             ORDER BY receipt_no IS NULL, receipt_no, id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Vec<u8>>(3)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, state, prior, blob) = row?;
            let shown = match (state.as_str(), prior) {
                ("purged", Some(prior)) => prior,
                _ => state,
            };
            let card = Card::open(&self.sealer, &id, &blob)?;
            out.push(ParticipantCard {
                status: RecordState::parse(&shown)?,
                record_id: id,
                name: card.full_name,
                nik_masked: card.nik_masked,
                next_due_month: card.next_due_month,
                payment_code: card.payment_code,
                phone: card.phone,
                overdue: false,
            });
        }
        Ok(out)
    }

    /// The participant card of record `id`, if it has one.
    pub fn card(&self, id: &str) -> Result<Option<Card>, CoreError> {
        let row = get_row(&self.conn, id)?;
        row.card
            .map(|blob| Card::open(&self.sealer, id, &blob))
            .transpose()
    }

    /// The receipt of a submitted record. A draft has none ([`CoreError::NotAllowed`]).
    pub fn receipt(&self, id: &str) -> Result<Receipt, CoreError> {
        let row = get_row(&self.conn, id)?;
        let Some(receipt_no) = row.receipt_no else {
            return Err(not_allowed(row.state));
        };
        let content = match (&row.state, &row.content) {
            (RecordState::Draft, _) | (_, None) => None,
            (_, Some(blob)) => Some(RecordContent::open(
                &self.sealer,
                id,
                row.content_version,
                blob,
            )?),
        };
        let card = row
            .card
            .as_ref()
            .map(|blob| Card::open(&self.sealer, id, blob))
            .transpose()?;
        let note = row
            .note
            .as_ref()
            .map(|blob| {
                self.sealer
                    .open(Purpose::Note, id, NOTE_VERSION, blob)
                    .map(|t| String::from_utf8_lossy(&t).into_owned())
            })
            .transpose()?;
        let outcome_codes = match &row.outcome_codes {
            Some(json) => serde_json::from_str(json)
                .map_err(|_| CoreError::Store("bad outcome codes".into()))?,
            None => Vec::new(),
        };
        let e = content.as_ref().map(|c| &c.enrollment);
        Ok(Receipt {
            id: row.id.clone(),
            receipt_no,
            reference: reference(receipt_no, &row.id),
            state: row.state,
            paid: row.paid,
            payment_status: if row.paid {
                PAYMENT_STATUS_PAID
            } else {
                PAYMENT_STATUS_UNPAID
            }
            .to_string(),
            full_name: e
                .map(|e| e.full_name.clone())
                .or_else(|| card.as_ref().map(|c| c.full_name.clone())),
            nik_masked: e
                .map(|e| mask_nik(&e.nik))
                .or_else(|| card.as_ref().map(|c| c.nik_masked.clone())),
            programs: e
                .map(|e| e.programs.iter().map(|p| p.code().to_string()).collect())
                .unwrap_or_default(),
            payment_months: e.map(|e| e.payment_months),
            total: content.as_ref().map(|c| c.quote_total),
            total_formatted: content.as_ref().map(|c| format_rupiah(c.quote_total)),
            enrolled_on: e.map(|e| format_date(e.enrolled_on)),
            created_at: row.created_at.clone(),
            rule_set: content.as_ref().map(|c| c.rule_set.clone()),
            warnings: content
                .as_ref()
                .map(|c| c.warnings_confirmed.clone())
                .unwrap_or_default(),
            supersedes: row.supersedes.clone(),
            payment_code: card.as_ref().and_then(|c| c.payment_code.clone()),
            next_due_month: card.as_ref().map(|c| c.next_due_month.clone()),
            outcome_codes,
            review_note: note,
            phone: e
                .map(|e| e.phone.clone())
                .or_else(|| card.as_ref().map(|c| c.phone.clone())),
        })
    }

    /// How many records are in each state; every state is present, zeros included.
    pub fn queue_status(&self) -> Result<BTreeMap<String, u64>, CoreError> {
        let mut counts: BTreeMap<String, u64> = RecordState::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), 0))
            .collect();
        let mut stmt = self
            .conn
            .prepare("SELECT state, count(*) FROM records GROUP BY state")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (state, n) = row?;
            let state = RecordState::parse(&state)
                .map_err(|_| CoreError::Store("unknown state in store".into()))?;
            counts.insert(state.as_str().to_string(), n.max(0) as u64);
        }
        Ok(counts)
    }

    // ----- what validation asks -----------------------------------------------------------

    /// Another live record on this device has this normalized NIK (`except`: the record being
    /// corrected). One index look-up on the NIK's blind-index tag.
    pub fn local_duplicate(&self, nik: &str, except: Option<&str>) -> Result<bool, CoreError> {
        let tag = self.sealer.nik_tag(nik);
        let found: Option<i64> = self
            .conn
            .query_row(
                &format!(
                    "SELECT 1 FROM records WHERE nik_tag = ?1 AND state IN ({LIVE_FOR_DUPLICATES})
                     AND (?2 IS NULL OR id <> ?2) LIMIT 1"
                ),
                params![tag, except],
                |r| r.get(0),
            )
            .optional()?;
        Ok(found.is_some())
    }

    /// `id` names a record a correction may supersede (`has_issues` or `rejected`).
    pub fn can_supersede(&self, id: &str) -> Result<bool, CoreError> {
        match get_row(&self.conn, id) {
            Ok(row) => Ok(row.state.needs_fix()),
            Err(CoreError::NotFound) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
