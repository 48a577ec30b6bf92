//! Helpers shared by the core's integration tests: realistic valid enrollments with distinct NIKs.
#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;

use perisai_core::app::{AgentApp, AppConfig};
use perisai_core::seal::FileKeyVault;

/// A valid enrollment JSON for worker number `n`: every `n` gives a distinct NIK and phone.
/// NIK: province 32 (Jawa Barat), regency 01, district 15, birth date 15-01-1990 (women +40),
/// serial n+1 (1..=9999).
pub fn worker_json(n: u32) -> String {
    let female = n % 2 == 1;
    let day = if female { 55 } else { 15 };
    let serial = n % 9999 + 1;
    let district = 10 + (n / 9999) % 90;
    format!(
        r#"{{"nik": "3201{district:02}{day:02}0190{serial:04}", "full_name": "Pekerja Nomor {name}",
            "birth_place": "Bogor", "birth_date": "1990-01-15", "sex": "{sex}",
            "phone": "0812{phone:07}", "address": "Pasar Anyar Blok C No. 12, Bogor",
            "occupation": "PEDAGANG", "monthly_income": 2000000, "programs": ["JKK", "JKM"],
            "payment_months": 3, "consent": true, "enrolled_on": "2026-11-20"}}"#,
        name = letters(n),
        sex = if female { "F" } else { "M" },
        phone = n % 10_000_000,
    )
}

/// Spells a number in letters (names may not contain digits): 12 → "BC".
pub fn letters(mut n: u32) -> String {
    let mut s = String::new();
    loop {
        s.insert(0, (b'A' + (n % 26) as u8) as char);
        n /= 26;
        if n == 0 {
            return s;
        }
    }
}

pub fn open_app(dir: &Path, fsync: bool) -> AgentApp {
    let vault = FileKeyVault::open_or_create(&dir.join("device.key")).expect("key vault");
    let mut config = AppConfig::new(dir.join("data"));
    config.fsync = fsync;
    AgentApp::open(config, Arc::new(vault)).expect("open app")
}
