//! The NIK (Nomor Induk Kependudukan), the 16-digit national ID (DOMAIN.md §4):
//! `PP KK CC DDMMYY SSSS` = province, regency, district, birth date (women: day + 40), serial.
//!
//! [`parse`] strips separators and checks the shape (`nik.format`); [`Nik::problems`] gives the
//! content errors (`nik.province`, `nik.birth_date`, `nik.serial`), all at once. The current
//! province is never derived from a NIK (codes 91–96 were re-assigned when Papua was split): only
//! membership of the set of codes is checked.

use crate::codes::FormatError;
use chrono::NaiveDate;

use super::codes;

/// A NIK of exactly 16 ASCII digits (separators removed). Its content may still be wrong: see
/// [`Nik::problems`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Nik(String);

/// Removes the separators agents type or scan: white space, dots and dashes.
pub fn strip_separators(text: &str) -> String {
    text.chars()
        .filter(|&c| !(c.is_whitespace() || c == '.' || c == '-'))
        .collect()
}

const FORMAT: FormatError = FormatError {
    code: crate::codes::NIK_FORMAT,
};

/// `nik.format`: not exactly 16 digits after stripping separators.
pub fn parse(text: &str) -> Result<Nik, FormatError> {
    let digits = strip_separators(text);
    if digits.len() == 16 && digits.bytes().all(|b| b.is_ascii_digit()) {
        Ok(Nik(digits))
    } else {
        Err(FORMAT)
    }
}

/// Province codes of DOMAIN.md §4.
fn is_province(code: u32) -> bool {
    matches!(code, 11..=19 | 21 | 31..=36 | 51..=53 | 61..=65 | 71..=76 | 81..=82 | 91..=96)
}

impl Nik {
    /// The normalized 16 digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Digits `from..to` (0-based) as a number; the string holds only ASCII digits.
    fn number(&self, from: usize, to: usize) -> u32 {
        self.0.as_bytes()[from..to]
            .iter()
            .fold(0, |acc, &b| acc * 10 + u32::from(b - b'0'))
    }

    /// The day as written (01–31, or 41–71 for women).
    pub fn day_code(&self) -> u32 {
        self.number(6, 8)
    }

    /// True when the day is written with the + 40 used for women.
    pub fn marks_female(&self) -> bool {
        self.day_code() >= 41
    }

    /// The two readings of the birth date: 19YY and 20YY, each `None` when not a real date or when
    /// the day is outside 01–31 and 41–71.
    pub fn birth_dates(&self) -> [Option<NaiveDate>; 2] {
        let day = match self.day_code() {
            d @ 1..=31 => d,
            d @ 41..=71 => d - 40,
            _ => return [None, None],
        };
        let (month, yy) = (self.number(8, 10), self.number(10, 12) as i32);
        [1900, 2000].map(|century| NaiveDate::from_ymd_opt(century + yy, month, day))
    }

    /// Content errors, in order: `nik.province`, `nik.birth_date`, `nik.serial`. `on` is the
    /// enrollment date (a birth date after it is not a reading); `None` when it is unknown.
    pub fn problems(&self, on: Option<NaiveDate>) -> Vec<&'static str> {
        let mut out = Vec::new();
        if !is_province(self.number(0, 2)) {
            out.push(codes::NIK_PROVINCE);
        }
        let readable = self
            .birth_dates()
            .iter()
            .flatten()
            .any(|d| on.is_none_or(|on| *d <= on));
        if !readable {
            out.push(codes::NIK_BIRTH_DATE);
        }
        if self.number(12, 16) == 0 {
            out.push(codes::NIK_SERIAL);
        }
        out
    }

    /// True when `birth_date` equals one of the two readings of the NIK's date.
    pub fn matches_birth_date(&self, birth_date: NaiveDate) -> bool {
        self.birth_dates().contains(&Some(birth_date))
    }
}

