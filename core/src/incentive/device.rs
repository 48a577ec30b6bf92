//! What the agent's device keeps of incentives, sealed in the store (tables of schema version 4,
//! see [`crate::store`]): the statements downsync brings, and the cash the agent recorded.
//!
//! The rest of this module is pure; this part exists because the phone must show the last
//! statements offline (DOMAIN.md §7) and must not lose a cash record between two syncs.
//!
//! - **Statements**: one per month. An issued (`confirmed`) statement replaces a provisional one
//!   of its month and is never replaced itself (an issued statement never changes; the server's
//!   later corrections arrive as adjustment lines of a later month). A provisional one replaces
//!   an older provisional one. The body is sealed: it is the agent's income, line by participant.
//! - **Cash**: what the agent says was taken from a participant (amount, months, time). Amount and
//!   months are sealed; id, record id and times are clear (ids are not personal). Unsent items go
//!   up with the next signed downsync request and are marked sent in the same transaction that
//!   applies the verified answer, so an item is sent until the server has certainly seen it (the
//!   server stores items idempotently by id).
//!
//! Seal ids (`incentive/statement/<month>`, `incentive/cash/<id>`) cannot collide with record
//! ids (UUIDs) or batch ids (`sync/batch/...`), which share the sealing purpose.

use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::statement::{Statement, Status};
use crate::content::{open_json, seal_json};
use crate::error::CoreError;
use crate::protocol::downsync::CashItem;
use crate::seal::{Purpose, Sealer};
use crate::tariff::YearMonth;

/// Layout version of a sealed statement (part of its associated data).
const STATEMENT_VERSION: u32 = 1;
/// Layout version of a sealed cash record.
const CASH_VERSION: u32 = 1;

/// Most cash items carried by one downsync request (the rest go with the next page).
pub const CASH_PER_REQUEST: u32 = 200;
/// The largest amount one cash record may hold, in rupiah: a year of the highest contribution is
/// far below it, so anything above is a typing mistake.
pub const CASH_AMOUNT_MAX: i64 = 100_000_000;
/// The most contribution months one cash record may cover (the longest prepayment).
pub const CASH_MONTHS_MAX: u32 = 12;

fn statement_seal_id(month: YearMonth) -> String {
    format!("incentive/statement/{month}")
}

fn cash_seal_id(id: &str) -> String {
    format!("incentive/cash/{id}")
}

/// Keeps a statement from a verified downsync page; returns whether it was taken (see the
/// module comment for which one wins).
pub(crate) fn store_statement(
    conn: &Connection,
    sealer: &Sealer,
    statement: &Statement,
    received_at: &str,
) -> Result<bool, CoreError> {
    let month = statement.month.to_string();
    let existing: Option<(String, String)> = conn
        .query_row(
            "SELECT status, as_of FROM statements WHERE month = ?1",
            [&month],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let take = match (existing, statement.status) {
        (None, _) => true,
        (Some((status, _)), Status::Confirmed) => status != Status::Confirmed.as_str(),
        (Some((status, as_of)), Status::Provisional) => {
            status == Status::Provisional.as_str() && !older(&statement.as_of, &as_of)
        }
    };
    if take {
        let body = seal_json(
            sealer,
            Purpose::Record,
            &statement_seal_id(statement.month),
            STATEMENT_VERSION,
            statement,
        )?;
        conn.execute(
            "INSERT OR REPLACE INTO statements (month, status, as_of, received_at, body)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                month,
                statement.status.as_str(),
                statement.as_of,
                received_at,
                body
            ],
        )?;
    }
    Ok(take)
}

/// True when RFC 3339 time `a` is before `b`; unreadable times are not older (the newer page
/// wins, as pages come in order).
fn older(a: &str, b: &str) -> bool {
    match (
        chrono::DateTime::parse_from_rfc3339(a),
        chrono::DateTime::parse_from_rfc3339(b),
    ) {
        (Ok(a), Ok(b)) => a < b,
        _ => false,
    }
}

