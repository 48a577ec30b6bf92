//! Dates as the form carries them (`YYYY-MM-DD`, exactly), and ages in whole years.

use chrono::{Datelike, NaiveDate};

/// Parses exactly `YYYY-MM-DD` into a real date; `None` otherwise (`2026-02-30`, `2026-2-1`).
pub fn parse_iso_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |acc, &c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let year = i32::try_from(num(0..4)?).ok()?;
    NaiveDate::from_ymd_opt(year, num(5..7)?, num(8..10)?)
}

/// Age in whole years on `on`. Someone born on 29 February has a birthday on 1 March in other
/// years (DOMAIN.md §4). Negative when `on` is before `birth`.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let birthday = match (birth.month(), birth.day()) {
        (2, 29) if !is_leap(on.year()) => (3, 1),
        md => md,
    };
    let years = on.year() - birth.year();
    if (on.month(), on.day()) < birthday {
        years - 1
    } else {
        years
    }
}

fn is_leap(year: i32) -> bool {
    NaiveDate::from_ymd_opt(year, 2, 29).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn only_real_dates_in_the_exact_format_parse() {
        assert_eq!(parse_iso_date("2024-02-29"), Some(d(2024, 2, 29)));
        for bad in [
            "2023-02-29",
            "2026-2-01",
            "2026-02-1",
            "26-02-01",
            "2026/02/01",
            "2026-13-01",
            "2026-00-10",
            "2026-01-00",
            " 2026-01-01",
            "2026-01-01T00:00",
            "",
            "２０２６-01-01",
        ] {
            assert_eq!(parse_iso_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn ages_count_whole_years() {
        assert_eq!(age_on(d(2008, 5, 12), d(2026, 5, 12)), 18);
        assert_eq!(age_on(d(2008, 5, 13), d(2026, 5, 12)), 17);
        assert_eq!(age_on(d(1961, 5, 12), d(2026, 5, 12)), 65);
        assert_eq!(age_on(d(2026, 5, 12), d(2026, 5, 12)), 0);
    }

    #[test]
    fn leap_day_birthdays_fall_on_1_march_in_other_years() {
        let born = d(2008, 2, 29);
        assert_eq!(age_on(born, d(2026, 2, 28)), 17);
        assert_eq!(age_on(born, d(2026, 3, 1)), 18);
        // In a leap year the birthday is 29 February itself.
        assert_eq!(age_on(born, d(2028, 2, 28)), 19);
        assert_eq!(age_on(born, d(2028, 2, 29)), 20);
    }
}
