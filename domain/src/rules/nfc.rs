//! Unicode NFC (canonical composition) that costs nothing for text already composed, which is
//! nearly all text: what a phone keyboard types, and every name, place and address the device
//! already normalized before sending it (the server validates every record again).
//!
//! The result is always exactly what `text.nfc().collect::<String>()` gives; only the work is
//! skipped when the Unicode quick check proves the text is NFC already.

use std::borrow::Cow;

use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// True when `text` is known to be NFC without composing it (ASCII always is). `false` means
/// "compose to find out", not "not NFC".
pub fn is_surely_nfc(text: &str) -> bool {
    text.is_ascii() || is_nfc_quick(text.chars()) == IsNormalized::Yes
}

/// `text` in NFC: borrowed when it is NFC already.
pub fn nfc(text: &str) -> Cow<'_, str> {
    if is_surely_nfc(text) {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.nfc().collect())
    }
}

/// `text` in NFC, reusing `text` when it is NFC already.
pub fn nfc_owned(text: String) -> String {
    if is_surely_nfc(&text) {
        text
    } else {
        text.nfc().collect()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn composed_text_is_borrowed_and_decomposed_text_is_composed() {
        assert!(matches!(nfc("Budi Santoso"), Cow::Borrowed("Budi Santoso")));
        assert!(matches!(nfc("JOSÉ"), Cow::Borrowed("JOSÉ")));
        assert_eq!(nfc("Jose\u{301}"), "Jos\u{e9}");
        assert_eq!(nfc_owned("E\u{301}".to_string()), "\u{c9}");
        // Out-of-order combining marks are reordered (canonical ordering).
        assert_eq!(
            nfc("a\u{301}\u{316}"),
            "a\u{316}\u{301}".nfc().collect::<String>()
        );
    }

    proptest! {
        /// The shortcut never changes the result: same string as composing every time.
        #[test]
        fn nfc_is_exactly_unicode_normalization(
            s in prop_oneof![
                any::<String>(),
                "\\PC{0,40}",
                "[a-zA-Z\u{300}-\u{36f}\u{1100}-\u{1112}\u{1161}-\u{1175}\u{ac00}-\u{ac10} ]{0,30}",
                "[\\p{L}\\p{M} ]{0,60}",
            ]
        ) {
            let reference: String = s.nfc().collect();
            let composed = nfc(&s);
            prop_assert_eq!(composed.as_ref(), reference.as_str());
            prop_assert_eq!(nfc_owned(s.clone()), reference);
        }
    }
}
