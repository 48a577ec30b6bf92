//! Records inside batches: re-validation with the perisai-core rules, per-record results,
//! duplicates by id and by NIK, corrections, sealing at rest, fraud signals, export.

mod common;

use axum::http::StatusCode;
use chrono::Timelike;
use common::{nik, Ctx};
use perisai_core::protocol::messages::RecordStatus;
use serde_json::json;

/// Every record of the acknowledged batch was accepted.
fn assert_all_accepted(ack: Option<perisai_core::protocol::messages::Ack>) {
    let ack = ack.expect("the batch was acknowledged");
    assert!(
        ack.results
            .iter()
            .all(|r| r.status == RecordStatus::Accepted),
        "{:?}",
        ack.results
    );
}

/// The evidence (JSON text) of the one fraud flag of `kind`.
async fn flag_evidence(ctx: &Ctx, kind: &str) -> String {
    sqlx::query_scalar("SELECT evidence FROM fraud_flags WHERE kind = $1")
        .bind(kind)
        .fetch_one(ctx.db.pool())
        .await
        .unwrap()
}

async fn valid_records_are_accepted_and_stored_sealed(ctx: &Ctx) {
    let mut device = ctx.device("KC01").await;
    let records: Vec<_> = (1..=3).map(|n| device.record(n)).collect();
    let bytes = device.next_batch(&records);
    let (reply, ack) = device.upload(ctx, bytes).await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let ack = ack.unwrap();
    assert_eq!(ack.results.len(), 3);
    for (result, record) in ack.results.iter().zip(&records) {
        assert_eq!(result.id, record["id"].as_str().unwrap());
        assert_eq!(result.status, RecordStatus::Accepted, "{:?}", result.codes);
        assert!(result.codes.is_empty());
    }
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM enrollments WHERE status = 'received'")
            .await,
        3
    );
    assert_eq!(ctx.count("SELECT COUNT(*) FROM nik_claims").await, 3);
    assert_eq!(ctx.count("SELECT COUNT(*) FROM nik_tags").await, 3);
    // No NIK, name or phone in clear anywhere in the enrollments table.
    let rows: Vec<(Vec<u8>, Option<String>)> =
        sqlx::query_as("SELECT content, nik_hmac FROM enrollments")
            .fetch_all(ctx.db.pool())
            .await
            .unwrap();
    for (content, nik_hmac) in rows {
        let text = String::from_utf8_lossy(&content);
        assert!(!text.contains("3201") && !text.contains("RAHAYU") && !text.contains("Rahayu"));
        assert_eq!(nik_hmac.unwrap().len(), 64);
    }
}

async fn the_same_record_again_is_a_duplicate_and_other_content_a_conflict(ctx: &Ctx) {
    let mut device = ctx.device("KC01").await;
    let record = device.record(1);
    let bytes = device.next_batch(std::slice::from_ref(&record));
    device.upload(ctx, bytes).await;
    let mut changed = record.clone();
    changed["address"] = json!("Jl. Lain No. 2, Bogor");
    let bytes = device.next_batch(&[record.clone(), changed]);
    let (_, ack) = device.upload(ctx, bytes).await;
    let ack = ack.unwrap();
    assert_eq!(ack.results[0].status, RecordStatus::DuplicateRecord);
    assert_eq!(ack.results[1].status, RecordStatus::Rejected);
    assert_eq!(ack.results[1].codes[0].code, "id.conflict");
    assert_eq!(ctx.count("SELECT COUNT(*) FROM enrollments").await, 1);
}

async fn invalid_records_are_rejected_with_the_core_codes_and_others_go_through(ctx: &Ctx) {
    let mut device = ctx.device("KC01").await;
    let good = device.record(1);
    let mut bad_nik = device.record(2);
    bad_nik["nik"] = json!("12345");
    let mut unknown = device.record(3);
    unknown["favourite_colour"] = json!("blue");
    let mut no_id = device.record(4);
    no_id.as_object_mut().unwrap().remove("id");
    let bytes = device.next_batch(&[good, bad_nik, unknown, no_id]);
    let (reply, ack) = device.upload(ctx, bytes).await;
    assert_eq!(reply.status, StatusCode::OK);
    let results = ack.unwrap().results;
    assert_eq!(results[0].status, RecordStatus::Accepted);
    assert_eq!(results[1].status, RecordStatus::Rejected);
    assert!(results[1]
        .codes
        .iter()
        .any(|c| c.field == "nik" && c.code == "nik.format"));
    assert_eq!(results[2].status, RecordStatus::Rejected);
    assert!(results[2].codes.iter().any(|c| c.code == "unknown_field"));
    assert_eq!(results[3].status, RecordStatus::Rejected);
    assert_eq!(results[3].codes[0].code, "id.missing");
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM enrollments WHERE status = 'rejected_at_ingest'")
            .await,
        2
    );
    assert_eq!(ctx.count("SELECT COUNT(*) FROM nik_claims").await, 1);
}

