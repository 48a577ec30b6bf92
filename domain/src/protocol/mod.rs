//! Wire protocol v1 (ARCHITECTURE.md §4, encodings in docs/PROTOCOL.md), shared by the device's sync
//! client and the server, so that every byte that is hashed or signed comes from one code.
//!
//! - [`batch`]: frozen batches: framing, header, body compression, the hash chain.
//! - [`canonical`]: canonical JSON, what a record's content hash is taken over.
//! - [`envelope`]: signed server responses (`{payload, signature, key}`).
//! - [`labels`]: the context label of every signature.
//! - [`messages`]: activation, acknowledgement, downsync and error bodies.
//! - [`refusal`]: every refusal of the device API: code, HTTP status, text.
//! - [`downsync`]: signed device requests, the downsync payload, NIK tags.
//! - [`activation_code`]: one-time activation codes (generation, check character, normalization).
//! - [`rotation`]: server key rotations and which server keys a device trusts.
//! - [`wire`]: the wire record of an enrollment or a tombstone, and its field lists.

pub mod activation_code;
pub mod activation_target;
pub mod batch;
pub mod canonical;
pub mod downsync;
pub mod envelope;
pub mod labels;
pub mod messages;
pub mod refusal;
pub mod rotation;
pub mod wire;

use ring::digest;

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u32 = 1;
/// The oldest version a server accepts (the current and the previous one; v1 has no previous).
pub const MIN_PROTOCOL_VERSION: u32 = 1;
/// Largest frozen batch a server reads (ARCHITECTURE.md §3: a batch is at most 64 KiB of records; the
/// framing, header and signature fit in the margin).
pub const MAX_BATCH_BYTES: usize = 96 * 1024;
/// Largest decompressed body: protects the server from a compression bomb.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
/// Most records in one batch.
pub const MAX_RECORDS_PER_BATCH: usize = 100;

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, bytes).as_ref())
}

/// The `prev_hash` of a device's first batch: `SHA-256("perisai/v1/genesis" ‖ device_id)`.
pub fn genesis_hash(device_id: &str) -> String {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(b"perisai/v1/genesis");
    ctx.update(device_id.as_bytes());
    hex(ctx.finish().as_ref())
}

/// The fingerprint of a server (or device) public key: lowercase hex SHA-256 of the 65 bytes.
pub fn key_fingerprint(public_key: &[u8]) -> String {
    sha256_hex(public_key)
}

/// Whether a fingerprint typed by a person (full, or its first 16 hex digits; spaces, colons and
/// case ignored) names this key.
pub fn fingerprint_matches(typed: &str, public_key: &[u8]) -> bool {
    let typed: String = typed
        .chars()
        .filter(|c| !matches!(c, ' ' | ':' | '-'))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let full = key_fingerprint(public_key);
    typed.len() >= 16 && full.starts_with(&typed)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genesis_depends_on_the_device() {
        assert_ne!(genesis_hash("dev-a"), genesis_hash("dev-b"));
        assert_eq!(genesis_hash("dev-a").len(), 64);
    }

    #[test]
    fn sha256_matches_a_known_vector() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn fingerprints_accept_the_short_form_only_when_long_enough() {
        let key = [4u8; 65];
        let full = key_fingerprint(&key);
        assert!(fingerprint_matches(&full, &key));
        assert!(fingerprint_matches(&full[..16].to_uppercase(), &key));
        assert!(!fingerprint_matches(&full[..8], &key));
        assert!(!fingerprint_matches("0000000000000000", &key));
    }
}
