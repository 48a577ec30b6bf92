//! What an agent types into a number field (income, a cash amount, months), read the one way
//! every shell reads it: grouping dots and spaces allowed (`2.000.000`, `50 400`), an optional
//! `Rp` in front (`Rp50.400`). Anything else is not a number: the shells then send the text as
//! typed (the enrollment's `type` error) or 0 (refused with the input's limits).

/// `50.400`, `50 400`, `Rp50.400`, `Rp 50.400`, `-800` → the whole number; anything else
/// (empty, letters, decimals like `50,5`, beyond `i64`) → `None`.
pub fn whole_number(typed: &str) -> Option<i64> {
    let text = typed.trim();
    let text = text
        .strip_prefix("Rp")
        .or_else(|| text.strip_prefix("rp"))
        .or_else(|| text.strip_prefix("RP"))
        .unwrap_or(text);
    let (negative, text) = match text.trim_start().strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.trim_start()),
    };
    let digits: String = text
        .chars()
        .filter(|c| !matches!(c, '.' | ' ' | '\u{a0}'))
        .collect();
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n: i64 = digits.parse().ok()?;
    Some(if negative { -n } else { n })
}

#[cfg(test)]
mod tests {
    use super::whole_number;

    #[test]
    fn grouped_and_prefixed_numbers_read_as_agents_type_them() {
        for (typed, n) in [
            ("2000000", 2_000_000),
            ("2.000.000", 2_000_000),
            ("2 000 000", 2_000_000),
            (" 50.400 ", 50_400),
            ("Rp50.400", 50_400),
            ("Rp 50.400", 50_400),
            ("rp16.800", 16_800),
            ("50\u{a0}400", 50_400),
            ("-800", -800),
            ("0", 0),
        ] {
            assert_eq!(whole_number(typed), Some(n), "{typed:?}");
        }
    }

    #[test]
    fn anything_else_is_not_a_number() {
        for typed in [
            "",
            "  ",
            "Rp",
            "banyak",
            "50,5",
            "1e6",
            "12a",
            "--5",
            "99999999999999999999",
        ] {
            assert_eq!(whole_number(typed), None, "{typed:?}");
        }
    }
}
