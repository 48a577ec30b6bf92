//! Two server processes on one database (scaled out behind a load balancer, ARCHITECTURE.md §5)
//! receive the same batches at the same moment, each copy duplicated again by the network:
//! every record is still stored once, and both servers acknowledge every batch with the same
//! per-record results. Unique constraints, not checks in one process's memory, make ingest
//! exactly-once.

use std::collections::BTreeSet;
use std::time::Duration;

use perisai_e2e::device::{http_client, ProtocolDevice};
use perisai_e2e::proxy::{FaultPlan, FaultProxy};
use perisai_e2e::server::{Backend, Deployment};
use perisai_sim::people::forms;

const DEVICES: u32 = 4;
const BATCHES: usize = 5;
const PER_BATCH: usize = 20;

async fn two_servers_on_one_database_store_each_record_once(backend: Backend) {
    let seed = perisai_e2e::seed(3);
    let deployment = Deployment::new(backend).await.expect("a fresh deployment");
    let first = deployment
        .start_server(&[])
        .await
        .expect("the first server");
    let second = deployment
        .start_server(&[])
        .await
        .expect("the second server");
    assert_eq!(
        first.fingerprint(),
        second.fingerprint(),
        "both instances sign with the deployment's one key"
    );
    // Each instance behind a network that sends every request twice.
    let duplicating =
        FaultPlan::clean(seed).with_duplicates(1.0, Duration::ZERO..=Duration::from_millis(20));
    let proxies = [
        FaultProxy::start(first.addr(), duplicating.clone())
            .await
            .expect("a proxy"),
        FaultProxy::start(second.addr(), duplicating)
            .await
            .expect("a proxy"),
    ];
    let urls = [proxies[0].url(), proxies[1].url()];
    let http = http_client().expect("an HTTP client");

    let mut all_ids = BTreeSet::new();
    for n in 0..DEVICES {
        let agent = deployment.new_agent("KC01").await.expect("an agent");
        let code = deployment
            .issue_code(&agent.agent_id)
            .await
            .expect("a code");
        // Devices activate on either instance.
        let url = &urls[n as usize % 2];
        let mut device = ProtocolDevice::activate(&http, url, &code, first.fingerprint())
            .await
            .expect("activation");
        let records = device.wire_records(&forms(n, (BATCHES * PER_BATCH) as u32));
        for chunk in records.chunks(PER_BATCH) {
            let batch = device.freeze_next(chunk).expect("a frozen batch");
            // The same bytes to both instances at once.
            let (a, b) = tokio::join!(
                device.upload_until_acknowledged(&http, &urls[0], &batch, 10),
                device.upload_until_acknowledged(&http, &urls[1], &batch, 10),
            );
            let (a, b) = (
                a.expect("acknowledged by the first"),
                b.expect("acknowledged by the second"),
            );
            assert_eq!(a.batch_hash, batch.batch_hash);
            assert_eq!(b.batch_hash, batch.batch_hash);
            assert_eq!(a.results, b.results, "both instances tell the same story");
            let ids: Vec<&str> = a.results.iter().map(|r| r.id.as_str()).collect();
            assert_eq!(ids, batch.record_ids);
            assert!(a.results.iter().all(|r| r.codes.is_empty()
                && r.status == perisai_core::protocol::messages::RecordStatus::Accepted));
            all_ids.extend(batch.record_ids.iter().cloned());
        }
    }

    let rows = deployment.export("KC01").await.expect("admin export");
    let stored: BTreeSet<String> = rows.iter().map(|r| r["id"].clone()).collect();
    let expected = DEVICES as usize * BATCHES * PER_BATCH;
    assert_eq!(rows.len(), expected);
    assert_eq!(stored, all_ids);
    for proxy in &proxies {
        let stats = proxy.stats();
        assert!(
            stats.duplicates_sent >= (DEVICES as usize * BATCHES) as u64,
            "{stats}"
        );
    }
    perisai_e2e::report(&format!(
        "two servers on one {} database: {expected} records, each batch delivered 4 times \
         (2 instances, each copy duplicated), each record stored once",
        backend.name()
    ));
}

perisai_e2e::on_both_backends!(within 300;
    two_servers_on_one_database_store_each_record_once,
);
