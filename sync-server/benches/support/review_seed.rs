//! A PostgreSQL database with a year of field work for the review-page benchmark: branches, Wadah,
//! agents with one device each, signed and hash-chained batches of 100 enrollments, the
//! supervisors' decisions on them, payment codes, NIK claims and tags, the duplicate queue and
//! fraud flags.
//!
//! Every enrollment row is what ingest stores (`ingest::store_records`): the device's wire record
//! (`perisai_sim::people::wire_record`, as `core/src/sync/wire.rs` builds it) goes through
//! `ingest::records::prepare`, the function ingest calls, so the content is sealed with the
//! server keys with `{branch}/{id}` bound in and the content hash, HMACs and dates are ingest's
//! own; batches are frozen and signed by the device key (`protocol::batch::freeze`) and carry a
//! signed acknowledgement; fraud flags come from `ingest::fraud::record_signals`. What is not
//! ingest's HTTP path: rows are written with large multi-row `INSERT`s, a transaction per 20
//! batches, with `synchronous_commit = off` for the loading connection only (durability of the
//! seed does not matter, the server's own connections are left as configured).
//!
//! The mix, per branch and agent alike: within each batch about 1 % corrections of the record
//! before (the older one becomes `superseded`), 1 % refused at ingest (an income below the
//! minimum, as when a rule set changed), 0.3 % the same person enrolled again (a duplicate NIK:
//! queued for the supervisors, resolved when older than 30 days); of the accepted records older
//! than two days about 70 % still `received`, 20 % `approved` (with a payment code), 5 %
//! `rejected` and 5 % `has_issues` (with a sealed reason). Flags older than 30 days are resolved
//! with a sealed note. Not seeded: the audit log of those decisions, nonces, activation codes.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;
use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use perisai_core::protocol::batch::{deflate_records, freeze, BatchHeader, FrozenBatch};
use perisai_core::protocol::downsync::nik_tag24;
use perisai_core::protocol::labels::LABEL_ACK;
use perisai_core::protocol::messages::{Ack, FieldCode, RecordResult, RecordStatus};
use perisai_core::protocol::{genesis_hash, PROTOCOL_VERSION};
use perisai_core::rules::{self, NoLookups};
use perisai_core::seal::Purpose;
use perisai_core::signer::{DeviceSigner, SoftwareSigner};
use perisai_core::tariff::RuleBook;
use perisai_server::db::devices::Device;
use perisai_server::db::Db;
use perisai_server::ingest::fraud;
use perisai_server::ingest::records::{self, Prepared, ServerLookups};
use perisai_server::keys::ServerKeys;
use perisai_sim::people::{uuid_at, wire_record, Enrollee, People, Rng};
use serde_json::{json, Value};
use sqlx::postgres::PgPoolOptions;
use sqlx::{Executor, PgPool, Postgres, QueryBuilder};

/// Records per batch (a device's largest).
pub const BATCH: usize = 100;
/// Batches written per transaction.
const CHUNK: usize = 20;
const DAY_MS: i64 = 24 * 3600 * 1000;
/// Duplicates and flags younger than this are still open.
const OPEN_FOR_MS: i64 = 30 * DAY_MS;
/// The password of every seeded account.
pub const PASSWORD: &str = "kata-sandi-bench-review";

/// What to seed.
pub struct Plan {
    pub enrollments: usize,
    /// (code, name) of each branch.
    pub branches: Vec<(&'static str, &'static str)>,
    pub agents_per_branch: usize,
    pub wadah_per_branch: usize,
    /// Days of field work the enrollments spread over, ending now.
    pub days: i64,
}

impl Plan {
    /// What the database remembers about its seed (`server_meta`), to tell a finished seed of
    /// this plan from anything else.
    pub fn marker(&self) -> String {
        format!(
            "review-seed v1; enrollments {}; branches {}; agents/branch {}; wadah/branch {}; days {}",
            self.enrollments,
            self.branches.len(),
            self.agents_per_branch,
            self.wadah_per_branch,
            self.days
        )
    }

    /// The e-mail of the supervisor of `branch`.
    pub fn supervisor(branch: &str) -> String {
        format!("spv.{}@bench.perisai.test", branch.to_lowercase())
    }
}

pub const MARKER_KEY: &str = "bench.review_page.seed";
pub const SEED_TIME_KEY: &str = "bench.review_page.seed_report";

/// One device, as the seeder keeps it.
struct DeviceSeed {
    id: String,
    branch: String,
    agent_id: String,
    signer: SoftwareSigner,
    activated_ms: i64,
    last_seq: i64,
    head_hash: String,
    last_receipt_no: i64,
}

/// One batch to make: whose, which, when.
struct BatchPlan {
    device: usize,
    seq: i64,
    first_receipt: u64,
    times: Vec<DateTime<FixedOffset>>,
    received_ms: i64,
}

/// A batch made ready outside the database (the CPU part, in parallel).
struct Made {
    plan: usize,
    body: Vec<u8>,
    count: u32,
    prepared: Vec<Prepared>,
    /// The id of the correction that replaces record `i`, if any.
    superseded_by: Vec<Option<String>>,
}