/// The statement kept for `month`, if any.
pub(crate) fn statement_for(
    conn: &Connection,
    sealer: &Sealer,
    month: YearMonth,
) -> Result<Option<Statement>, CoreError> {
    let blob: Option<Vec<u8>> = conn
        .query_row(
            "SELECT body FROM statements WHERE month = ?1",
            [month.to_string()],
            |r| r.get(0),
        )
        .optional()?;
    blob.map(|b| {
        open_json(
            sealer,
            Purpose::Record,
            &statement_seal_id(month),
            STATEMENT_VERSION,
            &b,
        )
    })
    .transpose()
}

/// The sealed part of a cash record.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CashAmounts {
    amount: i64,
    months: u32,
}

/// Refuses an amount or a month count no cash record can have (`cash.amount`, `cash.months`).
pub(crate) fn check_cash(amount: i64, months: u32) -> Result<(), CoreError> {
    if !(1..=CASH_AMOUNT_MAX).contains(&amount) {
        return Err(CoreError::InvalidParameter {
            field: "amount".into(),
            code: "cash.amount".into(),
        });
    }
    if !(1..=CASH_MONTHS_MAX).contains(&months) {
        return Err(CoreError::InvalidParameter {
            field: "months".into(),
            code: "cash.months".into(),
        });
    }
    Ok(())
}

/// Stores a cash record (checked by the caller: the record is a participant's).
pub(crate) fn insert_cash(
    conn: &Connection,
    sealer: &Sealer,
    item: &CashItem,
) -> Result<(), CoreError> {
    check_cash(item.amount, item.months)?;
    let body = seal_json(
        sealer,
        Purpose::Record,
        &cash_seal_id(&item.id),
        CASH_VERSION,
        &CashAmounts {
            amount: item.amount,
            months: item.months,
        },
    )?;
    conn.execute(
        "INSERT INTO cash (id, record_id, collected_at, body) VALUES (?1, ?2, ?3, ?4)",
        params![item.id, item.record_id, item.collected_at, body],
    )?;
    Ok(())
}

/// Cash records not yet carried by a verified downsync, oldest first, at most `limit`.
pub(crate) fn unsent_cash(
    conn: &Connection,
    sealer: &Sealer,
    limit: u32,
) -> Result<Vec<CashItem>, CoreError> {
    let mut stmt = conn.prepare(
        "SELECT id, record_id, collected_at, body FROM cash WHERE sent_at IS NULL
         ORDER BY collected_at, id LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Vec<u8>>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, record_id, collected_at, blob) = row?;
        let amounts: CashAmounts = open_json(
            sealer,
            Purpose::Record,
            &cash_seal_id(&id),
            CASH_VERSION,
            &blob,
        )?;
        out.push(CashItem {
            id,
            record_id,
            amount: amounts.amount,
            months: amounts.months,
            collected_at,
        });
    }
    Ok(out)
}

/// Marks cash records as carried by a request whose signed answer was verified.
pub(crate) fn mark_cash_sent(conn: &Connection, ids: &[String], at: &str) -> Result<(), CoreError> {
    let mut stmt =
        conn.prepare("UPDATE cash SET sent_at = ?2 WHERE id = ?1 AND sent_at IS NULL")?;
    for id in ids {
        stmt.execute(params![id, at])?;
    }
    Ok(())
}

