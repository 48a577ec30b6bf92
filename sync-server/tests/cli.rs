//! The real `perisai-server` binary: the admin commands' output contract (the bare id or code
//! on the last stdout line, failures non-zero with a message on stderr), `serve` printing its
//! address, `demo`, `backup` and `export`; `assign-scheme` and `set-time-zone` on SQLite and on
//! PostgreSQL (when `PERISAI_TEST_POSTGRES_URL` is set).

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
    // The QR payload, as the phones read it: the server, this code and the key's fingerprint.
    let qr = stdout
        .lines()
        .find_map(|l| l.strip_prefix("qr "))
        .expect("a qr line");
    let target = perisai_core::protocol::activation_target::ActivationTarget::from_qr(qr)
        .expect("a payload the phones read");
    assert_eq!(target.server_url, "https://perisai.example");
    assert_eq!(target.code, code);
    assert!(stdout.contains(&format!(
        "server key fingerprint {}",
        target.fingerprint.expect("a fingerprint")
    )));

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
            "cannot read the payments file",
        ),
        (
            vec!["admin", "issue-statements", "--month", "2999-11"],
            "has not ended yet",
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

/// One `GET /healthz` on a kept-alive connection; the status of its answer, read up to the end
/// of its (short, length-delimited) body.
fn healthz_on(stream: &mut TcpStream) -> std::io::Result<u16> {
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")?;
    let mut answer = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        answer.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&answer);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .expect("a length-delimited answer");
            if body.len() >= length {
                return Ok(head[9..12].parse().unwrap());
            }
        }
    }
}

/// ARCHITECTURE.md §8's devices send a batch every 10 s on the connection they keep. The server's idle
/// limit (the header deadline, one timer in hyper) must be longer, or a device's next request
/// meets the server closing that connection (the keep-alive race seen under load).
#[test]
fn a_kept_alive_connection_outlives_a_devices_ten_second_interval() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = server(dir.path());
    cmd.args(["serve", "--listen", "127.0.0.1:0"]);
    let running = start(cmd);
    let mut stream = TcpStream::connect(&running.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    assert_eq!(healthz_on(&mut stream).unwrap(), 200);
    std::thread::sleep(Duration::from_secs(11));
    // Same socket: had the server closed it, the write or the read fails.
    assert_eq!(healthz_on(&mut stream).unwrap(), 200);
}

fn activation_json(code: &str, signer: &perisai_core::signer::SoftwareSigner) -> String {
    let request =
        perisai_core::protocol::messages::ActivationRequest::signed(code, signer, "0.1.0").unwrap();
    serde_json::to_string(&request).unwrap()
}

/// `admin publish-rules`: a successor rule set (and the open-ended one closed before it) is
/// checked as a device would check it, stored once, and served by a restarted server; a rule
/// set that overlaps, or a file that is not a rule set, is refused with nothing stored.
#[test]
fn rule_sets_are_published_checked_and_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    seed(dir.path());
    let shipped: serde_json::Value =
        serde_json::from_str(include_str!("../../domain/rulesets/bpu-2026.json")).unwrap();
    let mut closed = shipped.clone();
    closed["effective_to"] = serde_json::json!("2027-12");
    let mut successor = shipped.clone();
    successor["id"] = serde_json::json!("bpu-2028");
    successor["effective_from"] = serde_json::json!("2028-01");
    let file = dir.path().join("rules.json");
    std::fs::write(&file, serde_json::json!([closed, successor]).to_string()).unwrap();
    let publish = |path: &Path| {
        run(
            dir.path(),
            &["admin", "publish-rules", "--file", path.to_str().unwrap()],
        )
    };

    assert_eq!(last_line(&publish(&file)), "bpu-2026,bpu-2028");
    let again = publish(&file);
    assert_eq!(last_line(&again), "bpu-2026,bpu-2028");
    assert!(String::from_utf8_lossy(&again.stderr).contains("nothing changed"));

    // Overlapping the published successor: refused.
    let mut overlapping = shipped.clone();
    overlapping["id"] = serde_json::json!("bpu-2028b");
    overlapping["effective_from"] = serde_json::json!("2028-06");
    let bad = dir.path().join("overlap.json");
    std::fs::write(&bad, overlapping.to_string()).unwrap();
    let refused = publish(&bad);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("overlap"));
    // Not a rule set at all, and a missing file: refused.
    std::fs::write(&bad, r#"{"id": "x"}"#).unwrap();
    assert!(!publish(&bad).status.success());
    assert!(!publish(&dir.path().join("missing.json")).status.success());

    let db = dir.path().join("data/perisai.db");
    assert_eq!(count_rows(&db, "SELECT COUNT(*) FROM rule_sets"), 2);
}

