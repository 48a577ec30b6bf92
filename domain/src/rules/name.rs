//! Full names (DOMAIN.md §3): Unicode NFC, trimmed, inner white space collapsed to one space,
//! 2–100 characters of letters (general categories L and M), spaces and `'` `.` `,` `-`; stored
//! upper-cased. Mononyms ("SUKARNO") are names like any other.
//!
//! Typographic apostrophes (`’`, as phone keyboards type them) count as `'`, so "Ma’ruf" is
//! accepted and stored as "MA'RUF".

use crate::codes::FormatError;
use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

use super::nfc::{nfc, nfc_owned};
use crate::form::NAME_LENGTH;

/// The stored form of a name, without judging it: NFC, apostrophes unified, trimmed, inner white
/// space collapsed, upper-cased. Idempotent.
pub fn normalize(text: &str) -> String {
    let spaced = collapse(text);
    // Upper-casing can decompose (ǰ → J + ◌̌), so compose again afterwards.
    nfc_owned(spaced.to_uppercase())
}

const FORMAT: FormatError = FormatError {
    code: crate::codes::NAME_FORMAT,
};

/// `Ok(stored form)`, or `name.format`.
pub fn parse(text: &str) -> Result<String, FormatError> {
    let typed = collapse(text);
    let stored = nfc_owned(typed.to_uppercase());
    // Both what was typed and what is stored must pass, so a stored name always validates again
    // (upper-casing can lengthen a name: ß → SS). A name typed as stored is judged once.
    if allowed(&typed) && (stored == typed || allowed(&stored)) {
        Ok(stored)
    } else {
        Err(FORMAT)
    }
}

/// NFC, `’` → `'`, trimmed, inner white space runs → one space.
fn collapse(text: &str) -> String {
    let composed = nfc(text);
    let mut out = String::with_capacity(composed.len());
    for word in composed.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        if word.contains(['\u{2018}', '\u{2019}']) {
            out.extend(word.chars().map(|c| {
                if matches!(c, '\u{2018}' | '\u{2019}') {
                    '\''
                } else {
                    c
                }
            }));
        } else {
            out.push_str(word);
        }
    }
    out
}

fn allowed(name: &str) -> bool {
    let (min, max) = NAME_LENGTH;
    let mut count = 0usize;
    let mut letters = 0usize;
    for c in name.chars() {
        count += 1;
        let ok = if c.is_ascii() {
            // The Unicode categories of ASCII: only A–Z and a–z are letters, nothing is a mark.
            if c.is_ascii_alphabetic() {
                letters += 1;
                true
            } else {
                is_allowed_punctuation(c)
            }
        } else {
            match c.general_category_group() {
                GeneralCategoryGroup::Letter => {
                    letters += 1;
                    true
                }
                GeneralCategoryGroup::Mark => true,
                _ => is_allowed_punctuation(c),
            }
        };
        if !ok {
            return false;
        }
    }
    // A name needs at least one letter: "--" or ".." is not a name.
    (min as usize..=max as usize).contains(&count) && letters > 0
}