/// How a NIK is shown where it need not be read whole (docs/DOMAIN.md §8): the region (first 4
/// digits) and the serial (last 4), the rest as `•`: `3201011501900001` → `3201••••••••0001`.
/// Anything shorter than 12 characters is masked whole, with at least 4 dots, so neither its
/// digits nor a very short length show. The one rule for the device, the server and the web app.
pub fn mask_nik(nik: &str) -> String {
    let chars: Vec<char> = nik.chars().collect();
    if chars.len() < 12 {
        return "•".repeat(chars.len().max(4));
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "•".repeat(chars.len() - 8))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn nik(text: &str) -> Nik {
        parse(text).unwrap()
    }

    const ON: Option<NaiveDate> = NaiveDate::from_ymd_opt(2026, 5, 12);

    #[test]
    fn separators_are_stripped() {
        assert_eq!(nik("3201.0517-0890 0001").as_str(), "3201051708900001");
        assert_eq!(nik(" 3201051708900001 ").as_str(), "3201051708900001");
    }

    #[test]
    fn anything_but_sixteen_digits_is_a_format_error() {
        for bad in [
            "",
            "320105170890000",
            "32010517089000011",
            "320105170890000A",
            "３２01051708900001",
            "3201051708900001/",
        ] {
            assert_eq!(parse(bad), Err(FORMAT), "{bad}");
        }
    }

    #[test]
    fn valid_nik_has_no_problems() {
        assert!(nik("3201051708900001").problems(ON).is_empty());
        assert!(nik("9101055708900001").problems(ON).is_empty());
    }

    #[test]
    fn province_outside_the_set_is_refused() {
        for p in [
            "10", "20", "22", "30", "37", "54", "66", "77", "83", "97", "00", "99",
        ] {
            let n = nik(&format!("{p}01051708900001"));
            assert_eq!(n.problems(ON), [codes::NIK_PROVINCE], "{p}");
        }
        for p in [
            "11", "19", "21", "31", "36", "51", "53", "61", "65", "71", "76", "81", "82", "91",
            "96",
        ] {
            assert!(
                nik(&format!("{p}01051708900001")).problems(ON).is_empty(),
                "{p}"
            );
        }
    }

    #[test]
    fn women_add_forty_to_the_day() {
        let n = nik("3201055708900001");
        assert!(n.marks_female());
        assert_eq!(
            n.birth_dates(),
            [Some(d(1990, 8, 17)), Some(d(2090, 8, 17))]
        );
        assert!(n.problems(ON).is_empty());
        for day in ["00", "32", "40", "72", "99"] {
            assert_eq!(
                nik(&format!("320105{day}08900001")).problems(ON),
                [codes::NIK_BIRTH_DATE],
                "{day}"
            );
        }
        assert!(nik("3201057108900001").problems(ON).is_empty()); // 31 August, woman
        assert!(nik("3201054108900001").problems(ON).is_empty()); // 1 August, woman
    }

    #[test]
    fn either_century_reading_will_do_if_not_after_enrollment() {
        // 29 Feb 00: 1900 is not a leap year, 2000 is.
        assert!(nik("3201052902000001").problems(ON).is_empty());
        // 29 Feb 01: neither reading is a real date.
        assert_eq!(
            nik("3201052902010001").problems(ON),
            [codes::NIK_BIRTH_DATE]
        );
        // 31 April never exists.
        assert_eq!(
            nik("3201053104900001").problems(ON),
            [codes::NIK_BIRTH_DATE]
        );
        // 13th month.
        assert_eq!(
            nik("3201051713900001").problems(ON),
            [codes::NIK_BIRTH_DATE]
        );
        // YY = 26: 1926 is before enrollment even if 2026-06-01 is after it.
        assert!(nik("3201050106260001").problems(ON).is_empty());
    }

    #[test]
    fn serial_0000_and_several_problems_at_once() {
        assert_eq!(nik("3201051708900000").problems(ON), [codes::NIK_SERIAL]);
        assert_eq!(
            nik("0001053513900000").problems(ON),
            [
                codes::NIK_PROVINCE,
                codes::NIK_BIRTH_DATE,
                codes::NIK_SERIAL
            ]
        );
    }

    #[test]
    fn birth_date_matches_either_reading() {
        let n = nik("3201051708050001");
        assert!(n.matches_birth_date(d(2005, 8, 17)));
        assert!(n.matches_birth_date(d(1905, 8, 17)));
        assert!(!n.matches_birth_date(d(2005, 8, 18)));
    }

    #[test]
    fn a_nik_is_masked_but_for_region_and_serial() {
        assert_eq!(mask_nik("3201011501900001"), "3201••••••••0001");
        // Short input is masked whole: 8 characters would otherwise show all of them.
        assert_eq!(mask_nik("12345678"), "••••••••");
        assert_eq!(mask_nik("12345"), "•••••");
        assert_eq!(mask_nik("123"), "••••");
        assert_eq!(mask_nik(""), "••••");
    }
}
