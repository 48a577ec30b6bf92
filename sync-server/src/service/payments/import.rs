//! `admin import-payments --file F` (ARCHITECTURE.md §7, DOMAIN.md §8): payment confirmations from the
//! payment channel or the core system, one CSV row per contribution month, with the header
//! `payment_ref,nik,contribution_month,amount,paid_at`.
//!
//! Who imports decides what the lines may reach ([`Importer`]): the operator CLI ([`import`],
//! [`import_file`]) reaches every branch; the supervisors' web app ([`import_as`]) passes the
//! account's branches, and a line naming a participant of any other branch is refused as
//! `participant.unknown`, exactly as if the participant did not exist.
//!
//! The answer is `{"imported": n, "duplicates": n, "errors": [{"line": n, "code": "..."}]}`:
//! line numbers and stable codes only, never a NIK or an amount. One bad line never blocks the
//! others. The CLI prints it and exits 0 when the file could be read (line errors included), 1
//! when the header is refused or the file cannot be read. The channel's `payment_ref` is unique in `payments`, so importing a file again
//! imports nothing (every line is a duplicate); a reference seen before with other content is an
//! error (`payment_ref.conflict`), never an overwrite.
//!
//! An amount short of the quote (core tariff for that contribution month with the record's
//! income, programs and occupation) is accepted as paid and raises a `payment.short` fraud flag
//! with its evidence. After the lines, cash records are reconciled (`cash::reconcile`).
//!
//! Transactions: lines are written in chunks of [`CHUNK`], one write transaction each, not the
//! whole file in one. A line's checks all run before its only writes (one `INSERT … ON CONFLICT
//! DO NOTHING` for the payment, one for a flag), so no line can fail halfway and per-line
//! savepoints buy nothing; a database fault stops the import with an error, and because every
//! write is keyed by the payment reference, running the file again finishes the job (the lines
//! already in count as duplicates). Chunks keep SQLite's single write lock short, so devices
//! keep syncing while a large file is imported.
//!
//! | code | the line |
//! |---|---|
//! | `header.invalid` | (line 1) the header is not the five columns, in order: nothing is read |
//! | `line.columns` | has not exactly five fields |
//! | `line.encoding` | is not UTF-8 or not CSV |
//! | `payment_ref.format` | reference empty, longer than 100 characters or with control characters |
//! | `nik.format` | the `nik` column is neither a valid NIK, a record id, nor a payment code |
//! | `participant.unknown` | no stored record has that NIK, id or code |
//! | `participant.ambiguous` | a record id held by several branches |
//! | `participant.not_approved` | the record is not approved (a new payment is refused) |
//! | `month.format` | `contribution_month` is not `YYYY-MM` |
//! | `month.out_of_range` | before the enrollment's month, or more than 12 months after payment |
//! | `amount.format` | `amount` is not a whole number of rupiah from 1 to 1,000,000,000 |
//! | `paid_at.format` | `paid_at` is not RFC 3339, `YYYY-MM-DD HH:MM[:SS]` or `YYYY-MM-DD` (branch time) |
//! | `paid_at.future` | `paid_at` is more than a day after the import |
//! | `payment_ref.conflict` | the reference was imported before with other content |

use std::collections::HashMap;
use std::io::Read;

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone};
use perisai_domain::tariff::{RuleBook, YearMonth};
use serde::Serialize;
use sqlx::AnyConnection;

use super::participant::{self, Key, NotFound, Participant};
use super::{cash, flag_kind, time_zone, DAY_MS};
use crate::db::flags::{self, Flag};
use crate::db::{audit, Db};
use crate::keys::ServerKeys;
use crate::service::{Result, ServiceError, CLI_ACTOR};

/// The header, exactly.
pub const HEADER: [&str; 5] = [
    "payment_ref",
    "nik",
    "contribution_month",
    "amount",
    "paid_at",
];
/// Lines per write transaction.
pub const CHUNK: usize = 500;
/// The largest amount one row may carry (far above any monthly contribution).
const MAX_AMOUNT: i64 = 1_000_000_000;

/// One refused line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LineError {
    pub line: u64,
    pub code: &'static str,
}

