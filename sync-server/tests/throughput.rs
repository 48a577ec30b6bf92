//! A load driver, run by hand (it is `#[ignore]`d: timings on a shared CI machine are noise):
//! `cargo test -p perisai-server --release --test throughput -- --ignored --nocapture`
//! (set PERISAI_TEST_POSTGRES_URL for the PostgreSQL figure). Prints enrollments per second for
//! in-process ingest with signatures verified, re-validation and dedup on.

mod common;

use std::time::Instant;

use axum::http::StatusCode;
use common::{Ctx, Device};

async fn drive(ctx: &Ctx, label: &str) {
    const DEVICES: usize = 8;
    const BATCHES: usize = 10;
    const RECORDS: usize = 100;
    let mut devices: Vec<Device> = Vec::new();
    for _ in 0..DEVICES {
        devices.push(ctx.device("KC01").await);
    }
    let mut work = Vec::new();
    for (d, device) in devices.iter_mut().enumerate() {
        let mut batches = Vec::new();
        for b in 0..BATCHES {
            let records: Vec<_> = (0..RECORDS)
                .map(|r| device.record((d * BATCHES * RECORDS + b * RECORDS + r) as u32))
                .collect();
            batches.push(device.next_batch(&records));
        }
        work.push(batches);
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for batches in work {
        let router = ctx.router.clone();
        tasks.push(tokio::spawn(async move {
            for bytes in batches {
                let reply = common::call(&router, common::post_bytes("/v1/batches", bytes)).await;
                assert_eq!(reply.status, StatusCode::OK);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let secs = started.elapsed().as_secs_f64();
    let total = DEVICES * BATCHES * RECORDS;
    println!(
        "{label}: {total} enrollments in {secs:.2} s = {:.0} enrollments/s ({} batches of {RECORDS}, {DEVICES} devices at once)",
        total as f64 / secs,
        DEVICES * BATCHES
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn ingest_throughput() {
    perisai_server::cli::init_logging("text");
    let ctx = Ctx::sqlite_with(|c| c.batches_per_minute = 1_000_000).await;
    drive(&ctx, "SQLite").await;
    if let Some(ctx) = Ctx::postgres_with(|c| c.batches_per_minute = 1_000_000).await {
        drive(&ctx, "PostgreSQL").await;
        ctx.drop_database().await;
    }
}
