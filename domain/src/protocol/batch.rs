//! Frozen batches: what a device sends, byte for byte the same on every retry.
//!
//! ```text
//! u16 BE header length | header JSON | u16 BE signature length | DER signature | deflate(body JSON)
//! ```
//! The signature is over `perisai/v1/batch ‖ 0x00 ‖ header bytes`; the header carries the body's
//! SHA-256, so one signature covers everything. `batch_hash = SHA-256(header bytes)` links the
//! chain. [`freeze`] builds one on the device; [`FrozenBatch::parse`] takes one apart on the
//! server, in the order of the server's checks (size, header, then the caller checks device and
//! signature, then [`FrozenBatch::check_body_hash`], then `seq`).

use std::io::{Read, Write};

use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use flate2::Compression;
use serde::{Deserialize, Serialize};

use super::{sha256_hex, MAX_BATCH_BYTES, MAX_BODY_BYTES, MAX_RECORDS_PER_BATCH};
use crate::error::DomainError;
use crate::signer::{self, DeviceSigner};

/// The signed batch header (field order is the wire order).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchHeader {
    pub v: u32,
    pub device_id: String,
    pub seq: u64,
    pub prev_hash: String,
    pub created_at: String,
    pub count: u32,
    pub body_sha256: String,
}

/// Why a batch could not be taken apart. Codes are those of the status table (ARCHITECTURE.md §4).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    #[error("batch larger than the limit")]
    TooLarge,
    #[error("batch framing or header undecodable")]
    Malformed,
    #[error("body does not match the header's hash")]
    BodyHash,
    #[error("body undecodable")]
    BodyUndecodable,
}

impl BatchError {
    pub fn code(&self) -> &'static str {
        match self {
            BatchError::TooLarge => "batch.too_large",
            BatchError::Malformed => "batch.malformed",
            BatchError::BodyHash => "batch.body_hash",
            BatchError::BodyUndecodable => "batch.body_undecodable",
        }
    }
}

/// A frozen batch's parts, borrowed from the received bytes.
#[derive(Debug)]
pub struct FrozenBatch<'a> {
    pub header_bytes: &'a [u8],
    pub header: BatchHeader,
    pub signature: &'a [u8],
    pub body: &'a [u8],
}

impl<'a> FrozenBatch<'a> {
    /// Splits and decodes the framing and the header. Does not check the signature or the body.
    pub fn parse(bytes: &'a [u8]) -> Result<FrozenBatch<'a>, BatchError> {
        if bytes.len() > MAX_BATCH_BYTES {
            return Err(BatchError::TooLarge);
        }
        let (header_bytes, rest) = take_prefixed(bytes)?;
        let (signature, body) = take_prefixed(rest)?;
        let header: BatchHeader =
            serde_json::from_slice(header_bytes).map_err(|_| BatchError::Malformed)?;
        if header.count as usize > MAX_RECORDS_PER_BATCH || header.seq == 0 {
            return Err(BatchError::Malformed);
        }
        Ok(FrozenBatch {
            header_bytes,
            header,
            signature,
            body,
        })
    }

    /// `batch_hash`: the SHA-256 of the header bytes, hex.
    pub fn batch_hash(&self) -> String {
        sha256_hex(self.header_bytes)
    }

    /// Whether the signature verifies under the device's public key.
    pub fn signature_valid(&self, device_public_key: &[u8]) -> bool {
        signer::verify_in_context(
            device_public_key,
            crate::protocol::labels::LABEL_BATCH,
            self.header_bytes,
            self.signature,
        )
    }

    pub fn check_body_hash(&self) -> Result<(), BatchError> {
        if sha256_hex(self.body) == self.header.body_sha256 {
            Ok(())
        } else {
            Err(BatchError::BodyHash)
        }
    }

    /// The records as JSON values (each is re-validated on its own by the server, so one bad
    /// record never blocks the others). Fails when the body is not a deflated JSON array of
    /// `count` objects, or inflates beyond [`MAX_BODY_BYTES`].
    pub fn records(&self) -> Result<Vec<serde_json::Value>, BatchError> {
        let json = inflate(self.body)?;
        let records: Vec<serde_json::Value> =
            serde_json::from_slice(&json).map_err(|_| BatchError::BodyUndecodable)?;
        if records.len() != self.header.count as usize || !records.iter().all(|r| r.is_object()) {
            return Err(BatchError::BodyUndecodable);
        }
        Ok(records)
    }
}

fn take_prefixed(bytes: &[u8]) -> Result<(&[u8], &[u8]), BatchError> {
    if bytes.len() < 2 {
        return Err(BatchError::Malformed);
    }
    let len = u16::from_be_bytes([bytes[0], bytes[1]]) as usize;
    let rest = &bytes[2..];
    if rest.len() < len {
        return Err(BatchError::Malformed);
    }
    Ok(rest.split_at(len))
}

/// Compresses a JSON array of records for the wire.
pub fn deflate_records<T: Serialize>(records: &[T]) -> Result<Vec<u8>, DomainError> {
    let json = serde_json::to_vec(records).map_err(|e| DomainError::Encode {
        what: "records",
        source: e.into(),
    })?;
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::best());
    encoder
        .write_all(&json)
        .and_then(|_| encoder.finish())
        .map_err(|e| DomainError::Encode {
            what: "compressed records",
            source: e.into(),
        })
}

