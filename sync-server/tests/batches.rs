//! `POST /v1/batches`: every row of the status table of ARCHITECTURE.md §4, in the order of the
//! checks, plus the chain rules (replay, fork, gap, prev_hash) and server-restore recovery.

mod common;

use axum::http::StatusCode;
use common::{post_bytes, Ctx};
use perisai_core::protocol::batch::{deflate_records, freeze, BatchHeader};
use perisai_core::protocol::downsync::DeviceCommand;
use perisai_core::protocol::labels::LABEL_DOWNSYNC;
use perisai_core::protocol::MAX_BATCH_BYTES;
use perisai_core::signer::SoftwareSigner;
use serde_json::json;

async fn a_batch_continuing_the_chain_is_stored_and_acked(ctx: &Ctx) {
    let mut device = ctx.device("KC01").await;
    let first = device.next_batch(&[]);
    let (reply, ack) = device.upload(ctx, first).await;
    assert_eq!(reply.status, StatusCode::OK);
    let ack = ack.unwrap();
    assert_eq!(ack.seq, 1);
    assert_eq!(ack.batch_hash, device.head);
    assert_eq!(ack.device_id, device.id);
    let second = device.next_batch(&[]);
    let (reply, ack) = device.upload(ctx, second).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(ack.unwrap().seq, 2);
    let (last_seq, head): (i64, String) =
        sqlx::query_as("SELECT last_seq, head_hash FROM devices WHERE id = $1")
            .bind(&device.id)
            .fetch_one(ctx.db.pool())
            .await
            .unwrap();
    assert_eq!((last_seq, head), (2, device.head.clone()));
}

async fn a_replay_gets_the_stored_ack_byte_for_byte(ctx: &Ctx) {
    let mut device = ctx.device("KC01").await;
    let bytes = device.next_batch(&[]);
    let (first, _) = device.upload(ctx, bytes.clone()).await;
    let (again, _) = device.upload(ctx, bytes).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(first.body, again.body);
    assert_eq!(ctx.count("SELECT COUNT(*) FROM batches").await, 1);
}

async fn a_fork_is_409_and_flags_the_device(ctx: &Ctx) {
    let mut device = ctx.device("KC01").await;
    let genesis = device.head.clone();
    let bytes = device.next_batch(&[]);
    device.upload(ctx, bytes).await;
    // Same seq, other content (a re-signed batch): a fork.
    let (other, _) = device.batch_at(1, &genesis, &[json!({"id": "x"})]);
    let (reply, _) = device.upload(ctx, other).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(reply.error_code(), "seq.fork");
    assert_eq!(ctx.count("SELECT flagged FROM devices").await, 1);
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM fraud_flags WHERE kind = 'seq.fork'")
            .await,
        1
    );
    // The next seq with a prev_hash that is not the head: a fork too.
    let (broken, _) = device.batch_at(2, &genesis, &[]);
    let (reply, _) = device.upload(ctx, broken).await;
    assert_eq!(reply.error_code(), "seq.fork");
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM fraud_flags WHERE kind = 'seq.fork'")
            .await,
        2
    );
    assert_eq!(ctx.count("SELECT COUNT(*) FROM batches").await, 1);
}

async fn a_gap_is_409_with_the_expected_seq(ctx: &Ctx) {
    let mut device = ctx.device("KC01").await;
    let one = device.next_batch(&[]);
    let two = device.next_batch(&[]);
    let three = device.next_batch(&[]);
    let (reply, _) = device.upload(ctx, three.clone()).await;
    assert_eq!(reply.status, StatusCode::CONFLICT);
    assert_eq!(reply.error_code(), "seq.gap");
    assert_eq!(reply.json()["error"]["expected_seq"], 1);
    // The device resends its kept batches from there, byte for byte.
    for bytes in [one, two, three] {
        let (reply, _) = device.upload(ctx, bytes).await;
        assert_eq!(reply.status, StatusCode::OK);
    }
    assert_eq!(ctx.count("SELECT COUNT(*) FROM batches").await, 3);
    assert_eq!(ctx.count("SELECT COUNT(*) FROM fraud_flags").await, 0);
}

