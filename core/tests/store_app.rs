//! `AgentApp` over the real store, the real rules and the real key vault: what an agent does in a
//! day (drafts, submits, corrections, withdrawals), what sync will apply later (sent, acks,
//! decisions, payments), and retention. The clock is fixed so dates and the purge are exact.

mod common;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use perisai_core::app::{
    verify_reference, AckOutcome, AgentApp, AppConfig, Decision, FileKeyVault, FixedClock,
    RecordState,
};
use perisai_core::CoreError;

struct Device {
    dir: tempfile::TempDir,
    clock: Arc<FixedClock>,
    app: AgentApp,
}

/// 09:00 WIB on 20 November 2026.
fn morning() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-20T02:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn open(dir: &std::path::Path, clock: Arc<FixedClock>) -> Result<AgentApp, CoreError> {
    let vault = FileKeyVault::open_or_create(&dir.join("device.key"))?;
    AgentApp::open(
        AppConfig::new(dir.join("data")).with_clock(clock),
        Arc::new(vault),
    )
}

fn device() -> Device {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new(morning()));
    let app = open(dir.path(), clock.clone()).unwrap();
    Device { dir, clock, app }
}

fn worker(n: u32) -> String {
    common::worker_json(n)
}

/// Worker `n` without `enrolled_on`, so the device's local date is used.
fn worker_today(n: u32) -> String {
    let mut v: serde_json::Value = serde_json::from_str(&worker(n)).unwrap();
    v.as_object_mut().unwrap().remove("enrolled_on");
    v.to_string()
}

fn numbers(app: &AgentApp) -> Vec<u64> {
    let mut n: Vec<u64> = app
        .list(None)
        .unwrap()
        .into_iter()
        .filter_map(|r| r.receipt_no)
        .collect();
    n.sort_unstable();
    n
}

fn nothing_stored(app: &AgentApp) -> bool {
    app.queue_status().unwrap().values().all(|&n| n == 0)
}

fn codes(e: &CoreError) -> Vec<String> {
    e.report()
        .map(|r| r.codes().into_iter().map(String::from).collect())
        .unwrap_or_default()
}

#[test]
fn a_submit_is_queued_with_a_receipt_that_reads_not_paid() {
    let d = device();
    let done = d.app.submit(&worker(1), false).unwrap();
    assert_eq!(done.receipt_no, 1);
    assert_eq!(done.status, RecordState::Queued);
    assert!(done.warnings.is_empty());
    assert_eq!(verify_reference(&done.reference), Some(1));
    let json = serde_json::to_value(&done).unwrap();
    assert_eq!(json["status"], "queued");

    let r = d.app.receipt(&done.id).unwrap();
    assert_eq!(r.receipt_no, 1);
    assert_eq!(r.reference, done.reference);
    assert!(!r.paid);
    assert_eq!(r.payment_status, "BELUM DIBAYAR");
    assert_eq!(r.full_name.as_deref(), Some("PEKERJA NOMOR B"));
    assert_eq!(r.nik_masked.as_deref(), Some("3201••••••••0002"));
    assert_eq!(r.programs, vec!["JKK", "JKM"]);
    assert_eq!(r.payment_months, Some(3));
    // 1% of Rp2.000.000 + Rp6.800 = Rp26.800 a month (a trader, no discount), three months.
    assert_eq!(r.total, Some(80_400));
    assert_eq!(r.total_formatted.as_deref(), Some("Rp80.400"));
    assert_eq!(r.enrolled_on.as_deref(), Some("20/11/2026"));
    assert_eq!(r.created_at, "2026-11-20T09:00:00+07:00");
    assert_eq!(r.rule_set.as_deref(), Some("bpu-2026"));
    assert_eq!(r.state, RecordState::Queued);

    let list = d.app.list(Some(RecordState::Queued)).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].full_name.as_deref(), Some("PEKERJA NOMOR B"));
    assert_eq!(list[0].reference.as_deref(), Some(done.reference.as_str()));
}

#[test]
fn enrolled_on_defaults_to_the_agents_local_date() {
    let d = device();
    // 17:30 UTC on the 19th is already 00:30 on the 20th in WIB.
    d.clock.set(morning() - Duration::minutes(8 * 60 + 30));
    let done = d.app.submit(&worker_today(1), false).unwrap();
    let r = d.app.receipt(&done.id).unwrap();
    assert_eq!(r.enrolled_on.as_deref(), Some("20/11/2026"));
    assert_eq!(r.created_at, "2026-11-20T00:30:00+07:00");
}