/// What an import did, as printed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Report {
    pub imported: u64,
    pub duplicates: u64,
    pub errors: Vec<LineError>,
}

impl Report {
    /// Whether the file could not be read at all (its header is wrong).
    pub fn header_refused(&self) -> bool {
        self.errors
            .first()
            .is_some_and(|e| e.code == "header.invalid")
    }
}

/// A line read and checked on its own (before any lookup).
struct Line {
    number: u64,
    payment_ref: String,
    key: Key,
    month: YearMonth,
    amount: i64,
    paid_at: PaidAt,
}

/// `paid_at` as written: an instant, or a local time of the branch (known after the lookup).
#[derive(Clone, Copy)]
enum PaidAt {
    Instant(i64),
    Local(NaiveDateTime),
}

/// Who runs an import, and which branches its lines may touch.
#[derive(Clone, Copy, Debug)]
pub struct Importer<'a> {
    /// The audit log's actor.
    pub actor: &'a str,
    /// The branch the audit entry is filed under (`None`: national).
    pub branch: Option<&'a str>,
    /// The branches the lines may touch; `None`: every branch. A participant elsewhere is
    /// refused as `participant.unknown`, and only these branches' cash records are reconciled.
    pub reach: Option<&'a [String]>,
}

impl Importer<'static> {
    /// The operator CLI: every branch.
    pub const CLI: Importer<'static> = Importer {
        actor: CLI_ACTOR,
        branch: None,
        reach: None,
    };
}

/// Imports payment confirmations from `input` for the operator CLI (every branch). `now_ms` is
/// the import's time (the clock is passed in so tests can place an import days after the cash it
/// reconciles).
pub async fn import(
    db: &Db,
    keys: &ServerKeys,
    book: &RuleBook,
    input: impl Read,
    now_ms: i64,
) -> Result<Report> {
    import_as(db, keys, book, input, now_ms, Importer::CLI).await
}

/// [`import`] on behalf of `by`, reaching only its branches.
pub async fn import_as(
    db: &Db,
    keys: &ServerKeys,
    book: &RuleBook,
    input: impl Read,
    now_ms: i64,
    by: Importer<'_>,
) -> Result<Report> {
    let mut report = Report::default();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(input);
    let mut records = reader.byte_records();
    let header_ok = match records.next() {
        Some(Ok(header)) => {
            let names: Vec<String> = header
                .iter()
                .map(|f| {
                    String::from_utf8_lossy(f)
                        .trim_start_matches('\u{feff}')
                        .trim()
                        .to_ascii_lowercase()
                })
                .collect();
            names == HEADER
        }
        _ => false,
    };
    if !header_ok {
        report.errors.push(LineError {
            line: 1,
            code: "header.invalid",
        });
        return Ok(report);
    }

    let mut chunk: Vec<Line> = Vec::with_capacity(CHUNK);
    let mut next_line = 2u64;
    let mut cache: HashMap<Key, std::result::Result<Participant, NotFound>> = HashMap::new();
    for record in records {
        match record {
            Ok(record) => {
                let number = record.position().map(|p| p.line()).unwrap_or(next_line);
                next_line = number + 1;
                match parse_line(number, &record, now_ms) {
                    Ok(line) => chunk.push(line),
                    Err(code) => report.errors.push(LineError { line: number, code }),
                }
            }
            Err(e) => {
                let number = e.position().map(|p| p.line()).unwrap_or(next_line);
                next_line = number + 1;
                report.errors.push(LineError {
                    line: number,
                    code: "line.encoding",
                });
            }
        }
        if chunk.len() == CHUNK {
            write_chunk(
                db,
                keys,
                book,
                by.reach,
                &mut chunk,
                &mut cache,
                now_ms,
                &mut report,
            )
            .await?;
        }
    }
    write_chunk(
        db,
        keys,
        book,
        by.reach,
        &mut chunk,
        &mut cache,
        now_ms,
        &mut report,
    )
    .await?;
    report.errors.sort_by_key(|e| e.line);

    let mut tx = db.begin_write().await?;
    match by.reach {
        None => {
            cash::reconcile(&mut tx, None, now_ms).await?;
        }
        Some(branches) => {
            for (branch, agent) in open_cash_agents(&mut tx, branches).await? {
                cash::reconcile(&mut tx, Some((&branch, &agent)), now_ms).await?;
            }
        }
    }
    audit::record(
        &mut tx,
        by.actor,
        "payments.import",
        by.branch,
        None,
        &serde_json::json!({
            "imported": report.imported,
            "duplicates": report.duplicates,
            "errors": report.errors.len(),
        }),
    )
    .await?;
    tx.commit().await?;
    Ok(report)
}

