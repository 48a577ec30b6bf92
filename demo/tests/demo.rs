//! `perisai-demo` end to end: the real binary on a fresh SQLite file, three simulated
//! devices (the real core) enrolling offline and syncing through flaky links for 40 seconds.
//! What the devices say the server accepted must be exactly what the database holds: every
//! enrollment once, none twice, whatever the links cut.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_perisai-demo");
/// Far beyond the 40 s of the run and its last sync: only a hung demo reaches it.
const LIMIT: Duration = Duration::from_secs(240);

/// The number after `label` in `line` ("accepted 12, ..." → 12).
fn number_after(line: &str, label: &str) -> Option<u64> {
    let rest = &line[line.find(label)? + label.len()..];
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Seconds since the demo started, from a line's `[mm:ss]` stamp.
fn stamp(line: &str) -> Option<u64> {
    let inside = line.strip_prefix('[')?.get(..5)?;
    let (m, s) = inside.split_once(':')?;
    Some(m.parse::<u64>().ok()? * 60 + s.parse::<u64>().ok()?)
}

/// Runs the demo to its end; returns (exit success, stdout, stderr).
fn run_demo(database_url: &str) -> (bool, String, String) {
    let mut child = Command::new(BIN)
        .args([
            "--database-url",
            database_url,
            "--listen",
            "127.0.0.1:0",
            "--duration",
            "40",
            "--devices",
            "3",
        ])
        .env_remove("PERISAI_DATABASE_URL")
        .env_remove("PERISAI_KEY_DIR")
        .env_remove("PERISAI_PASSWORD")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start perisai-demo");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let out = out.join().unwrap_or_default();
    let err = err.join().unwrap_or_default();
    (status.is_some_and(|s| s.success()), out, err)
}

#[test]
fn the_demo_delivers_every_enrollment_exactly_once_over_a_flaky_link() {
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = format!("sqlite:{}", dir.path().join("data/perisai.db").display());
    let (ok, out, err) = run_demo(&database_url);
    assert!(
        ok,
        "the demo failed or hung\nstdout:\n{out}\nstderr:\n{err}"
    );
    let lines: Vec<&str> = out.lines().collect();
    let context = || format!("stdout:\n{out}");

    assert_eq!(
        lines
            .iter()
            .filter(|l| l.contains("activation code"))
            .count(),
        3,
        "{}",
        context()
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("listening on http://127.0.0.1:")),
        "{}",
        context()
    );

    // Batches arrive, the first within the first minute.
    let acked: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.contains(") → accepted "))
        .collect();
    assert!(acked.len() >= 3, "too few batches\n{}", context());
    let first = acked
        .iter()
        .filter_map(|l| stamp(l))
        .min()
        .unwrap_or(u64::MAX);
    assert!(first < 60, "first batch at {first} s\n{}", context());
    for device in 1..=3 {
        assert!(
            acked
                .iter()
                .any(|l| l.contains(&format!("] device {device}: batch #"))),
            "device {device} sent no batch\n{}",
            context()
        );
    }
    let accepted_in_batches: u64 = acked
        .iter()
        .filter_map(|l| number_after(l, "→ accepted "))
        .sum();

    // The links cut connections, the devices retried, and a resent batch was stored once.
    assert!(
        lines
            .iter()
            .any(|l| l.contains("link cut before the answer arrived")),
        "{}",
        context()
    );
    assert!(
        lines.iter().any(|l| l.contains("retrying in ")),
        "{}",
        context()
    );
    assert!(
        lines.iter().any(|l| l.contains("stored exactly once")),
        "{}",
        context()
    );

    let totals = lines
        .iter()
        .find(|l| l.contains("devices reported: "))
        .unwrap_or_else(|| panic!("no totals line\n{}", context()));
    let reported = |label: &str| {
        number_after(totals, label).unwrap_or_else(|| panic!("no {label:?} in {totals}"))
    };
    let accepted = reported("accepted ");
    let rejected = reported("rejected ");
    let batches = reported("batches ");
    assert!(accepted > 0, "{totals}");
    assert_eq!(reported("duplicate "), 0, "{totals}");
    assert_eq!(reported("unsent "), 0, "{totals}");
    assert_eq!(reported("saved "), accepted + rejected, "{totals}");
    assert_eq!(accepted_in_batches, accepted, "{}", context());

    // The database holds exactly what the devices were told, once each.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let db = perisai_server::db::Db::open(&database_url)
            .await
            .expect("open the demo database");
        let count = |sql: &'static str| {
            let db = db.clone();
            async move {
                sqlx::query_scalar::<_, i64>(sql)
                    .fetch_one(db.pool())
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
        };
        let stored = count(
            "SELECT COUNT(*) FROM enrollments WHERE branch = 'DEMO' AND status <> 'rejected_at_ingest'",
        )
        .await;
        assert_eq!(stored as u64, accepted, "{totals}");
        let refused = count(
            "SELECT COUNT(*) FROM enrollments WHERE branch = 'DEMO' AND status = 'rejected_at_ingest'",
        )
        .await;
        assert_eq!(refused as u64, rejected, "{totals}");
        assert_eq!(
            count("SELECT COUNT(*) FROM batches WHERE branch = 'DEMO'").await as u64,
            batches,
            "{totals}"
        );
        // No receipt twice, no gap: every device's receipts are 1..n and its batches 1..m.
        assert_eq!(
            count(
                "SELECT COUNT(*) FROM (SELECT device_id FROM enrollments
                 GROUP BY device_id HAVING COUNT(*) <> COUNT(DISTINCT receipt_no)
                     OR MIN(receipt_no) <> 1 OR MAX(receipt_no) <> COUNT(*)) AS bad"
            )
            .await,
            0
        );
        assert_eq!(
            count(
                "SELECT COUNT(*) FROM (SELECT device_id FROM batches
                 GROUP BY device_id HAVING MIN(seq) <> 1 OR MAX(seq) <> COUNT(*)) AS bad"
            )
            .await,
            0
        );
        assert_eq!(
            count("SELECT COUNT(DISTINCT device_id) FROM enrollments").await,
            3
        );
        db.close().await;
    });
}