#[test]
fn refused_input_writes_nothing() {
    let d = device();
    for bad in ["", "not json", "[1,2]", "42", "\"x\""] {
        assert!(matches!(
            d.app.submit(bad, true),
            Err(CoreError::MalformedInput)
        ));
        assert!(matches!(
            d.app.validate(bad),
            Err(CoreError::MalformedInput)
        ));
        assert!(matches!(
            d.app.save_draft(None, bad),
            Err(CoreError::MalformedInput)
        ));
    }
    let mut invalid: serde_json::Value = serde_json::from_str(&worker(1)).unwrap();
    invalid["monthly_income"] = 500_000.into();
    let err = d.app.submit(&invalid.to_string(), true).unwrap_err();
    assert_eq!(codes(&err), vec!["income.below_minimum"]);
    assert!(nothing_stored(&d.app));
    let report = d.app.validate(&invalid.to_string()).unwrap();
    assert!(!report.valid);
}

#[test]
fn warnings_need_confirmation_and_travel_with_the_record() {
    let d = device();
    d.app.submit(&worker(1), false).unwrap();
    // The same NIK again: a local duplicate warning.
    let report = d.app.validate(&worker(1)).unwrap();
    assert!(report.valid);
    assert_eq!(report.codes(), vec!["nik.duplicate_local"]);
    let err = d.app.submit(&worker(1), false).unwrap_err();
    assert_eq!(codes(&err), vec!["nik.duplicate_local"]);
    assert_eq!(numbers(&d.app), vec![1], "a refused submit was written");
    let done = d.app.submit(&worker(1), true).unwrap();
    assert_eq!(done.receipt_no, 2);
    assert_eq!(done.warnings.len(), 1);
    let r = d.app.receipt(&done.id).unwrap();
    assert_eq!(r.warnings[0].code, "nik.duplicate_local");
}

