//! No personal data in plain text on disk: enroll known values, save a draft, withdraw one record,
//! and scan every byte of every file in the data directory (database, WAL, shared memory, journal,
//! key file) for the NIK, the name, the phone and the address, in every form they were typed or
//! stored in. None may be found, while the app is open (WAL not yet checkpointed) and after close.

mod common;

use std::path::Path;

const NIK: &str = "3174055508900123";
const NIK_TYPED: &str = "3174 0555 0890 0123";
const NAME: &str = "Kartini Wulandari";
const PHONE_TYPED: &str = "0813-7777-4242";
const PHONE_E164: &str = "+6281377774242";
const ADDRESS: &str = "Jalan Kenari Gang Melati Nomor 77";

fn form(nik: &str, name: &str, phone: &str) -> String {
    format!(
        r#"{{"nik": "{nik}", "full_name": "{name}", "birth_place": "Jakarta",
            "birth_date": "1990-08-15", "sex": "P", "phone": "{phone}",
            "address": "{ADDRESS}", "occupation": "PENJAHIT", "monthly_income": 1750000,
            "programs": ["JHT", "JKM", "JKK"], "payment_months": 6, "consent": true,
            "location": {{"lat": -6.2001, "lon": 106.8167, "accuracy_m": 12.5}},
            "enrolled_on": "2026-11-20"}}"#
    )
}

fn needles() -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = [
        NIK,
        NIK_TYPED,
        NAME,
        &NAME.to_uppercase(),
        PHONE_TYPED,
        PHONE_E164,
        &PHONE_E164[1..],
        "81377774242",
        ADDRESS,
        "Kenari",
        "-6.2001",
        "106.8167",
    ]
    .iter()
    .map(|s| s.as_bytes().to_vec())
    .collect();
    // Also the NIK's distinctive middle part, should a serializer split it.
    v.push(b"0555089".to_vec());
    v
}

fn scan(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut files = 0;
    let mut stack = vec![dir.to_path_buf()];
    while let Some(p) = stack.pop() {
        for entry in std::fs::read_dir(&p).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            files += 1;
            let bytes = std::fs::read(&path).unwrap();
            for needle in needles() {
                if bytes.windows(needle.len()).any(|w| w == needle.as_slice()) {
                    found.push(format!(
                        "{} contains {:?}",
                        path.display(),
                        String::from_utf8_lossy(&needle)
                    ));
                }
            }
        }
    }
    assert!(
        files >= 2,
        "expected the database and the key file, saw {files}"
    );
    found
}

#[test]
fn personal_data_never_lands_in_plain_text() {
    let tmp = tempfile::tempdir().unwrap();
    let app = common::open_app(tmp.path(), true);
    let kept = app
        .submit(&form(NIK_TYPED, NAME, PHONE_TYPED), true)
        .unwrap();
    let other = form(
        "3174055508900124",
        "Kartini Wulandari Dua",
        "0813-7777-4243",
    );
    let withdrawn = app.submit(&other, true).unwrap();
    app.withdraw(&withdrawn.id).unwrap();
    app.save_draft(None, &form(NIK, NAME, PHONE_E164)).unwrap();
    let _ = app.receipt(&kept.id).unwrap();

    let open_findings = scan(tmp.path());
    assert!(open_findings.is_empty(), "{open_findings:#?}");
    drop(app);
    let closed_findings = scan(tmp.path());
    assert!(closed_findings.is_empty(), "{closed_findings:#?}");

    // The data is really there, sealed: reopening shows it to the agent.
    let app = common::open_app(tmp.path(), true);
    let receipt = serde_json::to_string(&app.receipt(&kept.id).unwrap()).unwrap();
    assert!(receipt.contains(&NAME.to_uppercase()));
}
