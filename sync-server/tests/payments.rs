//! Payments end to end in process, on SQLite and PostgreSQL: the payment code an approval issues
//! reaches the agent's device; `import-payments` counts, reports errors per line and is
//! idempotent; a short payment is flagged; cash never confirmed within 7 days is flagged; monthly
//! statements are issued once, a late payment becomes an adjustment of the next month, and the
//! statements reach the device. Times are injected, never slept on.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use common::{Ctx, Device};
use perisai_core::incentive::SchemeBook;
use perisai_core::protocol::downsync::{
    request_message, HEADER_DEVICE, HEADER_NONCE, HEADER_SIGNATURE,
};
use perisai_core::protocol::labels::LABEL_DOWNSYNC;
use perisai_core::record::Program;
use perisai_core::signer::{self};
use perisai_core::sync::downsync::Extras;
use perisai_core::tariff::{quote, QuoteRequest, RuleBook, YearMonth};
use perisai_server::service;
use perisai_server::service::payments::{code, import, statements, time_zone, DAY_MS};
use serde_json::{json, Value};

/// A device of a new agent with `n` records uploaded; returns the records.
async fn device_with_records(ctx: &Ctx, branch: &str, first: u32, n: u32) -> (Device, Vec<Value>) {
    let mut device = ctx.device(branch).await;
    let records: Vec<Value> = (first..first + n).map(|i| device.record(i)).collect();
    let bytes = device.next_batch(&records);
    let (reply, _) = device.upload(ctx, bytes).await;
    assert_eq!(reply.status, StatusCode::OK);
    (device, records)
}

fn id_of(record: &Value) -> &str {
    record["id"].as_str().unwrap()
}

async fn approve(ctx: &Ctx, record: &Value) {
    service::review::decide_from_cli(&ctx.db, &ctx.keys, id_of(record), "approved", None, None)
        .await
        .unwrap();
}

async fn payment_code(ctx: &Ctx, record: &Value) -> Option<String> {
    sqlx::query_scalar("SELECT payment_code FROM payment_codes WHERE record_id = $1")
        .bind(id_of(record))
        .fetch_optional(ctx.db.pool())
        .await
        .unwrap()
}

/// A signed downsync with cash items; returns the opened payload as JSON.
async fn downsync_json(ctx: &Ctx, device: &mut Device, cash: &[Value]) -> Value {
    let mut body = json!({"cursor": device.cursor});
    if !cash.is_empty() {
        body["cash"] = json!(cash);
    }
    let body = body.to_string();
    let message = request_message("POST", "/v1/downsync", body.as_bytes(), &device.nonce);
    let signature = signer::sign_in_context(
        &device.signer,
        perisai_core::protocol::labels::LABEL_REQUEST,
        &message,
    )
    .unwrap();
    let request = Request::post("/v1/downsync")
        .header("content-type", "application/json")
        .header(HEADER_DEVICE, &device.id)
        .header(HEADER_NONCE, &device.nonce)
        .header(HEADER_SIGNATURE, B64.encode(signature))
        .body(Body::from(body))
        .unwrap();
    let reply = ctx.call(request).await;
    assert_eq!(
        reply.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&reply.body)
    );
    let payload: Value = reply
        .envelope()
        .open(LABEL_DOWNSYNC, &device.server_key)
        .unwrap();
    device.cursor = payload["cursor"].as_str().unwrap().to_string();
    device.nonce = payload["nonce"].as_str().unwrap().to_string();
    payload
}

/// A cash item naming a record id no database can hold as text (a NUL character) is not kept,
/// and the downsync answers as always.
async fn a_cash_item_with_a_nul_character_is_not_kept(ctx: &Ctx) {
    let mut device = ctx.device("KC01").await;
    let cash = json!({"id": "0190b7a4-0000-7000-8000-00000000c0de", "record_id": "rec\u{0}ord",
                      "amount": 50_000, "months": 1, "collected_at": "2026-01-05T08:00:00+07:00"});
    downsync_json(ctx, &mut device, &[cash]).await;
    assert_eq!(ctx.count("SELECT COUNT(*) FROM cash_records").await, 0);
}

/// The quote of one contribution month for the test records (PEDAGANG, Rp2.500.000, JKK+JKM).
fn month_quote(month: YearMonth) -> i64 {
    quote(
        &RuleBook::builtin(),
        &QuoteRequest {
            monthly_income: 2_500_000,
            programs: vec![Program::JKK, Program::JKM],
            months: 1,
            start: (month.year(), month.month()),
            occupation: Some("PEDAGANG".into()),
        },
    )
    .unwrap()
    .total_due
}

