//! The records the agent reads (lists, receipts, participants, counts) and what sync applies to
//! them.

use super::*;

impl AgentApp {
    /// Records in receipt order (drafts last), optionally only those in `state`.
    pub fn list(&self, state: Option<RecordState>) -> Result<Vec<RecordSummary>, CoreError> {
        self.store().list(state)
    }

    /// The participant's receipt for a submitted record.
    pub fn receipt(&self, id: &str) -> Result<Receipt, CoreError> {
        self.store().receipt(id)
    }

    /// The receipt as sent to the participant (SMS, WhatsApp), in both languages: see
    /// [`Receipt::share_text`]. A draft has none (`record.not_allowed`).
    pub fn receipt_share_text(&self, id: &str) -> Result<crate::message::Message, CoreError> {
        Ok(self.receipt(id)?.share_text())
    }

    /// A record's enrollment as form JSON (the normalized values; `supersedes` left out), so a
    /// shell can pre-fill the form when the agent fixes a record that `has_issues`. `NotFound`
    /// when the record is unknown or its content was erased (withdrawn, purged).
    pub fn enrollment_json(&self, id: &str) -> Result<String, CoreError> {
        let content = self.store().content(id)?.ok_or(CoreError::NotFound)?;
        let mut enrollment = content.enrollment;
        enrollment.supersedes = None;
        serde_json::to_string(&enrollment).map_err(|e| CoreError::Store(e.to_string()))
    }

    /// Count of records per state; every state of ARCHITECTURE.md §3 is present, zeros included.
    pub fn queue_status(&self) -> Result<BTreeMap<String, u64>, CoreError> {
        self.store().queue_status()
    }

    /// Erases records confirmed more than `retention_days` ago, keeping participant cards, and
    /// the frozen batches acknowledged as long ago (they hold the same personal data).
    pub fn purge_expired(&self) -> Result<u64, CoreError> {
        let now = self.now();
        let mut store = self.store();
        let purged = store.purge_expired(&now, self.retention_days)?;
        let cutoff = now.timestamp() - i64::from(self.retention_days) * 86_400;
        if sync_state::drop_expired_batches(&store.conn, cutoff)? > 0 {
            store.forget_erased_pages()?;
        }
        Ok(purged)
    }

    /// Whether this device is activated, as whom, and how its sync stands.
    pub fn device_status(&self) -> Result<DeviceStatus, CoreError> {
        sync_state::device_status(&self.store().conn)
    }

    /// The participant card kept for a record (also after its purge).
    pub fn participant_card(&self, id: &str) -> Result<Option<Card>, CoreError> {
        self.store().card(id)
    }

    /// Records the next batch must carry, in receipt order (for the sync client).
    pub fn pending_for_batch(&self, limit: u32) -> Result<Vec<PendingRecord>, CoreError> {
        self.store().pending_for_batch(limit)
    }

    /// Marks records as carried by frozen batch `batch` (all or nothing).
    pub fn mark_sent(&self, ids: &[String], batch: &str) -> Result<(), CoreError> {
        self.store().mark_sent(ids, batch, &self.now())
    }

    /// Applies the server's acknowledgement of a sent record; replays change nothing.
    pub fn apply_ack(&self, id: &str, outcome: &AckOutcome) -> Result<RecordState, CoreError> {
        self.store().apply_ack(id, outcome, &self.now())
    }

    /// Applies a supervisor's decision from downsync.
    pub fn apply_decision(&self, id: &str, decision: &Decision) -> Result<RecordState, CoreError> {
        self.store().apply_decision(id, decision, &self.now())
    }

    /// Stores the payment code (kode iuran) issued for an approved participant.
    pub fn apply_payment_code(&self, id: &str, payment_code: &str) -> Result<(), CoreError> {
        self.store().apply_payment_code(id, payment_code)
    }

    /// Records a server-confirmed payment through `paid_through` (`YYYY-MM`).
    pub fn apply_payment_confirmed(&self, id: &str, paid_through: &str) -> Result<(), CoreError> {
        self.store().apply_payment_confirmed(id, paid_through)
    }

    /// The participants the agent follows, in receipt order (also after their records' purge).
    pub fn participants(&self) -> Result<Vec<ParticipantCard>, CoreError> {
        let today = self.now().date_naive();
        let mut cards = self.store().participants()?;
        for card in &mut cards {
            card.overdue = crate::queue::contribution_overdue(&card.next_due_month, today);
        }
        Ok(cards)
    }
}