fn is_allowed_punctuation(c: char) -> bool {
    matches!(c, ' ' | '\'' | '.' | ',' | '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_collapsed_and_upper_cased() {
        assert_eq!(parse("  siti   aminah ").as_deref(), Ok("SITI AMINAH"));
        assert_eq!(
            parse("I Gusti\tNgurah\u{a0}Rai").as_deref(),
            Ok("I GUSTI NGURAH RAI")
        );
        assert_eq!(parse("sukarno").as_deref(), Ok("SUKARNO"));
        assert_eq!(parse("Ma’ruf Amin").as_deref(), Ok("MA'RUF AMIN"));
        assert_eq!(
            parse("R.A. Kartini, S.Pd").as_deref(),
            Ok("R.A. KARTINI, S.PD")
        );
        assert_eq!(parse("Nur-Aini").as_deref(), Ok("NUR-AINI"));
    }

    #[test]
    fn letters_and_marks_of_any_script_are_letters() {
        assert_eq!(parse("José").as_deref(), Ok("JOSÉ"));
        // Decomposed input is composed (NFC): e + combining acute → É.
        assert_eq!(parse("Jose\u{301}").as_deref(), Ok("JOS\u{c9}"));
        assert!(parse("ꦱꦸꦏꦂꦤ").is_ok()); // Javanese script, with vowel signs (category M)
        assert!(parse("محمد").is_ok());
    }

    #[test]
    fn digits_symbols_and_emoji_are_refused() {
        for bad in [
            "Budi2",
            "Budi_S",
            "Budi@home",
            "Budi 😀",
            "Budi/Santoso",
            "\u{200b}Budi",
            "(Budi)",
            "--",
            ". .",
        ] {
            assert_eq!(parse(bad), Err(FORMAT), "{bad}");
        }
    }

    #[test]
    fn length_is_2_to_100_characters_after_collapsing() {
        assert_eq!(parse("A"), Err(FORMAT));
        assert_eq!(parse(" A  "), Err(FORMAT));
        assert!(parse("Al").is_ok());
        assert!(parse(&"a".repeat(100)).is_ok());
        assert_eq!(parse(&"a".repeat(101)), Err(FORMAT));
        let spaced = format!("{}    {}", "a".repeat(49), "b".repeat(50));
        assert!(parse(&spaced).is_ok());
        // ß becomes SS when upper-cased: 60 ß are 120 stored characters.
        assert_eq!(parse(&"ß".repeat(60)), Err(FORMAT));
    }

    #[test]
    fn normalize_is_idempotent_and_agrees_with_parse() {
        for s in ["  siti   aminah ", "ǰoko", "straße", "Ma’ruf", "ΐ", "x"] {
            let once = normalize(s);
            assert_eq!(normalize(&once), once, "{s}");
            if let Ok(stored) = parse(s) {
                assert_eq!(stored, once);
                assert_eq!(parse(&stored), Ok(stored.clone()));
            }
        }
    }

    /// The former implementation (NFC always recomposed, every character's category looked
    /// up): the faster one must agree with it on every string.
    mod reference {
        use unicode_normalization::UnicodeNormalization;
        use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};

        use crate::codes::FormatError;
        use crate::form::NAME_LENGTH;
        use crate::rules::name::FORMAT;

        pub fn normalize(text: &str) -> String {
            collapse(text).to_uppercase().nfc().collect()
        }

        pub fn parse(text: &str) -> Result<String, FormatError> {
            let typed = collapse(text);
            let stored: String = typed.to_uppercase().nfc().collect();
            if allowed(&typed) && allowed(&stored) {
                Ok(stored)
            } else {
                Err(FORMAT)
            }
        }

        fn collapse(text: &str) -> String {
            let mut out = String::with_capacity(text.len());
            for word in text
                .nfc()
                .map(|c| {
                    if matches!(c, '\u{2018}' | '\u{2019}') {
                        '\''
                    } else {
                        c
                    }
                })
                .collect::<String>()
                .split_whitespace()
            {
                if !out.is_empty() {
                    out.push(' ');
                }
                out.push_str(word);
            }
            out
        }

        fn allowed(name: &str) -> bool {
            let (min, max) = NAME_LENGTH;
            let count = name.chars().count();
            let mut letters = 0;
            let chars_ok = name.chars().all(|c| match c.general_category_group() {
                GeneralCategoryGroup::Letter => {
                    letters += 1;
                    true
                }
                GeneralCategoryGroup::Mark => true,
                _ => matches!(c, ' ' | '\'' | '.' | ',' | '-'),
            });
            (min as usize..=max as usize).contains(&count) && chars_ok && letters > 0
        }
    }

    proptest::proptest! {
        #[test]
        fn parse_and_normalize_agree_with_the_former_implementation(
            s in proptest::prop_oneof![
                proptest::prelude::any::<String>(),
                "\\PC{0,40}",
                "[a-zA-Z'.,\\- \u{2018}\u{2019}\u{a0}\t\u{300}-\u{36f}ßǰΐ]{0,40}",
                "[\\p{L}\\p{M} ]{0,120}",
                "[\\p{L}\\p{M}\\p{N}\\p{P}\\p{Z}]{0,60}",
            ]
        ) {
            proptest::prop_assert_eq!(parse(&s), reference::parse(&s));
            proptest::prop_assert_eq!(normalize(&s), reference::normalize(&s));
        }
    }
}