/// The current month in WIB and the record's enrollment month (the same: records are made today).
fn this_month() -> YearMonth {
    YearMonth::of((Utc::now() + Duration::hours(7)).date_naive())
}

fn rfc(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms).unwrap().to_rfc3339()
}

async fn import_csv(ctx: &Ctx, csv: &str, now_ms: i64) -> import::Report {
    import::import(
        &ctx.db,
        &ctx.keys,
        &RuleBook::builtin(),
        csv.as_bytes(),
        now_ms,
    )
    .await
    .unwrap()
}

async fn flags(ctx: &Ctx, kind: &str) -> Vec<(Option<String>, Value)> {
    let rows: Vec<(Option<String>, String)> =
        sqlx::query_as("SELECT record_id, evidence FROM fraud_flags WHERE kind = $1 ORDER BY id")
            .bind(kind)
            .fetch_all(ctx.db.pool())
            .await
            .unwrap();
    rows.into_iter()
        .map(|(r, e)| (r, serde_json::from_str(&e).unwrap()))
        .collect()
}

async fn an_approval_issues_a_code_that_reaches_the_agents_device(ctx: &Ctx) {
    let (mut device, records) = device_with_records(ctx, "KC01", 1, 2).await;
    approve(ctx, &records[0]).await;
    let first = payment_code(ctx, &records[0]).await.unwrap();
    assert!(code::is_valid(&first), "{first}");
    assert_eq!(payment_code(ctx, &records[1]).await, None, "not approved");

    let payload = downsync_json(ctx, &mut device, &[]).await;
    let extras: Extras = serde_json::from_value(payload.clone()).unwrap();
    assert_eq!(extras.payment_codes.len(), 1);
    assert_eq!(extras.payment_codes[0].record_id, id_of(&records[0]));
    assert_eq!(extras.payment_codes[0].payment_code, first);

    // A reversal keeps the code with its record; a re-approval gets the same code back, and
    // another record never gets it.
    service::review::decide_from_cli(
        &ctx.db,
        &ctx.keys,
        id_of(&records[0]),
        "rejected",
        Some("NIK ganda"),
        None,
    )
    .await
    .unwrap();
    approve(ctx, &records[1]).await;
    let second = payment_code(ctx, &records[1]).await.unwrap();
    assert_ne!(second, first);
    service::review::decide_from_cli(
        &ctx.db,
        &ctx.keys,
        id_of(&records[0]),
        "approved",
        Some("NIK sudah dicek"),
        None,
    )
    .await
    .unwrap();
    assert_eq!(payment_code(ctx, &records[0]).await.unwrap(), first);
    let payload = downsync_json(ctx, &mut device, &[]).await;
    let extras: Extras = serde_json::from_value(payload).unwrap();
    let codes: Vec<(&str, &str)> = extras
        .payment_codes
        .iter()
        .map(|c| (c.record_id.as_str(), c.payment_code.as_str()))
        .collect();
    assert_eq!(
        codes,
        [
            (id_of(&records[1]), second.as_str()),
            (id_of(&records[0]), first.as_str())
        ]
    );
    // The code is in neither the audit log nor the decisions.
    let audit: Vec<String> = sqlx::query_scalar("SELECT detail FROM audit_log")
        .fetch_all(ctx.db.pool())
        .await
        .unwrap();
    assert!(audit
        .iter()
        .all(|d| !d.contains(&first) && !d.contains(&second)));
    // Another agent's device does not receive the codes.
    let (mut other, _) = device_with_records(ctx, "KC01", 50, 1).await;
    let payload = downsync_json(ctx, &mut other, &[]).await;
    assert_eq!(payload["payment_codes"], json!([]));
}

