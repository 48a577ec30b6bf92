//! The real `perisai-server` binary: the admin commands' output contract (the bare id or code
//! on the last stdout line, failures non-zero with a message on stderr), `serve` printing its
//! address, `demo`, `backup` and `export`.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_perisai-server");

fn server(dir: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("--database-url")
        .arg(format!("sqlite:{}", dir.join("data/perisai.db").display()))
        .env_remove("PERISAI_DATABASE_URL")
        .env_remove("PERISAI_KEY_DIR")
        .env_remove("PERISAI_PASSWORD")
        .env("RUST_LOG", "warn");
    cmd
}

fn run(dir: &Path, args: &[&str]) -> Output {
    server(dir).args(args).output().unwrap()
}

fn last_line(output: &Output) -> String {
    assert!(
        output.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .last()
        .unwrap_or("")
        .to_string()
}

/// Creates branch, Wadah and agent through the CLI; returns the agent id.
fn seed(dir: &Path) -> String {
    let branch = last_line(&run(
        dir,
        &[
            "admin",
            "create-branch",
            "--code",
            "KC01",
            "--name",
            "Cabang Satu",
        ],
    ));
    assert_eq!(branch, "KC01");
    let wadah = last_line(&run(
        dir,
        &[
            "admin",
            "create-wadah",
            "--branch",
            "KC01",
            "--name",
            "Koperasi Pasar",
        ],
    ));
    assert_eq!(wadah.len(), 36);
    let agent = last_line(&run(
        dir,
        &["admin", "create-agent", "--wadah", &wadah, "--name", "Siti"],
    ));
    assert_eq!(agent.len(), 36);
    agent
}

#[test]
fn admin_commands_print_the_bare_id_last_and_fail_loudly() {
    let dir = tempfile::tempdir().unwrap();
    let agent = seed(dir.path());
    // The key folder sits beside the database file, not inside it.
    assert!(dir.path().join("data/keys/server-signing.key").exists());

    let output = run(
        dir.path(),
        &[
            "admin",
            "issue-code",
            "--agent",
            &agent,
            "--server-url",
            "https://perisai.example",
        ],
    );
    let code = last_line(&output);
    assert_eq!(code.len(), 16, "{code}"); // ABCD-EFGH-JKMN-P
    assert!(perisai_core::protocol::activation_code::normalize(&code).is_ok());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("server key fingerprint "));
    assert!(stdout.contains("qr perisai:activate?server=https://perisai.example"));

    let duplicate = run(
        dir.path(),
        &["admin", "create-branch", "--code", "KC01", "--name", "Lagi"],
    );
    assert!(!duplicate.status.success());
    assert!(String::from_utf8_lossy(&duplicate.stderr).contains("already exists"));
    let missing = run(
        dir.path(),
        &["admin", "create-agent", "--wadah", "nope", "--name", "X"],
    );
    assert!(!missing.status.success());
    assert!(!String::from_utf8_lossy(&missing.stderr).is_empty());

    for (args, what) in [
        (
            vec!["admin", "import-payments", "--file", "x.csv"],
            "not available yet",
        ),
        (
            vec!["admin", "issue-statements", "--month", "2026-11"],
            "not available yet",
        ),
    ] {
        let output = run(dir.path(), &args);
        assert!(!output.status.success());
        assert!(String::from_utf8_lossy(&output.stderr).contains(what));
    }
}

