//! Store benchmarks against ARCHITECTURE.md §8, on a store that already holds 100,000 records:
//! - submit (validate + seal + durable insert), with fsync (`synchronous=FULL`) and without
//!   (`synchronous=NORMAL`): criterion's estimate, then a percentile pass printing p50/p99/max;
//! - opening the store (migrations check, key unwrap).
//!
//! Peak memory (max RSS) is printed at the end.
//!
//! Run: `cargo bench -p perisai-core --bench store` (figures go to docs/PERFORMANCE.md).
//! `PERISAI_BENCH_RECORDS` changes the store size (default 100000). The filled store is cached
//! under target/bench-fixtures so later runs start at once.

#[path = "../tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion};

fn records() -> u32 {
    std::env::var("PERISAI_BENCH_RECORDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000)
}

/// A store with `n` records, built once (without fsync, to build it fast) and copied per run.
fn fixture(n: u32) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../target/bench-fixtures")
        .join(format!("store-{n}"));
    if dir.join("complete").exists() {
        return dir;
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    eprintln!("building a store with {n} records (once)...");
    let app = common::open_app(&dir, false);
    for i in 0..n {
        app.submit(&common::worker_json(i), true).unwrap();
    }
    drop(app);
    std::fs::write(dir.join("complete"), b"").unwrap();
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn percentiles(label: &str, mut samples: Vec<Duration>) {
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() as f64 - 1.0) * q).round() as usize];
    println!(
        "{label}: n={} p50={:.3} ms p99={:.3} ms max={:.3} ms",
        samples.len(),
        at(0.50).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        samples[samples.len() - 1].as_secs_f64() * 1e3
    );
}

fn max_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    let n = records();
    let base = fixture(n);
    let work = tempfile::tempdir().unwrap();
    copy_dir(&base, work.path());
    let mut criterion = Criterion::default()
        .configure_from_args()
        .sample_size(50)
        .measurement_time(Duration::from_secs(5));

    let mut next = n + 1;
    for fsync in [true, false] {
        let app = common::open_app(work.path(), fsync);
        let label = if fsync { "fsync" } else { "no_fsync" };
        criterion.bench_function(&format!("submit_{label}_with_{n}_stored"), |b| {
            b.iter_batched(
                || {
                    next += 1;
                    common::worker_json(next)
                },
                |json| app.submit(&json, true).unwrap(),
                BatchSize::SmallInput,
            )
        });
        let samples = (0..2_000)
            .map(|_| {
                next += 1;
                let json = common::worker_json(next);
                let t = Instant::now();
                app.submit(&json, true).unwrap();
                t.elapsed()
            })
            .collect();
        percentiles(&format!("submit {label}, {n} stored"), samples);
    }

    criterion.bench_function(&format!("open_store_with_{n}"), |b| {
        b.iter(|| common::open_app(work.path(), true))
    });
    let samples = (0..200)
        .map(|_| {
            let t = Instant::now();
            let app = common::open_app(work.path(), true);
            let elapsed = t.elapsed();
            drop(app);
            elapsed
        })
        .collect();
    percentiles(&format!("open, {n} stored"), samples);
    criterion.final_summary();
    if let Some(kib) = max_rss_kib() {
        println!("peak memory (VmHWM): {:.1} MiB", kib as f64 / 1024.0);
    }
}