async fn an_import_counts_reports_each_bad_line_and_changes_nothing_twice(ctx: &Ctx) {
    let (mut device, records) = device_with_records(ctx, "KC01", 1, 4).await;
    for record in &records[..3] {
        approve(ctx, record).await;
    }
    let month = this_month();
    let next = month.next();
    let code2 = payment_code(ctx, &records[2]).await.unwrap();
    let now = Utc::now().timestamp_millis();
    let paid = rfc(now - 3_600_000);
    let q = month_quote(month);
    let nik0 = records[0]["nik"].as_str().unwrap();
    let csv = format!(
        "payment_ref,nik,contribution_month,amount,paid_at\n\
         R-1,{nik0},{month},{q},{paid}\n\
         R-2,{nik0},{next},{},{paid}\n\
         R-3,{},{month},{},{paid}\n\
         R-4,{code2},{month},{},{paid}\n\
         R-5,3201010101901234x,{month},{q},{paid}\n\
         R-6,{},{month},{q},{paid}\n\
         R-7,{nik0},2026/05,{q},{paid}\n\
         R-8,{nik0},{month},16.800,{paid}\n\
         R-9,{nik0},{month},{q},kemarin\n\
         R-10,{},{month},{q},{paid}\n\
         R-1,{nik0},{month},1,{paid}\n\
         R-11,{nik0},{month}\n",
        month_quote(next),
        id_of(&records[1]),
        q,
        month_quote(month),
        common::nik(9_000),
        id_of(&records[3]),
    );
    let report = import_csv(ctx, &csv, now).await;
    let errors: Vec<(u64, &str)> = report.errors.iter().map(|e| (e.line, e.code)).collect();
    assert_eq!((report.imported, report.duplicates), (4, 0));
    assert_eq!(
        errors,
        [
            (6, "nik.format"),
            (7, "participant.unknown"),
            (8, "month.format"),
            (9, "amount.format"),
            (10, "paid_at.format"),
            (11, "participant.not_approved"),
            (12, "payment_ref.conflict"),
            (13, "line.columns"),
        ]
    );
    // Nothing personal in what the operator sees.
    let printed = serde_json::to_string(&report).unwrap();
    assert!(!printed.contains(nik0) && !printed.contains(&code2));

    let again = import_csv(ctx, &csv, now).await;
    assert_eq!((again.imported, again.duplicates), (0, 4));
    assert_eq!(again.errors, report.errors);
    assert_eq!(ctx.count("SELECT COUNT(*) FROM payments").await, 4);

    // A wrong header reads nothing.
    let bad = import_csv(ctx, "ref,nik,month,amount,paid_at\nR-99,x,y,z,w\n", now).await;
    assert!(bad.header_refused());
    assert_eq!(bad.errors.len(), 1);

    // The device learns how far each participant has paid.
    let payload = downsync_json(ctx, &mut device, &[]).await;
    let extras: Extras = serde_json::from_value(payload).unwrap();
    let mut paid: Vec<(String, String)> = extras
        .payments
        .iter()
        .map(|p| (p.record_id.clone(), p.paid_through.clone()))
        .collect();
    paid.sort();
    let mut expected = vec![
        (id_of(&records[0]).to_string(), next.to_string()),
        (id_of(&records[1]).to_string(), month.to_string()),
        (id_of(&records[2]).to_string(), month.to_string()),
    ];
    expected.sort();
    assert_eq!(paid, expected);
    let payload = downsync_json(ctx, &mut device, &[]).await;
    assert_eq!(payload["payments"], json!([]), "delivered once");
}

async fn a_short_payment_is_accepted_as_paid_and_flagged(ctx: &Ctx) {
    let (_, records) = device_with_records(ctx, "KC01", 1, 2).await;
    approve(ctx, &records[0]).await;
    approve(ctx, &records[1]).await;
    let month = this_month();
    let q = month_quote(month);
    let now = Utc::now().timestamp_millis();
    let paid = rfc(now);
    let csv = format!(
        "payment_ref,nik,contribution_month,amount,paid_at\n\
         S-1,{},{month},{},{paid}\n\
         S-2,{},{month},{q},{paid}\n",
        id_of(&records[0]),
        q - 5_000,
        id_of(&records[1]),
    );
    let report = import_csv(ctx, &csv, now).await;
    assert_eq!((report.imported, report.errors.len()), (2, 0));
    let short = flags(ctx, "payment.short").await;
    assert_eq!(short.len(), 1, "only the short one");
    let (record, evidence) = &short[0];
    assert_eq!(record.as_deref(), Some(id_of(&records[0])));
    assert_eq!(evidence["quoted"], json!(q));
    assert_eq!(evidence["amount"], json!(q - 5_000));
    assert_eq!(evidence["short_by"], json!(5_000));
    let flagged: i64 = ctx
        .count("SELECT COUNT(*) FROM payments WHERE short = 1")
        .await;
    assert_eq!(flagged, 1);
}