#[test]
fn create_user_reads_the_password_from_env_or_stdin_and_hashes_it() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let output = server(dir.path())
        .args([
            "admin",
            "create-user",
            "--role",
            "supervisor",
            "--branch",
            "KC01",
            "--email",
            "Sup@Example.org",
        ])
        .env("PERISAI_PASSWORD", "kata-sandi-yang-panjang")
        .output()
        .unwrap();
    let id = last_line(&output);
    assert_eq!(id.len(), 36);

    let mut child = server(dir.path())
        .args([
            "admin",
            "create-user",
            "--role",
            "admin",
            "--email",
            "ops@example.org",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"another-long-password\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(last_line(&output).len(), 36);

    let again = server(dir.path())
        .args([
            "admin",
            "create-user",
            "--role",
            "admin",
            "--email",
            "OPS@example.org",
        ])
        .env("PERISAI_PASSWORD", "another-long-password")
        .output()
        .unwrap();
    assert!(!again.status.success());
    let short = server(dir.path())
        .args([
            "admin",
            "create-user",
            "--role",
            "admin",
            "--email",
            "x@example.org",
        ])
        .env("PERISAI_PASSWORD", "short")
        .output()
        .unwrap();
    assert!(!short.status.success());
    let no_branch = server(dir.path())
        .args([
            "admin",
            "create-user",
            "--role",
            "supervisor",
            "--email",
            "y@example.org",
        ])
        .env("PERISAI_PASSWORD", "long-enough-password")
        .output()
        .unwrap();
    assert!(!no_branch.status.success());

    // Argon2id hashes, never the password.
    let db = dir.path().join("data/perisai.db");
    let bytes = std::fs::read(&db).unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains("kata-sandi-yang-panjang"));
    let reach = run(dir.path(), &["admin", "reach", "--user", "sup@example.org"]);
    let report: serde_json::Value = serde_json::from_str(&last_line(&reach)).unwrap();
    assert_eq!(report["role"], "supervisor");
    assert_eq!(report["record_count"], 0);
}

/// A running `serve`, stopped when dropped.
struct Running {
    child: Child,
    addr: String,
    lines: Vec<String>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(mut cmd: Command) -> Running {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    let mut lines = Vec::new();
    let mut addr = None;
    for _ in 0..20 {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap() == 0 {
            break;
        }
        let line = line.trim_end().to_string();
        if let Some(rest) = line.strip_prefix("listening on http://") {
            addr = Some(rest.to_string());
            lines.push(line);
            break;
        }
        lines.push(line);
    }
    let addr = addr.unwrap_or_else(|| panic!("no listening line in {lines:?}"));
    // Keep draining stdout so the server never writes into a closed pipe.
    std::thread::spawn(move || {
        let mut sink = String::new();
        let _ = reader.read_to_string(&mut sink);
    });
    Running { child, addr, lines }
}

/// One HTTP/1.1 request over a plain socket; returns (status, body).
fn http(addr: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn serve_prints_its_address_and_answers_on_it() {
    let dir = tempfile::tempdir().unwrap();
    let agent = seed(dir.path());
    let code = last_line(&run(
        dir.path(),
        &["admin", "issue-code", "--agent", &agent],
    ));
    let mut cmd = server(dir.path());
    cmd.args(["serve", "--listen", "127.0.0.1:0"]);
    let running = start(cmd);
    let (status, body) = http(&running.addr, "GET", "/healthz", "");
    assert_eq!(status, 200, "{body}");
    // A device activates over the network.
    let signer = perisai_core::signer::SoftwareSigner::generate_ephemeral().unwrap();
    let request = activation_json(&code, &signer);
    let (status, body) = http(&running.addr, "POST", "/v1/activate", &request);
    assert_eq!(status, 200, "{body}");
    let envelope: perisai_core::protocol::envelope::SignedEnvelope =
        serde_json::from_str(&body).unwrap();
    let fingerprint_line = running
        .lines
        .iter()
        .find(|l| l.starts_with("server key fingerprint"))
        .cloned();
    assert!(fingerprint_line.is_none() || fingerprint_line.unwrap().ends_with(&envelope.key));
    assert_eq!(envelope.key.len(), 64);
}

#[test]
fn a_client_trickling_its_headers_is_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = server(dir.path());
    cmd.args([
        "serve",
        "--listen",
        "127.0.0.1:0",
        "--header-timeout-secs",
        "1",
    ]);
    let running = start(cmd);
    let mut stream = TcpStream::connect(&running.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(8)))
        .unwrap();
    stream
        .write_all(b"POST /v1/batches HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let started = std::time::Instant::now();
    let mut rest = Vec::new();
    // The server closes the connection (perhaps after a 408) instead of waiting for ever.
    let _ = stream.read_to_end(&mut rest);
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "{:?}",
        started.elapsed()
    );
    // And it still serves others.
    assert_eq!(http(&running.addr, "GET", "/healthz", "").0, 200);
}