fn inflate(body: &[u8]) -> Result<Vec<u8>, BatchError> {
    let mut out = Vec::new();
    DeflateDecoder::new(body)
        .take(MAX_BODY_BYTES as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|_| BatchError::BodyUndecodable)?;
    if out.len() > MAX_BODY_BYTES {
        return Err(BatchError::BodyUndecodable);
    }
    Ok(out)
}

/// Builds and signs a frozen batch. `header.body_sha256` and `header.count` are filled in here.
/// Returns the bytes to store and send, and the batch hash (the next batch's `prev_hash`).
pub fn freeze(
    mut header: BatchHeader,
    count: u32,
    body: &[u8],
    signer: &dyn DeviceSigner,
) -> Result<(Vec<u8>, String), DomainError> {
    header.count = count;
    header.body_sha256 = sha256_hex(body);
    let header_bytes = serde_json::to_vec(&header).map_err(|e| DomainError::Encode {
        what: "batch header",
        source: e.into(),
    })?;
    let signature =
        signer::sign_in_context(signer, crate::protocol::labels::LABEL_BATCH, &header_bytes)?;
    let too_long = |_| DomainError::InvalidParameter {
        field: "batch".into(),
        code: "batch.too_large".into(),
    };
    let header_len = u16::try_from(header_bytes.len()).map_err(too_long)?;
    let signature_len = u16::try_from(signature.len()).map_err(too_long)?;
    let mut bytes = Vec::with_capacity(4 + header_bytes.len() + signature.len() + body.len());
    bytes.extend_from_slice(&header_len.to_be_bytes());
    bytes.extend_from_slice(&header_bytes);
    bytes.extend_from_slice(&signature_len.to_be_bytes());
    bytes.extend_from_slice(&signature);
    bytes.extend_from_slice(body);
    Ok((bytes, sha256_hex(&header_bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::genesis_hash;
    use crate::signer::SoftwareSigner;

    fn header(seq: u64) -> BatchHeader {
        BatchHeader {
            v: 1,
            device_id: "dev-1".into(),
            seq,
            prev_hash: genesis_hash("dev-1"),
            created_at: "2026-11-22T08:00:00+07:00".into(),
            count: 0,
            body_sha256: String::new(),
        }
    }

    fn sample() -> (SoftwareSigner, Vec<u8>, String) {
        let signer = SoftwareSigner::generate_ephemeral().unwrap();
        let records = vec![
            serde_json::json!({"id": "a"}),
            serde_json::json!({"id": "b"}),
        ];
        let body = deflate_records(&records).unwrap();
        let (bytes, hash) = freeze(header(1), 2, &body, &signer).unwrap();
        (signer, bytes, hash)
    }

    #[test]
    fn a_frozen_batch_parses_verifies_and_decodes() {
        let (signer, bytes, hash) = sample();
        let batch = FrozenBatch::parse(&bytes).unwrap();
        assert_eq!(batch.batch_hash(), hash);
        assert!(batch.signature_valid(&signer.public_key().unwrap()));
        batch.check_body_hash().unwrap();
        assert_eq!(batch.records().unwrap().len(), 2);
    }

    #[test]
    fn a_tampered_header_breaks_the_signature() {
        let (signer, mut bytes, _) = sample();
        let at = bytes.iter().position(|&b| b == b'1').unwrap(); // a digit inside the header
        bytes[at] = b'2';
        let batch = FrozenBatch::parse(&bytes).unwrap();
        assert!(!batch.signature_valid(&signer.public_key().unwrap()));
    }

    #[test]
    fn a_tampered_body_breaks_the_body_hash() {
        let (_, mut bytes, _) = sample();
        let last = bytes.len() - 1;
        bytes[last] ^= 0xff;
        let batch = FrozenBatch::parse(&bytes).unwrap();
        assert_eq!(batch.check_body_hash(), Err(BatchError::BodyHash));
    }

    #[test]
    fn garbage_and_truncation_are_malformed_never_a_panic() {
        let (_, bytes, _) = sample();
        for cut in 0..bytes.len().min(400) {
            let _ = FrozenBatch::parse(&bytes[..cut]);
        }
        assert_eq!(
            FrozenBatch::parse(b"\xff\xffxyz").unwrap_err(),
            BatchError::Malformed
        );
        assert_eq!(
            FrozenBatch::parse(&vec![0u8; MAX_BATCH_BYTES + 1]).unwrap_err(),
            BatchError::TooLarge
        );
    }

    #[test]
    fn a_compression_bomb_is_refused() {
        let zeros = vec![b' '; MAX_BODY_BYTES + 10];
        let mut encoder = DeflateEncoder::new(Vec::new(), Compression::best());
        encoder.write_all(&zeros).unwrap();
        let body = encoder.finish().unwrap();
        let signer = SoftwareSigner::generate_ephemeral().unwrap();
        let (bytes, _) = freeze(header(1), 1, &body, &signer).unwrap();
        let batch = FrozenBatch::parse(&bytes).unwrap();
        assert_eq!(batch.records().unwrap_err(), BatchError::BodyUndecodable);
    }
}
