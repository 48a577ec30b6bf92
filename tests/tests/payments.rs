//! Payments end to end, with real processes: the `perisai-server` binary (SQLite and PostgreSQL)
//! and the `perisai` desktop shell as the agent's device. An agent enrolls a participant and
//! syncs; the supervisor approves (`admin decide`): the payment code reaches the device's
//! participant card; the agent records cash taken; the payment channel's confirmation is
//! imported (`admin import-payments`, twice: the second changes nothing): the card's next due
//! month moves on; the operator issues the month's statements and the agent's statement, with the
//! commission on the contribution, reaches the phone at its next sync. The server's
//! log holds neither the NIK nor the payment code.

use perisai_core::record::Program;
use perisai_core::tariff::{quote, QuoteRequest, RuleBook, YearMonth};
use perisai_e2e::cli_device::CliDevice;
use perisai_e2e::server::{Backend, Deployment};
use perisai_sim::people::{form, ENROLLED_ON};
use serde_json::{json, Value};

/// What one month of `form` costs, by the core tariff (the quote the branch checks against).
fn month_quote(form: &Value, month: YearMonth) -> i64 {
    let programs = form["programs"]
        .as_array()
        .expect("programs")
        .iter()
        .map(|p| match p.as_str() {
            Some("JHT") => Program::JHT,
            Some("JKM") => Program::JKM,
            _ => Program::JKK,
        })
        .collect();
    quote(
        &RuleBook::builtin(),
        &QuoteRequest {
            monthly_income: form["monthly_income"].as_i64().expect("income"),
            programs,
            months: 1,
            start: (month.year(), month.month()),
            occupation: form["occupation"].as_str().map(String::from),
        },
    )
    .expect("a quote")
    .total_due
}

/// The device's card of `record_id`.
async fn card(device: &CliDevice, record_id: &str) -> Value {
    let cards = device
        .run(&["participants"], None)
        .await
        .expect("perisai participants runs")
        .success()
        .expect("perisai participants");
    cards
        .as_array()
        .expect("an array")
        .iter()
        .find(|c| c["record_id"] == record_id)
        .cloned()
        .unwrap_or(Value::Null)
}

async fn sync(device: &CliDevice, url: &str) {
    device
        .sync(url)
        .await
        .expect("perisai sync runs")
        .success()
        .expect("perisai sync");
}

async fn an_approved_and_paid_participant_shows_on_the_agents_phone(backend: Backend) {
    let deployment = Deployment::new(backend).await.expect("a fresh deployment");
    let dir = deployment.scratch_dir().join("device");
    let device = tokio::task::spawn_blocking(move || CliDevice::new(dir))
        .await
        .expect("building perisai")
        .expect("a device");
    // Nothing here writes concurrently, so rows need no settling time before downsync (on
    // PostgreSQL the default waits 40 s for transactions that might still commit a lower id).
    let server = deployment
        .start_server(&["--downsync-settle-secs", "0"])
        .await
        .expect("the server starts");
    let url = server.url();
    let agent = deployment.new_agent("KC07").await.expect("an agent");
    let code = deployment
        .issue_code(&agent.agent_id)
        .await
        .expect("a code");
    device
        .activate(&url, &code, Some(server.fingerprint()))
        .await
        .expect("perisai activate runs")
        .success()
        .expect("activation");

    let form = form(70, 0);
    let enrolled = device.enroll(&form).await.expect("perisai enroll");
    let record_id = enrolled["id"].as_str().expect("an id").to_string();
    sync(&device, &url).await;
    assert!(card(&device, &record_id).await["payment_code"].is_null());

    deployment
        .admin(&["decide", "--record", &record_id, "--decision", "approved"])
        .await
        .expect("admin decide");
    sync(&device, &url).await;
    let approved = card(&device, &record_id).await;
    let payment_code = approved["payment_code"].as_str().unwrap_or("").to_string();
    assert_eq!(payment_code.len(), 12, "{approved}");
    assert!(payment_code.bytes().all(|b| b.is_ascii_digit()));

    // The agent takes the first month in cash; it goes up with the next sync.
    let first = YearMonth::parse(&ENROLLED_ON[..7]).expect("a month");
    let amount = month_quote(&form, first);
    device
        .run(
            &[
                "cash",
                &record_id,
                "--amount",
                &amount.to_string(),
                "--months",
                "1",
            ],
            None,
        )
        .await
        .expect("perisai cash runs")
        .success()
        .expect("perisai cash");
    sync(&device, &url).await;

    // The channel confirms it, by payment code; importing the file again changes nothing.
    let file = deployment.scratch_dir().join("payments.csv");
    // Paid in the enrollment's month (branch time), so that month's statement can be issued now.
    let paid_at = format!("{}-28 10:00", &ENROLLED_ON[..7]);
    std::fs::write(
        &file,
        format!(
            "payment_ref,nik,contribution_month,amount,paid_at\nBANK-1,{payment_code},{first},{amount},{paid_at}\n"
        ),
    )
    .expect("the CSV is written");
    let path = file.to_str().expect("a UTF-8 path");
    let printed = deployment
        .admin_output(&["import-payments", "--file", path])
        .await
        .expect("admin import-payments");
    let report: Value = serde_json::from_str(printed.trim()).expect("a JSON report");
    assert_eq!(
        report,
        json!({"imported": 1, "duplicates": 0, "errors": []})
    );
    let printed = deployment
        .admin_output(&["import-payments", "--file", path])
        .await
        .expect("admin import-payments again");
    let report: Value = serde_json::from_str(printed.trim()).expect("a JSON report");
    assert_eq!(
        report,
        json!({"imported": 0, "duplicates": 1, "errors": []})
    );

    sync(&device, &url).await;
    let paid = card(&device, &record_id).await;
    assert_eq!(paid["next_due_month"], first.next().to_string(), "{paid}");
    let commission = device
        .run(&["commission"], None)
        .await
        .expect("perisai commission runs")
        .success()
        .expect("perisai commission");
    assert_eq!(commission["status"], "provisional", "{commission}");

    // The month ends; the operator issues its statements; the device receives the agent's own.
    let printed = deployment
        .admin_output(&["issue-statements", "--month", &first.to_string()])
        .await
        .expect("admin issue-statements");
    assert!(printed.contains(&first.to_string()), "{printed}");
    sync(&device, &url).await;
    let statement = device
        .run(&["commission", "--month", &first.to_string()], None)
        .await
        .expect("perisai commission --month runs")
        .success()
        .expect("perisai commission --month");
    assert_eq!(statement["status"], "confirmed", "{statement}");
    assert_eq!(statement["month"], first.to_string(), "{statement}");
    // Contribution month 1 earns 15% of what was paid, rounded half-up.
    assert_eq!(
        statement["contribution"],
        json!((amount * 15 + 50) / 100),
        "{statement}"
    );
    // The server's log names neither the participant nor the payment code.
    let log = server.log();
    let nik = form["nik"].as_str().expect("a NIK");
    assert!(!log.is_empty());
    assert!(!log.contains(nik) && !log.contains(&payment_code));
}

perisai_e2e::on_both_backends!(within 240;
    an_approved_and_paid_participant_shows_on_the_agents_phone,
);