/// How many cash records wait for the next sync.
pub(crate) fn count_unsent_cash(conn: &Connection) -> Result<u64, CoreError> {
    let n: i64 = conn.query_row("SELECT count(*) FROM cash WHERE sent_at IS NULL", [], |r| {
        r.get(0)
    })?;
    Ok(u64::try_from(n).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incentive::statement::{Line, LineKind};
    use crate::queue::testing::fixture_vault;
    use crate::store::Store;

    fn open() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let vault = fixture_vault(dir.path());
        let store = Store::open(&dir.path().join("perisai.db"), &vault, true).unwrap();
        (dir, store)
    }

    fn statement(month: &str, status: Status, as_of: &str, amount: i64) -> Statement {
        Statement::from_lines(
            YearMonth::parse(month).unwrap(),
            status,
            as_of.into(),
            vec![Line {
                kind: LineKind::Contribution,
                record_id: "r".into(),
                amount,
                note: "n".into(),
            }],
        )
    }

    #[test]
    fn an_issued_statement_replaces_the_provisional_and_then_never_changes() {
        let (_dir, store) = open();
        let (c, s) = (&store.conn, &store.sealer);
        let may = YearMonth::parse("2026-05").unwrap();
        let at = "2026-05-20T10:00:00+07:00";
        let p1 = statement(
            "2026-05",
            Status::Provisional,
            "2026-05-10T10:00:00+07:00",
            1,
        );
        let p0 = statement(
            "2026-05",
            Status::Provisional,
            "2026-05-09T10:00:00+07:00",
            9,
        );
        let p2 = statement(
            "2026-05",
            Status::Provisional,
            "2026-05-20T10:00:00+07:00",
            2,
        );
        let issued = statement("2026-05", Status::Confirmed, "2026-06-01T08:00:00+07:00", 3);
        let late = statement(
            "2026-05",
            Status::Provisional,
            "2026-06-02T10:00:00+07:00",
            4,
        );
        let reissued = statement("2026-05", Status::Confirmed, "2026-06-03T08:00:00+07:00", 5);
        assert!(store_statement(c, s, &p1, at).unwrap());
        assert!(
            !store_statement(c, s, &p0, at).unwrap(),
            "an older estimate"
        );
        assert!(store_statement(c, s, &p2, at).unwrap());
        assert_eq!(statement_for(c, s, may).unwrap().unwrap().total, 2);
        assert!(store_statement(c, s, &issued, at).unwrap());
        assert!(!store_statement(c, s, &late, at).unwrap());
        assert!(!store_statement(c, s, &reissued, at).unwrap());
        assert_eq!(statement_for(c, s, may).unwrap().unwrap(), issued);
        assert_eq!(
            statement_for(c, s, YearMonth::parse("2026-04").unwrap()).unwrap(),
            None
        );
        // Sealed: the lines are not in the file in clear.
        let raw: Vec<u8> = c
            .query_row("SELECT body FROM statements", [], |r| r.get(0))
            .unwrap();
        assert!(!String::from_utf8_lossy(&raw).contains("contribution"));
    }

    #[test]
    fn cash_is_checked_kept_sealed_and_sent_once() {
        let (_dir, mut store) = open();
        let id = store
            .insert_submitted(
                &crate::queue::testing::content(1),
                crate::queue::Origin::New,
            )
            .unwrap()
            .id;
        let (c, s) = (&store.conn, &store.sealer);
        for (amount, months, code) in [
            (0, 1, "cash.amount"),
            (-5, 1, "cash.amount"),
            (CASH_AMOUNT_MAX + 1, 1, "cash.amount"),
            (16_800, 0, "cash.months"),
            (16_800, 13, "cash.months"),
        ] {
            match check_cash(amount, months) {
                Err(CoreError::InvalidParameter { code: got, .. }) => assert_eq!(got, code),
                other => panic!("{amount}/{months}: {other:?}"),
            }
        }
        let item = |n: u32| CashItem {
            id: format!("0192f0a0-0000-7000-8000-00000000c00{n}"),
            record_id: id.clone(),
            amount: 50_400,
            months: 3,
            collected_at: format!("2026-11-2{n}T09:00:00+07:00"),
        };
        insert_cash(c, s, &item(2)).unwrap();
        insert_cash(c, s, &item(1)).unwrap();
        assert!(insert_cash(c, s, &item(1)).is_err(), "an id is used once");
        assert_eq!(unsent_cash(c, s, 10).unwrap(), vec![item(1), item(2)]);
        assert_eq!(unsent_cash(c, s, 1).unwrap(), vec![item(1)]);
        let raw: Vec<u8> = c
            .query_row("SELECT body FROM cash LIMIT 1", [], |r| r.get(0))
            .unwrap();
        assert!(!String::from_utf8_lossy(&raw).contains("50400"));
        mark_cash_sent(c, &[item(1).id], "2026-11-22T10:00:00+07:00").unwrap();
        assert_eq!(unsent_cash(c, s, 10).unwrap(), vec![item(2)]);
        assert_eq!(count_unsent_cash(c).unwrap(), 1);
    }
}
