//! `admin check`: a database the server wrote is consistent, and each kind of damage a crash,
//! a bad restore or a hand edit could leave is found and named.

mod common;

use std::collections::BTreeSet;

use common::Ctx;
use perisai_server::service::check::check;

async fn codes(ctx: &Ctx) -> BTreeSet<&'static str> {
    let report = check(&ctx.db, &ctx.keys).await.unwrap();
    assert_eq!(report.ok, report.problem_count == 0);
    report.problems.iter().map(|p| p.code).collect()
}

async fn execute(ctx: &Ctx, sql: &str) {
    sqlx::query(sql).execute(ctx.db.pool()).await.unwrap();
}

async fn a_written_database_is_consistent_and_damage_is_named(ctx: &Ctx) {
    let mut a = ctx.device("KC01").await;
    let mut b = ctx.device("KC01").await;
    let mut n = 0;
    for device in [&mut a, &mut b] {
        for _ in 0..3 {
            let records: Vec<_> = (0..2)
                .map(|_| {
                    n += 1;
                    device.record(n)
                })
                .collect();
            let bytes = device.next_batch(&records);
            let (reply, _) = device.upload(ctx, bytes).await;
            assert_eq!(reply.status, axum::http::StatusCode::OK);
        }
    }
    let report = check(&ctx.db, &ctx.keys).await.unwrap();
    assert!(report.ok, "{report:?}");
    assert_eq!(
        (report.devices, report.batches, report.enrollments),
        (2, 6, 12)
    );
    assert_eq!(report.acks_under_earlier_keys, 0);

    // A lost batch in the middle of a chain (its records stay behind).
    let a_id = a.id.clone();
    execute(
        ctx,
        &format!("DELETE FROM batches WHERE device_id = '{a_id}' AND seq = 2"),
    )
    .await;
    let found = codes(ctx).await;
    for code in ["chain.gap", "chain.link", "record.no_batch"] {
        assert!(found.contains(code), "{code} not in {found:?}");
    }

    // A head that is not the last batch, and an acknowledgement gone or for another batch.
    let b_id = b.id.clone();
    execute(
        ctx,
        &format!("UPDATE devices SET head_hash = 'ff', last_seq = 5 WHERE id = '{b_id}'"),
    )
    .await;
    execute(
        ctx,
        &format!("UPDATE batches SET ack = '' WHERE device_id = '{b_id}' AND seq = 1"),
    )
    .await;
    execute(
        ctx,
        &format!(
            "UPDATE batches SET ack = (SELECT ack FROM batches WHERE device_id = '{b_id}' AND seq = 3)
             WHERE device_id = '{b_id}' AND seq = 2"
        ),
    )
    .await;
    let found = codes(ctx).await;
    for code in [
        "chain.head_hash",
        "chain.head_seq",
        "ack.missing",
        "ack.mismatch",
    ] {
        assert!(found.contains(code), "{code} not in {found:?}");
    }

    // A header swapped for another one (hash and signature no longer match the row).
    execute(
        ctx,
        &format!(
            "UPDATE batches SET header = (SELECT header FROM batches WHERE device_id = '{b_id}' AND seq = 1)
             WHERE device_id = '{b_id}' AND seq = 3"
        ),
    )
    .await;
    let found = codes(ctx).await;
    assert!(found.contains("chain.hash"), "{found:?}");
    assert!(found.contains("chain.header"), "{found:?}");
}

both_backends!(a_written_database_is_consistent_and_damage_is_named);
