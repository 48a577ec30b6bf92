//! The rule every account password meets (`admin create-user`; the demo's generated one too):
//! at least [`MIN_PASSWORD_CHARS`] characters that are not spaces at either end, and not easy to
//! guess by Dropbox's zxcvbn estimator, which knows the commonest leaked passwords, dictionary
//! words, names, keyboard walks, dates and repeats, and the account's own email. A score of 3
//! ("safely unguessable: moderate protection from an offline slow-hash attack") is the floor.
//! The rule is a well-kept library's, not a hand-written list.

/// Shortest password accepted for an account (spaces at either end not counted).
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Lowest zxcvbn score accepted (0–4).
const MIN_SCORE: zxcvbn::Score = zxcvbn::Score::Three;

/// Words of this system that a guesser would try first for its accounts.
const SYSTEM_WORDS: [&str; 6] = [
    "perisai",
    "bpjs",
    "ketenagakerjaan",
    "supervisor",
    "cabang",
    "admin",
];

/// Why `password` is refused for the account `email`, if it is.
pub fn problem(password: &str, email: &str) -> Option<String> {
    if password.trim().chars().count() < MIN_PASSWORD_CHARS {
        return Some(format!(
            "password must have at least {MIN_PASSWORD_CHARS} characters, not counting spaces at either end"
        ));
    }
    let local = email.split('@').next().unwrap_or("");
    let mut inputs: Vec<&str> = SYSTEM_WORDS.to_vec();
    inputs.extend([email, local]);
    if zxcvbn::zxcvbn(password, &inputs).score() < MIN_SCORE {
        return Some(
            "password is too easy to guess (a common password, words or a pattern): choose a longer pass phrase"
                .into(),
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanks_short_and_common_passwords_are_refused() {
        for weak in [
            "            ",
            "\t\t\t\t\t\t\t\t\t\t\t\t",
            "   abc   def   ",
            "password1234",
            "qwertyuiop123",
            "123456789012",
            "iloveyou2026",
            "aaaaaaaaaaaaaaaa",
            "perisai12345",
            "bpjsketenagakerjaan",
        ] {
            assert!(problem(weak, "sup@kc01.test").is_some(), "{weak:?}");
        }
        assert!(problem("siti.rahayu.2026", "siti.rahayu.2026@contoh.id").is_some());
    }

    #[test]
    fn pass_phrases_and_random_strings_are_accepted() {
        for strong in [
            "kata-sandi-rahasia-123",
            "Tinjau-Pendaftaran-Cabang-Bogor-2026",
            "kuda merah makan rumput basah",
            "3f9c2a71d0be55aa19",
            // The other tests' accounts.
            "kata-sandi-bench-review",
            "kata-sandi-uji-1234",
            "kata-sandi-yang-panjang",
            "another-long-password",
            "long-enough-password",
            "demo-password-123",
        ] {
            assert_eq!(problem(strong, "sup@kc01.test"), None, "{strong:?}");
        }
    }
}