async fn a_nik_claimed_elsewhere_is_accepted_flagged_and_queued(ctx: &Ctx) {
    let mut first = ctx.device("KC01").await;
    let mut second = ctx.device("KC02").await;
    let a = first.record(7);
    let mut b = second.record(8);
    b["nik"] = a["nik"].clone();
    let bytes = first.next_batch(std::slice::from_ref(&a));
    first.upload(ctx, bytes).await;
    let bytes = second.next_batch(std::slice::from_ref(&b));
    let (_, ack) = second.upload(ctx, bytes).await;
    let result = &ack.unwrap().results[0];
    assert_eq!(result.status, RecordStatus::Accepted);
    assert_eq!(result.codes[0].code, "nik.duplicate_known");
    let (other_branch, other_record): (String, String) =
        sqlx::query_as("SELECT other_branch, other_record_id FROM duplicate_queue")
            .fetch_one(ctx.db.pool())
            .await
            .unwrap();
    assert_eq!(other_branch, "KC01");
    assert_eq!(other_record, a["id"].as_str().unwrap());
    // The claim stays with the first record.
    assert_eq!(ctx.count("SELECT COUNT(*) FROM nik_claims").await, 1);
}

async fn a_correction_supersedes_the_record_and_takes_over_its_claim(ctx: &Ctx) {
    let mut device = ctx.device("KC01").await;
    let original = device.record(11);
    let bytes = device.next_batch(std::slice::from_ref(&original));
    device.upload(ctx, bytes).await;
    let mut correction = device.record(11);
    correction["supersedes"] = original["id"].clone();
    correction["address"] = json!("Jl. Pasar Baru No. 3, Bogor");
    let bytes = device.next_batch(std::slice::from_ref(&correction));
    let (_, ack) = device.upload(ctx, bytes).await;
    let result = &ack.unwrap().results[0];
    assert_eq!(result.status, RecordStatus::Accepted, "{:?}", result.codes);
    assert!(result.codes.is_empty(), "{:?}", result.codes);
    let status: String = sqlx::query_scalar("SELECT status FROM enrollments WHERE id = $1")
        .bind(original["id"].as_str().unwrap())
        .fetch_one(ctx.db.pool())
        .await
        .unwrap();
    assert_eq!(status, "superseded");
    let owner: String = sqlx::query_scalar("SELECT record_id FROM nik_claims")
        .fetch_one(ctx.db.pool())
        .await
        .unwrap();
    assert_eq!(owner, correction["id"].as_str().unwrap());
    // Correcting a record this agent does not have is refused by the rules.
    let mut stray = device.record(12);
    stray["supersedes"] = json!("0192f0a0-0000-7000-8000-00000000dead");
    let bytes = device.next_batch(&[stray]);
    let (_, ack) = device.upload(ctx, bytes).await;
    let result = &ack.unwrap().results[0];
    assert_eq!(result.status, RecordStatus::Rejected);
    assert!(
        result.codes.iter().any(|c| c.code == "supersedes.invalid"),
        "{:?}",
        result.codes
    );
}

async fn fraud_signals_are_recorded_not_rejected(ctx: &Ctx) {
    let mut device = ctx.device("KC01").await;
    let mut no_location = device.record(21);
    no_location.as_object_mut().unwrap().remove("location");
    let mut backdated = device.record(22);
    let long_ago = (chrono::Utc::now() - chrono::Duration::days(20)).date_naive();
    backdated["enrolled_on"] = json!(long_ago.to_string());
    let mut skipped = device.record(23);
    skipped["receipt_no"] = json!(10);
    let bytes = device.next_batch(&[no_location, backdated, skipped]);
    let (_, ack) = device.upload(ctx, bytes).await;
    assert_all_accepted(ack);
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM fraud_flags WHERE kind = 'location.missing'")
            .await,
        1
    );
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM fraud_flags WHERE kind = 'enrolled_on.range'")
            .await,
        1
    );
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM fraud_flags WHERE kind = 'receipt.gap'")
            .await,
        1
    );
    let evidence: serde_json::Value =
        serde_json::from_str(&flag_evidence(ctx, "receipt.gap").await).unwrap();
    assert_eq!(evidence["expected"], 3);
    assert_eq!(evidence["received"], 10);
}

