//! Wire bytes per enrollment (ARCHITECTURE.md §8: ≤ 300 B in a batch of 100, compressed and signed).
//!
//! `cargo bench -p perisai-server --bench wire_size` (`PERISAI_BENCH_BATCHES`, default 50).
//! Builds batches of 100 realistic enrollments (`perisai_sim::people`, its national draw) exactly
//! as a device does: the wire record of each validated enrollment, the body made by
//! `protocol::batch::deflate_records` and the batch made and signed by `protocol::batch::freeze`
//! with a P-256 key; then reports the frozen batch's size per enrollment, and what its parts weigh.

use chrono::{FixedOffset, Utc};
use perisai_core::protocol::batch::{deflate_records, freeze, BatchHeader, FrozenBatch};
use perisai_core::protocol::{genesis_hash, PROTOCOL_VERSION};
use perisai_core::signer::SoftwareSigner;
use perisai_core::tariff::RuleBook;
use perisai_sim::people::{uuid_at, wire_record, working_times, People};
use serde_json::Value;

const RECORDS: usize = 100;
const TARGET: f64 = 300.0;

fn main() {
    let batches: usize = std::env::var("PERISAI_BENCH_BATCHES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let book = RuleBook::builtin();
    let mut people = People::new(0x5EED_0001);
    let now = Utc::now().with_timezone(&FixedOffset::east_opt(7 * 3600).expect("WIB"));
    let mut sizes = Vec::new();
    let (mut json_total, mut body_total, mut frame_total) = (0usize, 0usize, 0usize);
    for _ in 0..batches {
        let signer = SoftwareSigner::generate_ephemeral().expect("key");
        let device_id = uuid_at(people.rng(), now);
        let times = working_times(people.rng(), now, RECORDS);
        let records: Vec<Value> = times
            .iter()
            .enumerate()
            .map(|(i, at)| {
                let enrollee = people.enrollee(*at);
                let id = uuid_at(people.rng(), *at);
                wire_record(&book, &enrollee, &id, i as u64 + 1, &device_id)
            })
            .collect();
        let body = deflate_records(&records).expect("deflate");
        let header = BatchHeader {
            v: PROTOCOL_VERSION,
            device_id: device_id.clone(),
            seq: 1,
            prev_hash: genesis_hash(&device_id),
            created_at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            count: 0,
            body_sha256: String::new(),
        };
        let (bytes, _) = freeze(header, RECORDS as u32, &body, &signer).expect("freeze");
        let parsed = FrozenBatch::parse(&bytes).expect("parse");
        assert_eq!(parsed.records().expect("records").len(), RECORDS);
        json_total += serde_json::to_vec(&records).expect("json").len();
        body_total += body.len();
        frame_total += bytes.len() - body.len();
        sizes.push(bytes.len() as f64 / RECORDS as f64);
    }
    sizes.sort_by(f64::total_cmp);
    let mean = sizes.iter().sum::<f64>() / sizes.len() as f64;
    let per = |total: usize| total as f64 / (batches * RECORDS) as f64;
    println!("wire size: {batches} frozen batches of {RECORDS} realistic enrollments");
    println!(
        "  bytes per enrollment: mean {mean:.1}, min {:.1}, max {:.1} (target <= {TARGET:.0}: {})",
        sizes[0],
        sizes[sizes.len() - 1],
        if sizes[sizes.len() - 1] <= TARGET {
            "met"
        } else {
            "MISSED"
        }
    );
    println!(
        "  per enrollment: record JSON {:.1} B, compressed body {:.1} B, framing + header + signature {:.1} B",
        per(json_total),
        per(body_total),
        per(frame_total)
    );
    if let Some(example) = std::env::var_os("PERISAI_BENCH_SHOW_RECORD") {
        let _ = example;
        let mut people = People::new(7);
        let at = now;
        let e = people.enrollee(at);
        println!(
            "{}",
            wire_record(&book, &e, &uuid_at(people.rng(), at), 1, "device")
        );
    }
}
