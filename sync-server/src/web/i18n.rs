//! The web app's words, in Indonesian (the default) and English, as data (`texts.tsv`, read
//! once into a map), and the Indonesian formats for dates, times and rupiah.
//!
//! The language comes from `?lang=id|en` (which also sets a cookie, see `web::page_headers`) or
//! from the `perisai_lang` cookie. Templates call `page.t("key")`; a key missing from the table
//! shows as itself (a unit test keeps every key used in a template in the table).

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::{FixedOffset, NaiveDate, Offset, TimeZone};

pub const LANG_COOKIE: &str = "perisai_lang";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Id,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Id => Lang::En,
            Lang::En => Lang::Id,
        }
    }

    fn parse(code: &str) -> Option<Lang> {
        match code {
            "id" => Some(Lang::Id),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// From `?lang=` first, then the cookie; Indonesian otherwise.
    pub fn from_parts(parts: &Parts) -> Lang {
        parts
            .uri
            .query()
            .and_then(lang_from_query)
            .or_else(|| {
                super::session::cookie(&parts.headers, LANG_COOKIE).and_then(|c| Lang::parse(&c))
            })
            .unwrap_or(Lang::Id)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang::from_parts(parts))
    }
}

/// The language a query string asks for (`lang=en`).
pub fn lang_from_query(query: &str) -> Option<Lang> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == "lang")
        .and_then(|(_, v)| Lang::parse(v))
}

/// The text of `key` in `lang`; the key itself when the table lacks it.
pub fn t(lang: Lang, key: &str) -> &'static str {
    match table().get(key) {
        Some(row) => pick(lang, *row),
        None => {
            tracing::warn!(key, "web: text missing from the table");
            "?"
        }
    }
}

/// The text of `key` in `lang`, if the table has it.
pub fn lookup(lang: Lang, key: &str) -> Option<&'static str> {
    table().get(key).map(|row| pick(lang, *row))
}

/// A message a redirect asks to show (`?msg=KEY`): only keys of the table's `msg.` family.
pub fn message(lang: Lang, key: &str) -> Option<&'static str> {
    lookup(lang, &format!("msg.{key}"))
}

/// What a fraud flag's kind means, for the flags page; `None` for a kind this table does not know
/// (the page shows the stable code).
pub fn flag_kind(lang: Lang, kind: &str) -> Option<&'static str> {
    lookup(lang, &format!("flagkind.{kind}"))
}

/// Western Indonesian Time, in which the offices read times.
fn wib() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).unwrap_or(chrono::Utc.fix())
}

/// `12/05/2026 14:03 WIB` for a millisecond timestamp.
pub fn datetime(ms: i64) -> String {
    match wib().timestamp_millis_opt(ms).single() {
        Some(t) => format!("{} WIB", t.format("%d/%m/%Y %H:%M")),
        None => "-".into(),
    }
}

/// `12/05/2026` for a millisecond timestamp.
pub fn date_of(ms: i64) -> String {
    match wib().timestamp_millis_opt(ms).single() {
        Some(t) => perisai_domain::message::format_date(t.date_naive()),
        None => "-".into(),
    }
}

/// `2026-05-12` → `12/05/2026`; anything else as it is.
pub fn date_text(iso: &str) -> String {
    NaiveDate::parse_from_str(iso, "%Y-%m-%d")
        .map(perisai_domain::message::format_date)
        .unwrap_or_else(|_| iso.to_string())
}

/// Today's date in WIB.
pub fn today() -> NaiveDate {
    chrono::Utc::now().with_timezone(&wib()).date_naive()
}

pub use perisai_domain::message::format_rupiah as rupiah;

/// Every visible string, from `texts.tsv` (key, Indonesian, English; one per line), read once
/// into a map.
fn table() -> &'static HashMap<&'static str, (&'static str, &'static str)> {
    static TABLE: OnceLock<HashMap<&'static str, (&'static str, &'static str)>> = OnceLock::new();
    TABLE.get_or_init(|| rows().map(|(key, id, en)| (key, (id, en))).collect())
}

