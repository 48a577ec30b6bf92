//! `admin export --branch C --format csv`: one row per stored enrollment of the branch (records
//! from revoked devices live in quarantine and are never here), written with the csv crate.
//! Cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or
//! carriage return) get a leading `'`. Every export is in the audit log.

use std::io::Write;

use super::content::StoredContent;
use super::{Result, ServiceError, CLI_ACTOR};
use crate::db::{audit, col, rfc3339, Db};
use crate::keys::ServerKeys;
use perisai_domain::form::fields_except;

/// The first columns, in order; the first six are the contract of ARCHITECTURE.md §7.
const LEADING: [&str; 7] = [
    "id",
    "nik",
    "full_name",
    "agent_id",
    "device_id",
    "status",
    "receipt_no",
];
/// Form fields without a column of their own: the NIK and the name lead; consent and location
/// are not for a spreadsheet; `supersedes` is the row's own column, after the form fields.
const NOT_FORM_COLUMNS: [&str; 5] = ["nik", "full_name", "consent", "location", "supersedes"];

/// The columns, in order: [`LEADING`], the record's other form fields in form order, then
/// `supersedes` and `received_at`.
pub fn columns() -> Vec<&'static str> {
    let mut columns = LEADING.to_vec();
    columns.extend(fields_except(&NOT_FORM_COLUMNS));
    columns.extend(["supersedes", "received_at"]);
    columns
}

/// Writes the branch's records as CSV to `out`; returns the number of rows.
pub async fn export_csv(
    db: &Db,
    keys: &ServerKeys,
    branch: &str,
    out: &mut dyn Write,
) -> Result<usize> {
    export_csv_as(db, keys, branch, CLI_ACTOR, out).await
}

/// [`export_csv`] on behalf of `actor` (the audit log names who exported: the web app passes
/// the signed-in account).
pub async fn export_csv_as<W: Write + ?Sized>(
    db: &Db,
    keys: &ServerKeys,
    branch: &str,
    actor: &str,
    out: &mut W,
) -> Result<usize> {
    let exists: Option<String> = sqlx::query_scalar("SELECT code FROM branches WHERE code = $1")
        .bind(branch)
        .fetch_optional(db.pool())
        .await?;
    if exists.is_none() {
        return Err(ServiceError::NotFound(format!(
            "no branch with code {branch}"
        )));
    }
    let rows = sqlx::query(
        "SELECT id, agent_id, device_id, status, receipt_no, content, supersedes, received_ms
         FROM enrollments WHERE branch = $1 ORDER BY received_ms, id",
    )
    .bind(branch)
    .fetch_all(db.pool())
    .await?;
    let mut writer = csv::Writer::from_writer(out);
    let io = |e: csv::Error| ServiceError::Io(format!("writing the export failed: {e}"));
    let columns = columns();
    writer.write_record(&columns).map_err(io)?;
    for row in &rows {
        let id: String = col(row, "id")?;
        let sealed: Vec<u8> = col(row, "content")?;
        let content = StoredContent::open(keys, branch, &id, &sealed)?;
        let field = |name: &str| -> String { content.text(name, ",") };
        let receipt: Option<i64> = col(row, "receipt_no")?;
        let supersedes: Option<String> = col(row, "supersedes")?;
        let cells = columns
            .iter()
            .map(|column| -> Result<String> {
                Ok(match *column {
                    "id" => id.clone(),
                    "agent_id" | "device_id" | "status" => col(row, column)?,
                    "receipt_no" => receipt.map(|r| r.to_string()).unwrap_or_default(),
                    "supersedes" => supersedes.clone().unwrap_or_default(),
                    "received_at" => rfc3339(col(row, "received_ms")?),
                    form_field => field(form_field),
                })
            })
            .collect::<Result<Vec<String>>>()?;
        writer
            .write_record(cells.iter().map(|c| neutralise(c).into_owned()))
            .map_err(io)?;
    }
    writer
        .flush()
        .map_err(|e| ServiceError::Io(format!("writing the export failed: {:?}", e.kind())))?;
    let mut conn = db.pool().acquire().await?;
    audit::record(
        &mut conn,
        actor,
        "export",
        Some(branch),
        None,
        &serde_json::json!({"format": "csv", "rows": rows.len()}),
    )
    .await?;
    Ok(rows.len())
}

/// A cell a spreadsheet would evaluate gets a leading apostrophe.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(neutralise("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise("+6281234567890"), "'+6281234567890");
        assert_eq!(neutralise("-1"), "'-1");
        assert_eq!(neutralise("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise("SITI"), "SITI");
        assert_eq!(neutralise(""), "");
    }
}
