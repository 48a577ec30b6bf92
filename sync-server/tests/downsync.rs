//! Signed requests, single-use nonces and `POST /v1/downsync`: decisions, NIK tag deltas, rule
//! sets and commands since a cursor, every answer signed.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use common::Ctx;
use perisai_core::protocol::downsync::{nik_tag24, HEADER_DEVICE, HEADER_NONCE, HEADER_SIGNATURE};
use perisai_server::service;

async fn decisions_reach_the_agents_device_once(ctx: &Ctx) {
    let mut device = ctx.device("KC01").await;
    let records: Vec<_> = (1..=2).map(|n| device.record(n)).collect();
    let bytes = device.next_batch(&records);
    device.upload(ctx, bytes).await;
    let (reply, first) = device.downsync(ctx).await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert!(first.unwrap().decisions.is_empty());

    let a = records[0]["id"].as_str().unwrap();
    let b = records[1]["id"].as_str().unwrap();
    service::review::decide_from_cli(&ctx.db, &ctx.keys, a, "approved", None, None)
        .await
        .unwrap();
    service::review::decide_from_cli(
        &ctx.db,
        &ctx.keys,
        b,
        "has_issues",
        Some("Foto KTP buram"),
        None,
    )
    .await
    .unwrap();
    let (_, payload) = device.downsync(ctx).await;
    let payload = payload.unwrap();
    assert_eq!(payload.decisions.len(), 2);
    assert_eq!(payload.decisions[0].record_id, a);
    assert_eq!(payload.decisions[0].decision, "approved");
    assert_eq!(payload.decisions[1].decision, "has_issues");
    assert_eq!(
        payload.decisions[1].reason.as_deref(),
        Some("Foto KTP buram")
    );
    // Nothing new: nothing again.
    let (_, again) = device.downsync(ctx).await;
    assert!(again.unwrap().decisions.is_empty());
    // The reason is sealed at rest.
    let sealed: Vec<u8> =
        sqlx::query_scalar("SELECT reason FROM decisions WHERE decision = 'has_issues'")
            .fetch_one(ctx.db.pool())
            .await
            .unwrap();
    assert!(!String::from_utf8_lossy(&sealed).contains("KTP"));
    // A reversal needs a reason and is delivered too.
    assert!(
        service::review::decide_from_cli(&ctx.db, &ctx.keys, a, "rejected", None, None)
            .await
            .is_err()
    );
    service::review::decide_from_cli(&ctx.db, &ctx.keys, a, "rejected", Some("NIK ganda"), None)
        .await
        .unwrap();
    let (_, reversal) = device.downsync(ctx).await;
    assert_eq!(reversal.unwrap().decisions[0].decision, "rejected");
}

async fn nik_tags_flow_down_as_deltas(ctx: &Ctx) {
    let mut sender = ctx.device("KC01").await;
    let mut other = ctx.device("KC01").await;
    let tag_key = B64.decode(&other.activation.nik_tags.key).unwrap();
    let record = sender.record(5);
    let bytes = sender.next_batch(std::slice::from_ref(&record));
    sender.upload(ctx, bytes).await;
    let (_, payload) = other.downsync(ctx).await;
    let tags = B64.decode(payload.unwrap().nik_tag_deltas.tags).unwrap();
    let expected = nik_tag24(&tag_key, record["nik"].as_str().unwrap());
    assert_eq!(tags, expected.to_vec());
    // A device activated later gets the tag in its activation answer instead.
    let late = ctx.device("KC01").await;
    assert_eq!(
        B64.decode(&late.activation.nik_tags.tags).unwrap(),
        expected.to_vec()
    );
}

async fn a_nonce_is_single_use_and_a_fresh_one_can_be_asked_for(ctx: &Ctx) {
    let mut device = ctx.device("KC01").await;
    let request = device.downsync_request("");
    let replayed = device.downsync_request("");
    assert_eq!(ctx.call(request).await.status, StatusCode::OK);
    let reply = ctx.call(replayed).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.error_code(), "request.nonce");
    assert_eq!(device.fresh_nonce(ctx).await.status, StatusCode::OK);
    let (reply, _) = device.downsync(ctx).await;
    assert_eq!(reply.status, StatusCode::OK);
}

