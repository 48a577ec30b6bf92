//! Signed device requests and the downsync payload (docs/PROTOCOL.md, "Signed requests").
//!
//! A device proves each request with its key instead of a bearer secret: it signs
//! [`request_message`] (method, path, body hash and the single-use nonce the server handed out in
//! its previous signed response) in the context `perisai/v1/request`, and sends the device id,
//! the nonce and the signature in the [`HEADER_DEVICE`], [`HEADER_NONCE`] and [`HEADER_SIGNATURE`]
//! headers. The server answers with a signed envelope (`perisai/v1/downsync`) whose payload is a
//! [`DownsyncResponse`]; it carries the next nonce. A device with no unused nonce asks
//! `POST /v1/nonce` for one ([`NonceResponse`], signed the same way).
//!
//! NIK tags: [`nik_tag24`] is the 24-bit tag of a normalized NIK under a branch's tag key; the
//! device receives the key and the tag list ([`NikTagList`]) at activation and deltas at downsync.

use ring::{digest, hmac};
use serde::{Deserialize, Serialize};

/// Header naming the device that signed the request.
pub const HEADER_DEVICE: &str = "Perisai-Device";
/// Header carrying the single-use nonce the signature covers.
pub const HEADER_NONCE: &str = "Perisai-Nonce";
/// Header carrying the base64 DER signature over [`request_message`].
pub const HEADER_SIGNATURE: &str = "Perisai-Signature";
/// Length of a NIK tag on the wire, in bytes.
pub const NIK_TAG_LEN: usize = 3;

/// The bytes a device signs (context `perisai/v1/request`) for a request:
/// `METHOD ‖ 0x00 ‖ path ‖ 0x00 ‖ SHA-256(body) (32 raw bytes) ‖ 0x00 ‖ nonce`.
/// `path` is the URL path without the query (`/v1/downsync`).
pub fn request_message(method: &str, path: &str, body: &[u8], nonce: &str) -> Vec<u8> {
    let mut m = Vec::with_capacity(method.len() + path.len() + nonce.len() + 35);
    m.extend_from_slice(method.as_bytes());
    m.push(0);
    m.extend_from_slice(path.as_bytes());
    m.push(0);
    m.extend_from_slice(digest::digest(&digest::SHA256, body).as_ref());
    m.push(0);
    m.extend_from_slice(nonce.as_bytes());
    m
}

/// The 24-bit tag of a normalized (16-digit) NIK under a branch's tag key: the first three bytes
/// of HMAC-SHA256(key, `perisai/v1/nik-tag24 ‖ 0x00 ‖ nik`). Short on purpose: a phone that is
/// taken apart cannot confirm an NIK from its tag list, it can only warn.
pub fn nik_tag24(branch_tag_key: &[u8], normalized_nik: &str) -> [u8; NIK_TAG_LEN] {
    let key = hmac::Key::new(hmac::HMAC_SHA256, branch_tag_key);
    let mut ctx = hmac::Context::with_key(&key);
    ctx.update(b"perisai/v1/nik-tag24\0");
    ctx.update(normalized_nik.as_bytes());
    let full = ctx.sign();
    let mut tag = [0u8; NIK_TAG_LEN];
    tag.copy_from_slice(&full.as_ref()[..NIK_TAG_LEN]);
    tag
}

/// A branch's registered-NIK tags: the key to compute tags with (base64), and the tags, base64 of
/// their concatenated 3-byte values.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NikTagList {
    pub key_id: String,
    pub key: String,
    pub tags: String,
}

/// `POST /v1/nonce` answer payload (signed, `perisai/v1/downsync`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NonceResponse {
    pub device_id: String,
    pub nonce: String,
}

/// `POST /v1/downsync` request body. An empty cursor asks for everything from the start.
///
/// `cash` carries the cash the agent recorded as taken from participants since the last verified
/// downsync (DOMAIN.md §6): the request is signed, so the server knows which device (and agent)
/// says so. The server stores each item idempotently by `(branch, id)`; the device marks the items
/// sent once the signed response is verified, and sends them again otherwise.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DownsyncRequest {
    #[serde(default)]
    pub cursor: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cash: Vec<CashItem>,
}

