//! The real `perisai-server` binary on each backend, over real HTTP through the fault proxy:
//! health check, the operator's admin commands, a device activation with a software key, and
//! batches acknowledged with a signature the device can check, also when the network cuts the
//! request or loses the answer and when requests arrive twice.

use std::collections::BTreeSet;
use std::time::Duration;

use perisai_core::protocol::activation_code;
use perisai_core::protocol::messages::{Ack, RecordStatus};
use perisai_e2e::device::{http_client, FrozenUpload, ProtocolDevice};
use perisai_e2e::proxy::{FaultPlan, FaultProxy};
use perisai_e2e::server::{Backend, Deployment};
use perisai_sim::people::forms;
use serde_json::Value;

/// Every record of `batch` accepted, without a code, in the acknowledgement of that very batch.
fn assert_all_accepted(ack: &Ack, device_id: &str, batch: &FrozenUpload) {
    assert_eq!(ack.device_id, device_id);
    assert_eq!(ack.seq, batch.seq);
    assert_eq!(ack.batch_hash, batch.batch_hash);
    let ids: Vec<&str> = ack.results.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, batch.record_ids);
    for result in &ack.results {
        assert_eq!(result.status, RecordStatus::Accepted, "{result:?}");
        assert!(result.codes.is_empty(), "{result:?}");
    }
}

