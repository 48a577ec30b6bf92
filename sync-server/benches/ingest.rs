//! Server ingest throughput (ARCHITECTURE.md §8: ≥ 20,000 enrollments/s on SQLite, ≥ 10,000 on
//! PostgreSQL, signatures verified, dedup on).
//!
//! ```text
//! cargo bench -p perisai-server --bench ingest
//! PERISAI_TEST_POSTGRES_URL=postgres://perisai:perisai@127.0.0.1:5432/perisai_test \
//!     cargo bench -p perisai-server --bench ingest
//! ```
//!
//! Per round, on a fresh database (a new SQLite file; a new PostgreSQL database, dropped after):
//! activates `PERISAI_BENCH_DEVICES` devices (default 100) through `POST /v1/activate`, freezes
//! `PERISAI_BENCH_BATCHES` signed batches per device (default 3) of 100 realistic valid
//! enrollments with distinct NIKs (`perisai_sim::people`, its national draw), all before the
//! clock starts; then `PERISAI_BENCH_CLIENTS` concurrent clients (default 8) upload them through
//! the real router (`tower::ServiceExt::oneshot`, the same stack as `serve` minus the socket),
//! each device's batches in chain order. Every answer must be 200, and afterwards every record
//! must be stored and have claimed its NIK. Prints enrollments per second and the per-batch
//! latency (p50, p99, max), per round and the median over `PERISAI_BENCH_ROUNDS` rounds (default 3).
//! `PERISAI_BENCH_PRELOAD` (default 0) ingests that many more enrollments, untimed, before the
//! measured ones, to measure against a non-empty database. `PERISAI_BENCH_ONLY=sqlite|postgres`
//! runs one engine (`none`: only the CPU breakdown).
//!
//! First it prints where one enrollment's CPU time goes outside the database, single-threaded
//! (`PERISAI_BENCH_CPU_BATCHES` batches, default 20): signature, body hash, inflate + JSON, and
//! the per-record preparation (re-validation, sealing, HMACs, content hash, dropping the parsed
//! records). The same batches are gone over `PERISAI_BENCH_CPU_PASSES` times (default 5) and each
//! phase's fastest pass is printed, so that other processes on the machine disturb it less.
//!
//! The server runs with its production configuration (`Config::for_backend`, rate limit
//! included: each device sends far fewer batches than its per-minute allowance).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use chrono::{FixedOffset, Utc};
use perisai_core::protocol::batch::{deflate_records, freeze, BatchHeader};
use perisai_core::protocol::labels::LABEL_ACTIVATE;
use perisai_core::protocol::messages::{ActivationRequest, ActivationResponse};
use perisai_core::protocol::{genesis_hash, PROTOCOL_VERSION};
use perisai_core::signer::{DeviceSigner, SoftwareSigner};
use perisai_core::tariff::RuleBook;
use perisai_server::config::Config;
use perisai_server::db::Db;
use perisai_server::keys::ServerKeys;
use perisai_server::router;
use perisai_server::state::AppState;
use perisai_sim::people::{wire_record, working_times, People};
use serde_json::Value;
use tower::ServiceExt;

const RECORDS: usize = 100;
const BRANCH: &str = "KC-BENCH";

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Plan {
    devices: usize,
    batches: usize,
    clients: usize,
    rounds: usize,
    preload: usize,
}

/// A server over a fresh database.
struct Server {
    db: Db,
    keys: Arc<ServerKeys>,
    router: Router,
    _dir: tempfile::TempDir,
    pg_drop: Option<(String, String)>,
}