async fn a_tampered_header_is_401(ctx: &Ctx) {
    let mut device = ctx.device("KC01").await;
    let mut bytes = device.next_batch(&[]);
    // Change the created_at year inside the signed header (still valid JSON).
    let text = String::from_utf8_lossy(&bytes).to_string();
    let at = text.find("\"created_at\":\"2").unwrap() + "\"created_at\":\"".len();
    bytes[at + 3] = if bytes[at + 3] == b'9' { b'8' } else { b'9' };
    let (reply, _) = device.upload(ctx, bytes).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.error_code(), "batch.signature");
}

async fn a_tampered_body_is_400_body_hash(ctx: &Ctx) {
    let mut device = ctx.device("KC01").await;
    let mut bytes = device.next_batch(&[]);
    let last = bytes.len() - 1;
    bytes[last] ^= 0x55;
    let (reply, _) = device.upload(ctx, bytes).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.error_code(), "batch.body_hash");
}

async fn a_batch_signed_by_another_key_is_401(ctx: &Ctx) {
    let mut device = ctx.device("KC01").await;
    let stranger = SoftwareSigner::generate_ephemeral().unwrap();
    let (bytes, _) = device.batch_with(1, &device.head.clone(), &[], &stranger);
    let (reply, _) = device.upload(ctx, bytes).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.error_code(), "batch.signature");
    assert_eq!(ctx.count("SELECT flagged FROM devices").await, 0);
}

async fn an_unknown_device_is_403(ctx: &Ctx) {
    let mut device = ctx.device("KC01").await;
    device.id = "00000000-0000-7000-8000-000000000000".into();
    let bytes = device.next_batch(&[]);
    let (reply, _) = device.upload(ctx, bytes).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.error_code(), "device.unknown");
}

/// Ids no database can hold as text (PostgreSQL refuses a NUL character in any string) are
/// unknown devices, not database errors.
async fn a_device_id_with_a_nul_character_is_403_unknown(ctx: &Ctx) {
    let mut device = ctx.device("KC01").await;
    device.id = "dev\u{0}ice".into();
    let bytes = device.next_batch(&[]);
    let (reply, _) = device.upload(ctx, bytes).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.error_code(), "device.unknown");
}

/// A validly signed batch whose records carry NUL characters (in the record id, in a name, in
/// a field name) is stored and acknowledged like any other: the records are rejected or kept,
/// never a database error that would leave the frozen batch unstorable and the chain stuck.
async fn records_with_nul_characters_are_acknowledged(ctx: &Ctx) {
    let mut device = ctx.device("KC01").await;
    let mut in_id = device.record(1);
    in_id["id"] = json!("rec\u{0}1");
    let mut in_name = device.record(2);
    in_name["full_name"] = json!("Siti\u{0} Aminah");
    let mut in_key = device.record(3);
    in_key["note\u{0}"] = json!("x");
    let bytes = device.next_batch(&[in_id, in_name, in_key]);
    let (reply, ack) = device.upload(ctx, bytes).await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    assert_eq!(ack.unwrap().results.len(), 3);
}

