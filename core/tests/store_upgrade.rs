//! An agent updates the app: the store written by the first version (schema 1, the committed
//! fixture `tests/fixtures/store-v1.db` with its test key file) opens in this version through
//! `AgentApp`, every record is still readable, and work carries on from where it stopped.

mod common;

use std::path::Path;
use std::sync::Arc;

use perisai_core::app::{AgentApp, AppConfig, FileKeyVault, RecordState};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");

/// A device folder holding copies of the version-1 store and its key file (mode 0600: git does
/// not keep modes, and the vault refuses a key file others can read).
fn v1_device(dir: &Path) -> AgentApp {
    let key = dir.join("device.key");
    std::fs::copy(Path::new(FIXTURES).join("store-v1.kek"), &key).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::copy(
        Path::new(FIXTURES).join("store-v1.db"),
        dir.join("data").join("perisai.db"),
    )
    .unwrap();
    let vault = FileKeyVault::open_or_create(&key).unwrap();
    AgentApp::open(AppConfig::new(dir.join("data")), Arc::new(vault)).unwrap()
}

#[test]
fn a_version_1_store_opens_and_work_carries_on() {
    let dir = tempfile::tempdir().unwrap();
    let app = v1_device(dir.path());

    let list = app.list(None).unwrap();
    let rows: Vec<(Option<u64>, RecordState)> =
        list.iter().map(|r| (r.receipt_no, r.state)).collect();
    assert_eq!(
        rows,
        vec![
            (Some(1), RecordState::Queued),
            (Some(2), RecordState::Withdrawn),
            (Some(3), RecordState::Queued),
            (None, RecordState::Draft),
        ]
    );
    let first = app.receipt(&list[0].id).unwrap();
    assert_eq!(first.full_name.as_deref(), Some("PESERTA B"));
    assert_eq!(first.nik_masked.as_deref(), Some("3201••••••••0001"));
    assert_eq!(first.payment_status, "BELUM DIBAYAR");
    assert_eq!(first.enrolled_on.as_deref(), Some("20/11/2026"));

    // The NIK of a version-1 record is still found by the local duplicate check (worker 0 is a
    // man, like the NIK's birth day).
    let mut same_nik: serde_json::Value = serde_json::from_str(&common::worker_json(0)).unwrap();
    same_nik["nik"] = "3201011501900001".into();
    assert_eq!(
        app.validate(&same_nik.to_string()).unwrap().codes(),
        vec!["nik.duplicate_local"]
    );
    // Numbering continues without a gap; the version-1 draft can be completed and submitted.
    assert_eq!(
        app.submit(&common::worker_json(2), false)
            .unwrap()
            .receipt_no,
        4
    );
    let draft = &list[3].id;
    app.save_draft(Some(draft), &common::worker_json(3))
        .unwrap();
    assert_eq!(app.submit_draft(draft, false).unwrap().receipt_no, 5);
    // And a queued version-1 record can still be withdrawn.
    app.withdraw(&list[2].id).unwrap();
    assert_eq!(app.queue_status().unwrap()["withdrawn"], 2);
}
