//! Helpers for the CLI tests: run the real `perisai` binary in a throw-away data folder, parse its
//! one JSON document, and check what every run must honour (no panic, nothing personal on stderr).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

/// Words of the test enrollments that must never appear on stderr.
pub const PERSONAL: [&str; 4] = ["3201155501900002", "Siti", "SITI", "81234567890"];

/// A valid enrollment: a woman (NIK day 55 = 15 + 40) born 15-01-1990, enrolled 2026-11-20.
pub const SITI: &str = r#"{"nik": "3201155501900002", "full_name": "Siti Aminah",
 "birth_place": "Bogor", "birth_date": "1990-01-15", "sex": "F", "phone": "0812 3456 7890",
 "address": "Pasar Anyar Blok C No. 12, Bogor", "occupation": "PEDAGANG",
 "monthly_income": 2000000, "programs": ["JKK", "JKM"], "payment_months": 3, "consent": true,
 "enrolled_on": "2026-11-20"}"#;

/// Worker `n` (1..=9999): valid, with its own NIK, name and phone.
pub fn worker(n: u32) -> String {
    let name: String = n
        .to_string()
        .bytes()
        .map(|d| (b'A' + (d - b'0')) as char)
        .collect();
    format!(
        r#"{{"nik": "320115120385{n:04}", "full_name": "Budi {name}", "birth_place": "Medan",
 "birth_date": "1985-03-12", "sex": "L", "phone": "0813{n:08}",
 "address": "Jl. Pelabuhan No. {n}, Belawan", "occupation": "OJOL", "monthly_income": 3500000,
 "programs": ["JKK", "JKM", "JHT"], "payment_months": 1, "consent": true,
 "enrolled_on": "2026-11-20"}}"#
    )
}

/// One run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The one JSON document on stdout.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not one JSON document ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// The `error.code` of the document.
    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no error.code in {}", self.stdout))
            .to_owned()
    }
}

/// A data folder that does not exist yet, inside a temporary directory.
pub struct Sandbox {
    pub tmp: tempfile::TempDir,
    pub data: PathBuf,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let tmp = tempfile::tempdir().expect("tempdir");
        let data = tmp.path().join("data");
        Sandbox { tmp, data }
    }

    /// Writes `content` to a file in the sandbox (outside the data folder) and returns its path.
    pub fn file(&self, name: &str, content: impl AsRef<[u8]>) -> String {
        let path = self.tmp.path().join(name);
        std::fs::write(&path, content).expect("write test file");
        path.display().to_string()
    }

    /// Runs `perisai --data-dir <data> args…`.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, None)
    }

    pub fn run_with_stdin(&self, args: &[&str], stdin: Option<&[u8]>) -> Run {
        let mut all = vec!["--data-dir", self.data.to_str().expect("utf-8 temp path")];
        all.extend_from_slice(args);
        perisai(&all, stdin, &[])
    }

    /// Every file in the data folder with its bytes: "nothing written" means this is unchanged.
    pub fn snapshot(&self) -> BTreeMap<String, Vec<u8>> {
        files(&self.data)
    }
}

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .map(|e| e.expect("dir entry").path())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).expect("read data file"))
        })
        .collect()
}

/// Runs the binary with exactly `args`, and checks the rules every run must honour.
pub fn perisai(args: &[&str], stdin: Option<&[u8]>, env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_perisai"));
    cmd.args(args)
        .env_remove("PERISAI_DATA_DIR")
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("spawn perisai");
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        // The binary may stop reading early (input too large): a broken pipe is fine.
        let _ = pipe.write_all(bytes);
    }
    let out = child.wait_with_output().expect("wait for perisai");
    let run = Run {
        code: out.status.code().expect("exit code, not a signal"),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "perisai panicked: {}",
        run.stderr
    );
    assert_ne!(run.code, 101, "perisai panicked: {}", run.stderr);
    for word in PERSONAL {
        assert!(
            !run.stderr.contains(word),
            "personal data on stderr: {}",
            run.stderr
        );
    }
    run
}

/// Asserts a bilingual message `{"id", "en"}` with both texts present.
pub fn assert_message(message: &Value) {
    assert!(
        message["id"].as_str().is_some_and(|s| !s.is_empty()),
        "{message}"
    );
    assert!(
        message["en"].as_str().is_some_and(|s| !s.is_empty()),
        "{message}"
    );
    assert_eq!(message.as_object().map(|m| m.len()), Some(2), "{message}");
}

/// Asserts `{"error": {"code": code, "message": {...}}}` (extra members allowed beside it).
pub fn assert_error(run: &Run, exit: i32, code: &str) {
    assert_eq!(
        run.code, exit,
        "exit code; stdout: {} stderr: {}",
        run.stdout, run.stderr
    );
    let doc = run.json();
    assert_eq!(doc["error"]["code"], code, "{}", run.stdout);
    assert_message(&doc["error"]["message"]);
}

/// Asserts an issue list has the contract shape and returns its `(field, code)` pairs.
pub fn issues(list: &Value) -> Vec<(String, String)> {
    list.as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|issue| {
            assert_message(&issue["message"]);
            assert_eq!(issue.as_object().map(|m| m.len()), Some(3), "{issue}");
            (
                issue["field"].as_str().expect("field").to_owned(),
                issue["code"].as_str().expect("code").to_owned(),
            )
        })
        .collect()
}