fn activation_json(code: &str, signer: &perisai_core::signer::SoftwareSigner) -> String {
    use base64::Engine;
    use perisai_core::signer::DeviceSigner;
    let b64 = base64::engine::general_purpose::STANDARD;
    let normalized = perisai_core::protocol::activation_code::normalize(code).unwrap();
    let public_key = signer.public_key().unwrap();
    let message = perisai_core::protocol::messages::activation_message(&normalized, &public_key);
    let proof = perisai_core::signer::sign_in_context(
        signer,
        perisai_core::signer::LABEL_ACTIVATE,
        &message,
    )
    .unwrap();
    serde_json::json!({
        "v": 1, "code": code, "public_key": b64.encode(&public_key), "app_version": "0.1.0",
        "signature": b64.encode(proof)
    })
    .to_string()
}

#[test]
fn demo_seeds_prints_codes_and_serves() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = server(dir.path());
    cmd.args(["demo", "--devices", "2", "--listen", "127.0.0.1:0"])
        .env("PERISAI_PASSWORD", "demo-password-123");
    let running = start(cmd);
    let codes: Vec<&String> = running
        .lines
        .iter()
        .filter(|l| l.contains("activation code"))
        .collect();
    assert_eq!(codes.len(), 2, "{:?}", running.lines);
    assert!(running
        .lines
        .iter()
        .any(|l| l.contains("supervisor login: supervisor@demo.perisai.test / demo-password-123")));
    let (status, _) = http(&running.addr, "GET", "/healthz", "");
    assert_eq!(status, 200);
    drop(running);
    // A second run reuses the seed and issues fresh codes.
    let mut again = server(dir.path());
    again.args(["demo", "--devices", "2", "--listen", "127.0.0.1:0"]);
    let running = start(again);
    assert_eq!(
        running
            .lines
            .iter()
            .filter(|l| l.contains("activation code"))
            .count(),
        2
    );
}

#[test]
fn backup_and_export_work_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let file = dir.path().join("backups/perisai-backup.db");
    let output = run(dir.path(), &["admin", "backup", file.to_str().unwrap()]);
    assert_eq!(last_line(&output), file.display().to_string());
    let head = std::fs::read(&file).unwrap();
    assert!(head.starts_with(b"SQLite format 3\0"));
    // Never overwrites.
    assert!(
        !run(dir.path(), &["admin", "backup", file.to_str().unwrap()])
            .status
            .success()
    );

    let output = run(
        dir.path(),
        &["admin", "export", "--branch", "KC01", "--format", "csv"],
    );
    assert!(output.status.success());
    let csv = String::from_utf8_lossy(&output.stdout);
    assert!(csv.starts_with("id,nik,full_name,agent_id,device_id,status"));
    assert!(!run(
        dir.path(),
        &["admin", "export", "--branch", "NOPE", "--format", "csv"]
    )
    .status
    .success());
    assert!(!run(
        dir.path(),
        &["admin", "export", "--branch", "KC01", "--format", "xlsx"]
    )
    .status
    .success());
}

#[test]
fn a_wrong_key_folder_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let other = tempfile::tempdir().unwrap();
    let output = server(dir.path())
        .args([
            "--key-dir",
            other.path().to_str().unwrap(),
            "admin",
            "create-branch",
            "--code",
            "KC02",
            "--name",
            "Dua",
        ])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("key folder"));
}

#[tokio::test]
async fn postgres_backup_uses_pg_dump_when_configured() {
    let Some(ctx) = common::Ctx::postgres().await else {
        eprintln!("PERISAI_TEST_POSTGRES_URL not set: skipped");
        return;
    };
    if Command::new("pg_dump").arg("--version").output().is_err() {
        eprintln!("pg_dump not installed: skipped");
        ctx.drop_database().await;
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pg.dump");
    let output = Command::new(BIN)
        .args(["--database-url", ctx.db.url()])
        .args(["--key-dir", ctx.dir.path().join("keys").to_str().unwrap()])
        .args(["admin", "backup", file.to_str().unwrap()])
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert_eq!(last_line(&output), file.display().to_string());
    assert!(std::fs::read(&file).unwrap().starts_with(b"PGDMP"));
    ctx.drop_database().await;
}