async fn cash_never_confirmed_within_seven_days_is_flagged(ctx: &Ctx) {
    let (mut device, records) = device_with_records(ctx, "KC01", 1, 3).await;
    for record in &records {
        approve(ctx, record).await;
    }
    let (_, foreign) = device_with_records(ctx, "KC01", 60, 1).await;
    let month = this_month();
    let q = month_quote(month);
    let collected_ms = Utc::now().timestamp_millis() - 3_600_000;
    let cash = |n: u32, record: &Value| {
        json!({"id": format!("0190a3c4-5b6d-7e8f-9a0b-1c2d3e4f5a{n:02}"), "record_id": id_of(record),
               "amount": q, "months": 1, "collected_at": rfc(collected_ms)})
    };
    let items = vec![
        cash(1, &records[0]),
        cash(2, &records[1]),
        cash(3, &records[2]),
        cash(4, &foreign[0]),
    ];
    downsync_json(ctx, &mut device, &items).await;
    // Sent again after a lost answer: stored once. Another agent's record: not stored.
    downsync_json(ctx, &mut device, &items).await;
    assert_eq!(ctx.count("SELECT COUNT(*) FROM cash_records").await, 3);

    // The channel confirms record 0 in full and record 1 short of what the agent collected;
    // record 2 never.
    let csv = format!(
        "payment_ref,nik,contribution_month,amount,paid_at\n\
         C-1,{},{month},{q},{}\n\
         C-2,{},{month},{},{}\n",
        id_of(&records[0]),
        rfc(collected_ms + 2 * DAY_MS),
        id_of(&records[1]),
        q - 1_000,
        rfc(collected_ms + 2 * DAY_MS),
    );
    let three_days_later = collected_ms + 3 * DAY_MS;
    import_csv(ctx, &csv, three_days_later).await;
    assert!(
        flags(ctx, "cash.unconfirmed").await.is_empty(),
        "within 7 days"
    );
    let header_only = "payment_ref,nik,contribution_month,amount,paid_at\n";
    import_csv(ctx, header_only, collected_ms + 8 * DAY_MS).await;
    let flagged = flags(ctx, "cash.unconfirmed").await;
    let mut flagged_records: Vec<&str> = flagged.iter().filter_map(|f| f.0.as_deref()).collect();
    flagged_records.sort();
    let mut expected = vec![id_of(&records[1]), id_of(&records[2])];
    expected.sort();
    assert_eq!(flagged_records, expected);
    let evidence = &flagged
        .iter()
        .find(|f| f.0.as_deref() == Some(id_of(&records[1])))
        .unwrap()
        .1;
    assert_eq!(evidence["amount"], json!(q));
    assert_eq!(evidence["confirmed_amount"], json!(q - 1_000));
    // Checked again: still one flag each.
    import_csv(ctx, header_only, collected_ms + 9 * DAY_MS).await;
    assert_eq!(flags(ctx, "cash.unconfirmed").await.len(), 2);
}

/// The first instant of a month in WIB, plus an hour.
fn early_in(month: YearMonth) -> i64 {
    time_zone::month_start_ms(month, time_zone::offset(time_zone::WIB_MINUTES)).unwrap() + 3_600_000
}

