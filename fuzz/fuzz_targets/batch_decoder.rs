//! The server's decoding of an uploaded batch (`perisai_core::protocol::batch`): framing and
//! header (`FrozenBatch::parse`), signature and body hash checks, and `records()`, which inflates
//! the compressed body (bounded: a compression bomb must be an error, never a 2 GB allocation;
//! libFuzzer's `-malloc_limit_mb` turns any oversized allocation into a crash).
//!
//! The first byte picks how the rest is used, so that the fuzzer reaches every step:
//! - `0`: the rest is the whole request body, as an attacker sends it;
//! - `1`: the rest is a body's JSON, deflated and framed here with the right body hash (a device
//!   with a stolen key could send any body); the second byte sets `count`;
//! - `2`: the rest is the deflated body itself (any deflate stream), framed with the right hash.
//!
//! In modes 1 and 2 the result of `records()` is compared with an oracle written here.
#![no_main]

use std::io::{Read, Write};
use std::sync::OnceLock;

use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use flate2::Compression;
use libfuzzer_sys::fuzz_target;
use perisai_core::protocol::batch::{BatchError, BatchHeader, FrozenBatch};
use perisai_core::protocol::{
    genesis_hash, sha256_hex, MAX_BATCH_BYTES, MAX_BODY_BYTES, MAX_RECORDS_PER_BATCH,
};
use perisai_core::signer::{DeviceSigner, SoftwareSigner};
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode {
        0 => check_received(rest),
        1 => {
            let Some((&count_byte, json)) = rest.split_first() else {
                return;
            };
            check_plain_body(count_byte, json);
        }
        2 => check_deflated_body(rest),
        _ => {}
    }
});

/// A device key the fuzzer does not hold: no input may carry a signature valid under it.
fn device_public_key() -> &'static [u8] {
    static KEY: OnceLock<Vec<u8>> = OnceLock::new();
    KEY.get_or_init(|| {
        SoftwareSigner::generate_ephemeral()
            .and_then(|s| s.public_key())
            .expect("a P-256 key")
    })
}

fn prefixed(out: &mut Vec<u8>, part: &[u8]) {
    let len = u16::try_from(part.len()).expect("a part fits in a u16 prefix");
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(part);
}

/// Any bytes, as the server receives them.
fn check_received(bytes: &[u8]) {
    let parsed = FrozenBatch::parse(bytes);
    if bytes.len() > MAX_BATCH_BYTES {
        assert_eq!(parsed.unwrap_err(), BatchError::TooLarge);
        return;
    }
    let batch = match parsed {
        Ok(batch) => batch,
        Err(e) => {
            assert_eq!(
                e,
                BatchError::Malformed,
                "parse only says too_large or malformed"
            );
            assert_eq!(e.code(), "batch.malformed");
            return;
        }
    };
    // The parts are exactly the received bytes, in order.
    let mut framed = Vec::with_capacity(bytes.len());
    prefixed(&mut framed, batch.header_bytes);
    prefixed(&mut framed, batch.signature);
    framed.extend_from_slice(batch.body);
    assert_eq!(framed, bytes, "the parts are not the bytes received");
    assert!(batch.header.count as usize <= MAX_RECORDS_PER_BATCH);
    assert!(batch.header.seq >= 1);
    // The header survives serde (the server stores and re-reads it).
    let written = serde_json::to_vec(&batch.header).expect("a header serializes");
    let reread: BatchHeader = serde_json::from_slice(&written).expect("and parses back");
    assert_eq!(reread, batch.header);
    assert_eq!(batch.batch_hash(), sha256_hex(batch.header_bytes));

    assert!(
        !batch.signature_valid(device_public_key()),
        "a signature verified under a key the input never saw"
    );
    let hash_ok = sha256_hex(batch.body) == batch.header.body_sha256;
    assert_eq!(batch.check_body_hash().is_ok(), hash_ok);
    // The server only inflates after the hash check; a device with its own key can pass it, so
    // decode whatever the body is.
    if let Ok(records) = batch.records() {
        assert_eq!(records.len(), batch.header.count as usize);
        assert!(records.iter().all(Value::is_object));
    }
}

