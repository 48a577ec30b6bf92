//! One-time activation codes (docs/PROTOCOL.md, "Activation"): 60 random bits as 12 Crockford
//! base32 characters plus one check character (the value mod 37, Crockford's check symbols),
//! shown in groups of four: `ABCD-EFGH-JKLM-N`.
//!
//! People type these codes, so [`normalize`] forgives what Crockford forgives (case, hyphens,
//! spaces, `O` for `0`, `I`/`L` for `1`) and the check character catches a mistyped or swapped
//! character before anything is sent. The device signs the normalized form, the server stores an
//! HMAC of it; both call [`normalize`] so they agree byte for byte.

use ring::rand::{SecureRandom, SystemRandom};

/// Crockford's base32 digits (no I, L, O, U).
const DIGITS: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Check symbols: the 32 digits, then the five extra values 32..36.
const CHECK: &[u8; 37] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ*~$=U";
/// Random characters in a code (5 bits each: 60 bits).
pub const RANDOM_CHARS: usize = 12;
/// Characters in a normalized code, check character included.
pub const CODE_LEN: usize = RANDOM_CHARS + 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CodeError {
    /// Wrong length or a character that is not a Crockford digit.
    #[error("activation code has the wrong form")]
    Format,
    /// Well formed, but the check character does not match: a typo.
    #[error("activation code check character does not match")]
    Check,
}

impl CodeError {
    pub fn code(&self) -> &'static str {
        self.refusal().code()
    }

    /// How the server refuses an activation with this code.
    pub fn refusal(&self) -> crate::protocol::refusal::Refusal {
        use crate::protocol::refusal::Refusal;
        match self {
            CodeError::Format => Refusal::CodeFormat,
            CodeError::Check => Refusal::CodeCheck,
        }
    }
}

/// A fresh random code in normalized form (13 characters, check character last).
pub fn generate() -> Result<String, crate::DomainError> {
    let mut bytes = [0u8; 8];
    SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| crate::DomainError::Crypto("random generator unavailable"))?;
    let mut value = u64::from_be_bytes(bytes) >> 4; // 60 bits
    let mut digits = [0u8; RANDOM_CHARS];
    for d in digits.iter_mut().rev() {
        *d = DIGITS[(value & 31) as usize];
        value >>= 5;
    }
    let mut code = String::from_utf8_lossy(&digits).into_owned();
    code.push(check_char(&digits));
    Ok(code)
}

/// `ABCDEFGHJKMNP` → `ABCD-EFGH-JKMN-P`: how a code is printed and read aloud.
pub fn display(normalized: &str) -> String {
    let mut out = String::with_capacity(normalized.len() + 3);
    for (i, c) in normalized.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push('-');
        }
        out.push(c);
    }
    out
}

/// The canonical form of a typed code: upper case, separators dropped, Crockford's look-alikes
/// mapped, check character verified.
pub fn normalize(typed: &str) -> Result<String, CodeError> {
    let mut chars: Vec<u8> = Vec::with_capacity(CODE_LEN);
    for c in typed.chars() {
        let c = match c.to_ascii_uppercase() {
            '-' | ' ' | '\t' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !c.is_ascii() || chars.len() == CODE_LEN {
            return Err(CodeError::Format);
        }
        chars.push(c as u8);
    }
    if chars.len() != CODE_LEN {
        return Err(CodeError::Format);
    }
    let (digits, check) = chars.split_at(RANDOM_CHARS);
    if !digits.iter().all(|d| DIGITS.contains(d)) || !CHECK.contains(&check[0]) {
        return Err(CodeError::Format);
    }
    if check_char(digits) as u8 != check[0] {
        return Err(CodeError::Check);
    }
    Ok(String::from_utf8_lossy(&chars).into_owned())
}

/// The check character of the digits: their base-32 value mod 37.
fn check_char(digits: &[u8]) -> char {
    let value = digits.iter().fold(0u32, |acc, d| {
        let v = DIGITS.iter().position(|x| x == d).unwrap_or(0) as u32;
        (acc * 32 + v) % 37
    });
    CHECK[value as usize] as char
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_normalize_to_themselves_and_differ() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert_eq!(a.len(), CODE_LEN);
        assert_ne!(a, b);
        assert_eq!(normalize(&a).unwrap(), a);
        assert_eq!(normalize(&display(&a).to_lowercase()).unwrap(), a);
    }

    #[test]
    fn every_single_character_typo_is_caught() {
        let code = generate().unwrap();
        for i in 0..RANDOM_CHARS {
            for &d in DIGITS.iter() {
                if code.as_bytes()[i] == d {
                    continue;
                }
                let mut typo = code.clone().into_bytes();
                typo[i] = d;
                let typo = String::from_utf8(typo).unwrap();
                assert!(normalize(&typo).is_err(), "{typo}");
            }
        }
    }

    #[test]
    fn look_alikes_are_forgiven_and_junk_is_refused() {
        // 12 zeros have value 0: check character '0'.
        assert_eq!(normalize("oooo-oooo-oooo-0").unwrap(), "0000000000000");
        let c = check_char(b"111111111111");
        assert_eq!(
            normalize(&format!("iiii llll-1111 {c}")).unwrap(),
            format!("111111111111{c}")
        );
        assert_eq!(normalize("ABC"), Err(CodeError::Format));
        assert_eq!(normalize("0000000000000000"), Err(CodeError::Format));
        assert_eq!(normalize("000000000000U"), Err(CodeError::Check));
        assert_eq!(normalize("00000000000é0"), Err(CodeError::Format));
        assert_eq!(display("ABCDEFGHJKMNP"), "ABCD-EFGH-JKMN-P");
    }
}