impl Server {
    async fn open(engine: Target) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let (url, pg_drop) = match &engine {
            Target::Sqlite => (
                format!("sqlite:{}", dir.path().join("data/perisai.db").display()),
                None,
            ),
            Target::Postgres(admin_url) => {
                let name = format!("perisai_bench_{}", uuid::Uuid::now_v7().simple());
                let admin = sqlx::PgPool::connect(admin_url)
                    .await
                    .expect("admin connection");
                sqlx::query(&format!("CREATE DATABASE {name}"))
                    .execute(&admin)
                    .await
                    .expect("create database");
                admin.close().await;
                let (base, query) = match admin_url.split_once('?') {
                    Some((b, q)) => (b.to_string(), format!("?{q}")),
                    None => (admin_url.clone(), String::new()),
                };
                let cut = base.rfind('/').expect("a database in the URL");
                (
                    format!("{}/{name}{query}", &base[..cut]),
                    Some((admin_url.clone(), name)),
                )
            }
        };
        let db = Db::open(&url).await.expect("open database");
        let keys = Arc::new(ServerKeys::load_or_create(&dir.path().join("keys")).expect("keys"));
        keys.bind_to(&db).await.expect("bind keys");
        let config = Config::for_backend(db.backend());
        let state = AppState::new(db.clone(), keys.clone(), config).expect("state");
        perisai_server::service::org::create_branch(&db, BRANCH, "Cabang Uji Beban", None)
            .await
            .expect("branch");
        Server {
            router: router::router(state),
            db,
            keys,
            _dir: dir,
            pg_drop,
        }
    }

    async fn close(self) {
        self.db.close().await;
        if let Some((admin_url, name)) = self.pg_drop {
            if let Ok(admin) = sqlx::PgPool::connect(&admin_url).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&admin)
                    .await;
                admin.close().await;
            }
        }
    }

    async fn call(&self, request: Request<Body>) -> (StatusCode, axum::body::Bytes) {
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        (status, body)
    }

    /// An agent with a device activated through `POST /v1/activate`.
    async fn device(&self, wadah: &str, n: usize) -> (SoftwareSigner, String) {
        let agent =
            perisai_server::service::org::create_agent(&self.db, wadah, &format!("Agen {n}"))
                .await
                .expect("agent");
        let code = perisai_server::service::access::issue_code(
            &self.db,
            &self.keys,
            &agent,
            Duration::from_secs(3600),
        )
        .await
        .expect("code")
        .code;
        let signer = SoftwareSigner::generate_ephemeral().expect("device key");
        let request = ActivationRequest::signed(&code, &signer, "0.1.0").expect("activation");
        let (status, body) = self
            .call(
                Request::post("/v1/activate")
                    .header("content-type", "application/json")
                    .body(Body::from(serde_json::to_vec(&request).expect("json")))
                    .expect("request"),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        let envelope: perisai_core::protocol::envelope::SignedEnvelope =
            serde_json::from_slice(&body).expect("envelope");
        let response: ActivationResponse = envelope
            .open(LABEL_ACTIVATE, &self.keys.public_key())
            .expect("signed activation");
        (signer, response.device_id)
    }

    async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql)
            .fetch_one(self.db.pool())
            .await
            .expect("count")
    }
}

#[derive(Clone)]
enum Target {
    Sqlite,
    Postgres(String),
}

impl Target {
    fn name(&self) -> &'static str {
        match self {
            Target::Sqlite => "SQLite",
            Target::Postgres(_) => "PostgreSQL",
        }
    }
}

/// Activates `devices` devices and freezes `batches` batches of 100 records for each.
async fn prepare(
    server: &Server,
    people: &mut People,
    book: &RuleBook,
    devices: usize,
    batches: usize,
) -> Vec<Vec<Vec<u8>>> {
    let wadah = perisai_server::service::org::create_wadah(&server.db, BRANCH, "Koperasi Uji")
        .await
        .expect("wadah");
    let now = Utc::now().with_timezone(&FixedOffset::east_opt(7 * 3600).expect("WIB"));
    let mut work = Vec::with_capacity(devices);
    for n in 0..devices {
        let (signer, device_id) = server.device(&wadah, n).await;
        let times = working_times(people.rng(), now, batches * RECORDS);
        let mut head = genesis_hash(&device_id);
        let mut chain = Vec::with_capacity(batches);
        for (b, slice) in times.chunks(RECORDS).enumerate() {
            let records: Vec<Value> = slice
                .iter()
                .enumerate()
                .map(|(i, at)| {
                    let enrollee = people.enrollee(*at);
                    let id = uuid::Uuid::now_v7().to_string();
                    wire_record(
                        book,
                        &enrollee,
                        &id,
                        (b * RECORDS + i + 1) as u64,
                        &device_id,
                    )
                })
                .collect();
            let body = deflate_records(&records).expect("deflate");
            let header = BatchHeader {
                v: PROTOCOL_VERSION,
                device_id: device_id.clone(),
                seq: b as u64 + 1,
                prev_hash: head.clone(),
                created_at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
                count: 0,
                body_sha256: String::new(),
            };
            let (bytes, hash) =
                freeze(header, records.len() as u32, &body, &signer).expect("freeze");
            head = hash;
            chain.push(bytes);
        }
        work.push(chain);
    }
    work
}