async fn statements_are_issued_once_and_a_late_payment_adjusts_the_next(ctx: &Ctx) {
    let (mut device, records) = device_with_records(ctx, "KC01", 1, 2).await;
    approve(ctx, &records[0]).await;
    approve(ctx, &records[1]).await;
    let month = this_month();
    let next = month.next();
    let q = month_quote(month);
    let now = Utc::now().timestamp_millis();
    let csv = format!(
        "payment_ref,nik,contribution_month,amount,paid_at\nP-1,{},{month},{q},{}\n",
        id_of(&records[0]),
        rfc(now)
    );
    import_csv(ctx, &csv, now).await;

    // The running month cannot be issued yet.
    assert!(
        statements::issue(&ctx.db, &ctx.keys, &month.to_string(), now)
            .await
            .is_err()
    );
    let issued = statements::issue(&ctx.db, &ctx.keys, &month.to_string(), early_in(next))
        .await
        .unwrap();
    assert_eq!(issued.branches[0].status, "issued");
    let agent_total = q * 15 / 100; // contribution month 1: 15%
    let stored: (i64, i64) = sqlx::query_as(
        "SELECT contribution, total FROM statements WHERE holder_kind = 'agent' AND holder_id = $1",
    )
    .bind(&device.agent_id)
    .fetch_one(ctx.db.pool())
    .await
    .unwrap();
    assert_eq!(stored, (agent_total, agent_total));
    let wadah_total: i64 = ctx
        .count("SELECT total FROM statements WHERE holder_kind = 'wadah' AND total > 0")
        .await;
    assert_eq!(wadah_total, (agent_total as f64 / 10.0).round() as i64);

    let before = ctx.count("SELECT COUNT(*) FROM statement_lines").await;
    let again = statements::issue(&ctx.db, &ctx.keys, &month.to_string(), early_in(next))
        .await
        .unwrap();
    assert_eq!(again.branches[0].status, "already_issued");
    assert_eq!(
        ctx.count("SELECT COUNT(*) FROM statement_lines").await,
        before
    );

    // A payment confirmed within the issued month but imported after issuing.
    let late = q * 2;
    let csv = format!(
        "payment_ref,nik,contribution_month,amount,paid_at\nP-2,{},{month},{late},{}\n",
        id_of(&records[1]),
        rfc(now)
    );
    import_csv(ctx, &csv, early_in(next)).await;
    // A month after a gap is refused; the next one is issued with the adjustment.
    assert!(statements::issue(
        &ctx.db,
        &ctx.keys,
        &next.next().to_string(),
        early_in(next.next().next())
    )
    .await
    .is_err());
    statements::issue(&ctx.db, &ctx.keys, &next.to_string(), early_in(next.next()))
        .await
        .unwrap();
    let body: String = sqlx::query_scalar(
        "SELECT body FROM statements WHERE holder_kind = 'agent' AND holder_id = $1 AND month = $2",
    )
    .bind(&device.agent_id)
    .bind(next.to_string())
    .fetch_one(ctx.db.pool())
    .await
    .unwrap();
    let statement: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(statement["status"], "confirmed");
    assert_eq!(statement["adjustments"], json!(late * 15 / 100));
    let lines = statement["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["kind"], "adjustment");
    assert_eq!(lines[0]["record_id"], id_of(&records[1]));
    // The first month's statement did not change.
    let first: (i64,) = sqlx::query_as(
        "SELECT total FROM statements WHERE holder_kind = 'agent' AND holder_id = $1 AND month = $2",
    )
    .bind(&device.agent_id)
    .bind(month.to_string())
    .fetch_one(ctx.db.pool())
    .await
    .unwrap();
    assert_eq!(first.0, agent_total);

    // The device gets both issued statements once, and a provisional one every time.
    let payload = downsync_json(ctx, &mut device, &[]).await;
    let got = payload["statements"].as_array().unwrap();
    let shape: Vec<(&str, &str)> = got
        .iter()
        .map(|s| (s["month"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        shape,
        [
            (month.to_string().as_str(), "confirmed"),
            (next.to_string().as_str(), "confirmed"),
            (month.to_string().as_str(), "provisional"),
        ]
    );
    assert!(got[2]["as_of"].as_str().is_some());
    let payload = downsync_json(ctx, &mut device, &[]).await;
    let got = payload["statements"].as_array().unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["status"], "provisional");
}

async fn acquisitions_pay_from_the_threshold_and_a_reversal_comes_back_negative(ctx: &Ctx) {
    let scheme = SchemeBook::builtin()
        .in_force(this_month())
        .cloned()
        .unwrap();
    let needed = scheme.acquisition.min_qualifying;
    let per_head = scheme.acquisition.without_jht_rupiah;
    let (device, records) = device_with_records(ctx, "KC01", 1, needed).await;
    for record in &records {
        approve(ctx, record).await;
    }
    let month = this_month();
    let next = month.next();
    let q = month_quote(month);
    let now = Utc::now().timestamp_millis();
    let mut csv = String::from("payment_ref,nik,contribution_month,amount,paid_at\n");
    for (i, record) in records.iter().enumerate() {
        csv.push_str(&format!(
            "A-{i},{},{month},{q},{}\n",
            id_of(record),
            rfc(now)
        ));
    }
    assert_eq!(import_csv(ctx, &csv, now).await.imported, u64::from(needed));
    statements::issue(&ctx.db, &ctx.keys, &month.to_string(), early_in(next))
        .await
        .unwrap();
    let agent = |m: YearMonth| {
        let agent_id = device.agent_id.clone();
        async move {
            let body: String = sqlx::query_scalar(
                "SELECT body FROM statements WHERE holder_kind = 'agent' AND holder_id = $1 AND month = $2",
            )
            .bind(agent_id)
            .bind(m.to_string())
            .fetch_one(ctx.db.pool())
            .await
            .unwrap();
            serde_json::from_str::<Value>(&body).unwrap()
        }
    };
    let first = agent(month).await;
    assert_eq!(first["acquisition"], json!(i64::from(needed) * per_head));
    let share = q * 15 / 100;
    assert_eq!(first["contribution"], json!(i64::from(needed) * share));

    // The supervisor reverses one approval after the month was issued: that participant's
    // acquisition and contribution come back, and the agent falls below the threshold, so every
    // other acquisition of the month comes back too.
    service::review::decide_from_cli(
        &ctx.db,
        &ctx.keys,
        id_of(&records[0]),
        "rejected",
        Some("NIK ganda"),
        None,
    )
    .await
    .unwrap();
    statements::issue(&ctx.db, &ctx.keys, &next.to_string(), early_in(next.next()))
        .await
        .unwrap();
    let second = agent(next).await;
    assert_eq!(
        second["adjustments"],
        json!(-(i64::from(needed) * per_head + share))
    );
    let reversed: Vec<&Value> = second["lines"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["record_id"] == id_of(&records[0]))
        .collect();
    assert_eq!(reversed.len(), 1);
    assert_eq!(reversed[0]["amount"], json!(-(per_head + share)));
    // The issued month itself is untouched.
    assert_eq!(agent(month).await, first);
}

both_backends!(
    an_approval_issues_a_code_that_reaches_the_agents_device,
    an_import_counts_reports_each_bad_line_and_changes_nothing_twice,
    a_short_payment_is_accepted_as_paid_and_flagged,
    cash_never_confirmed_within_seven_days_is_flagged,
    a_cash_item_with_a_nul_character_is_not_kept,
    statements_are_issued_once_and_a_late_payment_adjusts_the_next,
    acquisitions_pay_from_the_threshold_and_a_reversal_comes_back_negative,
);

/// The real binary: the printed report is exactly `{"imported","duplicates","errors"}`, a wrong
/// header exits 1, and `issue-statements` prints what it did and refuses a month not ended.
#[test]
fn the_operator_commands_print_their_contract() {
    use std::process::Command;
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_perisai-server"))
            .arg("--database-url")
            .arg(format!("sqlite:{}", dir.path().join("data/p.db").display()))
            .env_remove("PERISAI_DATABASE_URL")
            .env_remove("PERISAI_KEY_DIR")
            .env("RUST_LOG", "warn")
            .args(args)
            .output()
            .unwrap()
    };
    assert!(
        run(&["admin", "create-branch", "--code", "KC01", "--name", "Satu"])
            .status
            .success()
    );
    let file = dir.path().join("bayar.csv");
    let nik = common::nik(7);
    std::fs::write(
        &file,
        format!(
            "payment_ref,nik,contribution_month,amount,paid_at\n\
             X-1,{nik},2026-05,16800,2026-05-10\n\
             X-2,{nik},2026-5,16800,2026-05-10\n"
        ),
    )
    .unwrap();
    let output = run(&["admin", "import-payments", "--file", file.to_str().unwrap()]);
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let printed: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(
        printed,
        json!({"imported": 0, "duplicates": 0, "errors": [
            {"line": 2, "code": "participant.unknown"},
            {"line": 3, "code": "month.format"}
        ]})
    );
    assert!(!stdout.contains(&nik) && !String::from_utf8_lossy(&output.stderr).contains(&nik));

    std::fs::write(&file, "ref;nik\n").unwrap();
    let output = run(&["admin", "import-payments", "--file", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("payment_ref,nik"));

    let last_month = YearMonth::of((Utc::now() - Duration::days(40)).date_naive());
    let output = run(&[
        "admin",
        "issue-statements",
        "--month",
        &last_month.to_string(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(printed["month"], json!(last_month.to_string()));
    assert_eq!(printed["branches"][0]["status"], "issued");
    let again = run(&[
        "admin",
        "issue-statements",
        "--month",
        &last_month.to_string(),
    ]);
    let printed: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(printed["branches"][0]["status"], "already_issued");
    let running = this_month().to_string();
    let output = run(&["admin", "issue-statements", "--month", &running]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("has not ended yet"));
}