/// Frames `body` as a device would (any signature bytes: the signature is checked elsewhere).
fn frame(body: &[u8], count: u32) -> Option<Vec<u8>> {
    let header = BatchHeader {
        v: 1,
        device_id: "dev-fuzz".into(),
        seq: 1,
        prev_hash: genesis_hash("dev-fuzz"),
        created_at: "2026-11-22T08:00:00+07:00".into(),
        count,
        body_sha256: sha256_hex(body),
    };
    let header_bytes = serde_json::to_vec(&header).expect("a header serializes");
    let mut bytes = Vec::with_capacity(body.len() + header_bytes.len() + 80);
    prefixed(&mut bytes, &header_bytes);
    prefixed(
        &mut bytes,
        &[0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01],
    );
    bytes.extend_from_slice(body);
    (bytes.len() <= MAX_BATCH_BYTES).then_some(bytes)
}

/// What `records()` must give for a body that inflates to `json` (or to more than the limit).
fn expected_records(json: Option<&[u8]>, count: u32) -> Option<Vec<Value>> {
    let records: Vec<Value> = serde_json::from_slice(json?).ok()?;
    (records.len() == count as usize && records.iter().all(Value::is_object)).then_some(records)
}

fn check_framed(bytes: &[u8], count: u32, inflated: Option<&[u8]>) {
    let batch = match FrozenBatch::parse(bytes) {
        Ok(batch) => batch,
        Err(e) => {
            assert!(
                count as usize > MAX_RECORDS_PER_BATCH,
                "a well-framed batch refused"
            );
            assert_eq!(e, BatchError::Malformed);
            return;
        }
    };
    assert!(count as usize <= MAX_RECORDS_PER_BATCH);
    assert_eq!(batch.check_body_hash(), Ok(()));
    let decoded = batch.records();
    let expected = expected_records(inflated, count);
    match (decoded, expected) {
        (Ok(got), Some(want)) => assert_eq!(got, want, "records differ from the body"),
        (Err(e), None) => assert_eq!(e, BatchError::BodyUndecodable),
        (Ok(_), None) => panic!("an undecodable or oversized body was accepted"),
        (Err(e), Some(_)) => panic!("a decodable body was refused: {}", e.code()),
    }
}

fn check_plain_body(count_byte: u8, json: &[u8]) {
    // Most of the time the right count (so records are reached), else the byte's own value.
    let count = if count_byte & 0x80 == 0 {
        match serde_json::from_slice::<Vec<Value>>(json) {
            Ok(items) => u32::try_from(items.len()).unwrap_or(u32::MAX),
            Err(_) => u32::from(count_byte),
        }
    } else {
        u32::from(count_byte & 0x7f)
    };
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::fast());
    encoder.write_all(json).expect("deflate into memory");
    let body = encoder.finish().expect("deflate into memory");
    let Some(bytes) = frame(&body, count) else {
        return;
    };
    let inflated = (json.len() <= MAX_BODY_BYTES).then_some(json);
    check_framed(&bytes, count, inflated);
}

fn check_deflated_body(body: &[u8]) {
    // The oracle inflates on its own, bounded the same way, and counts what it finds.
    let mut out = Vec::new();
    let inflated = DeflateDecoder::new(body)
        .take(MAX_BODY_BYTES as u64 + 1)
        .read_to_end(&mut out)
        .ok()
        .filter(|_| out.len() <= MAX_BODY_BYTES)
        .map(|_| out.as_slice());
    let count = inflated
        .and_then(|json| serde_json::from_slice::<Vec<Value>>(json).ok())
        .map_or(1, |items| u32::try_from(items.len()).unwrap_or(u32::MAX));
    let Some(bytes) = frame(body, count) else {
        return;
    };
    check_framed(&bytes, count, inflated);
}
