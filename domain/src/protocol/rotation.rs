//! Server key rotation (ARCHITECTURE.md §4: the server key "is rotated by a message signed with the
//! old key"), and which server keys a device trusts.
//!
//! A rotation is a [`KeyRotation`] signed by the outgoing server key in the context
//! `perisai/v1/rotate`: it can never be taken as an acknowledgement or a downsync page, nor they
//! as a rotation. From the moment a rotation is prepared, the server carries its rotations,
//! oldest first, in the member `key_rotations` of every acknowledgement, downsync page and nonce
//! answer, inside the signed payload. [`ServerTrust::open`] is how a device opens any such
//! answer:
//!
//! 1. under its pinned key. A rotation in the answer that starts at the pinned key and verifies
//!    under it names the next key, which the device keeps as `next` ([`TrustChange::LearnNext`]);
//! 2. under the `next` key it learned: the server has switched; the device re-pins to it
//!    ([`TrustChange::Repin`]);
//! 3. under a key the carried rotations lead to from the pinned key, each link verified under
//!    the key before it: a device that was offline across the whole rotation (or several)
//!    follows, and re-pins.
//!
//! Anything else is refused: a bad signature under a key the device knows is
//! [`TrustError::Signature`], an answer under a key no verified rotation leads to is
//! [`TrustError::UnknownKey`]. The sync client reports both as `sync.server_key` and changes
//! nothing; a device whose server key was replaced without a rotation it can follow must be
//! activated again.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::{Deserialize, Serialize};

use super::envelope::{EnvelopeError, SignedEnvelope};
use super::key_fingerprint;
use crate::error::DomainError;
use crate::protocol::labels::LABEL_ROTATE;
use crate::signer::{DeviceSigner, PUBLIC_KEY_LEN};

/// The payload member that carries the server's rotations.
pub const ROTATIONS_MEMBER: &str = "key_rotations";
/// Most rotations followed in one answer: a device further behind must be activated again.
pub const MAX_CHAIN: usize = 16;

/// The outgoing server key vouching for the incoming one (`perisai/v1/rotate`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyRotation {
    /// Fingerprint of the outgoing key, the signer.
    pub from: String,
    /// Fingerprint of the incoming key.
    pub to: String,
    /// The incoming key: base64 of the 65-byte uncompressed P-256 point.
    pub public_key: String,
    /// RFC 3339: when the rotation was prepared.
    pub issued_at: String,
}

/// Signs the rotation from `outgoing` (the key in force) to `incoming_public_key`.
pub fn sign_rotation(
    outgoing: &dyn DeviceSigner,
    incoming_public_key: &[u8],
    issued_at: &str,
) -> Result<SignedEnvelope, DomainError> {
    let outgoing_key = outgoing.public_key()?;
    if incoming_public_key.len() != PUBLIC_KEY_LEN || incoming_public_key == outgoing_key {
        return Err(DomainError::Crypto("a rotation needs another 65-byte key"));
    }
    let rotation = KeyRotation {
        from: key_fingerprint(&outgoing_key),
        to: key_fingerprint(incoming_public_key),
        public_key: B64.encode(incoming_public_key),
        issued_at: issued_at.to_string(),
    };
    SignedEnvelope::sign(LABEL_ROTATE, &rotation, outgoing)
}

/// Verifies one rotation under `outgoing_key`; returns the incoming key. A rotation whose
/// fingerprints do not name its keys is refused like a bad signature.
pub fn open_rotation(
    envelope: &SignedEnvelope,
    outgoing_key: &[u8],
) -> Result<Vec<u8>, EnvelopeError> {
    let rotation: KeyRotation = envelope.open(LABEL_ROTATE, outgoing_key)?;
    let incoming = B64
        .decode(&rotation.public_key)
        .map_err(|_| EnvelopeError::Malformed)?;
    if rotation.from != key_fingerprint(outgoing_key)
        || incoming.len() != PUBLIC_KEY_LEN
        || rotation.to != key_fingerprint(&incoming)
        || incoming == outgoing_key
    {
        return Err(EnvelopeError::Signature);
    }
    Ok(incoming)
}