async fn a_revoked_device_gets_a_signed_wipe_and_its_batch_is_quarantined(ctx: &Ctx) {
    let mut device = ctx.device("KC01").await;
    perisai_server::service::access::revoke_device(&ctx.db, &device.id)
        .await
        .unwrap();
    let bytes = device.next_batch(&[json!({"id": "kept-as-evidence"})]);
    let (reply, _) = device.upload(ctx, bytes.clone()).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.error_code(), "device.revoked");
    let wipe: perisai_core::protocol::envelope::SignedEnvelope =
        serde_json::from_value(reply.json()["error"]["wipe"].clone()).unwrap();
    let command: DeviceCommand = wipe.open(LABEL_DOWNSYNC, &device.server_key).unwrap();
    assert_eq!(command.kind, "wipe");
    assert_eq!(command.device_id, device.id);
    assert_eq!(ctx.count("SELECT COUNT(*) FROM quarantine").await, 1);
    assert_eq!(ctx.count("SELECT COUNT(*) FROM enrollments").await, 0);
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM fraud_flags WHERE kind = 'device.revoked_batch'")
            .await,
        1
    );
    // Sending it again keeps one copy; a forgery under the revoked id is not kept.
    device.upload(ctx, bytes).await;
    let stranger = SoftwareSigner::generate_ephemeral().unwrap();
    let (forged, _) = device.batch_with(5, &device.head.clone(), &[], &stranger);
    let (reply, _) = device.upload(ctx, forged).await;
    assert_eq!(reply.error_code(), "device.revoked");
    assert_eq!(ctx.count("SELECT COUNT(*) FROM quarantine").await, 1);
    // The sealed evidence is not in clear in the database.
    let sealed: Vec<u8> = sqlx::query_scalar("SELECT sealed_batch FROM quarantine")
        .fetch_one(ctx.db.pool())
        .await
        .unwrap();
    assert!(!String::from_utf8_lossy(&sealed).contains(&device.id));
}

async fn an_oversized_body_is_413(ctx: &Ctx) {
    let reply = ctx
        .call(post_bytes("/v1/batches", vec![7u8; MAX_BATCH_BYTES + 1]))
        .await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.error_code(), "batch.too_large");
    // Without a Content-Length too (a chunked upload is cut off at the limit).
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..200).map(|_| Ok(vec![1u8; 1024])).collect();
    let body = axum::body::Body::from_stream(futures_util::stream::iter(chunks));
    let request = axum::http::Request::post("/v1/batches").body(body).unwrap();
    let reply = ctx.call(request).await;
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
}