/// The rows of `texts.tsv`, in file order (comments and blank lines skipped; a malformed line is
/// skipped too, and caught by a unit test).
fn rows() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    include_str!("texts.tsv")
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| {
            let mut cells = line.split('\t');
            match (cells.next(), cells.next(), cells.next(), cells.next()) {
                (Some(key), Some(id), Some(en), None) => Some((key, id, en)),
                _ => None,
            }
        })
}

/// The text of `key` in a table row.
fn pick(lang: Lang, (id, en): (&'static str, &'static str)) -> &'static str {
    match lang {
        Lang::Id => id,
        Lang::En => en,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_used_by_a_template_or_handler_is_in_the_table_in_both_languages() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut sources = Vec::new();
        let mut folders = vec![root.join("templates"), root.join("src/web")];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(folder).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    folders.push(path);
                } else {
                    sources.push(std::fs::read_to_string(path).unwrap());
                }
            }
        }
        let mut used = 0;
        for text in &sources {
            for piece in text.split(".t(\"").skip(1) {
                let key = piece.split('"').next().unwrap();
                if !key.contains('.') {
                    continue;
                }
                used += 1;
                let (id, en) = table()
                    .get(key)
                    .unwrap_or_else(|| panic!("{key} is not in the table"));
                assert!(!id.is_empty() && !en.is_empty(), "{key}");
            }
        }
        assert!(used > 50, "the scan found the keys ({used})");
    }

    #[test]
    fn the_text_file_is_well_formed_and_every_key_appears_once() {
        let lines = include_str!("texts.tsv")
            .lines()
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .count();
        assert_eq!(rows().count(), lines, "a line is not key TAB id TAB en");
        assert_eq!(table().len(), lines, "a key appears twice");
        assert!(rows().all(|(k, id, en)| !k.is_empty() && !id.is_empty() && !en.is_empty()));
    }

    #[test]
    fn every_fraud_flag_kind_has_a_label_in_both_languages() {
        use crate::db::flags::kind;
        use crate::service::payments::flag_kind as pay;
        for k in [
            kind::SEQ_FORK,
            kind::CHAIN_RESTART,
            kind::RECEIPT_GAP,
            kind::ENROLLED_ON_RANGE,
            kind::AGENT_RATE,
            kind::PHONE_REUSE,
            kind::LOCATION_MISSING,
            kind::LOCATION_OUTSIDE_AREA,
            kind::REVOKED_DEVICE_BATCH,
            kind::FOREIGN_SUPERSEDE,
            pay::PAYMENT_SHORT,
            pay::CASH_UNCONFIRMED,
        ] {
            assert!(flag_kind(Lang::Id, k).is_some(), "{k}");
            assert!(flag_kind(Lang::En, k).is_some(), "{k}");
        }
        assert_eq!(flag_kind(Lang::Id, "no.such"), None);
    }

    #[test]
    fn dates_and_times_read_the_indonesian_way() {
        // 2026-05-12T07:03:00Z is 14:03 in Jakarta.
        let ms = 1_778_569_380_000;
        assert_eq!(datetime(ms), "12/05/2026 14:03 WIB");
        assert_eq!(date_of(ms), "12/05/2026");
        assert_eq!(date_text("2026-05-12"), "12/05/2026");
        assert_eq!(date_text("kemarin"), "kemarin");
        assert_eq!(rupiah(16_800), "Rp16.800");
    }

    #[test]
    fn the_language_comes_from_the_query_and_only_known_messages_show() {
        assert_eq!(lang_from_query("status=received&lang=en"), Some(Lang::En));
        assert_eq!(lang_from_query("lang=fr"), None);
        assert_eq!(t(Lang::En, "nav.review"), "Review");
        assert_eq!(t(Lang::Id, "nav.review"), "Tinjauan");
        assert_eq!(message(Lang::En, "decided"), Some("Decision saved."));
        assert_eq!(message(Lang::En, "<script>"), None);
        assert_eq!(message(Lang::En, "nav.review"), None);
    }
}