async fn an_agent_too_fast_and_a_shared_phone_are_flagged(ctx: &Ctx) {
    let mut device = ctx.device("KC01").await;
    let mut records: Vec<_> = (100..131).map(|n| device.record(n)).collect(); // 31 in a minute
    for record in records.iter_mut().take(4) {
        record["phone"] = json!("081299990000");
    }
    let bytes = device.next_batch(&records);
    let (_, ack) = device.upload(ctx, bytes).await;
    assert_all_accepted(ack);
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM fraud_flags WHERE kind = 'agent.rate'")
            .await,
        1
    );
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM fraud_flags WHERE kind = 'phone.reuse'")
            .await,
        1
    );
    let evidence = flag_evidence(ctx, "phone.reuse").await;
    assert!(
        !evidence.contains("0812"),
        "no phone number in clear: {evidence}"
    );
}

/// The busiest hour is `[start, start + 1 h)` from one of the agent's enrollments: 30 at one
/// moment and one an hour later make no hour of 31; one a second before the hour ends does.
async fn the_agent_rate_window_is_one_hour_long_to_the_millisecond(ctx: &Ctx) {
    let mut device = ctx.device("KC01").await;
    let wib = chrono::FixedOffset::east_opt(7 * 3600).unwrap();
    let t0 = (chrono::Utc::now() - chrono::Duration::hours(3))
        .with_timezone(&wib)
        .with_nanosecond(0)
        .unwrap();
    let at = |record: &mut serde_json::Value, t: chrono::DateTime<chrono::FixedOffset>| {
        record["created_at"] = json!(t.format("%Y-%m-%dT%H:%M:%S%:z").to_string());
    };
    let mut records: Vec<_> = (200..230).map(|n| device.record(n)).collect();
    for record in &mut records {
        at(record, t0);
    }
    let mut an_hour_later = device.record(230);
    at(&mut an_hour_later, t0 + chrono::Duration::seconds(3600));
    records.push(an_hour_later);
    let bytes = device.next_batch(&records);
    let (_, ack) = device.upload(ctx, bytes).await;
    assert_all_accepted(ack);
    let rate = "SELECT COUNT(*) FROM fraud_flags WHERE kind = 'agent.rate'";
    assert_eq!(ctx.count(rate).await, 0, "30 in an hour is allowed");

    let mut within = device.record(231);
    at(&mut within, t0 + chrono::Duration::seconds(3599));
    let bytes = device.next_batch(&[within]);
    device.upload(ctx, bytes).await;
    assert_eq!(ctx.count(rate).await, 1);
    let evidence: serde_json::Value =
        serde_json::from_str(&flag_evidence(ctx, "agent.rate").await).unwrap();
    assert_eq!(evidence["enrollments"], 31, "{evidence}");
    let start =
        chrono::DateTime::parse_from_rfc3339(evidence["window_start"].as_str().unwrap()).unwrap();
    assert_eq!(start, t0, "{evidence}");
}

async fn export_lists_stored_records_neutralised_and_never_quarantined_ones(ctx: &Ctx) {
    let mut device = ctx.device("KC01").await;
    let records: Vec<_> = (31..33).map(|n| device.record(n)).collect();
    let bytes = device.next_batch(&records);
    device.upload(ctx, bytes).await;
    // Another device of the branch is revoked; what it still sends is quarantined.
    let mut revoked = ctx.device("KC01").await;
    perisai_server::service::access::revoke_device(&ctx.db, &revoked.id)
        .await
        .unwrap();
    let hidden = revoked.record(99);
    let bytes = revoked.next_batch(std::slice::from_ref(&hidden));
    let (reply, _) = revoked.upload(ctx, bytes).await;
    assert_eq!(reply.error_code(), "device.revoked");

    let mut out = Vec::new();
    let rows = perisai_server::service::export::export_csv(&ctx.db, &ctx.keys, "KC01", &mut out)
        .await
        .unwrap();
    assert_eq!(rows, 2);
    let text = String::from_utf8(out).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    for column in ["id", "nik", "full_name", "agent_id", "device_id", "status"] {
        assert!(headers.iter().any(|h| h == column), "{column}");
    }
    let lines: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(&lines[0][1], nik(31));
    assert_eq!(&lines[0][2], "SITI RAHAYU");
    assert_eq!(&lines[0][5], "received");
    // The E.164 phone starts with '+': neutralised.
    let phone_col = headers.iter().position(|h| h == "phone").unwrap();
    assert!(lines[0][phone_col].starts_with("'+62"));
    assert!(!text.contains(hidden["id"].as_str().unwrap()));
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM audit_log WHERE action = 'export'")
            .await,
        1
    );
}

