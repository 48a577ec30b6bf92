//! CSRF protection: every form carries a token in a hidden `csrf` field, and every POST is
//! refused with 403 unless the token matches.
//!
//! - Signed in: the token is the session's own (`web_sessions.csrf`), random per session.
//! - The login form (no session yet): a random token in a short-lived cookie and the same value
//!   in the form (double submit); a page of another site can neither read the cookie nor, with
//!   `SameSite=Strict`, send it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine;

/// A new random token (256 bits, URL-safe base64).
pub fn new_token() -> Option<String> {
    crate::keys::random_bytes::<32>()
        .ok()
        .map(|bytes| B64URL.encode(bytes))
}

/// Whether `given` equals `expected`, in time that does not depend on where they differ.
pub fn matches(expected: &str, given: &str) -> bool {
    if expected.is_empty() || expected.len() != given.len() {
        return false;
    }
    expected
        .bytes()
        .zip(given.bytes())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_token_matches() {
        let token = new_token().unwrap();
        assert_eq!(token.len(), 43);
        assert!(matches(&token, &token.clone()));
        assert!(!matches(&token, ""));
        assert!(!matches(&token, &token[1..]));
        assert!(!matches("", ""), "an empty expected token never matches");
        let mut other = token.clone().into_bytes();
        other[10] ^= 1;
        assert!(!matches(&token, &String::from_utf8(other).unwrap()));
        assert_ne!(new_token(), new_token());
    }
}