async fn random_bytes_are_400_malformed(ctx: &Ctx) {
    for junk in [
        vec![],
        vec![0xff],
        b"\x00\x10not json at all!!".to_vec(),
        vec![0x42; 5000],
    ] {
        let reply = ctx.call(post_bytes("/v1/batches", junk)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert_eq!(reply.error_code(), "batch.malformed");
    }
}

async fn an_old_protocol_version_is_426(ctx: &Ctx) {
    let device = ctx.device("KC01").await;
    let signer = SoftwareSigner::generate_ephemeral().unwrap();
    for v in [0, 99] {
        let header = BatchHeader {
            v,
            device_id: device.id.clone(),
            seq: 1,
            prev_hash: device.head.clone(),
            created_at: "2026-11-22T08:00:00+07:00".into(),
            count: 0,
            body_sha256: String::new(),
        };
        let body = deflate_records::<serde_json::Value>(&[]).unwrap();
        let (bytes, _) = freeze(header, 0, &body, &signer).unwrap();
        let reply = ctx.call(post_bytes("/v1/batches", bytes)).await;
        assert_eq!(reply.status, StatusCode::UPGRADE_REQUIRED, "v{v}");
        assert_eq!(reply.json()["error"]["min_app_version"], "0.1.0");
    }
    // A header of another shape still gets 426 when it names an old version.
    let header = br#"{"v":0,"legacy":true}"#;
    let mut bytes = (header.len() as u16).to_be_bytes().to_vec();
    bytes.extend_from_slice(header);
    bytes.extend_from_slice(&[0, 0]);
    let reply = ctx.call(post_bytes("/v1/batches", bytes)).await;
    assert_eq!(reply.status, StatusCode::UPGRADE_REQUIRED);
}

async fn an_undecodable_body_still_moves_the_chain_on(ctx: &Ctx) {
    let mut device = ctx.device("KC01").await;
    let header = BatchHeader {
        v: 1,
        device_id: device.id.clone(),
        seq: 1,
        prev_hash: device.head.clone(),
        created_at: "2026-11-22T08:00:00+07:00".into(),
        count: 0,
        body_sha256: String::new(),
    };
    // Signed correctly, but the body is not deflated JSON.
    let (bytes, hash) = freeze(header, 3, b"definitely not deflate", &device.signer).unwrap();
    let (reply, ack) = device.upload(ctx, bytes).await;
    assert_eq!(reply.status, StatusCode::OK);
    let ack = ack.unwrap();
    assert!(ack.results.is_empty());
    assert_eq!(ack.batch_codes[0].code, "batch.body_undecodable");
    device.seq = 1;
    device.head = hash;
    let next = device.next_batch(&[]);
    let (reply, _) = device.upload(ctx, next).await;
    assert_eq!(reply.status, StatusCode::OK);
}

async fn a_device_past_its_rate_gets_429_with_retry_after(ctx: &Ctx) {
    let mut device = ctx.device("KC01").await;
    let limit = ctx.state.config.batches_per_minute;
    for _ in 0..limit {
        let bytes = device.next_batch(&[]);
        let (reply, _) = device.upload(ctx, bytes).await;
        assert_eq!(reply.status, StatusCode::OK);
    }
    let bytes = device.next_batch(&[]);
    let (reply, _) = device.upload(ctx, bytes).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = reply.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
}

async fn after_a_restore_from_backup_the_device_resends_and_the_chain_heals(ctx: &Ctx) {
    let mut device = ctx.device("KC01").await;
    let mut kept = Vec::new();
    for _ in 0..4 {
        let bytes = device.next_batch(&[]);
        kept.push(bytes.clone());
        device.upload(ctx, bytes).await;
    }
    // The server loses batches 3 and 4 (restored from an older backup).
    let hash2: String = sqlx::query_scalar("SELECT batch_hash FROM batches WHERE seq = 2")
        .fetch_one(ctx.db.pool())
        .await
        .unwrap();
    sqlx::query("DELETE FROM batches WHERE seq > 2")
        .execute(ctx.db.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE devices SET last_seq = 2, head_hash = $1")
        .bind(&hash2)
        .execute(ctx.db.pool())
        .await
        .unwrap();
    let five = device.next_batch(&[]);
    let (reply, _) = device.upload(ctx, five.clone()).await;
    assert_eq!(reply.error_code(), "seq.gap");
    let expected = reply.json()["error"]["expected_seq"].as_u64().unwrap();
    assert_eq!(expected, 3);
    for bytes in kept.into_iter().skip(expected as usize - 1).chain([five]) {
        let (reply, _) = device.upload(ctx, bytes).await;
        assert_eq!(reply.status, StatusCode::OK);
    }
    assert_eq!(ctx.count("SELECT last_seq FROM devices").await, 5);
    assert_eq!(ctx.count("SELECT COUNT(*) FROM fraud_flags").await, 0);
}

both_backends!(
    a_batch_continuing_the_chain_is_stored_and_acked,
    a_replay_gets_the_stored_ack_byte_for_byte,
    a_fork_is_409_and_flags_the_device,
    a_gap_is_409_with_the_expected_seq,
    a_tampered_header_is_401,
    a_tampered_body_is_400_body_hash,
    a_batch_signed_by_another_key_is_401,
    an_unknown_device_is_403,
    a_device_id_with_a_nul_character_is_403_unknown,
    records_with_nul_characters_are_acknowledged,
    a_revoked_device_gets_a_signed_wipe_and_its_batch_is_quarantined,
    an_oversized_body_is_413,
    random_bytes_are_400_malformed,
    an_old_protocol_version_is_426,
    an_undecodable_body_still_moves_the_chain_on,
    a_device_past_its_rate_gets_429_with_retry_after,
    after_a_restore_from_backup_the_device_resends_and_the_chain_heals,
);
