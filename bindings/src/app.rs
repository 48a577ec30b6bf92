//! `AgentApp` across the FFI: the core's `AgentApp`, method for method.
//!
//! Every method forwards to `perisai_core::AgentApp` and converts the answer (see [`crate::types`])
//! or the error ([`PerisaiError`]). Calls block, so shells make them off the main thread; the core
//! object is `Send + Sync`, so one `AgentApp` serves every thread of the app.

use std::collections::HashMap;
use std::sync::Arc;

use perisai_core::app::{AgentApp as CoreApp, AppConfig};

use crate::error::PerisaiError;
use crate::keys::{DeviceSigner, ForeignKeyVault, ForeignSigner, KeyVault};
use crate::sync::{Activated, DeviceStatus, ForeignObserver, SyncCancel, SyncObserver, SyncReport};
use crate::types::{
    CashRecorded, FormDefinition, Message, ParticipantCard, Quote, QuoteRequest, Receipt,
    RecordState, RecordSummary, Statement, Submitted, ValidationReport,
};

/// The agent's app on this device: the form, validation, quotes and the sealed local queue.
#[derive(uniffi::Object)]
pub struct AgentApp {
    inner: CoreApp,
}

#[uniffi::export]
impl AgentApp {
    /// Opens (on first use creates) the store in `data_dir`. `utc_offset_minutes` is the agent's
    /// time zone (420 WIB, 480 WITA, 540 WIT); `key_vault` wraps the store's data key.
    #[uniffi::constructor]
    pub fn open(
        data_dir: String,
        utc_offset_minutes: i32,
        key_vault: Arc<dyn KeyVault>,
    ) -> Result<Arc<Self>, PerisaiError> {
        let mut config = AppConfig::new(data_dir);
        config.utc_offset_minutes = utc_offset_minutes;
        let inner = CoreApp::open(config, Arc::new(ForeignKeyVault(key_vault)))?;
        Ok(Arc::new(AgentApp { inner }))
    }

    /// The enrollment form, with the limits of the rule set in force today.
    pub fn form(&self) -> FormDefinition {
        self.inner.form().into()
    }

    /// Validates an enrollment (a JSON object) without saving it.
    pub fn validate(&self, input_json: String) -> Result<ValidationReport, PerisaiError> {
        Ok(self.inner.validate(&input_json)?.into())
    }

    /// Prices contributions month by month.
    pub fn quote(&self, request: QuoteRequest) -> Result<Quote, PerisaiError> {
        Ok(self.inner.quote(&request.into())?.into())
    }

    /// The contribution for the enrollment form as filled so far (its JSON object, not
    /// validated; typed numbers like `2.000.000` accepted); `None` while there is nothing to
    /// price or the values are outside the rule set (validation says why).
    pub fn quote_form(&self, input_json: String) -> Result<Option<Quote>, PerisaiError> {
        Ok(self.inner.quote_form(&input_json)?.map(Quote::from))
    }

    /// Saves a draft (any JSON object, not validated); pass `draft_id` to update one. Returns
    /// the draft's id.
    pub fn save_draft(
        &self,
        draft_id: Option<String>,
        input_json: String,
    ) -> Result<String, PerisaiError> {
        Ok(self.inner.save_draft(draft_id.as_deref(), &input_json)?)
    }

    /// The JSON object saved in a draft.
    pub fn load_draft(&self, draft_id: String) -> Result<String, PerisaiError> {
        Ok(self.inner.load_draft(&draft_id)?)
    }

    /// Deletes a draft.
    pub fn discard_draft(&self, draft_id: String) -> Result<(), PerisaiError> {
        Ok(self.inner.discard_draft(&draft_id)?)
    }

    /// Validates, seals and durably queues an enrollment. Errors, or warnings without
    /// `accept_warnings`, throw `Invalid` with the report, and nothing is stored.
    pub fn submit(
        &self,
        input_json: String,
        accept_warnings: bool,
    ) -> Result<Submitted, PerisaiError> {
        Ok(self.inner.submit(&input_json, accept_warnings)?.into())
    }

    /// Submits a saved draft; the record keeps the draft's id.
    pub fn submit_draft(
        &self,
        draft_id: String,
        accept_warnings: bool,
    ) -> Result<Submitted, PerisaiError> {
        Ok(self.inner.submit_draft(&draft_id, accept_warnings)?.into())
    }