fn wib() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).unwrap_or_else(|| unreachable!("a valid offset"))
}

fn title_case(name: &str) -> String {
    name.split_whitespace()
        .map(|w| {
            let lower = w.to_lowercase();
            let mut chars = lower.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

const WADAH_NAMES: &[&str] = &[
    "Koperasi Tani Makmur",
    "KSP Sejahtera Bersama",
    "Paguyuban Pedagang Pasar",
    "Kelompok Nelayan Mina Jaya",
    "Serikat Ojek Pangkalan",
    "Koperasi Pengrajin Batik",
    "Paguyuban Buruh Bangunan",
    "Kelompok Wanita Tani Melati",
];

const REJECT_REASONS: &[&str] = &[
    "Foto KTP tidak terbaca",
    "Peserta sudah terdaftar lewat perusahaan",
    "Penghasilan tidak wajar untuk pekerjaan ini",
    "Persetujuan peserta diragukan",
];
const ISSUE_REASONS: &[&str] = &[
    "Alamat kurang lengkap, mohon dilengkapi RT/RW",
    "Nomor telepon perlu dicek ulang",
    "Pekerjaan tidak sesuai keterangan di lapangan",
];
const DUPLICATE_REASON: &str = "Duplikat NIK: peserta sudah terdaftar (pertahankan yang ada)";
const FLAG_NOTE: &str = "Sudah dicek ke lapangan: GPS ponsel agen mati saat pendaftaran";

/// How long seeding took, by part.
pub struct Report {
    pub org: Duration,
    pub records: Duration,
    pub vacuum: Duration,
    pub enrollments: i64,
}

impl Report {
    pub fn total(&self) -> Duration {
        self.org + self.records + self.vacuum
    }
}

/// Seeds the freshly migrated database `db` (also reachable as `pg`) after `plan`.
pub async fn seed(db: &Db, pg_url: &str, keys: Arc<ServerKeys>, plan: &Plan) -> Report {
    let started = Instant::now();
    let now = Utc::now().with_timezone(&wib());
    let now_ms = now.timestamp_millis();
    let mut rng = Rng::new(0x5EED_2E71_E000);
    let mut devices = Vec::new();
    let mut names = People::new(0xA6E7_5000);
    for (code, name) in &plan.branches {
        perisai_server::service::org::create_branch(db, code, name, None)
            .await
            .expect("branch");
        let mut wadah = Vec::new();
        for w in 0..plan.wadah_per_branch {
            let name = format!("{} {}", WADAH_NAMES[w % WADAH_NAMES.len()], w + 1);
            wadah.push(
                perisai_server::service::org::create_wadah(db, code, &name)
                    .await
                    .expect("wadah"),
            );
        }
        for a in 0..plan.agents_per_branch {
            let person = names.enrollee(now);
            let agent_name = title_case(person.form["full_name"].as_str().unwrap_or("Agen"));
            let agent = perisai_server::service::org::create_agent(
                db,
                &wadah[a % wadah.len()],
                &agent_name,
            )
            .await
            .expect("agent");
            let activated_ms = now_ms - (plan.days + 1 + rng.range(0, 30) as i64) * DAY_MS;
            let activated = wib()
                .timestamp_millis_opt(activated_ms)
                .single()
                .unwrap_or(now);
            let id = uuid_at(&mut rng, activated);
            devices.push(DeviceSeed {
                head_hash: genesis_hash(&id),
                id,
                branch: code.to_string(),
                agent_id: agent,
                signer: SoftwareSigner::generate_ephemeral().expect("device key"),
                activated_ms,
                last_seq: 0,
                last_receipt_no: 0,
            });
        }
        perisai_server::service::org::create_user(
            db,
            "supervisor",
            Some(code),
            None,
            &Plan::supervisor(code),
            PASSWORD,
        )
        .await
        .expect("supervisor account");
    }
    let pg = PgPoolOptions::new()
        .max_connections(2)
        .after_connect(|conn, _| {
            Box::pin(async move {
                // Only this loading connection: the seed need not survive a power cut.
                conn.execute("SET synchronous_commit = off").await?;
                Ok(())
            })
        })
        .connect(pg_url)
        .await
        .expect("loading connection");
    monthly_targets(&pg, &devices, &mut rng).await;
    let org = started.elapsed();

    let started = Instant::now();
    let plans = schedule(plan, &devices, now, &mut rng);
    write_all(&pg, &keys, plan, &mut devices, plans, now_ms).await;
    insert_devices(&pg, &devices).await;
    for (table, column) in [("decisions", "id"), ("fraud_flags", "id")] {
        sqlx::query(&format!(
            "SELECT setval(pg_get_serial_sequence('{table}', '{column}'),
                           (SELECT COALESCE(MAX({column}), 0) + 1 FROM {table}), false)"
        ))
        .execute(&pg)
        .await
        .expect("sequence");
    }
    let records = started.elapsed();

    // A server that has run for a year has been vacuumed and analyzed by autovacuum; doing it
    // now keeps autovacuum from running in the middle of the measurement.
    let started = Instant::now();
    sqlx::query("VACUUM (ANALYZE)")
        .execute(&pg)
        .await
        .expect("vacuum");
    let vacuum = started.elapsed();
    let enrollments: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM enrollments")
        .fetch_one(&pg)
        .await
        .expect("count");
    let report = Report {
        org,
        records,
        vacuum,
        enrollments,
    };
    for (key, value) in [
        (SEED_TIME_KEY, describe(&report, now)),
        (MARKER_KEY, plan.marker()),
    ] {
        sqlx::query("INSERT INTO server_meta (key, value) VALUES ($1, $2)")
            .bind(key)
            .bind(value)
            .execute(&pg)
            .await
            .expect("marker");
    }
    pg.close().await;
    report
}

/// How the seed went, in one line (kept in `server_meta` for later runs that reuse it).
pub fn describe(report: &Report, at: DateTime<FixedOffset>) -> String {
    format!(
        "{} enrollments seeded {} in {:.0} s (accounts {:.1} s, records {:.0} s = {:.0} enrollments/s, VACUUM ANALYZE {:.0} s)",
        report.enrollments,
        at.with_timezone(&Utc).format("%Y-%m-%d %H:%M UTC"),
        report.total().as_secs_f64(),
        report.org.as_secs_f64(),
        report.records.as_secs_f64(),
        report.enrollments as f64 / report.records.as_secs_f64(),
        report.vacuum.as_secs_f64(),
    )
}

/// This month's enrollment target for most agents (the agents page shows them).
async fn monthly_targets(pg: &PgPool, devices: &[DeviceSeed], rng: &mut Rng) {
    let month = perisai_server::web::i18n::today()
        .format("%Y-%m")
        .to_string();
    let now = Utc::now().timestamp_millis();
    let mut q = QueryBuilder::<Postgres>::new(
        "INSERT INTO agent_targets (agent_id, branch, month, enrollments, set_by, set_ms) ",
    );
    let chosen: Vec<&DeviceSeed> = devices.iter().filter(|_| rng.chance(80)).collect();
    if chosen.is_empty() {
        return;
    }
    let targets: Vec<i64> = chosen
        .iter()
        .map(|_| rng.range(30, 50) as i64 * 10)
        .collect();
    q.push_values(chosen.iter().zip(targets), |mut row, (d, target)| {
        row.push_bind(&d.agent_id)
            .push_bind(&d.branch)
            .push_bind(&month)
            .push_bind(target)
            .push_bind(format!("web:{}", Plan::supervisor(&d.branch)))
            .push_bind(now);
    });
    q.build().execute(pg).await.expect("targets");
}

/// Every batch of every device, in the order the server receives them.
fn schedule(
    plan: &Plan,
    devices: &[DeviceSeed],
    now: DateTime<FixedOffset>,
    rng: &mut Rng,
) -> Vec<BatchPlan> {
    let now_ms = now.timestamp_millis();
    let first_day = now.date_naive() - chrono::Duration::days(plan.days - 1);
    let mut plans = Vec::new();
    for (d, _) in devices.iter().enumerate() {
        let count =
            plan.enrollments / devices.len() + usize::from(d < plan.enrollments % devices.len());
        // Working hours (08:00-17:00 WIB), spread evenly over the days.
        let mut times: Vec<i64> = (0..count)
            .map(|j| {
                let day = first_day + chrono::Duration::days((j as i64 * plan.days) / count as i64);
                let start = wib()
                    .from_local_datetime(&day.and_hms_opt(8, 0, 0).unwrap_or_default())
                    .single()
                    .map(|t| t.timestamp_millis())
                    .unwrap_or(now_ms);
                (start + rng.range(0, 9 * 3600 * 1000) as i64).min(now_ms - 3_600_000)
            })
            .collect();
        times.sort_unstable();
        let mut last_received = 0;
        for (b, slice) in times.chunks(BATCH).enumerate() {
            let last = *slice.last().unwrap_or(&now_ms);
            // Sent at the next sync: minutes to hours later, never in the future.
            let received = (last + rng.range(120_000, 4 * 3_600_000) as i64)
                .min(now_ms - 60_000)
                .max(last_received + 1);
            last_received = received;
            plans.push(BatchPlan {
                device: d,
                seq: b as i64 + 1,
                first_receipt: (b * BATCH) as u64 + 1,
                times: slice
                    .iter()
                    .map(|ms| wib().timestamp_millis_opt(*ms).single().unwrap_or(now))
                    .collect(),
                received_ms: received,
            });
        }
    }
    plans.sort_by_key(|p| (p.received_ms, p.device, p.seq));
    plans
}

/// Makes the wire records of one batch and prepares them as ingest does.
fn make_batch(
    plan: &BatchPlan,
    index: usize,
    device: (&str, &str),
    people: &mut People,
    earlier: &mut Vec<Value>,
    book: &RuleBook,
    keys: &ServerKeys,
) -> Made {
    let (device_id, branch) = device;
    let mut wires = Vec::with_capacity(plan.times.len());
    let mut forms: Vec<Option<Value>> = Vec::with_capacity(plan.times.len());
    let mut ids = Vec::with_capacity(plan.times.len());
    let mut superseded_by: Vec<Option<String>> = vec![None; plan.times.len()];
    for (i, at) in plan.times.iter().enumerate() {
        let id = uuid_at(people.rng(), *at);
        let receipt = plan.first_receipt + i as u64;
        let roll = people.rng().range(0, 1000);
        let date = at.date_naive().to_string();
        // A correction of the record before (same person, another phone number).
        let correcting = roll < 10 && i > 0 && forms[i - 1].is_some();
        // The same person enrolled again (by this agent or another): a duplicate NIK.
        let again = (10..13).contains(&roll) && !earlier.is_empty();
        let form = if correcting {
            let mut form = forms[i - 1].clone().unwrap_or_default();
            let fresh = people.enrollee(*at);
            form["phone"] = fresh.form["phone"].clone();
            form["enrolled_on"] = json!(date);
            Some(form)
        } else if again {
            let pick = people.rng().range(0, earlier.len() as u64) as usize;
            let mut form = earlier[pick].clone();
            form["enrolled_on"] = json!(date);
            Some(form)
        } else {
            None
        };
        // An earlier form may no longer pass (an age limit crossed): then a new person.
        let form = form.filter(|f| {
            rules::validate(f, at.date_naive(), book, &NoLookups)
                .1
                .is_some()
        });
        let enrollee = match form {
            Some(form) => Enrollee {
                form,
                created_at: *at,
            },
            None => people.enrollee(*at),
        };
        let mut wire = wire_record(book, &enrollee, &id, receipt, device_id);
        let refused = (13..23).contains(&roll);
        if correcting
            && enrollee.form.get("nik") == forms[i - 1].as_ref().and_then(|f| f.get("nik"))
        {
            wire["supersedes"] = json!(ids[i - 1]);
            superseded_by[i - 1] = Some(id.clone());
        } else if refused {
            // Valid on the device, refused by the server's newer rules.
            wire["monthly_income"] = json!(100);
        }
        if !refused && !correcting && !again && earlier.len() < 4000 {
            earlier.push(enrollee.form.clone());
        }
        forms.push((!refused).then(|| enrollee.form.clone()));
        ids.push(id);
        wires.push(wire);
    }
    let body = deflate_records(&wires).expect("deflate");
    // As `ingest::prepare_all`: a later record of the batch may correct an earlier one.
    let today = perisai_server::ingest::server_today();
    let mut correctable: HashSet<String> = HashSet::new();
    let mut prepared = Vec::with_capacity(wires.len());
    for wire in &wires {
        let lookups = ServerLookups {
            correctable: &correctable,
        };
        let p = records::prepare(wire, branch, device_id, today, book, &lookups, keys)
            .expect("prepare");
        if let Some(id) = &p.id {
            correctable.insert(id.clone());
        }
        prepared.push(p);
    }
    Made {
        plan: index,
        count: wires.len() as u32,
        body,
        prepared,
        superseded_by,
    }
}

/// The rows of one transaction.
#[derive(Default)]
struct Rows {
    batches: Vec<BatchRow>,
    enrollments: Vec<EnrollmentRow>,
    decisions: Vec<DecisionRow>,
    payment_codes: Vec<PaymentCodeRow>,
    /// (nik_hmac, branch, record_id, claimed_ms)
    claims: Vec<(String, String, String, i64)>,
    /// (branch, tag, created_ms)
    tags: Vec<(String, Vec<u8>, i64)>,
    duplicates: Vec<DuplicateRow>,
    flags: Vec<FlagRow>,
}

struct BatchRow {
    branch: String,
    device_id: String,
    seq: i64,
    batch_hash: String,
    prev_hash: String,
    header: Vec<u8>,
    signature: Vec<u8>,
    record_count: i64,
    ack: String,
    received_ms: i64,
}

struct DecisionRow {
    id: i64,
    branch: String,
    record_id: String,
    agent_id: String,
    decision: &'static str,
    reason: Option<Vec<u8>>,
    decided_by: String,
    decided_ms: i64,
}

struct PaymentCodeRow {
    branch: String,
    record_id: String,
    agent_id: String,
    payment_code: String,
    issued_ms: i64,
    nik_hmac: Option<String>,
}

struct EnrollmentRow {
    branch: String,
    id: Option<String>,
    device_id: String,
    agent_id: String,
    seq: i64,
    receipt_no: Option<i64>,
    content_hash: String,
    content: Vec<u8>,
    nik_hmac: Option<String>,
    phone_hmac: Option<String>,
    enrolled_on: Option<String>,
    created_ms: Option<i64>,
    received_ms: i64,
    status: &'static str,
    codes: String,
    supersedes: Option<String>,
    superseded_by: Option<String>,
    has_location: i64,
}

struct DuplicateRow {
    branch: String,
    record_id: String,
    nik_hmac: String,
    other_branch: String,
    other_record_id: String,
    created_ms: i64,
    resolved_ms: Option<i64>,
    resolved_by: Option<String>,
    kept_record_id: Option<String>,
}

struct FlagRow {
    id: i64,
    branch: String,
    kind: String,
    agent_id: Option<String>,
    device_id: Option<String>,
    record_id: Option<String>,
    evidence: String,
    dedup_key: String,
    created_ms: i64,
    resolved_ms: Option<i64>,
    resolved_by: Option<String>,
    resolution: Option<Vec<u8>>,
}

/// What the writer keeps across transactions.
struct Ledger {
    rng: Rng,
    /// NIK HMAC → (branch, record id) of the record holding the claim.
    claims: HashMap<String, (String, String)>,
    tag_keys: HashMap<String, Vec<u8>>,
    payment_codes: HashSet<String>,
    next_decision: i64,
    next_flag: i64,
    now_ms: i64,
}

/// Makes the batches on every core but one and writes them in receipt order.
async fn write_all(
    pg: &PgPool,
    keys: &Arc<ServerKeys>,
    plan: &Plan,
    devices: &mut [DeviceSeed],
    plans: Vec<BatchPlan>,
    now_ms: i64,
) {
    let mut tag_keys = HashMap::new();
    for (code, _) in &plan.branches {
        let key: Vec<u8> = sqlx::query_scalar("SELECT tag_key FROM branches WHERE code = $1")
            .bind(code)
            .fetch_one(pg)
            .await
            .expect("tag key");
        tag_keys.insert(code.to_string(), key);
    }
    let mut ledger = Ledger {
        rng: Rng::new(0x5EED_1ED6_E700),
        claims: HashMap::with_capacity(plan.enrollments),
        tag_keys,
        payment_codes: HashSet::new(),
        next_decision: 1,
        next_flag: 1,
        now_ms,
    };
    let plans = Arc::new(plans);
    let chunks = plans.len().div_ceil(CHUNK);
    let next = Arc::new(AtomicUsize::new(0));
    let identities: Arc<Vec<(String, String)>> = Arc::new(
        devices
            .iter()
            .map(|d| (d.id.clone(), d.branch.clone()))
            .collect(),
    );
    let (tx, rx) = mpsc::sync_channel::<(usize, Vec<Made>)>(4);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut threads = Vec::new();
    for _ in 0..workers {
        let (plans, next, identities, keys, tx) = (
            plans.clone(),
            next.clone(),
            identities.clone(),
            keys.clone(),
            tx.clone(),
        );
        threads.push(std::thread::spawn(move || {
            let book = RuleBook::builtin();
            loop {
                let chunk = next.fetch_add(1, Ordering::Relaxed);
                if chunk >= chunks {
                    break;
                }
                let mut people = People::new(0xC4C4_0000 ^ chunk as u64);
                let mut earlier = Vec::new();
                let made = (chunk * CHUNK..((chunk + 1) * CHUNK).min(plans.len()))
                    .map(|i| {
                        let p = &plans[i];
                        let (id, branch) = &identities[p.device];
                        make_batch(p, i, (id, branch), &mut people, &mut earlier, &book, &keys)
                    })
                    .collect();
                if tx.send((chunk, made)).is_err() {
                    break;
                }
            }
        }));
    }
    drop(tx);
    let mut waiting: BTreeMap<usize, Vec<Made>> = BTreeMap::new();
    let mut written = 0usize;
    let started = Instant::now();
    let mut reported = 0;
    for (chunk, made) in rx.iter() {
        waiting.insert(chunk, made);
        while let Some(made) = waiting.remove(&written) {
            let rows = rows_of(&made, &plans, devices, keys, &mut ledger);
            insert(pg, rows).await;
            written += 1;
            let percent = written * 100 / chunks;
            if percent >= reported + 10 {
                reported = percent - percent % 10;
                eprintln!(
                    "  seeding: {percent}% ({} batches) after {:.0} s",
                    (written * CHUNK).min(plans.len()),
                    started.elapsed().as_secs_f64()
                );
            }
        }
    }
    for t in threads {
        t.join().expect("seeding worker");
    }
    assert_eq!(written, chunks, "every chunk written");
}

/// The rows a set of made batches become, with the supervisors' decisions on them.
fn rows_of(
    made: &[Made],
    plans: &[BatchPlan],
    devices: &mut [DeviceSeed],
    keys: &ServerKeys,
    ledger: &mut Ledger,
) -> Rows {
    let mut rows = Rows::default();
    let today = perisai_server::ingest::server_today();
    for m in made {
        let plan = &plans[m.plan];
        let device = &mut devices[plan.device];
        let received = plan.received_ms;
        let received_at = wib()
            .timestamp_millis_opt(received)
            .single()
            .unwrap_or_else(|| Utc::now().with_timezone(&wib()));
        let header = BatchHeader {
            v: PROTOCOL_VERSION,
            device_id: device.id.clone(),
            seq: plan.seq as u64,
            prev_hash: device.head_hash.clone(),
            created_at: received_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            count: 0,
            body_sha256: String::new(),
        };
        let (bytes, batch_hash) = freeze(header, m.count, &m.body, &device.signer).expect("freeze");
        let frozen = FrozenBatch::parse(&bytes).expect("frozen batch");
        let spv = format!("web:{}", Plan::supervisor(&device.branch));
        let mut results = Vec::with_capacity(m.prepared.len());
        let mut stored_new: Vec<&Prepared> = Vec::new();
        let mut receipts = Vec::new();
        let corrected_here: HashSet<&str> = m
            .prepared
            .iter()
            .filter(|p| p.accepted())
            .filter_map(|p| p.supersedes.as_deref())
            .collect();
        for (i, p) in m.prepared.iter().enumerate() {
            let id = p.id.clone().expect("an id");
            receipts.push((p.receipt_no.unwrap_or_default(), id.clone()));
            let mut codes_sent = Vec::new();
            let mut status: &'static str = if !p.accepted() {
                "rejected_at_ingest"
            } else if m.superseded_by[i].is_some() {
                "superseded"
            } else {
                "received"
            };
            let mut duplicate_of = None;
            if p.accepted() {
                stored_new.push(p);
                if !corrected_here.contains(id.as_str()) {
                    if let (Some(nik_hmac), Some(e)) = (&p.nik_hmac, &p.enrollment) {
                        match ledger.claims.get(nik_hmac) {
                            Some(owner) => duplicate_of = Some(owner.clone()),
                            None => {
                                ledger
                                    .claims
                                    .insert(nik_hmac.clone(), (device.branch.clone(), id.clone()));
                                rows.claims.push((
                                    nik_hmac.clone(),
                                    device.branch.clone(),
                                    id.clone(),
                                    received,
                                ));
                            }
                        }
                        let tag_key = &ledger.tag_keys[&device.branch];
                        rows.tags.push((
                            device.branch.clone(),
                            nik_tag24(tag_key, &e.nik).to_vec(),
                            received,
                        ));
                    }
                }
            }
            let age = ledger.now_ms - received;
            let decided_ms = (received + ledger.rng.range(1_800_000, 3 * DAY_MS as u64) as i64)
                .min(ledger.now_ms - 60_000);
            let mut decision: Option<(&'static str, Option<&str>)> = None;
            if let Some((other_branch, other_id)) = duplicate_of {
                codes_sent.push(FieldCode {
                    field: "nik".into(),
                    code: "nik.duplicate_known".into(),
                });
                let resolved = age > OPEN_FOR_MS;
                if resolved {
                    // Kept the existing record: this one rejected, as `resolve_duplicate` does.
                    status = "rejected";
                    decision = Some(("rejected", Some(DUPLICATE_REASON)));
                }
                rows.duplicates.push(DuplicateRow {
                    branch: device.branch.clone(),
                    record_id: id.clone(),
                    nik_hmac: p.nik_hmac.clone().unwrap_or_default(),
                    other_branch,
                    kept_record_id: resolved.then(|| other_id.clone()),
                    other_record_id: other_id,
                    created_ms: received,
                    resolved_ms: resolved.then_some(decided_ms),
                    resolved_by: resolved.then(|| spv.clone()),
                });
            } else if status == "received" && age > 2 * DAY_MS {
                let roll = ledger.rng.range(0, 100);
                let r = &mut ledger.rng;
                decision = match roll {
                    0..=69 => None,
                    70..=89 => Some(("approved", None)),
                    90..=94 => Some(("rejected", Some(r.pick(REJECT_REASONS)))),
                    _ => Some(("has_issues", Some(r.pick(ISSUE_REASONS)))),
                };
                if let Some((d, _)) = decision {
                    status = d;
                }
            }
            if let Some((d, reason)) = decision {
                let decision_id = ledger.next_decision;
                ledger.next_decision += 1;
                let sealed = reason.map(|r| {
                    keys.seal(
                        Purpose::Note,
                        &format!("decision/{decision_id}"),
                        r.as_bytes(),
                    )
                    .expect("seal reason")
                });
                rows.decisions.push(DecisionRow {
                    id: decision_id,
                    branch: device.branch.clone(),
                    record_id: id.clone(),
                    agent_id: device.agent_id.clone(),
                    decision: d,
                    reason: sealed,
                    decided_by: spv.clone(),
                    decided_ms,
                });
                if d == "approved" {
                    let code = loop {
                        let code =
                            perisai_server::service::payments::code::draw().expect("payment code");
                        if ledger.payment_codes.insert(code.clone()) {
                            break code;
                        }
                    };
                    rows.payment_codes.push(PaymentCodeRow {
                        branch: device.branch.clone(),
                        record_id: id.clone(),
                        agent_id: device.agent_id.clone(),
                        payment_code: code,
                        issued_ms: decided_ms,
                        nik_hmac: p.nik_hmac.clone(),
                    });
                }
                if d == "rejected" {
                    // Rejecting releases the record's NIK claim.
                    if let Some(nik_hmac) = &p.nik_hmac {
                        if ledger
                            .claims
                            .get(nik_hmac)
                            .is_some_and(|(_, owner)| *owner == id)
                        {
                            ledger.claims.remove(nik_hmac);
                            rows.claims
                                .retain(|(n, _, r, _)| !(n == nik_hmac && *r == id));
                        }
                    }
                }
            }
            results.push(RecordResult {
                id: id.clone(),
                status: if p.accepted() {
                    RecordStatus::Accepted
                } else {
                    RecordStatus::Rejected
                },
                codes: if p.accepted() {
                    codes_sent
                } else {
                    p.errors.clone()
                },
            });
            rows.enrollments.push(EnrollmentRow {
                branch: device.branch.clone(),
                id: Some(id),
                device_id: device.id.clone(),
                agent_id: device.agent_id.clone(),
                seq: plan.seq,
                receipt_no: p.receipt_no,
                content_hash: p.content_hash.clone(),
                content: p.sealed.clone(),
                nik_hmac: p.nik_hmac.clone(),
                phone_hmac: p.phone_hmac.clone(),
                enrolled_on: p.enrolled_on.map(|d| d.to_string()),
                created_ms: p.created_ms,
                received_ms: received,
                status,
                codes: serde_json::to_string(&p.errors).expect("codes"),
                supersedes: p.supersedes.clone(),
                superseded_by: m.superseded_by[i].clone(),
                has_location: i64::from(p.has_location),
            });
        }
        let as_device = Device {
            id: device.id.clone(),
            branch: device.branch.clone(),
            agent_id: device.agent_id.clone(),
            public_key: Vec::new(),
            status: "active".into(),
            last_seq: device.last_seq,
            head_hash: device.head_hash.clone(),
            last_receipt_no: device.last_receipt_no,
        };
        let (last_receipt_no, raised) =
            fraud::record_signals(&as_device, &stored_new, receipts, today);
        for flag in raised {
            let id = ledger.next_flag;
            ledger.next_flag += 1;
            let resolved = ledger.now_ms - received > OPEN_FOR_MS;
            rows.flags.push(FlagRow {
                id,
                branch: flag.branch,
                kind: flag.kind.to_string(),
                agent_id: flag.agent_id,
                device_id: flag.device_id,
                record_id: flag.record_id,
                evidence: flag.evidence.to_string(),
                dedup_key: flag.dedup_key,
                created_ms: received,
                resolved_ms: resolved.then_some(received + 2 * DAY_MS),
                resolved_by: resolved.then(|| spv.clone()),
                resolution: resolved.then(|| {
                    keys.seal(Purpose::Note, &format!("flag/{id}"), FLAG_NOTE.as_bytes())
                        .expect("seal note")
                }),
            });
        }
        // As `db::nonces::issue` makes them (not stored: a nonce lives 30 days at most).
        let nonce = B64URL.encode(perisai_server::keys::random_bytes::<16>().expect("random"));
        let ack = Ack {
            device_id: device.id.clone(),
            seq: plan.seq as u64,
            batch_hash: batch_hash.clone(),
            results,
            nonce,
            batch_codes: Vec::new(),
        };
        let envelope = keys.sign(LABEL_ACK, &ack).expect("signed ack");
        rows.batches.push(BatchRow {
            branch: device.branch.clone(),
            device_id: device.id.clone(),
            seq: plan.seq,
            batch_hash: batch_hash.clone(),
            prev_hash: device.head_hash.clone(),
            header: frozen.header_bytes.to_vec(),
            signature: frozen.signature.to_vec(),
            record_count: i64::from(m.count),
            ack: serde_json::to_string(&envelope).expect("ack json"),
            received_ms: received,
        });
        device.head_hash = batch_hash;
        device.last_seq = plan.seq;
        device.last_receipt_no = last_receipt_no;
    }
    rows
}

/// Writes one transaction's rows with multi-row `INSERT`s.
async fn insert(pg: &PgPool, rows: Rows) {
    let mut tx = pg.begin().await.expect("begin");
    for chunk in rows.batches.chunks(500) {
        let mut q = QueryBuilder::<Postgres>::new(
            "INSERT INTO batches (branch, device_id, seq, batch_hash, prev_hash, header, signature,
                                  record_count, outcome, ack, received_ms) ",
        );
        q.push_values(chunk, |mut r, b| {
            r.push_bind(&b.branch)
                .push_bind(&b.device_id)
                .push_bind(b.seq)
                .push_bind(&b.batch_hash)
                .push_bind(&b.prev_hash)
                .push_bind(&b.header)
                .push_bind(&b.signature)
                .push_bind(b.record_count)
                .push_bind("stored")
                .push_bind(&b.ack)
                .push_bind(b.received_ms);
        });
        q.build().execute(&mut *tx).await.expect("batches");
    }
    for chunk in rows.enrollments.chunks(500) {
        let mut q = QueryBuilder::<Postgres>::new(
            "INSERT INTO enrollments (branch, id, device_id, agent_id, batch_seq, receipt_no,
                content_hash, content, nik_hmac, phone_hmac, enrolled_on, created_ms, received_ms,
                status, codes, supersedes, superseded_by, has_location) ",
        );
        q.push_values(chunk, |mut r, e| {
            r.push_bind(&e.branch)
                .push_bind(&e.id)
                .push_bind(&e.device_id)
                .push_bind(&e.agent_id)
                .push_bind(e.seq)
                .push_bind(e.receipt_no)
                .push_bind(&e.content_hash)
                .push_bind(&e.content)
                .push_bind(&e.nik_hmac)
                .push_bind(&e.phone_hmac)
                .push_bind(&e.enrolled_on)
                .push_bind(e.created_ms)
                .push_bind(e.received_ms)
                .push_bind(e.status)
                .push_bind(&e.codes)
                .push_bind(&e.supersedes)
                .push_bind(&e.superseded_by)
                .push_bind(e.has_location);
        });
        q.build().execute(&mut *tx).await.expect("enrollments");
    }
    for chunk in rows.decisions.chunks(1000) {
        let mut q = QueryBuilder::<Postgres>::new(
            "INSERT INTO decisions (id, branch, record_id, agent_id, decision, reason, decided_by,
                                    decided_ms) ",
        );
        q.push_values(chunk, |mut r, d| {
            r.push_bind(d.id)
                .push_bind(&d.branch)
                .push_bind(&d.record_id)
                .push_bind(&d.agent_id)
                .push_bind(d.decision)
                .push_bind(&d.reason)
                .push_bind(&d.decided_by)
                .push_bind(d.decided_ms);
        });
        q.build().execute(&mut *tx).await.expect("decisions");
    }
    for chunk in rows.payment_codes.chunks(1000) {
        let mut q = QueryBuilder::<Postgres>::new(
            "INSERT INTO payment_codes (branch, record_id, agent_id, payment_code, issued_ms,
                                        nik_hmac) ",
        );
        q.push_values(chunk, |mut r, c| {
            r.push_bind(&c.branch)
                .push_bind(&c.record_id)
                .push_bind(&c.agent_id)
                .push_bind(&c.payment_code)
                .push_bind(c.issued_ms)
                .push_bind(&c.nik_hmac);
        });
        q.build().execute(&mut *tx).await.expect("payment codes");
    }
    for chunk in rows.claims.chunks(1000) {
        let mut q = QueryBuilder::<Postgres>::new(
            "INSERT INTO nik_claims (nik_hmac, branch, record_id, claimed_ms) ",
        );
        q.push_values(chunk, |mut r, c| {
            r.push_bind(&c.0)
                .push_bind(&c.1)
                .push_bind(&c.2)
                .push_bind(c.3);
        });
        q.build().execute(&mut *tx).await.expect("claims");
    }
    for chunk in rows.tags.chunks(1000) {
        let mut q =
            QueryBuilder::<Postgres>::new("INSERT INTO nik_tags (branch, tag, created_ms) ");
        q.push_values(chunk, |mut r, t| {
            r.push_bind(&t.0).push_bind(&t.1).push_bind(t.2);
        });
        q.push(" ON CONFLICT (branch, tag) DO NOTHING");
        q.build().execute(&mut *tx).await.expect("tags");
    }
    for chunk in rows.duplicates.chunks(1000) {
        let mut q = QueryBuilder::<Postgres>::new(
            "INSERT INTO duplicate_queue (branch, record_id, nik_hmac, other_branch,
                other_record_id, created_ms, resolved_ms, resolved_by, kept_record_id) ",
        );
        q.push_values(chunk, |mut r, d| {
            r.push_bind(&d.branch)
                .push_bind(&d.record_id)
                .push_bind(&d.nik_hmac)
                .push_bind(&d.other_branch)
                .push_bind(&d.other_record_id)
                .push_bind(d.created_ms)
                .push_bind(d.resolved_ms)
                .push_bind(&d.resolved_by)
                .push_bind(&d.kept_record_id);
        });
        q.build().execute(&mut *tx).await.expect("duplicates");
    }
    for chunk in rows.flags.chunks(1000) {
        let mut q = QueryBuilder::<Postgres>::new(
            "INSERT INTO fraud_flags (id, branch, kind, agent_id, device_id, record_id, evidence,
                dedup_key, created_ms, resolved_ms, resolved_by, resolution) ",
        );
        q.push_values(chunk, |mut r, f| {
            r.push_bind(f.id)
                .push_bind(&f.branch)
                .push_bind(&f.kind)
                .push_bind(&f.agent_id)
                .push_bind(&f.device_id)
                .push_bind(&f.record_id)
                .push_bind(&f.evidence)
                .push_bind(&f.dedup_key)
                .push_bind(f.created_ms)
                .push_bind(f.resolved_ms)
                .push_bind(&f.resolved_by)
                .push_bind(&f.resolution);
        });
        q.build().execute(&mut *tx).await.expect("flags");
    }
    tx.commit().await.expect("commit");
}

/// The devices with their chain heads after every batch.
async fn insert_devices(pg: &PgPool, devices: &[DeviceSeed]) {
    for chunk in devices.chunks(500) {
        let mut q = QueryBuilder::<Postgres>::new(
            "INSERT INTO devices (id, branch, agent_id, public_key, status, app_version,
                activated_ms, status_changed_ms, last_seq, head_hash, last_receipt_no, flagged) ",
        );
        q.push_values(chunk, |mut r, d| {
            r.push_bind(&d.id)
                .push_bind(&d.branch)
                .push_bind(&d.agent_id)
                .push_bind(d.signer.public_key().expect("public key"))
                .push_bind("active")
                .push_bind("0.1.0")
                .push_bind(d.activated_ms)
                .push_bind(d.activated_ms)
                .push_bind(d.last_seq)
                .push_bind(&d.head_hash)
                .push_bind(d.last_receipt_no)
                .push_bind(0i64);
        });
        q.build().execute(pg).await.expect("devices");
    }
}
