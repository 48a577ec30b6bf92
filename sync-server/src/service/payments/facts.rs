//! Gathering the plain facts the incentive engine (`perisai_domain::incentive`) computes from, out
//! of the server's tables:
//!
//! - a participant is a record that was approved at least once (it has a payment code); it is
//!   `approved` while its status is; its NIK is *new to BPU* unless its record went to the
//!   duplicate queue (the NIK was already claimed when it arrived); it is the *first for its NIK*
//!   when no other record with the same NIK got its payment code earlier;
//! - payments are the imported confirmations, dated in the branch's time zone.
//!
//! The package (JHT or not) is in the sealed content: it is opened here, never logged.

use std::collections::HashMap;

use chrono::FixedOffset;
use perisai_domain::incentive::{Facts, Participant, Payment};
use perisai_domain::record::{Enrollment, Program};
use perisai_domain::seal::Purpose;
use perisai_domain::tariff::YearMonth;
use sqlx::AnyConnection;

use crate::db::col;
use crate::keys::ServerKeys;
use crate::service::Result;

/// The facts of a branch, or of one agent of it.
pub async fn gather(
    conn: &mut AnyConnection,
    keys: &ServerKeys,
    branch: &str,
    agent_id: Option<&str>,
    offset: FixedOffset,
) -> Result<Facts> {
    let agent = agent_id.unwrap_or("");
    let rows = sqlx::query(
        "SELECT e.id, e.agent_id, a.wadah_id, e.status, e.content,
                CASE WHEN EXISTS (SELECT 1 FROM duplicate_queue d
                                  WHERE d.branch = e.branch AND d.record_id = e.id)
                     THEN 1 ELSE 0 END AS duplicate,
                CASE WHEN p.nik_hmac IS NOT NULL AND EXISTS (
                         SELECT 1 FROM payment_codes p2
                         WHERE p2.nik_hmac = p.nik_hmac
                           AND (p2.issued_ms < p.issued_ms
                                OR (p2.issued_ms = p.issued_ms AND p2.record_id < p.record_id)))
                     THEN 1 ELSE 0 END AS later_for_nik
         FROM payment_codes p
         JOIN enrollments e ON e.branch = p.branch AND e.id = p.record_id
         JOIN agents a ON a.id = e.agent_id
         WHERE p.branch = $1 AND ($2 = '' OR p.agent_id = $2)
         ORDER BY e.id",
    )
    .bind(branch)
    .bind(agent)
    .fetch_all(&mut *conn)
    .await?;
    let mut facts = Facts::default();
    for row in &rows {
        let record_id: String = col(row, "id")?;
        let sealed: Vec<u8> = col(row, "content")?;
        let plain = keys.open(Purpose::Record, &format!("{branch}/{record_id}"), &sealed)?;
        let with_jht = serde_json::from_slice::<serde_json::Value>(&plain)
            .ok()
            .and_then(|content| content.get("normalized").cloned())
            .and_then(|n| serde_json::from_value::<Enrollment>(n).ok())
            .is_some_and(|e| e.programs.contains(&Program::JHT));
        let status: String = col(row, "status")?;
        facts.participants.push(Participant {
            agent_id: col(row, "agent_id")?,
            wadah_id: col(row, "wadah_id")?,
            with_jht,
            nik_new_to_bpu: col::<i64>(row, "duplicate")? == 0,
            approved: status == "approved",
            first_for_nik: col::<i64>(row, "later_for_nik")? == 0,
            record_id,
        });
    }
    let rows = sqlx::query(
        "SELECT payment_ref, record_id, contribution_month, amount, paid_ms FROM payments
         WHERE branch = $1 AND ($2 = '' OR agent_id = $2) ORDER BY id",
    )
    .bind(branch)
    .bind(agent)
    .fetch_all(&mut *conn)
    .await?;
    for row in &rows {
        let month: String = col(row, "contribution_month")?;
        let paid_ms: i64 = col(row, "paid_ms")?;
        let (Some(contribution_month), Some(at)) = (
            YearMonth::parse(&month),
            chrono::DateTime::from_timestamp_millis(paid_ms),
        ) else {
            continue;
        };
        facts.payments.push(Payment {
            payment_ref: col(row, "payment_ref")?,
            record_id: col(row, "record_id")?,
            contribution_month,
            amount: col(row, "amount")?,
            confirmed_on: at.with_timezone(&offset).date_naive(),
        });
    }
    Ok(facts)
}

/// The agents of a branch with their Wadah.
pub async fn agents_of(conn: &mut AnyConnection, branch: &str) -> Result<Vec<(String, String)>> {
    let rows = sqlx::query("SELECT id, wadah_id FROM agents WHERE branch = $1 ORDER BY id")
        .bind(branch)
        .fetch_all(conn)
        .await?;
    let mut agents = Vec::with_capacity(rows.len());
    for row in &rows {
        agents.push((col(row, "id")?, col(row, "wadah_id")?));
    }
    Ok(agents)
}

/// Agents grouped by Wadah, in a stable order.
pub fn by_wadah(agents: &[(String, String)]) -> Vec<(String, Vec<String>)> {
    let mut groups: HashMap<&str, Vec<String>> = HashMap::new();
    for (agent, wadah) in agents {
        groups.entry(wadah).or_default().push(agent.clone());
    }
    let mut groups: Vec<(String, Vec<String>)> = groups
        .into_iter()
        .map(|(w, a)| (w.to_string(), a))
        .collect();
    groups.sort();
    groups
}