/// The keys `chain` leads to from `start`, in order, each vouched for by the one before (at most
/// [`MAX_CHAIN`]; a link that does not verify is ignored, a cycle ends the walk).
pub fn follow(chain: &[SignedEnvelope], start: &[u8]) -> Vec<Vec<u8>> {
    let mut keys: Vec<Vec<u8>> = Vec::new();
    let mut current = start.to_vec();
    while keys.len() < MAX_CHAIN {
        let signer = key_fingerprint(&current);
        let Some(next) = chain
            .iter()
            .filter(|link| link.key == signer)
            .find_map(|link| open_rotation(link, &current).ok())
        else {
            break;
        };
        if next == start || keys.contains(&next) {
            break;
        }
        keys.push(next.clone());
        current = next;
    }
    keys
}

/// The rotations an answer's payload carries (none when it carries none, or not readably).
pub fn carried(payload: &[u8]) -> Vec<SignedEnvelope> {
    #[derive(Deserialize)]
    struct Carried {
        #[serde(default)]
        key_rotations: Vec<SignedEnvelope>,
    }
    serde_json::from_slice::<Carried>(payload)
        .map(|c| c.key_rotations)
        .unwrap_or_default()
}

/// The server keys a device trusts: the one pinned at activation (or re-pinned since), and the
/// next one a verified rotation announced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerTrust {
    pub pinned: Vec<u8>,
    pub next: Option<Vec<u8>>,
}

/// What opening an answer changes in what the device trusts. Applied only once the answer has
/// been checked for this request and taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrustChange {
    Keep,
    /// A rotation from the pinned key announced this key: keep it as `next`.
    LearnNext(Vec<u8>),
    /// The answer was signed by this key, reached from the pinned one: pin it, forget `next`.
    Repin(Vec<u8>),
}

/// A server answer whose signature verified under a trusted key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opened {
    pub payload: Vec<u8>,
    pub change: TrustChange,
}

/// Why an answer was not opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TrustError {
    #[error("response undecodable")]
    Malformed,
    /// Claims a key the device trusts, and does not verify under it.
    #[error("response signature invalid")]
    Signature,
    /// Signed by a key no verified rotation leads to from the pinned key.
    #[error("response signed by an unknown server key")]
    UnknownKey,
}