/// The (branch, agent) pairs with open cash records in `branches`.
async fn open_cash_agents(
    conn: &mut AnyConnection,
    branches: &[String],
) -> Result<Vec<(String, String)>> {
    if branches.is_empty() {
        return Ok(Vec::new());
    }
    let places: Vec<String> = (1..=branches.len()).map(|n| format!("${n}")).collect();
    let sql = format!(
        "SELECT DISTINCT branch, agent_id FROM cash_records
         WHERE outcome IS NULL AND branch IN ({}) ORDER BY branch, agent_id",
        places.join(", ")
    );
    let mut query = sqlx::query_as::<_, (String, String)>(&sql);
    for branch in branches {
        query = query.bind(branch);
    }
    Ok(query.fetch_all(conn).await?)
}

/// Checks the fields of one line that need no database.
fn parse_line(
    number: u64,
    record: &csv::ByteRecord,
    now_ms: i64,
) -> std::result::Result<Line, &'static str> {
    if record.len() != HEADER.len() {
        return Err("line.columns");
    }
    let field = |i: usize| -> std::result::Result<&str, &'static str> {
        std::str::from_utf8(&record[i])
            .map(str::trim)
            .map_err(|_| "line.encoding")
    };
    let (payment_ref, id, month, amount, paid_at) =
        (field(0)?, field(1)?, field(2)?, field(3)?, field(4)?);
    if payment_ref.is_empty()
        || payment_ref.chars().count() > 100
        || payment_ref.chars().any(char::is_control)
    {
        return Err("payment_ref.format");
    }
    let key = participant::classify(id).ok_or("nik.format")?;
    let month = YearMonth::parse(month).ok_or("month.format")?;
    let amount = parse_amount(amount).ok_or("amount.format")?;
    let paid_at = parse_paid_at(paid_at).ok_or("paid_at.format")?;
    if let PaidAt::Instant(ms) = paid_at {
        if ms > now_ms + DAY_MS {
            return Err("paid_at.future");
        }
    }
    Ok(Line {
        number,
        payment_ref: payment_ref.to_string(),
        key,
        month,
        amount,
        paid_at,
    })
}

/// Whole rupiah, digits only (no separators: `16800`), 1 to [`MAX_AMOUNT`].
fn parse_amount(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<i64>()
        .ok()
        .filter(|a| (1..=MAX_AMOUNT).contains(a))
}

/// RFC 3339 (an instant), or a branch-local `YYYY-MM-DD[ T]HH:MM[:SS]` or `YYYY-MM-DD`.
fn parse_paid_at(text: &str) -> Option<PaidAt> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(PaidAt::Instant(at.timestamp_millis()));
    }
    for format in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(local) = NaiveDateTime::parse_from_str(text, format) {
            return Some(PaidAt::Local(local));
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(PaidAt::Local)
}

/// Writes the lines of a chunk in one transaction and empties it.
#[allow(clippy::too_many_arguments)]
async fn write_chunk(
    db: &Db,
    keys: &ServerKeys,
    book: &RuleBook,
    reach: Option<&[String]>,
    chunk: &mut Vec<Line>,
    cache: &mut HashMap<Key, std::result::Result<Participant, NotFound>>,
    now_ms: i64,
    report: &mut Report,
) -> Result<()> {
    if chunk.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin_write().await?;
    for line in chunk.drain(..) {
        let participant = match cache.get(&line.key) {
            Some(found) => found.clone(),
            None => {
                let found = participant::find_within(&mut tx, keys, &line.key, reach).await?;
                cache.insert(line.key.clone(), found.clone());
                found
            }
        };
        match write_line(&mut tx, book, &line, participant, now_ms).await? {
            Outcome::Imported => report.imported += 1,
            Outcome::Duplicate => report.duplicates += 1,
            Outcome::Refused(code) => report.errors.push(LineError {
                line: line.number,
                code,
            }),
        }
    }
    tx.commit().await?;
    Ok(())
}

