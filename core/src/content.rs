//! What the device seals for a record: its content, the participant card that outlives it, and
//! the layout versions that are part of each blob's associated data (docs/ARCHITECTURE.md §3).
//! The store's migrations and the queue both read and write these; neither owns them.

use serde::{Deserialize, Serialize};

use crate::error::CoreError;
use crate::record::Enrollment;
use crate::rules::nik::mask_nik;
use crate::rules::report::Issue;
use crate::seal::{Purpose, Sealer};
use crate::tariff::YearMonth;

/// Layout version of a sealed record's content ([`RecordContent`]); part of its associated data.
pub const CONTENT_VERSION: u32 = 1;
/// Layout version of a sealed draft (any JSON object).
pub const DRAFT_VERSION: u32 = 1;
/// Layout version of a sealed [`Card`].
pub const CARD_VERSION: u32 = 1;
/// Layout version of a sealed supervisor note.
pub const NOTE_VERSION: u32 = 1;

/// Consent as recorded with the enrollment (UU PDP 27/2022): which text was shown, and when.
/// The agent is bound when the batch is frozen (the server takes it from the device binding).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsentRecord {
    pub text_version: String,
    pub given_at: String,
}

/// Everything sealed for a submitted record (layout [`CONTENT_VERSION`]). The id and receipt
/// number are the row's; `created_at` is also kept in clear, and sealed here so it is authentic.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordContent {
    pub form_version: u32,
    /// `rules.in_force(enrolled_on).id`: the rule set the record was validated under.
    pub rule_set: String,
    /// Device clock, RFC 3339 with the agent's offset.
    pub created_at: String,
    pub consent: ConsentRecord,
    /// The warnings the agent confirmed; they travel with the record.
    pub warnings_confirmed: Vec<Issue>,
    /// The quote's `total_due` at submit, in rupiah, as shown on the receipt.
    pub quote_total: i64,
    pub enrollment: Enrollment,
}

impl RecordContent {
    pub(crate) fn seal(&self, sealer: &Sealer, id: &str) -> Result<Vec<u8>, CoreError> {
        seal_json(sealer, Purpose::Record, id, CONTENT_VERSION, self)
    }

    pub(crate) fn open(
        sealer: &Sealer,
        id: &str,
        version: u32,
        blob: &[u8],
    ) -> Result<RecordContent, CoreError> {
        match version {
            CONTENT_VERSION => open_json(sealer, Purpose::Record, id, version, blob),
            _ => Err(CoreError::Store(format!(
                "unknown content version {version}"
            ))),
        }
    }
}

/// What the agent keeps about a participant after the full record is purged (DOMAIN.md §9).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Card {
    pub full_name: String,
    /// `3201••••••••0001`
    pub nik_masked: String,
    pub phone: String,
    /// `YYYY-MM`: the first contribution month not yet confirmed paid.
    pub next_due_month: String,
    pub payment_code: Option<String>,
}

impl Card {
    /// The card for a newly submitted record: nothing is paid yet, so the first month is due.
    pub fn from_content(content: &RecordContent) -> Card {
        let e = &content.enrollment;
        Card {
            full_name: e.full_name.clone(),
            nik_masked: mask_nik(&e.nik),
            phone: e.phone.clone(),
            next_due_month: YearMonth::of(e.enrolled_on).to_string(),
            payment_code: None,
        }
    }

    pub(crate) fn seal(&self, sealer: &Sealer, id: &str) -> Result<Vec<u8>, CoreError> {
        seal_json(sealer, Purpose::Card, id, CARD_VERSION, self)
    }

    pub(crate) fn open(sealer: &Sealer, id: &str, blob: &[u8]) -> Result<Card, CoreError> {
        open_json(sealer, Purpose::Card, id, CARD_VERSION, blob)
    }
}

/// Seals a card or record content for the store (kept here so store and queue agree on versions).
pub(crate) fn seal_json<T: serde::Serialize>(
    sealer: &Sealer,
    purpose: Purpose,
    id: &str,
    version: u32,
    value: &T,
) -> Result<Vec<u8>, CoreError> {
    let plain = zeroize::Zeroizing::new(
        serde_json::to_vec(value).map_err(|_| CoreError::Store("cannot encode content".into()))?,
    );
    Ok(sealer.seal(purpose, id, version, &plain)?)
}

/// Opens a sealed JSON value. A blob that opens but does not decode is reported as damaged
/// content (never with its bytes: they are personal).
pub(crate) fn open_json<T: serde::de::DeserializeOwned>(
    sealer: &Sealer,
    purpose: Purpose,
    id: &str,
    version: u32,
    blob: &[u8],
) -> Result<T, CoreError> {
    let plain = sealer.open(purpose, id, version, blob)?;
    serde_json::from_slice(&plain).map_err(|_| CoreError::Crypto("sealed content does not decode"))
}