async fn a_device_activates_and_its_batch_is_acknowledged_and_exported(backend: Backend) {
    let deployment = Deployment::new(backend).await.expect("a fresh deployment");
    let server = deployment
        .start_server(&[])
        .await
        .expect("the server starts");
    let proxy = FaultProxy::start(server.addr(), FaultPlan::clean(perisai_e2e::seed(1)))
        .await
        .expect("the proxy starts");
    let http = http_client().expect("an HTTP client");
    let url = proxy.url();

    let health = http
        .get(format!("{url}/healthz"))
        .send()
        .await
        .expect("/healthz answers");
    assert_eq!(health.status().as_u16(), 200);
    let health: Value = health.json().await.expect("/healthz is JSON");
    assert_eq!(health["status"], "ok");
    assert_eq!(health["database"], "ok");

    // The operator sets up a branch, a Wadah and an agent, and issues an activation code.
    let branch = deployment
        .create_branch("KC01", "Kantor Cabang Bogor")
        .await
        .expect("create-branch");
    assert_eq!(branch, "KC01");
    let wadah = deployment
        .create_wadah("KC01", "Koperasi Pasar Bogor")
        .await
        .expect("create-wadah");
    let agent = deployment
        .create_agent(&wadah, "Siti Rahayu")
        .await
        .expect("create-agent");
    assert!(!wadah.is_empty() && !agent.is_empty() && wadah != agent);
    let code = deployment.issue_code(&agent).await.expect("issue-code");
    assert!(
        activation_code::normalize(&code).is_ok(),
        "{code:?} is an activation code as agents type it"
    );

    // The device activates, checking the server key against the printed fingerprint.
    let mut device = ProtocolDevice::activate(&http, &url, &code, server.fingerprint())
        .await
        .expect("activation succeeds");
    assert_eq!(device.agent_id, agent);
    assert_eq!(device.branch, "KC01");

    // A frozen batch of 100 valid enrollments is acknowledged, signed, record by record.
    let records = device.wire_records(&forms(0, 100));
    let batch = device.freeze_next(&records).expect("a frozen batch");
    let reply = device
        .upload(&http, &url, &batch)
        .await
        .expect("the upload is answered");
    assert_eq!(
        reply.status,
        200,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let ack = reply.ack.as_ref().expect("a signed acknowledgement");
    assert_all_accepted(ack, &device.id, &batch);

    // The identical bytes again (a retry after a lost answer): the same acknowledgement.
    let again = device
        .upload(&http, &url, &batch)
        .await
        .expect("the replay is answered");
    assert_eq!(again.status, 200);
    assert_eq!(
        again.body, reply.body,
        "a replay gets the stored acknowledgement"
    );

    // The supervisor's export holds each of the 100 enrollments once, under this agent/device.
    let rows = deployment.export("KC01").await.expect("admin export");
    assert_eq!(rows.len(), 100);
    let exported: BTreeSet<&str> = rows.iter().map(|r| r["id"].as_str()).collect();
    let sent: BTreeSet<&str> = batch.record_ids.iter().map(String::as_str).collect();
    assert_eq!(exported, sent);
    for row in &rows {
        assert_eq!(row["agent_id"], agent);
        assert_eq!(row["device_id"], device.id);
    }
    let stats = proxy.stats();
    assert_eq!(stats.cuts(), 0);
    assert!(stats.bytes_up >= 2 * batch.bytes.len() as u64);
}

async fn cut_requests_lost_answers_and_duplicates_still_store_each_record_once(backend: Backend) {
    let seed = perisai_e2e::seed(2);
    let deployment = Deployment::new(backend).await.expect("a fresh deployment");
    let server = deployment
        .start_server(&[])
        .await
        .expect("the server starts");
    let proxy = FaultProxy::start(server.addr(), FaultPlan::clean(seed))
        .await
        .expect("the proxy starts");
    // A new client per phase: a plan applies to new connections, and a client keeps its
    // connections alive.
    let fresh = || http_client().expect("an HTTP client");
    let http = fresh();
    let url = proxy.url();
    let agent = deployment.new_agent("KC02").await.expect("an agent");
    let code = deployment
        .issue_code(&agent.agent_id)
        .await
        .expect("a code");
    let mut device = ProtocolDevice::activate(&http, &url, &code, server.fingerprint())
        .await
        .expect("activation succeeds");
    let all_forms = forms(1, 200);
    let mut batches = Vec::new();
    for chunk in all_forms.chunks(20) {
        let records = device.wire_records(chunk);
        batches.push(device.freeze_next(&records).expect("a frozen batch"));
    }
    let stored = || async { deployment.export("KC02").await.expect("admin export").len() };

    // The request is cut on its way: nothing is stored.
    proxy.set_plan(FaultPlan::clean(seed).with_cuts(1.0, 0.0, 100..=1000));
    let cut = device.upload(&fresh(), &url, &batches[0]).await;
    assert!(
        cut.is_err_and(|e| e.is_transport()),
        "the cut request fails"
    );
    assert_eq!(stored().await, 0);

    // The answer is lost on its way back: the batch is stored all the same.
    proxy.set_plan(FaultPlan::clean(seed).with_cuts(0.0, 1.0, 1..=100));
    let lost = device.upload(&fresh(), &url, &batches[0]).await;
    assert!(lost.is_err_and(|e| e.is_transport()), "the answer is lost");
    assert_eq!(stored().await, 20);

    // The retry arrives twice (the proxy replays it): one acknowledgement, still 20 stored.
    proxy.set_plan(FaultPlan::clean(seed).with_duplicates(1.0, Duration::ZERO..=Duration::ZERO));
    let retry = device
        .upload(&fresh(), &url, &batches[0])
        .await
        .expect("the retry is answered");
    assert_eq!(retry.status, 200);
    assert_all_accepted(retry.ack.as_ref().expect("an ack"), &device.id, &batches[0]);
    assert_eq!(stored().await, 20);

    // The other nine batches through a hostile network, each resent until acknowledged.
    proxy.set_plan(FaultPlan::hostile(seed));
    let http = fresh();
    for batch in &batches[1..] {
        let ack = device
            .upload_until_acknowledged(&http, &url, batch, 40)
            .await
            .expect("acknowledged in the end");
        assert_all_accepted(&ack, &device.id, batch);
    }
    let rows = deployment.export("KC02").await.expect("admin export");
    let ids: BTreeSet<&str> = rows.iter().map(|r| r["id"].as_str()).collect();
    assert_eq!(rows.len(), 200, "proxy seed {seed}: {}", proxy.stats());
    assert_eq!(ids.len(), 200);
    let stats = proxy.stats();
    assert!(stats.cuts_mid_request >= 1, "{stats}");
    assert!(stats.cuts_mid_response >= 1, "{stats}");
    assert!(stats.duplicates_sent >= 1, "{stats}");
    perisai_e2e::report(&format!(
        "smoke on {} (seed {seed}): 200 stored once; the network: {stats}",
        backend.name()
    ));
}

perisai_e2e::on_both_backends!(within 180;
    a_device_activates_and_its_batch_is_acknowledged_and_exported,
    cut_requests_lost_answers_and_duplicates_still_store_each_record_once,
);