/// Cash an agent recorded as collected from a participant: `amount` rupiah for `months`
/// contribution months. It is the agent's word, not a payment: the server reconciles it with the
/// payment channel's confirmations (a cash item never confirmed within 7 days is a fraud signal).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CashItem {
    /// UUID created on the device; the server's idempotency key (with the branch).
    pub id: String,
    pub record_id: String,
    /// Whole rupiah, positive.
    pub amount: i64,
    /// Contribution months the cash is for, at least 1.
    pub months: u32,
    /// RFC 3339, device clock.
    pub collected_at: String,
}

/// A supervisor's decision on a record (docs/DOMAIN.md §8), as the wire and the server's
/// database name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Decision {
    Approved,
    Rejected,
    HasIssues,
}

impl Decision {
    /// Every decision.
    pub const ALL: [Decision; 3] = [Decision::Approved, Decision::Rejected, Decision::HasIssues];

    /// `approved`, `rejected` or `has_issues`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Decision::Approved => "approved",
            Decision::Rejected => "rejected",
            Decision::HasIssues => "has_issues",
        }
    }

    /// The decision named `text`, if it is one.
    pub fn parse(text: &str) -> Option<Decision> {
        Decision::ALL.into_iter().find(|d| d.as_str() == text)
    }

    /// Whether the supervisor must say why (the agent has to act on it).
    pub const fn needs_reason(self) -> bool {
        !matches!(self, Decision::Approved)
    }
}

/// A supervisor's decision on one of the agent's records (docs/DOMAIN.md §8).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DecisionItem {
    pub record_id: String,
    /// A [`Decision`]'s name; kept as text so a decision a newer server adds is skipped by an
    /// older device, not refused with the whole downsync.
    pub decision: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// RFC 3339.
    pub decided_at: String,
}

/// An instruction to a device. Kinds: `wipe` (revoked: erase everything and stop),
/// `agent.suspended` (stop enrolling until told otherwise).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceCommand {
    pub id: String,
    pub device_id: String,
    pub kind: String,
    /// RFC 3339.
    pub issued_at: String,
}

/// The signed downsync payload (`perisai/v1/downsync`). `more` says another call would return
/// more items; `nonce` is the one to sign the next request with. `device_id` and `request_nonce`
/// bind the answer to the request it answers (the device that signed it, with that single-use
/// nonce): a signed page recorded on the path cannot be replayed to this device later, nor shown
/// to another device.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DownsyncResponse {
    #[serde(default)]
    pub device_id: String,
    #[serde(default)]
    pub request_nonce: String,
    pub cursor: String,
    pub nonce: String,
    pub decisions: Vec<DecisionItem>,
    /// NIK tags registered since the cursor, in the same shape as the activation list.
    pub nik_tag_deltas: NikTagList,
    pub rule_sets: Vec<serde_json::Value>,
    pub commands: Vec<DeviceCommand>,
    #[serde(default)]
    pub more: bool,
    /// The `seq` of the last batch of this device the server holds (0 for none). Lower than
    /// the device's own last acknowledged batch after a restore from a backup: the device then
    /// resends its kept batches from the next one. Absent from an older server's answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain_seq: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_messages_differ_by_every_part() {
        let base = request_message("POST", "/v1/downsync", b"{}", "n1");
        assert_ne!(base, request_message("GET", "/v1/downsync", b"{}", "n1"));
        assert_ne!(base, request_message("POST", "/v1/nonce", b"{}", "n1"));
        assert_ne!(base, request_message("POST", "/v1/downsync", b"{ }", "n1"));
        assert_ne!(base, request_message("POST", "/v1/downsync", b"{}", "n2"));
    }

    #[test]
    fn nik_tags_are_three_bytes_and_depend_on_the_key() {
        let a = nik_tag24(b"key-a", "3201010101900001");
        assert_eq!(a, nik_tag24(b"key-a", "3201010101900001"));
        assert_ne!(a, nik_tag24(b"key-b", "3201010101900001"));
        assert_ne!(a, nik_tag24(b"key-a", "3201010101900002"));
    }
}
