//! The printed reference of a receipt: `<number>-<4 characters of the id><check character>`,
//! the check being Luhn mod 32 over Crockford base-32.

/// Crockford base 32: no I, L, O, U, so what is read aloud or typed is not confused.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn code_point(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|&a| a == c).map(|p| p as u32)
}

/// Luhn mod 32 check character over `chars` (each in [`ALPHABET`]).
fn check_char(chars: &[u8]) -> Option<u8> {
    let mut factor = 2;
    let mut sum = 0;
    for &c in chars.iter().rev() {
        let addend = factor * code_point(c)?;
        factor = if factor == 2 { 1 } else { 2 };
        sum += addend / 32 + addend % 32;
    }
    Some(ALPHABET[((32 - sum % 32) % 32) as usize])
}

/// The printed receipt reference: `<receipt_no>-<4 characters from the id><check>`, e.g.
/// `17-7KQ2X`. The id part ties the reference to this record, so a number from another device
/// or a guessed number does not match.
pub fn reference(receipt_no: u64, id: &str) -> String {
    let hash = ring::digest::digest(&ring::digest::SHA256, id.as_bytes());
    let h = hash.as_ref();
    let bits = (u32::from(h[0]) << 12) | (u32::from(h[1]) << 4) | (u32::from(h[2]) >> 4);
    let tag: String = (0..4)
        .rev()
        .map(|i| ALPHABET[((bits >> (5 * i)) & 31) as usize] as char)
        .collect();
    let body = format!("{receipt_no}{tag}");
    let check = check_char(body.as_bytes()).map(char::from).unwrap_or('0');
    format!("{receipt_no}-{tag}{check}")
}

/// Canonical form of a typed reference: upper case, separators dropped, look-alikes mapped.
fn normalize_reference(typed: &str) -> Vec<u8> {
    typed
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '_'))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .filter(char::is_ascii)
        .map(|c| c as u8)
        .collect()
}

/// Checks a typed reference's check character; returns the receipt number it carries, or `None`
/// for a mistyped or malformed reference. Spaces, dashes, lower case and O/I/L look-alikes are
/// accepted.
pub fn verify_reference(typed: &str) -> Option<u64> {
    let chars = normalize_reference(typed);
    if chars.len() < 6 {
        return None;
    }
    let (number, _) = chars.split_at(chars.len() - 5);
    if !number.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let (body, check) = chars.split_at(chars.len() - 1);
    if check_char(body)? != check[0] {
        return None;
    }
    std::str::from_utf8(number).ok()?.parse().ok()
}

/// A typed reference is the one printed for this record.
pub fn reference_matches(typed: &str, receipt_no: u64, id: &str) -> bool {
    verify_reference(typed) == Some(receipt_no)
        && normalize_reference(typed) == normalize_reference(&reference(receipt_no, id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_carry_a_check_character() {
        let id = "0192f0a0-0000-7000-8000-000000000001";
        let r = reference(17, id);
        assert!(r.starts_with("17-") && r.len() == 8, "{r}");
        assert_eq!(verify_reference(&r), Some(17));
        assert_eq!(
            verify_reference(&r.to_lowercase().replace('-', " ")),
            Some(17)
        );
        assert!(reference_matches(&r, 17, id));
        assert!(!reference_matches(&r, 17, "another-id"));
        // Every single-character substitution is caught.
        let chars: Vec<char> = r.chars().collect();
        for i in 0..chars.len() {
            if chars[i] == '-' {
                continue;
            }
            for &a in ALPHABET {
                let a = a as char;
                if a == chars[i] {
                    continue;
                }
                let mut typo = chars.clone();
                typo[i] = a;
                let typo: String = typo.into_iter().collect();
                assert_eq!(verify_reference(&typo), None, "{typo} accepted");
            }
        }
        // Adjacent transpositions of different characters are caught too.
        let plain: Vec<char> = r.replace('-', "").chars().collect();
        for i in 0..plain.len() - 1 {
            if plain[i] != plain[i + 1] {
                let mut t = plain.clone();
                t.swap(i, i + 1);
                let t: String = t.into_iter().collect();
                assert_eq!(verify_reference(&t), None, "{t} accepted");
            }
        }
        assert_eq!(verify_reference("12"), None);
        assert_eq!(verify_reference("ABCDEFG"), None);
    }
}