/// Counts rows in the server's SQLite file, opened read-only.
fn count_rows(db: &Path, sql: &str) -> i64 {
    let url = format!("sqlite:{}?mode=ro", db.display());
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_one(&mut conn)
            .await
            .unwrap()
    })
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

/// The binary on the database and key folder of a test harness (SQLite or PostgreSQL).
fn admin(ctx: &common::Ctx, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(["--database-url", ctx.db.url()])
        .args(["--key-dir", ctx.dir.path().join("keys").to_str().unwrap()])
        .arg("admin")
        .args(args)
        .env_remove("PERISAI_DATABASE_URL")
        .env_remove("PERISAI_KEY_DIR")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

/// Asserts a refusal: exit 1 and `what` on stderr; returns stderr.
fn refused(output: &Output, what: &str) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(output.status.code(), Some(1), "stderr: {stderr}");
    assert!(stderr.contains(what), "{what:?} not in {stderr}");
    stderr
}

fn nothing_changed(output: &Output) -> bool {
    String::from_utf8_lossy(&output.stderr).contains("nothing changed")
}

/// `YYYY-MM`, `back` months before the running UTC month (ended in any zone east of UTC).
fn months_ago(back: i32) -> String {
    use chrono::Datelike;
    let today = chrono::Utc::now().date_naive();
    let index = today.year() * 12 + today.month0() as i32 - back;
    format!(
        "{:04}-{:02}",
        index.div_euclid(12),
        index.rem_euclid(12) + 1
    )
}

both_backends!(
    a_wadah_scheme_is_assigned_from_a_month_never_already_issued,
    a_branch_time_zone_is_set_and_decides_the_month_of_a_payment,
    erasure_removes_the_person_and_keeps_the_accounts,
);

/// `admin erase`: the person's data leaves the record (export and pages), the NIK may enroll
/// again, the payment code and status stay, the audit log keeps the reference; erasing again
/// changes nothing; bad input changes nothing.
async fn erasure_removes_the_person_and_keeps_the_accounts(ctx: &common::Ctx) {
    let mut device = ctx.device("KC01").await;
    let record = device.record(1);
    let nik = record["nik"].as_str().unwrap().to_string();
    let phone = record["phone"].as_str().unwrap().to_string();
    let bytes = device.next_batch(std::slice::from_ref(&record));
    let (reply, _) = device.upload(ctx, bytes).await;
    assert_eq!(reply.status.as_u16(), 200);
    let id = record["id"].as_str().unwrap().to_string();
    let decided = admin(ctx, &["decide", "--record", &id, "--decision", "approved"]);
    assert!(decided.status.success(), "{decided:?}");
    let export = |ctx: &common::Ctx| {
        String::from_utf8_lossy(
            &admin(ctx, &["export", "--branch", "KC01", "--format", "csv"]).stdout,
        )
        .to_string()
    };
    assert!(export(ctx).contains(&nik));

    refused(
        &admin(ctx, &["erase", "--record", &id, "--reference", "Siti <3"]),
        "--reference must be",
    );
    refused(
        &admin(
            ctx,
            &[
                "erase",
                "--record",
                "no-such-id",
                "--reference",
                "1/PDP/2026",
            ],
        ),
        "no record with id",
    );
    assert!(
        export(ctx).contains(&nik),
        "a refused erasure changed nothing"
    );

    let erased = admin(
        ctx,
        &["erase", "--record", &id, "--reference", "12/PDP/XII/2026"],
    );
    assert_eq!(last_line(&erased), format!("KC01/{id}"), "{erased:?}");
    assert!(!nothing_changed(&erased));
    let exported = export(ctx);
    let line = exported
        .lines()
        .find(|l| l.contains(&id))
        .expect("still exported");
    assert!(line.contains("[DIHAPUS / ERASED]"), "{line}");
    for personal in [
        &nik,
        &phone,
        &"SITI RAHAYU".to_string(),
        &"Siti Rahayu".to_string(),
    ] {
        assert!(
            !exported.contains(personal.as_str()),
            "{personal} still exported"
        );
    }
    assert!(line.contains(",approved,"), "{line}");
    assert!(!line.contains("+62") && !line.contains("Bogor"), "{line}");
    assert_eq!(
        ctx.count(&format!(
            "SELECT COUNT(*) FROM payment_codes WHERE record_id = '{id}'"
        ))
        .await,
        1
    );
    assert_eq!(ctx.count("SELECT COUNT(*) FROM nik_claims").await, 0);
    assert_eq!(
        ctx.count(
            "SELECT COUNT(*) FROM enrollments WHERE nik_hmac IS NOT NULL OR phone_hmac IS NOT NULL"
        )
        .await,
        0
    );
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM audit_log WHERE action = 'record.erase' AND detail LIKE '%12/PDP/XII/2026%'")
            .await,
        1
    );

    // Again: nothing changes.
    let again = admin(
        ctx,
        &["erase", "--record", &id, "--reference", "12/PDP/XII/2026"],
    );
    assert_eq!(last_line(&again), format!("KC01/{id}"));
    assert!(nothing_changed(&again));
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM audit_log WHERE action = 'record.erase'")
            .await,
        1
    );

    // The person may enroll again: the same NIK is a new claim, not a duplicate.
    let mut again_record = device.record(2);
    again_record["nik"] = serde_json::Value::String(nik.clone());
    again_record["birth_date"] = record["birth_date"].clone();
    again_record["sex"] = record["sex"].clone();
    let bytes = device.next_batch(std::slice::from_ref(&again_record));
    let (reply, _) = device.upload(ctx, bytes).await;
    assert_eq!(reply.status.as_u16(), 200);
    assert_eq!(ctx.count("SELECT COUNT(*) FROM nik_claims").await, 1);
    assert_eq!(ctx.count("SELECT COUNT(*) FROM duplicate_queue").await, 0);
}