/// A demo on a fresh SQLite file in `dir`, listening on a free port.
fn demo(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("--database-url")
        .arg(format!("sqlite:{}", dir.join("data/perisai.db").display()))
        .args(["--devices", "2", "--listen", "127.0.0.1:0"])
        .env_remove("PERISAI_DATABASE_URL")
        .env_remove("PERISAI_KEY_DIR")
        .env_remove("PERISAI_PASSWORD")
        .env("RUST_LOG", "warn");
    cmd
}

/// A running demo: its first lines up to "listening on", and its address. Killed on drop.
struct Running {
    child: std::process::Child,
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
    use std::io::BufRead;
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start perisai-demo");
    let mut reader = std::io::BufReader::new(child.stdout.take().expect("stdout"));
    let mut lines = Vec::new();
    let mut addr = None;
    for _ in 0..20 {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
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
    // Keep draining stdout so the demo never writes into a closed pipe.
    std::thread::spawn(move || {
        let mut sink = String::new();
        let _ = reader.read_to_string(&mut sink);
    });
    Running { child, addr, lines }
}

/// `GET path` on the demo's server: the status code.
fn get_status(addr: &str, path: &str) -> u16 {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("response");
    response[9..12].parse().expect("status")
}

/// The demo seeds a branch, prints one activation code per device and the supervisor's login,
/// and serves; a second run reuses the seed and issues fresh codes.
#[test]
fn demo_seeds_prints_codes_and_serves() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = demo(dir.path());
    cmd.env("PERISAI_PASSWORD", "demo-password-123");
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
    assert_eq!(get_status(&running.addr, "/healthz"), 200);
    drop(running);
    // A second run reuses the seed and issues fresh codes.
    let running = start(demo(dir.path()));
    assert_eq!(
        running
            .lines
            .iter()
            .filter(|l| l.contains("activation code"))
            .count(),
        2
    );
}
