//! `paid_through`: the latest contribution month up to which a participant has paid without a
//! gap, what the device shows as "paid until" and the next due month after it (DOMAIN.md §6).
//!
//! The run starts at the earliest paid month (not necessarily the enrollment's month: a record
//! approved late may start paying later), and a short payment counts as paid (DOMAIN.md §8: it
//! is accepted and flagged). A month paid after a gap does not move `paid_through` past the gap
//! until the gap is paid.

use perisai_domain::tariff::YearMonth;
use sqlx::AnyConnection;

/// The end of the contiguous run of paid months starting at the earliest one.
pub fn paid_through(months: &[YearMonth]) -> Option<YearMonth> {
    let mut sorted = months.to_vec();
    sorted.sort();
    sorted.dedup();
    let mut through = *sorted.first()?;
    for month in &sorted[1..] {
        if *month == through.next() {
            through = *month;
        } else {
            break;
        }
    }
    Some(through)
}

/// The paid contribution months of a record.
pub async fn paid_months(
    conn: &mut AnyConnection,
    branch: &str,
    record_id: &str,
) -> Result<Vec<YearMonth>, sqlx::Error> {
    let months: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT contribution_month FROM payments WHERE branch = $1 AND record_id = $2",
    )
    .bind(branch)
    .bind(record_id)
    .fetch_all(conn)
    .await?;
    Ok(months.iter().filter_map(|m| YearMonth::parse(m)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn months(list: &[&str]) -> Vec<YearMonth> {
        list.iter().map(|m| YearMonth::parse(m).unwrap()).collect()
    }

    #[test]
    fn paid_through_is_the_end_of_the_first_run_without_a_gap() {
        assert_eq!(paid_through(&[]), None);
        let got = |l: &[&str]| paid_through(&months(l)).map(|m| m.to_string());
        assert_eq!(got(&["2026-05"]).as_deref(), Some("2026-05"));
        // Out of order and across a year end.
        assert_eq!(
            got(&["2027-01", "2026-11", "2026-12", "2026-12"]).as_deref(),
            Some("2027-01")
        );
        // A gap in 2026-07: 2026-08 does not count yet.
        assert_eq!(
            got(&["2026-05", "2026-06", "2026-08"]).as_deref(),
            Some("2026-06")
        );
    }
}