async fn unsigned_forged_and_foreign_requests_are_refused(ctx: &Ctx) {
    let device = ctx.device("KC01").await;
    let stranger = ctx.device("KC01").await;
    // No signature headers at all.
    let bare = Request::post("/v1/downsync")
        .header(HEADER_DEVICE, &device.id)
        .body(Body::from("{}"))
        .unwrap();
    assert_eq!(ctx.call(bare).await.error_code(), "request.unsigned");
    // Signed by another device's key.
    let mut forged = stranger.downsync_request("");
    forged
        .headers_mut()
        .insert(HEADER_DEVICE, device.id.parse().unwrap());
    forged
        .headers_mut()
        .insert(HEADER_NONCE, device.nonce.parse().unwrap());
    let reply = ctx.call(forged).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.error_code(), "request.signature");
    // The failed attempt did not burn the real device's nonce.
    assert_eq!(
        ctx.call(device.downsync_request("")).await.status,
        StatusCode::OK
    );
    // A bad cursor.
    let mut device = device;
    device.fresh_nonce(ctx).await;
    let reply = ctx.call(device.downsync_request("garbage")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_code(), "cursor.invalid");
    // Garbage in the signature header.
    let mut junk = device.downsync_request("");
    junk.headers_mut()
        .insert(HEADER_SIGNATURE, "%%%".parse().unwrap());
    assert_eq!(ctx.call(junk).await.error_code(), "request.signature");
}

async fn commands_and_revocation_reach_the_device(ctx: &Ctx) {
    let mut device = ctx.device("KC01").await;
    service::access::suspend_agent(&ctx.db, &device.agent_id)
        .await
        .unwrap();
    let (_, payload) = device.downsync(ctx).await;
    let commands = payload.unwrap().commands;
    assert_eq!(commands.len(), 1);
    assert_eq!(commands[0].kind, "agent.suspended");
    service::access::revoke_device(&ctx.db, &device.id)
        .await
        .unwrap();
    let (reply, _) = device.downsync(ctx).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.error_code(), "device.revoked");
    assert!(reply.json()["error"]["wipe"].is_object());
    let reply = device.fresh_nonce(ctx).await;
    assert_eq!(reply.error_code(), "device.revoked");
}

async fn published_rule_sets_flow_down(ctx: &Ctx) {
    let mut device = ctx.device("KC01").await;
    sqlx::query("INSERT INTO rule_sets (rule_set_id, body, published_ms) VALUES ('bpu-2027', '{\"id\":\"bpu-2027\"}', 1)")
        .execute(ctx.db.pool())
        .await
        .unwrap();
    let (_, payload) = device.downsync(ctx).await;
    let payload = payload.unwrap();
    assert_eq!(payload.rule_sets.len(), 1);
    assert_eq!(payload.rule_sets[0]["id"], "bpu-2027");
    let (_, again) = device.downsync(ctx).await;
    assert!(again.unwrap().rule_sets.is_empty());
}

both_backends!(
    decisions_reach_the_agents_device_once,
    nik_tags_flow_down_as_deltas,
    a_nonce_is_single_use_and_a_fresh_one_can_be_asked_for,
    unsigned_forged_and_foreign_requests_are_refused,
    commands_and_revocation_reach_the_device,
    published_rule_sets_flow_down,
);

/// Rows still within the settle window wait for a later sync and do not make the answer say
/// `more`: before, a device asked again at once, page after page, until they settled (up to
/// 40 s of polling on every PostgreSQL sync; found by the 2G-link test).
async fn unsettled_rows_wait_for_a_later_sync_without_more(ctx: &Ctx) {
    let mut sender = ctx.device("KC01").await;
    let mut other = ctx.device("KC01").await;
    let record = sender.record(7);
    let bytes = sender.next_batch(std::slice::from_ref(&record));
    sender.upload(ctx, bytes).await;
    let (_, payload) = other.downsync(ctx).await;
    let payload = payload.unwrap();
    assert!(!payload.more, "an unsettled row is not more to fetch now");
    assert!(B64.decode(payload.nik_tag_deltas.tags).unwrap().is_empty());
    // An hour later the row has settled: the next sync delivers it.
    sqlx::query("UPDATE nik_tags SET created_ms = created_ms - 7200000")
        .execute(ctx.db.pool())
        .await
        .unwrap();
    let (_, payload) = other.downsync(ctx).await;
    let payload = payload.unwrap();
    let tag_key = B64.decode(&other.activation.nik_tags.key).unwrap();
    let expected = nik_tag24(&tag_key, record["nik"].as_str().unwrap());
    assert_eq!(
        B64.decode(payload.nik_tag_deltas.tags).unwrap(),
        expected.to_vec()
    );
    assert!(!payload.more);
}

fn settle_an_hour(config: &mut perisai_server::config::Config) {
    config.downsync_settle = std::time::Duration::from_secs(3600);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsettled_rows_wait_without_more_on_sqlite() {
    let ctx = Ctx::sqlite_with(settle_an_hour).await;
    unsettled_rows_wait_for_a_later_sync_without_more(&ctx).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unsettled_rows_wait_without_more_on_postgres() {
    let Some(ctx) = Ctx::postgres_with(settle_an_hour).await else {
        eprintln!("PERISAI_TEST_POSTGRES_URL not set: PostgreSQL case skipped");
        return;
    };
    unsettled_rows_wait_for_a_later_sync_without_more(&ctx).await;
    ctx.drop_database().await;
}