/// Uploads every device's chain with `clients` concurrent clients; returns the wall time and the
/// latency of each batch.
async fn upload(
    server: &Arc<Server>,
    work: Vec<Vec<Vec<u8>>>,
    clients: usize,
) -> (Duration, Vec<Duration>) {
    let queue = Arc::new(Mutex::new(work));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let queue = queue.clone();
        let server = server.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            loop {
                let next = queue.lock().expect("queue").pop();
                let Some(chain) = next else { break };
                for bytes in chain {
                    let request = Request::post("/v1/batches")
                        .header("content-type", "application/octet-stream")
                        .body(Body::from(bytes))
                        .expect("request");
                    let sent = Instant::now();
                    let (status, body) = server.call(request).await;
                    latencies.push(sent.elapsed());
                    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
                }
            }
            latencies
        }));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("client"));
    }
    (started.elapsed(), latencies)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

struct RoundResult {
    rate: f64,
    p50: Duration,
    p99: Duration,
}

async fn round(engine: &Target, plan: &Plan, seed: u64) -> RoundResult {
    let book = RuleBook::builtin();
    let server = Arc::new(Server::open(engine.clone()).await);
    let mut people = People::new(seed);
    if plan.preload > 0 {
        let devices = plan.preload.div_ceil(RECORDS * plan.batches);
        let work = prepare(&server, &mut people, &book, devices, plan.batches).await;
        upload(&server, work, plan.clients).await;
    }
    let before = server.count("SELECT COUNT(*) FROM enrollments").await;
    let work = prepare(&server, &mut people, &book, plan.devices, plan.batches).await;
    let total = plan.devices * plan.batches * RECORDS;
    let load = load_average();
    if std::env::var_os("PERISAI_BENCH_ANNOUNCE").is_some() {
        eprintln!("upload starts");
    }
    let (wall, mut latencies) = upload(&server, work, plan.clients).await;
    latencies.sort();
    let stored = server.count("SELECT COUNT(*) FROM enrollments").await - before;
    let claims = server.count("SELECT COUNT(*) FROM nik_claims").await;
    let accepted = server
        .count("SELECT COUNT(*) FROM enrollments WHERE status = 'received'")
        .await;
    assert_eq!(stored as usize, total, "every record stored");
    assert_eq!(claims, before + total as i64, "every NIK claimed");
    assert_eq!(accepted, before + total as i64, "every record accepted");
    let rate = total as f64 / wall.as_secs_f64();
    let result = RoundResult {
        rate,
        p50: percentile(&latencies, 50.0),
        p99: percentile(&latencies, 99.0),
    };
    println!(
        "  {}: {total} enrollments ({} batches) in {:.2} s = {:.0} enrollments/s; batch p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; load before {load}",
        engine.name(),
        latencies.len(),
        wall.as_secs_f64(),
        rate,
        ms(result.p50),
        ms(result.p99),
        ms(percentile(&latencies, 100.0)),
    );
    if let Ok(server) = Arc::try_unwrap(server) {
        server.close().await;
    }
    result
}

