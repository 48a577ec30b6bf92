//! `YearMonth`: a contribution month (`"2026-01"`), the unit in which rates and discount windows
//! are dated. Parsed by hand (exactly `YYYY-MM`), ordered, and stepped one month at a time.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar month, e.g. contribution month 2026-01. Orders chronologically.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    year: i32,
    month: u32,
}

impl YearMonth {
    /// `None` unless `month` is 1–12 and `year` is 1–9999.
    pub fn new(year: i32, month: u32) -> Option<YearMonth> {
        ((1..=9999).contains(&year) && (1..=12).contains(&month))
            .then_some(YearMonth { year, month })
    }

    /// The month a date falls in.
    pub fn of(date: NaiveDate) -> YearMonth {
        YearMonth {
            year: date.year(),
            month: date.month(),
        }
    }

    /// Parses exactly `YYYY-MM`.
    pub fn parse(text: &str) -> Option<YearMonth> {
        let b = text.as_bytes();
        if b.len() != 7 || b[4] != b'-' {
            return None;
        }
        let year = digits(&b[0..4])?;
        let month = digits(&b[5..7])?;
        YearMonth::new(i32::try_from(year).ok()?, month)
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }

    /// The month after this one (saturates at 9999-12, far beyond any rule set).
    pub fn next(self) -> YearMonth {
        match (self.year, self.month) {
            (9999, 12) => self,
            (y, 12) => YearMonth {
                year: y + 1,
                month: 1,
            },
            (y, m) => YearMonth {
                year: y,
                month: m + 1,
            },
        }
    }

    /// The first day of the month.
    pub fn first_day(self) -> NaiveDate {
        // Always a real date: `new` and `of` only build months 1–12 of years 1–9999.
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }
}

/// Reads ASCII digits as a number; `None` on any other byte.
fn digits(bytes: &[u8]) -> Option<u32> {
    bytes.iter().try_fold(0u32, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Serialize for YearMonth {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for YearMonth {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        YearMonth::parse(&text)
            .ok_or_else(|| serde::de::Error::custom("expected a month as YYYY-MM"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_year_month() {
        let m = YearMonth::parse("2026-01").unwrap();
        assert_eq!((m.year(), m.month()), (2026, 1));
        assert_eq!(m.to_string(), "2026-01");
        assert_eq!(YearMonth::new(987, 3).unwrap().to_string(), "0987-03");
    }

    #[test]
    fn refuses_anything_but_yyyy_mm() {
        for bad in [
            "2026-1",
            "2026-13",
            "2026-00",
            "26-01",
            "2026/01",
            "2026-01-01",
            "",
            "２０２６-01",
        ] {
            assert_eq!(YearMonth::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn next_rolls_over_the_year() {
        let dec = YearMonth::new(2026, 12).unwrap();
        assert_eq!(dec.next(), YearMonth::new(2027, 1).unwrap());
        assert_eq!(
            YearMonth::new(2026, 3).unwrap().next().to_string(),
            "2026-04"
        );
    }

    #[test]
    fn months_order_chronologically() {
        assert!(YearMonth::parse("2025-12").unwrap() < YearMonth::parse("2026-01").unwrap());
        let d = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        assert_eq!(
            YearMonth::of(d).first_day(),
            NaiveDate::from_ymd_opt(2024, 2, 1).unwrap()
        );
    }
}