/// `admin assign-scheme`: prints the scheme id, is idempotent, refuses an unknown Wadah or
/// scheme and a malformed month, and never reaches back into a month already issued for the
/// Wadah's branch; issuing reads the assignment.
async fn a_wadah_scheme_is_assigned_from_a_month_never_already_issued(ctx: &common::Ctx) {
    let branch = last_line(&admin(
        ctx,
        &["create-branch", "--code", "KC01", "--name", "Cabang Satu"],
    ));
    assert_eq!(branch, "KC01");
    let wadah = last_line(&admin(
        ctx,
        &[
            "create-wadah",
            "--branch",
            "KC01",
            "--name",
            "Koperasi Pasar",
        ],
    ));
    let assign = |scheme: &str, from: &str| {
        admin(
            ctx,
            &[
                "assign-scheme",
                "--wadah",
                &wadah,
                "--scheme",
                scheme,
                "--from",
                from,
            ],
        )
    };
    let (early, issued, next) = (months_ago(6), months_ago(2), months_ago(1));

    let first = assign("perisai-2022", &early);
    assert_eq!(last_line(&first), "perisai-2022");
    assert!(!nothing_changed(&first));
    let again = assign("perisai-2022", &early);
    assert_eq!(last_line(&again), "perisai-2022");
    assert!(nothing_changed(&again));

    refused(
        &assign("skema-karangan", &early),
        "unknown incentive scheme",
    );
    let stderr = refused(
        &admin(
            ctx,
            &[
                "assign-scheme",
                "--wadah",
                "no-such-wadah",
                "--scheme",
                "perisai-2022",
                "--from",
                &early,
            ],
        ),
        "no Wadah with id no-such-wadah",
    );
    // Indonesian first, then English.
    assert!(stderr.find("tidak ada Wadah").unwrap() < stderr.find("no Wadah").unwrap());
    for bad in ["2026-13", "2026-1", "Juni 2026", "2026/06"] {
        refused(&assign("perisai-2022", bad), "YYYY-MM");
    }

    // Once a month is issued, no assignment reaches back to it or before it.
    let output = admin(ctx, &["issue-statements", "--month", &issued]);
    assert!(last_line(&output).contains("\"issued\""), "{output:?}");
    for from in [&issued, &months_ago(3)] {
        let stderr = refused(&assign("perisai-2022", from), "already issued statements");
        assert!(stderr.contains(&format!("start from {next}")), "{stderr}");
    }
    // The same assignment as before is still accepted and changes nothing.
    assert!(nothing_changed(&assign("perisai-2022", &early)));
    assert_eq!(last_line(&assign("perisai-2022", &next)), "perisai-2022");
    assert_eq!(ctx.count("SELECT COUNT(*) FROM wadah_schemes").await, 2);
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM audit_log WHERE action = 'wadah.assign_scheme'")
            .await,
        2
    );
    // The check never left the next month looking issued, and issuing it reads the assignment.
    assert_eq!(ctx.count("SELECT COUNT(*) FROM statement_months").await, 1);
    let output = admin(ctx, &["issue-statements", "--month", &next]);
    assert!(last_line(&output).contains("\"issued\""), "{output:?}");
}