    /// Withdraws a record not yet sent (a draft is discarded).
    pub fn withdraw(&self, id: String) -> Result<(), PerisaiError> {
        Ok(self.inner.withdraw(&id)?)
    }

    /// Queues a corrected enrollment that replaces record `id`.
    pub fn correct(
        &self,
        id: String,
        input_json: String,
        accept_warnings: bool,
    ) -> Result<Submitted, PerisaiError> {
        Ok(self
            .inner
            .correct(&id, &input_json, accept_warnings)?
            .into())
    }

    /// The records on this device, optionally only those in `state`.
    pub fn list(&self, state: Option<RecordState>) -> Result<Vec<RecordSummary>, PerisaiError> {
        let records = self.inner.list(state.map(Into::into))?;
        Ok(records.into_iter().map(RecordSummary::from).collect())
    }

    /// The participant's receipt for a submitted record.
    pub fn receipt(&self, id: String) -> Result<Receipt, PerisaiError> {
        Ok(self.inner.receipt(&id)?.into())
    }

    /// The receipt as the participant receives it by SMS or WhatsApp, in both languages
    /// (`BELUM DIBAYAR` until the server confirmed a payment).
    pub fn receipt_share_text(&self, id: String) -> Result<Message, PerisaiError> {
        Ok(self.inner.receipt_share_text(&id)?.into())
    }

    /// A record's enrollment as form JSON, to pre-fill the form when fixing a record.
    pub fn enrollment_json(&self, id: String) -> Result<String, PerisaiError> {
        Ok(self.inner.enrollment_json(&id)?)
    }

    /// Number of records per state name (`queued`, `has_issues`…), every state present.
    pub fn queue_status(&self) -> Result<HashMap<String, u64>, PerisaiError> {
        Ok(self.inner.queue_status()?.into_iter().collect())
    }

    /// Erases records confirmed longer ago than the retention period; returns how many.
    pub fn purge_expired(&self) -> Result<u64, PerisaiError> {
        Ok(self.inner.purge_expired()?)
    }

    /// Activates this device with a one-time code: `signer` is the new keystore key (it signs
    /// the request); `fingerprint` (from the QR code) must match the server key when given.
    /// Retrying after a lost answer with the same key gets the same binding.
    pub fn activate(
        &self,
        server_url: String,
        code: String,
        fingerprint: Option<String>,
        signer: Arc<dyn DeviceSigner>,
    ) -> Result<Activated, PerisaiError> {
        let signer = ForeignSigner(signer);
        Ok(self
            .inner
            .activate(&server_url, &code, fingerprint.as_deref(), &signer)?
            .into())
    }

    /// Sends the queue and brings down decisions; blocks until done or the retry budget is
    /// spent (call it from WorkManager / BGTaskScheduler). On `device.revoked` the core has
    /// erased this device's data: delete the keystore signing key too.
    pub fn sync(
        &self,
        server_override: Option<String>,
        signer: Arc<dyn DeviceSigner>,
        observer: Option<Arc<dyn SyncObserver>>,
    ) -> Result<SyncReport, PerisaiError> {
        let signer = ForeignSigner(signer);
        let observer = observer.map(ForeignObserver);
        let observer = observer
            .as_ref()
            .map(|o| o as &dyn perisai_core::sync::SyncObserver);
        Ok(self
            .inner
            .sync(server_override.as_deref(), &signer, observer)?
            .into())
    }

    /// `sync`, stopped early when `cancel.cancel()` is called from another thread: then it
    /// throws `sync.cancelled` (try again later, like `sync.network`). What the server
    /// acknowledged stays acknowledged; everything else stays queued for the next sync.
    pub fn sync_cancellable(
        &self,
        server_override: Option<String>,
        signer: Arc<dyn DeviceSigner>,
        observer: Option<Arc<dyn SyncObserver>>,
        cancel: Arc<SyncCancel>,
    ) -> Result<SyncReport, PerisaiError> {
        let signer = ForeignSigner(signer);
        let observer = observer.map(ForeignObserver);
        let observer = observer
            .as_ref()
            .map(|o| o as &dyn perisai_core::sync::SyncObserver);
        Ok(self
            .inner
            .sync_cancellable(server_override.as_deref(), &signer, observer, &cancel.0)?
            .into())
    }