impl ServerTrust {
    /// Verifies `envelope` in the context `label` under a trusted key (see the module comment);
    /// returns the payload bytes and what to change in the trust once the answer is taken.
    pub fn open(&self, envelope: &SignedEnvelope, label: &str) -> Result<Opened, TrustError> {
        match envelope.verified_payload(label, &self.pinned) {
            Ok(payload) => {
                let announced = follow(&carried(&payload), &self.pinned).into_iter().next();
                let change = match announced {
                    Some(key) if self.next.as_ref() != Some(&key) => TrustChange::LearnNext(key),
                    _ => TrustChange::Keep,
                };
                return Ok(Opened { payload, change });
            }
            Err(EnvelopeError::Malformed) => return Err(TrustError::Malformed),
            Err(EnvelopeError::Signature) => {}
        }
        if let Some(next) = &self.next {
            if let Ok(payload) = envelope.verified_payload(label, next) {
                return Ok(Opened {
                    payload,
                    change: TrustChange::Repin(next.clone()),
                });
            }
        }
        // Offline across the rotation: follow the carried chain from the pinned key (every link
        // verified) to the key that signed the answer, then verify the answer under it.
        let unverified = B64
            .decode(&envelope.payload)
            .map_err(|_| TrustError::Malformed)?;
        for key in follow(&carried(&unverified), &self.pinned) {
            if key_fingerprint(&key) != envelope.key {
                continue;
            }
            if let Ok(payload) = envelope.verified_payload(label, &key) {
                return Ok(Opened {
                    payload,
                    change: TrustChange::Repin(key),
                });
            }
        }
        let known = envelope.key == key_fingerprint(&self.pinned)
            || self
                .next
                .as_ref()
                .is_some_and(|next| envelope.key == key_fingerprint(next));
        Err(if known {
            TrustError::Signature
        } else {
            TrustError::UnknownKey
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::labels::{LABEL_ACK, LABEL_DOWNSYNC};
    use crate::signer::SoftwareSigner;
    use serde_json::json;

    const AT: &str = "2026-12-10T09:00:00+07:00";

    fn key() -> SoftwareSigner {
        SoftwareSigner::generate_ephemeral().unwrap()
    }

    fn public(signer: &SoftwareSigner) -> Vec<u8> {
        signer.public_key().unwrap()
    }

    /// An answer signed by `signer` carrying `chain`.
    fn answer(signer: &SoftwareSigner, label: &str, chain: &[SignedEnvelope]) -> SignedEnvelope {
        let payload = json!({"seq": 7, ROTATIONS_MEMBER: chain});
        SignedEnvelope::sign(label, &payload, signer).unwrap()
    }

    fn trust(pinned: &SoftwareSigner, next: Option<&SoftwareSigner>) -> ServerTrust {
        ServerTrust {
            pinned: public(pinned),
            next: next.map(public),
        }
    }

    #[test]
    fn a_rotation_signed_by_the_pinned_key_is_learned_as_next() {
        let (old, new) = (key(), key());
        let rotation = sign_rotation(&old, &public(&new), AT).unwrap();
        assert_eq!(open_rotation(&rotation, &public(&old)), Ok(public(&new)));
        let opened = trust(&old, None)
            .open(
                &answer(&old, LABEL_ACK, std::slice::from_ref(&rotation)),
                LABEL_ACK,
            )
            .unwrap();
        assert_eq!(opened.change, TrustChange::LearnNext(public(&new)));
        let payload: serde_json::Value = serde_json::from_slice(&opened.payload).unwrap();
        assert_eq!(payload["seq"], 7);
        // Already known: nothing to change.
        let again = trust(&old, Some(&new))
            .open(&answer(&old, LABEL_ACK, &[rotation]), LABEL_ACK)
            .unwrap();
        assert_eq!(again.change, TrustChange::Keep);
    }

    #[test]
    fn a_rotation_signed_by_another_key_or_in_another_context_is_not_taken() {
        let (old, new, thief) = (key(), key(), key());
        // Signed by a key the device does not pin, even one claiming to be the pinned key.
        let mut forged = sign_rotation(&thief, &public(&new), AT).unwrap();
        assert!(open_rotation(&forged, &public(&old)).is_err());
        forged.key = key_fingerprint(&public(&old));
        let opened = trust(&old, None)
            .open(&answer(&old, LABEL_ACK, &[forged]), LABEL_ACK)
            .unwrap();
        assert_eq!(opened.change, TrustChange::Keep);
        // The very same rotation content signed by the pinned key as an acknowledgement.
        let body = KeyRotation {
            from: key_fingerprint(&public(&old)),
            to: key_fingerprint(&public(&new)),
            public_key: B64.encode(public(&new)),
            issued_at: AT.into(),
        };
        let as_ack = SignedEnvelope::sign(LABEL_ACK, &body, &old).unwrap();
        assert_eq!(
            open_rotation(&as_ack, &public(&old)),
            Err(EnvelopeError::Signature)
        );
        assert!(follow(&[as_ack], &public(&old)).is_empty());
        // A rotation whose fingerprints do not name its keys.
        let mut lying = body.clone();
        lying.to = key_fingerprint(&public(&thief));
        let lying = SignedEnvelope::sign(LABEL_ROTATE, &lying, &old).unwrap();
        assert_eq!(
            open_rotation(&lying, &public(&old)),
            Err(EnvelopeError::Signature)
        );
    }

    #[test]
    fn a_rotation_is_never_an_ack_or_a_page_and_they_are_never_a_rotation() {
        let (old, new) = (key(), key());
        let rotation = sign_rotation(&old, &public(&new), AT).unwrap();
        let pinned = trust(&old, None);
        for label in [LABEL_ACK, LABEL_DOWNSYNC] {
            assert_eq!(
                pinned.open(&rotation, label),
                Err(TrustError::Signature),
                "{label}"
            );
            let reply = answer(&old, label, &[]);
            assert!(open_rotation(&reply, &public(&old)).is_err(), "{label}");
        }
        assert!(pinned.open(&rotation, LABEL_ROTATE).is_ok());
    }

    #[test]
    fn after_the_switch_the_next_key_is_taken_and_repinned() {
        let (old, new) = (key(), key());
        let opened = trust(&old, Some(&new))
            .open(&answer(&new, LABEL_DOWNSYNC, &[]), LABEL_DOWNSYNC)
            .unwrap();
        assert_eq!(opened.change, TrustChange::Repin(public(&new)));
        // Once re-pinned, the new key is simply the pinned one.
        let opened = trust(&new, None)
            .open(&answer(&new, LABEL_DOWNSYNC, &[]), LABEL_DOWNSYNC)
            .unwrap();
        assert_eq!(opened.change, TrustChange::Keep);
    }

    #[test]
    fn a_device_offline_across_rotations_follows_the_carried_chain() {
        let (k1, k2, k3) = (key(), key(), key());
        let first = sign_rotation(&k1, &public(&k2), AT).unwrap();
        let second = sign_rotation(&k2, &public(&k3), AT).unwrap();
        // One rotation behind, and two (links in any order).
        let opened = trust(&k1, None)
            .open(
                &answer(&k2, LABEL_ACK, std::slice::from_ref(&first)),
                LABEL_ACK,
            )
            .unwrap();
        assert_eq!(opened.change, TrustChange::Repin(public(&k2)));
        let opened = trust(&k1, None)
            .open(
                &answer(&k3, LABEL_ACK, &[second.clone(), first.clone()]),
                LABEL_ACK,
            )
            .unwrap();
        assert_eq!(opened.change, TrustChange::Repin(public(&k3)));
        // Without the link from the pinned key, the new key is unknown.
        assert_eq!(
            trust(&k1, None).open(&answer(&k3, LABEL_ACK, &[second]), LABEL_ACK),
            Err(TrustError::UnknownKey)
        );
    }

    #[test]
    fn an_unknown_key_and_a_bad_signature_are_refused_apart() {
        let (pinned, thief) = (key(), key());
        let t = trust(&pinned, None);
        assert_eq!(
            t.open(&answer(&thief, LABEL_ACK, &[]), LABEL_ACK),
            Err(TrustError::UnknownKey)
        );
        // A thief vouching for itself with its own rotation gets nowhere either.
        let own = sign_rotation(&thief, &public(&key()), AT).unwrap();
        assert_eq!(
            t.open(&answer(&thief, LABEL_ACK, &[own]), LABEL_ACK),
            Err(TrustError::UnknownKey)
        );
        let mut tampered = answer(&pinned, LABEL_ACK, &[]);
        tampered.payload = B64.encode(br#"{"seq":8}"#);
        assert_eq!(t.open(&tampered, LABEL_ACK), Err(TrustError::Signature));
        let mut garbage = answer(&pinned, LABEL_ACK, &[]);
        garbage.signature = "%%%".into();
        assert_eq!(t.open(&garbage, LABEL_ACK), Err(TrustError::Malformed));
    }

    #[test]
    fn a_cycle_or_a_long_chain_ends_the_walk() {
        let keys: Vec<SoftwareSigner> = (0..MAX_CHAIN + 3).map(|_| key()).collect();
        let mut chain: Vec<SignedEnvelope> = keys
            .windows(2)
            .map(|w| sign_rotation(&w[0], &public(&w[1]), AT).unwrap())
            .collect();
        assert_eq!(follow(&chain, &public(&keys[0])).len(), MAX_CHAIN);
        // k0 -> k1 -> k2 -> k0: two keys, then the walk is back at its start.
        chain.truncate(2);
        chain.push(sign_rotation(&keys[2], &public(&keys[0]), AT).unwrap());
        let walked = follow(&chain, &public(&keys[0]));
        assert_eq!(walked, vec![public(&keys[1]), public(&keys[2])]);
    }
}