async fn two_instances_store_each_record_once(ctx: &Ctx) {
    let other = ctx.second_instance().await;
    let mut devices = Vec::new();
    for _ in 0..4 {
        devices.push(ctx.device("KC01").await);
    }
    let mut uploads = Vec::new();
    for (d, device) in devices.iter_mut().enumerate() {
        for b in 0..3 {
            let records: Vec<_> = (0..5)
                .map(|r| device.record((d * 100 + b * 10 + r) as u32 + 1000))
                .collect();
            uploads.push((d, device.next_batch(&records)));
        }
    }
    // Every batch goes to both instances at once, in chain order per device.
    let routers = [ctx.router.clone(), other.router.clone()];
    let mut tasks = Vec::new();
    for d in 0..devices.len() {
        let mine: Vec<Vec<u8>> = uploads
            .iter()
            .filter(|(x, _)| *x == d)
            .map(|(_, b)| b.clone())
            .collect();
        let routers = routers.clone();
        tasks.push(tokio::spawn(async move {
            for bytes in mine {
                let (a, b) = tokio::join!(
                    common::call(
                        &routers[0],
                        common::post_bytes("/v1/batches", bytes.clone())
                    ),
                    common::call(
                        &routers[1],
                        common::post_bytes("/v1/batches", bytes.clone())
                    ),
                );
                assert_eq!(
                    a.status,
                    StatusCode::OK,
                    "{}",
                    String::from_utf8_lossy(&a.body)
                );
                assert_eq!(
                    b.status,
                    StatusCode::OK,
                    "{}",
                    String::from_utf8_lossy(&b.body)
                );
                // Whoever lost the race answered with the winner's stored acknowledgement.
                assert_eq!(a.body, b.body);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(ctx.count("SELECT COUNT(*) FROM batches").await, 12);
    assert_eq!(ctx.count("SELECT COUNT(*) FROM enrollments").await, 60);
    assert_eq!(ctx.count("SELECT COUNT(*) FROM nik_claims").await, 60);
    assert_eq!(ctx.count("SELECT COUNT(*) FROM duplicate_queue").await, 0);
    other.db.close().await;
}

/// One batch mixing every case the multi-row inserts must settle as one-by-one inserts would: a
/// record stored by an earlier batch, the same record twice, an id reused with other content, and
/// two records with one NIK.
async fn a_batch_settles_repeats_within_itself_like_one_by_one(ctx: &Ctx) {
    let mut device = ctx.device("KC01").await;
    let earlier = device.record(1);
    let bytes = device.next_batch(std::slice::from_ref(&earlier));
    device.upload(ctx, bytes).await;

    let fresh = device.record(2);
    let mut same_id_other_content = fresh.clone();
    same_id_other_content["address"] = json!("Jl. Lain No. 9, Bogor");
    let first_of_nik = device.record(3);
    let mut second_of_nik = device.record(4);
    second_of_nik["nik"] = first_of_nik["nik"].clone();
    let bytes = device.next_batch(&[
        earlier.clone(),
        fresh.clone(),
        fresh.clone(),
        same_id_other_content,
        first_of_nik.clone(),
        second_of_nik.clone(),
    ]);
    let (reply, ack) = device.upload(ctx, bytes).await;
    assert_eq!(reply.status, StatusCode::OK);
    let results = ack.unwrap().results;
    let statuses: Vec<RecordStatus> = results.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        vec![
            RecordStatus::DuplicateRecord,
            RecordStatus::Accepted,
            RecordStatus::DuplicateRecord,
            RecordStatus::Rejected,
            RecordStatus::Accepted,
            RecordStatus::Accepted,
        ]
    );
    assert_eq!(results[3].codes[0].code, "id.conflict");
    assert!(results[4].codes.is_empty());
    assert_eq!(results[5].codes[0].code, "nik.duplicate_known");
    assert_eq!(ctx.count("SELECT COUNT(*) FROM enrollments").await, 4);
    assert_eq!(ctx.count("SELECT COUNT(*) FROM nik_claims").await, 3);
    let owner: String = sqlx::query_scalar("SELECT other_record_id FROM duplicate_queue")
        .fetch_one(ctx.db.pool())
        .await
        .unwrap();
    assert_eq!(owner, first_of_nik["id"].as_str().unwrap());
}

/// Many devices at once on one instance (on SQLite: written in groups, one commit each): every
/// batch is acknowledged with its own results, and a replay returns that same acknowledgement.
async fn concurrent_batches_are_each_acknowledged_once(ctx: &Ctx) {
    let mut uploads = Vec::new();
    for d in 0..6u32 {
        let mut device = ctx.device("KC01").await;
        let mut chain = Vec::new();
        for b in 0..3u32 {
            let records: Vec<_> = (0..20)
                .map(|r| device.record(2000 + d * 100 + b * 20 + r))
                .collect();
            chain.push(device.next_batch(&records));
        }
        uploads.push((device, chain));
    }
    let mut tasks = Vec::new();
    for (mut device, chain) in uploads {
        let router = ctx.router.clone();
        tasks.push(tokio::spawn(async move {
            for bytes in chain {
                let (reply, ack) = device.upload_to(&router, bytes.clone()).await;
                assert_eq!(reply.status, StatusCode::OK);
                let ack = ack.unwrap();
                assert_eq!(ack.device_id, device.id);
                assert_eq!(ack.results.len(), 20);
                assert!(ack
                    .results
                    .iter()
                    .all(|r| r.status == RecordStatus::Accepted && r.codes.is_empty()));
                let again = common::call(&router, common::post_bytes("/v1/batches", bytes)).await;
                assert_eq!(again.body, reply.body);
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    assert_eq!(ctx.count("SELECT COUNT(*) FROM batches").await, 18);
    assert_eq!(ctx.count("SELECT COUNT(*) FROM enrollments").await, 360);
    assert_eq!(ctx.count("SELECT COUNT(*) FROM nik_claims").await, 360);
}

/// A record the agent withdrew before sending travels as a tombstone: accepted without
/// validation, nothing personal stored, its receipt number counted (no false gap); a rejected
/// record's number counts too. Sent again, the tombstone is a duplicate.
async fn withdrawn_tombstones_and_rejected_records_leave_no_receipt_gap(ctx: &Ctx) {
    let mut device = ctx.device("KC01").await;
    let first = device.record(31);
    let withdrawn = device.record(32);
    let tombstone = json!({
        "id": withdrawn["id"],
        "receipt_no": withdrawn["receipt_no"],
        "created_at": withdrawn["created_at"],
        "device_id": withdrawn["device_id"],
        "withdrawn": true,
    });
    let mut invalid = device.record(33);
    invalid["nik"] = json!("12345");
    let last = device.record(34);
    let bytes = device.next_batch(&[first, tombstone.clone(), invalid, last]);
    let (reply, ack) = device.upload(ctx, bytes).await;
    assert_eq!(reply.status, StatusCode::OK);
    let results = ack.unwrap().results;
    let statuses: Vec<_> = results.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [
            RecordStatus::Accepted,
            RecordStatus::Accepted,
            RecordStatus::Rejected,
            RecordStatus::Accepted
        ],
        "{results:?}"
    );
    assert_eq!(ctx.count("SELECT COUNT(*) FROM withdrawn_records").await, 1);
    assert_eq!(ctx.count("SELECT COUNT(*) FROM enrollments").await, 3);
    assert_eq!(ctx.count("SELECT COUNT(*) FROM nik_claims").await, 2);
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM fraud_flags WHERE kind = 'receipt.gap'")
            .await,
        0
    );
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM devices WHERE last_receipt_no = 4")
            .await,
        1
    );

    // The same tombstone in a later batch: a duplicate, not a second row; a tombstone with
    // anything personal in it is refused, and one reusing an enrollment's id is a conflict.
    let mut with_name = tombstone.clone();
    with_name["id"] = json!(uuid::Uuid::now_v7().to_string());
    with_name["receipt_no"] = json!(5);
    with_name["full_name"] = json!("Siti Rahayu");
    let mut reused = tombstone.clone();
    reused["id"] = results[0].id.clone().into();
    reused["receipt_no"] = json!(6);
    let bytes = device.next_batch(&[tombstone, with_name, reused]);
    let (_, ack) = device.upload(ctx, bytes).await;
    let results = ack.unwrap().results;
    assert_eq!(results[0].status, RecordStatus::DuplicateRecord);
    assert_eq!(results[1].status, RecordStatus::Rejected);
    assert!(results[1]
        .codes
        .iter()
        .any(|c| c.field == "full_name" && c.code == "unknown_field"));
    assert_eq!(results[2].status, RecordStatus::Rejected);
    assert_eq!(results[2].codes[0].code, "id.conflict");
    assert_eq!(ctx.count("SELECT COUNT(*) FROM withdrawn_records").await, 1);
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM fraud_flags WHERE kind = 'receipt.gap'")
            .await,
        0
    );
}

both_backends!(
    a_batch_settles_repeats_within_itself_like_one_by_one,
    concurrent_batches_are_each_acknowledged_once,
    valid_records_are_accepted_and_stored_sealed,
    the_same_record_again_is_a_duplicate_and_other_content_a_conflict,
    invalid_records_are_rejected_with_the_core_codes_and_others_go_through,
    a_nik_claimed_elsewhere_is_accepted_flagged_and_queued,
    a_correction_supersedes_the_record_and_takes_over_its_claim,
    fraud_signals_are_recorded_not_rejected,
    an_agent_too_fast_and_a_shared_phone_are_flagged,
    the_agent_rate_window_is_one_hour_long_to_the_millisecond,
    export_lists_stored_records_neutralised_and_never_quarantined_ones,
    two_instances_store_each_record_once,
    withdrawn_tombstones_and_rejected_records_leave_no_receipt_gap,
    enrollments_far_from_the_agents_area_are_flagged_with_the_distance_only,
);

/// DOMAIN.md §8: an enrollment more than 50 km beyond the agent's assigned area is a signal, with
/// the distance as evidence (never the location); inside, or without an area, nothing.
async fn enrollments_far_from_the_agents_area_are_flagged_with_the_distance_only(ctx: &Ctx) {
    let mut device = ctx.device("KC01").await;
    // Before an area is set, nothing can be far from it.
    let mut far = device.record(40);
    far["location"] = json!({"lat": -7.2575, "lon": 112.7521, "accuracy_m": 10.0});
    let bytes = device.next_batch(&[far]);
    let (reply, _) = device.upload(ctx, bytes).await;
    assert_eq!(reply.status.as_u16(), 200);
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM fraud_flags WHERE kind = 'location.outside_area'")
            .await,
        0
    );
    // Area: Bogor, 10 km. Jakarta (~47 km away) is within 10 + 50 km; Surabaya is not.
    sqlx::query(
        "INSERT INTO agent_areas (agent_id, branch, lat_e6, lon_e6, radius_m, set_by, set_ms)
         VALUES ($1, 'KC01', -6597100, 106806000, 10000, 'test', 0)",
    )
    .bind(&device.agent_id)
    .execute(ctx.db.pool())
    .await
    .unwrap();
    let mut near = device.record(41);
    near["location"] = json!({"lat": -6.1754, "lon": 106.8272, "accuracy_m": 10.0});
    let mut far = device.record(42);
    far["location"] = json!({"lat": -7.2575, "lon": 112.7521, "accuracy_m": 10.0});
    let far_id = far["id"].as_str().unwrap().to_string();
    let bytes = device.next_batch(&[near, far]);
    let (_, ack) = device.upload(ctx, bytes).await;
    assert_all_accepted(ack);
    let rows: Vec<(Option<String>, String)> = sqlx::query_as(
        "SELECT record_id, evidence FROM fraud_flags WHERE kind = 'location.outside_area'",
    )
    .fetch_all(ctx.db.pool())
    .await
    .unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].0.as_deref(), Some(far_id.as_str()));
    let evidence: serde_json::Value = serde_json::from_str(&rows[0].1).unwrap();
    // Bogor to Surabaya is about 660 km.
    let km = evidence["distance_km"].as_i64().unwrap();
    assert!((600..720).contains(&km), "{evidence}");
    assert_eq!(evidence["area_radius_km"], 10);
    assert!(!rows[0].1.contains("112.75") && !rows[0].1.contains("-7.25"));
}