    /// Whether the device is activated, as whom, its last sync and what still waits to go.
    pub fn device_status(&self) -> Result<DeviceStatus, PerisaiError> {
        Ok(self.inner.device_status()?.into())
    }

    /// The commission statement of `month` (`YYYY-MM`; none: this month), offline: the issued
    /// one, else the latest provisional estimate (its `as_of` says when it was computed).
    pub fn commission(&self, month: Option<String>) -> Result<Statement, PerisaiError> {
        Ok(self.inner.commission(month.as_deref())?.into())
    }

    /// The participants the agent follows, in receipt order.
    pub fn participants(&self) -> Result<Vec<ParticipantCard>, PerisaiError> {
        Ok(self
            .inner
            .participants()?
            .into_iter()
            .map(ParticipantCard::from)
            .collect())
    }

    /// Records cash taken from a participant; it goes to the branch with the next sync.
    pub fn record_cash(
        &self,
        record_id: String,
        amount: i64,
        months: u32,
    ) -> Result<CashRecorded, PerisaiError> {
        Ok(self.inner.record_cash(&record_id, amount, months)?.into())
    }

    /// Cash records waiting for the next sync.
    pub fn unsent_cash(&self) -> Result<u64, PerisaiError> {
        Ok(self.inner.unsent_cash()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::software_key_vault;
    use crate::types::Program;

    const VALID: &str = r#"{"nik": "3201155501900002", "full_name": "Siti Aminah",
        "birth_place": "Bogor", "birth_date": "1990-01-15", "sex": "F",
        "phone": "0812 3456 7890", "address": "Pasar Anyar Blok C No. 12, Bogor",
        "occupation": "PEDAGANG", "monthly_income": 2000000, "programs": ["JKK", "JKM"],
        "payment_months": 3, "consent": true, "enrolled_on": "2026-11-20"}"#;

    fn open(dir: &std::path::Path) -> Arc<AgentApp> {
        let vault = software_key_vault(dir.join("device.key").display().to_string()).unwrap();
        AgentApp::open(dir.join("data").display().to_string(), 420, vault).unwrap()
    }

    #[test]
    fn a_submit_goes_through_the_facade_and_back() {
        let dir = tempfile::tempdir().unwrap();
        let app = open(dir.path());
        assert!(app.validate(VALID.into()).unwrap().valid);
        let done = app.submit(VALID.into(), false).unwrap();
        assert_eq!(done.status, RecordState::Queued);
        assert_eq!(done.receipt_no, 1);
        let receipt = app.receipt(done.id.clone()).unwrap();
        assert_eq!(receipt.reference, done.reference);
        assert!(!receipt.paid);
        assert_eq!(receipt.phone.as_deref(), Some("+6281234567890"));
        let share = app.receipt_share_text(done.id.clone()).unwrap();
        assert!(share.id.contains("Status pembayaran: BELUM DIBAYAR"));
        assert!(share.en.contains("Contribution: Rp"));
        let card = &app.participants().unwrap()[0];
        assert_eq!(card.phone, "+6281234567890");
        let priced = app
            .quote_form(r#"{"monthly_income": "2.000.000", "programs": ["JKK", "JKM"], "payment_months": 3, "enrolled_on": "2026-11-20"}"#.into())
            .unwrap()
            .expect("a quote");
        assert_eq!(priced.months.len(), 3);
        assert_eq!(app.quote_form("{}".into()).unwrap(), None);
        let queued = app.list(Some(RecordState::Queued)).unwrap();
        assert_eq!(queued.len(), 1);
        assert_eq!(queued[0].id, done.id);
        let status = app.queue_status().unwrap();
        assert_eq!(status.len(), 12);
        assert_eq!(status["queued"], 1);
        app.withdraw(done.id.clone()).unwrap();
        assert_eq!(app.queue_status().unwrap()["withdrawn"], 1);
    }

    #[test]
    fn an_invalid_submit_throws_invalid_with_the_report_and_stores_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let app = open(dir.path());
        let bad = VALID.replace("3201155501900002", "12345");
        match app.submit(bad, true) {
            Err(PerisaiError::Invalid { code, report, .. }) => {
                assert_eq!(code, "input.invalid");
                assert!(report.errors.iter().any(|i| i.code == "nik.format"));
            }
            other => panic!("expected Invalid, got {other:?}"),
        }
        assert!(app.list(None).unwrap().is_empty());
        match app.submit("[1, 2]".into(), true) {
            Err(e) => assert_eq!(e.code(), "input.malformed"),
            Ok(_) => panic!("an array is not an enrollment"),
        }
    }

    #[test]
    fn a_quote_and_the_form_come_through() {
        let dir = tempfile::tempdir().unwrap();
        let app = open(dir.path());
        let quote = app
            .quote(QuoteRequest {
                monthly_income: 1_000_000,
                programs: vec![Program::JKK, Program::JKM],
                months: 1,
                start_year: 2025,
                start_month: 6,
                occupation: None,
            })
            .unwrap();
        assert_eq!(quote.total_due, 16_800);
        assert!(app.form().fields.iter().any(|f| f.key == "nik"));
    }

    #[test]
    fn sync_before_activation_is_refused_and_status_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let app = open(dir.path());
        app.submit(VALID.into(), false).unwrap();
        let status = app.device_status().unwrap();
        assert!(!status.activated);
        assert_eq!(status.queued_records, 1);
        let signer =
            crate::keys::software_signer(dir.path().join("sign.key").display().to_string())
                .unwrap();
        let err = app.sync(None, signer.clone(), None).unwrap_err();
        assert_eq!(err.code(), "device.not_activated");
        let err = app
            .activate(
                "http://sync.example.id".into(),
                "0000000000000".into(),
                None,
                signer,
            )
            .unwrap_err();
        assert_eq!(err.code(), "sync.url");
    }