enum Outcome {
    Imported,
    Duplicate,
    Refused(&'static str),
}

/// Checks a line against the database and stores it.
async fn write_line(
    conn: &mut AnyConnection,
    book: &RuleBook,
    line: &Line,
    participant: std::result::Result<Participant, NotFound>,
    now_ms: i64,
) -> Result<Outcome> {
    let p = match participant {
        Ok(p) => p,
        Err(NotFound::Unknown) => return Ok(Outcome::Refused("participant.unknown")),
        Err(NotFound::Ambiguous) => return Ok(Outcome::Refused("participant.ambiguous")),
    };
    let offset = time_zone::offset_of(conn, &p.branch).await?;
    let paid_ms = match line.paid_at {
        PaidAt::Instant(ms) => ms,
        PaidAt::Local(local) => match offset.from_local_datetime(&local).single() {
            Some(at) => at.timestamp_millis(),
            None => return Ok(Outcome::Refused("paid_at.format")),
        },
    };
    if paid_ms > now_ms + DAY_MS {
        return Ok(Outcome::Refused("paid_at.future"));
    }
    // What makes two lines the same payment: the record, not how the line named it.
    let content_hash = perisai_domain::protocol::sha256_hex(
        format!(
            "{}\0{}\0{}\0{}\0{}",
            p.branch, p.record_id, line.month, line.amount, paid_ms
        )
        .as_bytes(),
    );
    let seen: Option<String> =
        sqlx::query_scalar("SELECT content_hash FROM payments WHERE payment_ref = $1")
            .bind(&line.payment_ref)
            .fetch_optional(&mut *conn)
            .await?;
    match seen {
        Some(hash) if hash == content_hash => return Ok(Outcome::Duplicate),
        Some(_) => return Ok(Outcome::Refused("payment_ref.conflict")),
        None => {}
    }
    if p.status != "approved" {
        return Ok(Outcome::Refused("participant.not_approved"));
    }
    let Some(enrollment) = p.enrollment.as_ref() else {
        return Ok(Outcome::Refused("participant.not_approved"));
    };
    let Some(paid_month) = time_zone::month_at(paid_ms, offset) else {
        return Ok(Outcome::Refused("paid_at.format"));
    };
    let first_month = YearMonth::of(enrollment.enrolled_on);
    let latest_month = (0..12).fold(paid_month, |m, _| m.next());
    if line.month < first_month || line.month > latest_month {
        return Ok(Outcome::Refused("month.out_of_range"));
    }
    let quoted = participant::monthly_quote(book, enrollment, line.month);
    let paid_before: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(amount), 0) AS BIGINT) FROM payments
         WHERE branch = $1 AND record_id = $2 AND contribution_month = $3",
    )
    .bind(&p.branch)
    .bind(&p.record_id)
    .bind(line.month.to_string())
    .fetch_one(&mut *conn)
    .await?;
    let short = quoted.is_some_and(|q| paid_before + line.amount < q);
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO payments (payment_ref, branch, record_id, agent_id, contribution_month,
             amount, quoted, paid_ms, paid_month, short, content_hash, imported_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (payment_ref) DO NOTHING RETURNING id",
    )
    .bind(&line.payment_ref)
    .bind(&p.branch)
    .bind(&p.record_id)
    .bind(&p.agent_id)
    .bind(line.month.to_string())
    .bind(line.amount)
    .bind(quoted)
    .bind(paid_ms)
    .bind(paid_month.to_string())
    .bind(i64::from(short))
    .bind(&content_hash)
    // The wall clock, not the import's business time: the downsync feed settles rows by it.
    .bind(crate::db::now_ms())
    .fetch_optional(&mut *conn)
    .await?;
    if inserted.is_none() {
        // Another import stored this reference in the meantime: the same answer as a re-import.
        let hash: Option<String> =
            sqlx::query_scalar("SELECT content_hash FROM payments WHERE payment_ref = $1")
                .bind(&line.payment_ref)
                .fetch_optional(&mut *conn)
                .await?;
        return Ok(if hash.as_deref() == Some(content_hash.as_str()) {
            Outcome::Duplicate
        } else {
            Outcome::Refused("payment_ref.conflict")
        });
    }
    if short {
        let quoted = quoted.unwrap_or_default();
        flags::raise(
            conn,
            &Flag {
                branch: p.branch.clone(),
                kind: flag_kind::PAYMENT_SHORT,
                agent_id: Some(p.agent_id.clone()),
                device_id: None,
                record_id: Some(p.record_id.clone()),
                evidence: serde_json::json!({
                    "payment_ref": line.payment_ref,
                    "contribution_month": line.month.to_string(),
                    "amount": line.amount,
                    "paid_before": paid_before,
                    "quoted": quoted,
                    "short_by": quoted - paid_before - line.amount,
                    "paid_at": crate::db::rfc3339(paid_ms),
                    "line": line.number,
                }),
                dedup_key: format!("{}/{}", flag_kind::PAYMENT_SHORT, line.payment_ref),
            },
        )
        .await?;
    }
    Ok(Outcome::Imported)
}