/// Where a batch's CPU time goes outside the database, single-threaded: signature check, body
/// hash, decompression and JSON, and preparing each record (re-validation, sealing, HMACs, the
/// content hash). Printed before the throughput runs.
fn cpu_breakdown() {
    let batches = env_usize("PERISAI_BENCH_CPU_BATCHES", 20);
    let dir = tempfile::tempdir().expect("temp dir");
    let keys = ServerKeys::load_or_create(&dir.path().join("keys")).expect("keys");
    let book = RuleBook::builtin();
    let mut people = People::new(0xC0FFEE);
    let now = Utc::now().with_timezone(&FixedOffset::east_opt(7 * 3600).expect("WIB"));
    let signer = SoftwareSigner::generate_ephemeral().expect("key");
    let public_key = signer.public_key().expect("public key");
    let device_id = uuid::Uuid::now_v7().to_string();
    let times = working_times(people.rng(), now, batches * RECORDS);
    let mut frozen = Vec::new();
    for (b, slice) in times.chunks(RECORDS).enumerate() {
        let records: Vec<Value> = slice
            .iter()
            .enumerate()
            .map(|(i, at)| {
                let e = people.enrollee(*at);
                let id = uuid::Uuid::now_v7().to_string();
                wire_record(&book, &e, &id, (b * RECORDS + i + 1) as u64, &device_id)
            })
            .collect();
        let body = deflate_records(&records).expect("deflate");
        let header = BatchHeader {
            v: PROTOCOL_VERSION,
            device_id: device_id.clone(),
            seq: b as u64 + 1,
            prev_hash: genesis_hash(&device_id),
            created_at: now.to_rfc3339(),
            count: 0,
            body_sha256: String::new(),
        };
        frozen.push(
            freeze(header, RECORDS as u32, &body, &signer)
                .expect("freeze")
                .0,
        );
    }
    let today = now.date_naive();
    let correctable = std::collections::HashSet::new();
    let lookups = perisai_server::ingest::records::ServerLookups {
        correctable: &correctable,
    };
    let passes = env_usize("PERISAI_BENCH_CPU_PASSES", 5).max(1);
    // Per phase, the fastest pass: signature, body hash, inflate + JSON, preparation.
    let mut best = [Duration::MAX; 4];
    for _ in 0..passes {
        let mut spent = [Duration::ZERO; 4];
        for bytes in &frozen {
            let t = Instant::now();
            let batch = perisai_core::protocol::batch::FrozenBatch::parse(bytes).expect("parse");
            assert!(batch.signature_valid(&public_key));
            spent[0] += t.elapsed();
            let t = Instant::now();
            batch.check_body_hash().expect("body hash");
            spent[1] += t.elapsed();
            let t = Instant::now();
            let raw = batch.records().expect("records");
            spent[2] += t.elapsed();
            let t = Instant::now();
            // As ingest does: each parsed record is handed over and dropped once prepared.
            for record in raw {
                let p = perisai_server::ingest::records::prepare_owned(
                    record, BRANCH, &device_id, today, &book, &lookups, &keys,
                )
                .expect("prepare");
                assert!(p.accepted(), "{:?}", p.errors);
            }
            spent[3] += t.elapsed();
        }
        for (best, spent) in best.iter_mut().zip(spent) {
            *best = (*best).min(spent);
        }
    }
    let [verify, hash, decode, prepare] = best;
    let per_record = |d: Duration| d.as_secs_f64() * 1e6 / (batches * RECORDS) as f64;
    println!(
        "CPU per enrollment outside the database (one thread, fastest of {passes} passes): signature {:.1} µs, body hash {:.1} µs, inflate + JSON {:.1} µs, prepare (validate, seal, HMACs, content hash) {:.1} µs; total {:.1} µs",
        per_record(verify),
        per_record(hash),
        per_record(decode),
        per_record(prepare),
        per_record(verify + hash + decode + prepare),
    );
}

fn main() {
    let plan = Plan {
        devices: env_usize("PERISAI_BENCH_DEVICES", 100),
        batches: env_usize("PERISAI_BENCH_BATCHES", 3),
        clients: env_usize("PERISAI_BENCH_CLIENTS", 8),
        rounds: env_usize("PERISAI_BENCH_ROUNDS", 3).max(1),
        preload: env_usize("PERISAI_BENCH_PRELOAD", 0),
    };
    if std::env::var_os("RUST_LOG").is_some() {
        perisai_server::cli::init_logging("text");
    }
    let only = std::env::var("PERISAI_BENCH_ONLY").unwrap_or_default();
    let mut engines = Vec::new();
    if only.is_empty() || only == "sqlite" {
        engines.push(Target::Sqlite);
    }
    match std::env::var("PERISAI_TEST_POSTGRES_URL") {
        Ok(url) if only.is_empty() || only == "postgres" => engines.push(Target::Postgres(url)),
        _ => {}
    }
    cpu_breakdown();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "ingest: {} devices x {} batches x {RECORDS} enrollments, {} clients, {} rounds, preload {}; {cores} cores, load {}",
        plan.devices,
        plan.batches,
        plan.clients,
        plan.rounds,
        plan.preload,
        load_average()
    );
    for engine in &engines {
        let mut results = Vec::new();
        for r in 0..plan.rounds {
            results.push(runtime.block_on(round(engine, &plan, 0xBE9C_0000 + r as u64)));
        }
        results.sort_by(|a, b| a.rate.total_cmp(&b.rate));
        let median = &results[results.len() / 2];
        println!(
            "{}: median of {} rounds: {:.0} enrollments/s, batch p50 {:.1} ms, p99 {:.1} ms (best {:.0}, worst {:.0})",
            engine.name(),
            results.len(),
            median.rate,
            ms(median.p50),
            ms(median.p99),
            results[results.len() - 1].rate,
            results[0].rate,
        );
    }
}
