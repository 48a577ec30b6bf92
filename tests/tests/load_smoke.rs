//! The load driver's short version, on each backend: 50 devices of the real server, each sending
//! a signed 20-record batch every 5 s for 20 s after a 5 s warm-up, on their own keep-alive
//! connections. Every attempt must be acknowledged (no error of any kind) and the database must
//! hold exactly the records acknowledged, each through every check with its NIK claimed. No
//! timing is asserted: the figures come from `perisai-load` runs (docs/PERFORMANCE.md).
//!
//! The 5 s interval packs more batches into a short run; the keep-alive race with the server's
//! idle close at ARCHITECTURE.md §8's own 10 s interval is pinned by
//! `sync-server/tests/cli.rs::a_kept_alive_connection_outlives_a_devices_ten_second_interval`.

use std::time::Duration;

use perisai_e2e::load::{self, LoadPlan, Mode};
use perisai_e2e::server::Backend;

async fn fifty_devices_under_steady_load_store_every_acknowledged_record_once(backend: Backend) {
    let plan = LoadPlan {
        backend,
        devices: 50,
        records_per_batch: 20,
        mode: Mode::Steady {
            interval: Duration::from_secs(5),
            warmup: Duration::from_secs(5),
            duration: Duration::from_secs(20),
        },
        provisioning_concurrency: 4,
        server_args: Vec::new(),
    };
    let report = load::run(&plan, perisai_e2e::report)
        .await
        .expect("the load run completes");
    perisai_e2e::report(&report.render());
    assert!(
        report.whole_run.errors.is_empty(),
        "errors: {:?}",
        report.whole_run.errors
    );
    // 50 devices × one batch per 5 s over 25 s: 5 batches each (the last tick may fall just
    // outside), so at least 4 per device were acknowledged.
    assert!(
        report.whole_run.batches_acknowledged >= 200,
        "{}",
        report.render()
    );
    assert_eq!(
        report.whole_run.records_acknowledged,
        20 * report.whole_run.batches_acknowledged
    );
    assert!(report.comparison.exact(), "{:?}", report.comparison);
    assert_eq!(
        report.comparison.acknowledged as u64,
        report.whole_run.records_acknowledged
    );
    assert_eq!(report.stored.batches, report.whole_run.batches_acknowledged);
    assert!(report.clean_and_exact(), "{}", report.render());
}

perisai_e2e::on_both_backends!(within 240;
    fifty_devices_under_steady_load_store_every_acknowledged_record_once,
);