/// Reads a file and imports it (the CLI's entry point).
pub async fn import_file(
    db: &Db,
    keys: &ServerKeys,
    book: &RuleBook,
    path: &std::path::Path,
    now_ms: i64,
) -> Result<Report> {
    let file = std::fs::File::open(path)
        .map_err(|e| ServiceError::Io(format!("cannot read the payments file: {:?}", e.kind())))?;
    import(db, keys, book, std::io::BufReader::new(file), now_ms).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(fields: &[&str]) -> std::result::Result<Line, &'static str> {
        parse_line(
            2,
            &csv::ByteRecord::from(fields.to_vec()),
            1_800_000_000_000,
        )
    }

    fn code_of(fields: &[&str]) -> &'static str {
        match line(fields) {
            Ok(_) => "ok",
            Err(code) => code,
        }
    }

    #[test]
    fn each_field_has_its_own_error_code() {
        let nik = "3201010101900001";
        let ok = [
            "REF-1",
            nik,
            "2026-05",
            "16800",
            "2026-05-10T09:00:00+07:00",
        ];
        assert_eq!(code_of(&ok), "ok");
        assert_eq!(code_of(&ok[..4]), "line.columns");
        assert_eq!(
            code_of(&["", nik, "2026-05", "16800", ok[4]]),
            "payment_ref.format"
        );
        assert_eq!(
            code_of(&["R", "12345", "2026-05", "16800", ok[4]]),
            "nik.format"
        );
        assert_eq!(
            code_of(&["R", nik, "2026-13", "16800", ok[4]]),
            "month.format"
        );
        assert_eq!(
            code_of(&["R", nik, "2026-05", "16.800", ok[4]]),
            "amount.format"
        );
        assert_eq!(code_of(&["R", nik, "2026-05", "0", ok[4]]), "amount.format");
        assert_eq!(
            code_of(&["R", nik, "2026-05", "-5", ok[4]]),
            "amount.format"
        );
        assert_eq!(
            code_of(&["R", nik, "2026-05", "16800", "kemarin"]),
            "paid_at.format"
        );
        assert_eq!(
            code_of(&["R", nik, "2026-05", "16800", "2099-01-01T00:00:00Z"]),
            "paid_at.future"
        );
    }

    #[test]
    fn paid_at_takes_an_instant_or_a_branch_local_time() {
        assert!(matches!(
            parse_paid_at("2026-05-10T09:00:00+07:00"),
            Some(PaidAt::Instant(_))
        ));
        for local in ["2026-05-10 09:00:00", "2026-05-10T09:00", "2026-05-10"] {
            assert!(
                matches!(parse_paid_at(local), Some(PaidAt::Local(_))),
                "{local}"
            );
        }
        assert!(parse_paid_at("10/05/2026").is_none());
    }
}