/// `admin set-time-zone`: `+HH:MM`/`-HH:MM` or WIB/WITA/WIT, printed as `+HH:MM`, upserted and
/// idempotent; out of range, malformed or for an unknown branch: refused. A payment confirmed at
/// 23:30 WIB on a month's last day belongs to the next month in a WITA branch.
async fn a_branch_time_zone_is_set_and_decides_the_month_of_a_payment(ctx: &common::Ctx) {
    // One approved record in a branch left on WIB and one in a branch set to WITA.
    let mut records = Vec::new();
    for (branch, n) in [("KC01", 1), ("KC02", 2)] {
        let mut device = ctx.device(branch).await;
        let record = device.record(n);
        let bytes = device.next_batch(std::slice::from_ref(&record));
        let (reply, _) = device.upload(ctx, bytes).await;
        assert_eq!(reply.status.as_u16(), 200);
        let id = record["id"].as_str().unwrap().to_string();
        let decided = admin(ctx, &["decide", "--record", &id, "--decision", "approved"]);
        assert!(decided.status.success(), "{decided:?}");
        records.push((id, record["enrolled_on"].as_str().unwrap()[..7].to_string()));
    }
    let set = |branch: &str, offset: &str| {
        admin(
            ctx,
            &["set-time-zone", "--branch", branch, "--utc-offset", offset],
        )
    };
    for (offset, printed) in [
        ("+09:00", "+09:00"),
        ("-03:30", "-03:30"),
        ("wib", "+07:00"),
        ("WITA", "+08:00"),
    ] {
        let output = set("KC02", offset);
        assert_eq!(last_line(&output), printed);
        assert!(!nothing_changed(&output), "{offset}");
    }
    let again = set("KC02", "+08:00");
    assert_eq!(last_line(&again), "+08:00");
    assert!(nothing_changed(&again));
    for bad in [
        "+14:30", "-12:30", "+7", "07:00", "+07:60", "UTC+7", "WITB", "",
    ] {
        refused(&set("KC02", bad), "the UTC offset must be +HH:MM");
    }
    refused(&set("KC99", "WIT"), "no branch with code KC99");
    assert_eq!(
        ctx.count("SELECT utc_offset_minutes FROM branch_time_zones WHERE branch = 'KC02'")
            .await,
        480
    );
    assert_eq!(ctx.count("SELECT COUNT(*) FROM branch_time_zones").await, 1);
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM audit_log WHERE action = 'branch.set_time_zone'")
            .await,
        4
    );

    // 00:30 WITA on the first day of the enrollment month is 23:30 WIB the day before.
    let month = &records[0].1;
    let instant = chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .unwrap()
        .and_hms_opt(0, 30, 0)
        .unwrap()
        .and_local_timezone(chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .unwrap()
        .to_rfc3339();
    let mut csv = String::from("payment_ref,nik,contribution_month,amount,paid_at\n");
    for (n, (id, enrolled)) in records.iter().enumerate() {
        csv.push_str(&format!("TZ-{n},{id},{enrolled},100000,{instant}\n"));
    }
    let file = ctx.dir.path().join("payments.csv");
    std::fs::write(&file, csv).unwrap();
    let report = last_line(&admin(
        ctx,
        &["import-payments", "--file", file.to_str().unwrap()],
    ));
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["imported"], 2, "{report}");
    let months: Vec<(String, String)> =
        sqlx::query_as("SELECT branch, paid_month FROM payments ORDER BY branch")
            .fetch_all(ctx.db.pool())
            .await
            .unwrap();
    let before = {
        let ym = perisai_core::tariff::YearMonth::parse(month).unwrap();
        perisai_server::service::payments::schemes::previous(ym).to_string()
    };
    assert_eq!(
        months,
        [
            ("KC01".to_string(), before),
            ("KC02".to_string(), month.clone()),
        ]
    );
}