#[test]
fn drafts_are_saved_unvalidated_then_submitted() {
    let d = device();
    let id = d
        .app
        .save_draft(None, r#"{"full_name": "Sri Rahayu", "nik": "3201"}"#)
        .unwrap();
    assert_eq!(d.app.list(None).unwrap()[0].state, RecordState::Draft);
    assert_eq!(
        d.app.list(None).unwrap()[0].full_name.as_deref(),
        Some("Sri Rahayu")
    );
    // Incomplete: refused, and the draft is still a draft.
    let err = d.app.submit_draft(&id, true).unwrap_err();
    assert!(codes(&err).contains(&"required".to_string()));
    assert_eq!(d.app.queue_status().unwrap()["draft"], 1);
    // Completed and submitted: same id, first receipt number.
    d.app.save_draft(Some(&id), &worker(7)).unwrap();
    let back: serde_json::Value = serde_json::from_str(&d.app.load_draft(&id).unwrap()).unwrap();
    assert_eq!(back["occupation"], "PEDAGANG");
    let done = d.app.submit_draft(&id, false).unwrap();
    assert_eq!((done.id.as_str(), done.receipt_no), (id.as_str(), 1));
    assert!(matches!(
        d.app.load_draft(&id),
        Err(CoreError::NotAllowed { .. })
    ));
    // Another draft, withdrawn: it just goes away.
    let other = d.app.save_draft(None, "{}").unwrap();
    d.app.withdraw(&other).unwrap();
    assert!(matches!(d.app.receipt(&other), Err(CoreError::NotFound)));
    assert_eq!(d.app.queue_status().unwrap()["draft"], 0);
}

#[test]
fn withdraw_and_correct_keep_receipt_numbers_gap_free() {
    let d = device();
    let a = d.app.submit(&worker(1), false).unwrap();
    let b = d.app.submit(&worker(2), false).unwrap();
    d.app.withdraw(&a.id).unwrap();
    assert!(matches!(
        d.app.withdraw(&a.id),
        Err(CoreError::NotAllowed { ref state }) if state == "withdrawn"
    ));
    // Correct a queued record: the old one is withdrawn, the new one is not "superseding" it,
    // and it does not count as a duplicate of itself.
    let fixed = d.app.correct(&b.id, &worker(2), false).unwrap();
    assert_eq!(fixed.receipt_no, 3);
    assert!(fixed.warnings.is_empty());
    assert_eq!(d.app.receipt(&b.id).unwrap().state, RecordState::Withdrawn);
    assert_eq!(d.app.receipt(&b.id).unwrap().full_name, None);
    assert_eq!(d.app.receipt(&fixed.id).unwrap().supersedes, None);
    // A refused correction (invalid input) changes nothing.
    let before = d.app.queue_status().unwrap();
    assert!(d.app.correct(&fixed.id, r#"{"nik": "1"}"#, true).is_err());
    assert_eq!(d.app.queue_status().unwrap(), before);
    assert_eq!(d.app.receipt(&fixed.id).unwrap().state, RecordState::Queued);
    assert_eq!(numbers(&d.app), vec![1, 2, 3]);
}

#[test]
fn a_record_with_issues_is_corrected_by_a_superseding_record() {
    let d = device();
    let old = d.app.submit(&worker(1), false).unwrap();
    d.app
        .mark_sent(std::slice::from_ref(&old.id), "batch-1")
        .unwrap();
    assert_eq!(
        d.app.apply_ack(&old.id, &AckOutcome::Accepted).unwrap(),
        RecordState::Accepted
    );
    let decision = Decision::HasIssues {
        comment: Some("Alamat kurang lengkap".into()),
    };
    d.app.apply_decision(&old.id, &decision).unwrap();
    assert_eq!(
        d.app.receipt(&old.id).unwrap().review_note.as_deref(),
        Some("Alamat kurang lengkap")
    );
    // Withdrawing a sent record is not possible; correcting it is.
    assert!(matches!(
        d.app.withdraw(&old.id),
        Err(CoreError::NotAllowed { .. })
    ));
    let new = d.app.correct(&old.id, &worker(1), false).unwrap();
    assert_eq!(new.receipt_no, 2);
    assert!(
        new.warnings.is_empty(),
        "the corrected record is not a duplicate"
    );
    assert_eq!(
        d.app.receipt(&old.id).unwrap().state,
        RecordState::Superseded
    );
    assert_eq!(
        d.app.receipt(&new.id).unwrap().supersedes.as_deref(),
        Some(old.id.as_str())
    );
    // A superseded (or approved) record cannot be corrected again.
    assert!(matches!(
        d.app.correct(&old.id, &worker(1), true),
        Err(CoreError::NotAllowed { .. })
    ));
    // Naming a record that cannot be superseded is a validation error.
    let mut v: serde_json::Value = serde_json::from_str(&worker(3)).unwrap();
    v["supersedes"] = new.id.clone().into();
    let err = d.app.submit(&v.to_string(), true).unwrap_err();
    assert_eq!(codes(&err), vec!["supersedes.invalid"]);
    assert_eq!(numbers(&d.app), vec![1, 2]);
}

#[test]
fn form_and_quote_come_from_the_rule_set_in_force() {
    let d = device();
    let form = d.app.form();
    assert_eq!(form.rule_set, "bpu-2026");
    assert!(form.fields.iter().any(|f| f.key == "nik"));
    let q = d
        .app
        .quote(&perisai_core::app::QuoteRequest {
            monthly_income: 1_000_000,
            programs: vec![
                perisai_core::record::Program::JKK,
                perisai_core::record::Program::JKM,
            ],
            months: 1,
            start: (2026, 11),
            occupation: None,
        })
        .unwrap();
    assert_eq!(q.total_due, 16_800);
    assert!(matches!(
        d.app.submit_draft("no-such-draft", true),
        Err(CoreError::NotFound)
    ));
}

#[test]
fn queue_status_has_every_state() {
    let d = device();
    d.app.submit(&worker(1), false).unwrap();
    d.app.save_draft(None, "{}").unwrap();
    let status = d.app.queue_status().unwrap();
    let keys: Vec<&str> = status.keys().map(String::as_str).collect();
    let mut expected: Vec<&str> = RecordState::ALL.iter().map(|s| s.as_str()).collect();
    expected.sort_unstable();
    assert_eq!(keys, expected);
    assert_eq!(
        (status["queued"], status["draft"], status["sent"]),
        (1, 1, 0)
    );
}

#[test]
fn purge_after_retention_keeps_the_participant_card() {
    let d = device();
    let kept = d.app.submit(&worker(1), false).unwrap();
    let open_case = d.app.submit(&worker(2), false).unwrap();
    let ids = vec![kept.id.clone(), open_case.id.clone()];
    d.app.mark_sent(&ids, "batch-1").unwrap();
    d.app
        .apply_ack(&kept.id, &AckOutcome::DuplicateRecord)
        .unwrap();
    d.app
        .apply_ack(&open_case.id, &AckOutcome::Accepted)
        .unwrap();
    // A replayed acknowledgement changes nothing.
    d.app.apply_ack(&kept.id, &AckOutcome::Accepted).unwrap();
    d.app.apply_decision(&kept.id, &Decision::Approved).unwrap();
    d.app
        .apply_decision(&open_case.id, &Decision::HasIssues { comment: None })
        .unwrap();
    d.app.apply_payment_code(&kept.id, "KI-000123").unwrap();

    d.clock.advance(Duration::days(29));
    assert_eq!(d.app.purge_expired().unwrap(), 0);
    d.clock.advance(Duration::days(2));
    assert_eq!(d.app.purge_expired().unwrap(), 1);

    let r = d.app.receipt(&kept.id).unwrap();
    assert_eq!(r.state, RecordState::Purged);
    assert_eq!(r.receipt_no, 1);
    assert_eq!(r.full_name.as_deref(), Some("PEKERJA NOMOR B"));
    assert_eq!(r.nik_masked.as_deref(), Some("3201••••••••0002"));
    assert_eq!(r.payment_code.as_deref(), Some("KI-000123"));
    assert_eq!(
        (r.total, r.enrolled_on, r.payment_months),
        (None, None, None)
    );
    let card = d.app.participant_card(&kept.id).unwrap().unwrap();
    assert_eq!(card.phone, "+628120000001");
    assert_eq!(card.next_due_month, "2026-11");
    // The record waiting for the agent's correction is kept whole.
    assert_eq!(d.app.receipt(&open_case.id).unwrap().total, Some(80_400));
    // Paid only once the server says so.
    assert!(!r.paid);
    d.app.apply_payment_confirmed(&kept.id, "2027-01").unwrap();
    let r = d.app.receipt(&kept.id).unwrap();
    assert_eq!((r.paid, r.payment_status.as_str()), (true, "SUDAH DIBAYAR"));
    assert_eq!(r.next_due_month.as_deref(), Some("2027-02"));
    // A purged participant still warns as a local duplicate.
    assert_eq!(
        d.app.validate(&worker(1)).unwrap().codes(),
        vec!["nik.duplicate_local"]
    );
}

#[test]
fn data_survives_reopen_and_a_wrong_key_file_changes_nothing() {
    let d = device();
    let done = d.app.submit(&worker(1), false).unwrap();
    let Device { dir, clock, app } = d;
    drop(app);
    let db = dir.path().join("data").join("perisai.db");
    let before = std::fs::read(&db).unwrap();

    // Another device's key file cannot open this store, and leaves it as it was.
    let other = tempfile::tempdir().unwrap();
    let vault = FileKeyVault::open_or_create(&other.path().join("device.key")).unwrap();
    let err = AgentApp::open(AppConfig::new(dir.path().join("data")), Arc::new(vault)).unwrap_err();
    assert_eq!(err.code(), "store.key");
    assert_eq!(std::fs::read(&db).unwrap(), before);

    let app = open(dir.path(), clock).unwrap();
    assert_eq!(app.receipt(&done.id).unwrap().receipt_no, 1);
    assert_eq!(app.submit(&worker(2), false).unwrap().receipt_no, 2);
}

#[test]
fn concurrent_submits_from_many_threads_stay_gap_free() {
    let d = device();
    let app = Arc::new(d.app);
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let app = app.clone();
            std::thread::spawn(move || {
                for i in 0..10 {
                    app.submit(&worker(t * 100 + i), false).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    assert_eq!(numbers(&app), (1..=40).collect::<Vec<u64>>());
}

#[test]
fn errors_never_carry_personal_data() {
    let d = device();
    let json = worker(1);
    let done = d.app.submit(&json, false).unwrap();
    let mut errors = vec![
        d.app.submit(&json, false).unwrap_err(),
        d.app
            .submit(&json.replace("2000000", "100"), true)
            .unwrap_err(),
        d.app.withdraw("no-such-id").unwrap_err(),
    ];
    d.app.withdraw(&done.id).unwrap();
    errors.push(d.app.withdraw(&done.id).unwrap_err());
    for e in errors {
        let m = e.message();
        let shown = format!("{e} {e:?} {} {} {}", e.code(), m.id, m.en);
        for needle in [
            "3201101501900002",
            "PEKERJA",
            "Pekerja",
            "081200",
            "Pasar Anyar",
        ] {
            assert!(!shown.contains(needle), "{needle} in {shown}");
        }
    }
}

#[test]
fn a_fix_starts_from_the_records_own_values_and_an_erased_record_has_none() {
    let d = device();
    let sent = d.app.submit(&worker(7), false).unwrap();
    let json = d.app.enrollment_json(&sent.id).unwrap();
    let form: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(form["full_name"], "PEKERJA NOMOR H");
    assert!(form.get("supersedes").is_none());
    // The pre-filled form is valid as it stands: the agent only changes what the supervisor asked.
    assert!(d.app.validate(&json).unwrap().valid);

    let withdrawn = d.app.submit(&worker(8), false).unwrap();
    d.app.withdraw(&withdrawn.id).unwrap();
    assert!(matches!(
        d.app.enrollment_json(&withdrawn.id),
        Err(CoreError::NotFound)
    ));
    assert!(matches!(
        d.app.enrollment_json("no-such-record"),
        Err(CoreError::NotFound)
    ));
}