    #[test]
    fn a_cancelled_handle_stops_the_sync_with_sync_cancelled_and_keeps_the_queue() {
        let dir = tempfile::tempdir().unwrap();
        let app = open(dir.path());
        app.submit(VALID.into(), false).unwrap();
        let signer =
            crate::keys::software_signer(dir.path().join("sign.key").display().to_string())
                .unwrap();
        let cancel = SyncCancel::new();
        assert!(!cancel.is_cancelled());
        // From another thread, as WorkManager and a BGTask's expiry call it.
        let other = cancel.clone();
        std::thread::spawn(move || other.cancel()).join().unwrap();
        assert!(cancel.is_cancelled());
        match app.sync_cancellable(None, signer, None, cancel) {
            Err(PerisaiError::Failed {
                code, message_id, ..
            }) => {
                assert_eq!(code, "sync.cancelled");
                assert_eq!(
                    message_id,
                    "Sinkronisasi dihentikan. Data tetap tersimpan dan akan dikirim nanti."
                );
            }
            other => panic!("expected sync.cancelled, got {other:?}"),
        }
        assert_eq!(app.device_status().unwrap().queued_records, 1);
    }

    #[test]
    fn commission_participants_and_cash_come_through() {
        let dir = tempfile::tempdir().unwrap();
        let app = open(dir.path());
        let done = app.submit(VALID.into(), false).unwrap();
        let cards = app.participants().unwrap();
        assert_eq!(cards.len(), 1);
        assert_eq!(
            (cards[0].record_id.as_str(), cards[0].status),
            (done.id.as_str(), RecordState::Queued)
        );
        let cash = app.record_cash(done.id.clone(), 50_400, 3).unwrap();
        assert_eq!(
            (cash.amount_formatted.as_str(), cash.sent),
            ("Rp50.400", false)
        );
        assert_eq!(app.unsent_cash().unwrap(), 1);
        assert_eq!(
            app.record_cash(done.id, 0, 3).unwrap_err().code(),
            "input.parameter"
        );
        let statement = app.commission(None).unwrap();
        assert_eq!(statement.status, crate::types::StatementStatus::Provisional);
        assert!(statement.lines.is_empty());
        let err = app.commission(Some("2026/11".into())).unwrap_err();
        assert_eq!(err.code(), "input.parameter");
    }

    #[test]
    fn a_wrong_key_vault_refuses_the_store() {
        let dir = tempfile::tempdir().unwrap();
        drop(open(dir.path()));
        let other = software_key_vault(dir.path().join("other.key").display().to_string()).unwrap();
        let err = AgentApp::open(dir.path().join("data").display().to_string(), 420, other)
            .err()
            .unwrap();
        assert_eq!(err.code(), "store.key");
    }
}
