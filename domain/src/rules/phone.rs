//! Indonesian mobile numbers (DOMAIN.md §4): after stripping spaces, dots and dashes, the number
//! must match `^(\+62|62|0)8[1-9][0-9]{6,10}$`; it is stored as E.164 (`+628…`). A hand-written
//! matcher, equivalent to that pattern, keeps the submit path free of regex compilation.

use super::nik::strip_separators;
use crate::codes::FormatError;

const FORMAT: FormatError = FormatError {
    code: crate::codes::PHONE_FORMAT,
};

/// `Ok(E.164)`, or `phone.format`.
pub fn parse(text: &str) -> Result<String, FormatError> {
    let compact = strip_separators(text);
    let national = compact
        .strip_prefix("+62")
        .or_else(|| compact.strip_prefix("62"))
        .or_else(|| compact.strip_prefix('0'))
        .ok_or(FORMAT)?;
    // `national` is `8[1-9][0-9]{6,10}`: 8 to 12 ASCII digits in all.
    let b = national.as_bytes();
    let shaped = (8..=12).contains(&b.len())
        && b[0] == b'8'
        && (b'1'..=b'9').contains(&b[1])
        && b.iter().all(u8::is_ascii_digit);
    if shaped {
        Ok(format!("+62{national}"))
    } else {
        Err(FORMAT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_and_international_forms_become_e164() {
        assert_eq!(parse("0812-3456-7890").as_deref(), Ok("+6281234567890"));
        assert_eq!(parse("+62 812 3456 7890").as_deref(), Ok("+6281234567890"));
        assert_eq!(parse("62.812.3456.7890").as_deref(), Ok("+6281234567890"));
        assert_eq!(parse("+6281234567890").as_deref(), Ok("+6281234567890"));
    }

    #[test]
    fn length_limits_follow_the_pattern() {
        // 8 + [1-9] + 6 digits is the shortest, + 10 digits the longest.
        assert_eq!(parse("081234567").as_deref(), Ok("+6281234567"));
        assert_eq!(parse("08123456"), Err(FORMAT));
        assert_eq!(parse("0812345678901").as_deref(), Ok("+62812345678901"));
        assert_eq!(parse("08123456789012"), Err(FORMAT));
    }

    #[test]
    fn non_mobile_and_foreign_numbers_are_refused() {
        for bad in [
            "",
            "0212345678",
            "0802345678",
            "+6502345678",
            "62081234567890",
            "+62-0812345678",
            "8123456789",
            "0812345678a",
            "(0812)345678",
            "+062812345678",
            "０812345678",
        ] {
            assert_eq!(parse(bad), Err(FORMAT), "{bad}");
        }
    }

    #[test]
    fn parsing_the_stored_form_gives_it_back() {
        let stored = parse("0812 3456 7890").unwrap();
        assert_eq!(parse(&stored), Ok(stored.clone()));
    }
}
