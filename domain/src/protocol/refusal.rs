//! Every refusal of the device API, typed once (docs/PROTOCOL.md, "Errors"): its stable code,
//! its HTTP status and its text, Indonesian first. The server answers with these
//! (`{"error": {"code", "message": {"id", "en"}}}`), the device maps a refusal it receives to
//! its own error with the same text (the server's text is not signed, so the device never shows
//! what it received: it shows this), and the server's `openapi.json` lists them (a test there
//! checks the document against [`Refusal::ALL`]).
//!
//! The texts speak to the agent holding the phone: what happened, and what to do.

use crate::message::Message;

/// A refusal of the device API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Refusal {
    /// 400: the activation request is not the JSON of the protocol.
    ActivationMalformed,
    /// 401: the proof of possession of the new device key does not verify.
    ActivationSignature,
    /// 400: the activation code is not 13 letters and digits.
    CodeFormat,
    /// 400: the activation code's check character does not match (a typo; no try counted).
    CodeCheck,
    /// 403: the server does not know the activation code.
    CodeInvalid,
    /// 403: the activation code is past its validity.
    CodeExpired,
    /// 403: the activation code was used by another device key.
    CodeUsed,
    /// 403: the activation code is locked after too many wrong tries.
    CodeLocked,
    /// 403: the agent is suspended or ended.
    AgentInactive,
    /// 409: the device key is already bound to another device.
    KeyInUse,
    /// 413: the batch is larger than the protocol allows.
    BatchTooLarge,
    /// 400: the batch's framing or header cannot be read.
    BatchMalformed,
    /// 400: the batch body does not match the hash its header signs.
    BatchBodyHash,
    /// 401: the batch header's signature does not verify under the device's key.
    BatchSignature,
    /// 403: the server does not know the device (activate again).
    DeviceUnknown,
    /// 403: the device was revoked (the answer carries a signed wipe command).
    DeviceRevoked,
    /// 409: the device's batch chain forked.
    SeqFork,
    /// 409: the server misses earlier batches (the answer carries `expected_seq`).
    SeqGap,
    /// 400: the sequence number is out of the protocol's range.
    SeqRange,
    /// 413: a request other than a batch is too large.
    RequestTooLarge,
    /// 400: the request's body cannot be read.
    RequestMalformed,
    /// 401: the request carries no device signature.
    RequestUnsigned,
    /// 401: the request's signature does not verify.
    RequestSignature,
    /// 401: the request's nonce is unknown or was used.
    RequestNonce,
    /// 400: the downsync cursor is not one the server gave.
    CursorInvalid,
    /// 426: the app speaks a protocol version the server no longer accepts.
    ProtocolVersion,
    /// 429: too many requests (the answer carries `Retry-After`).
    RateLimited,
    /// 404: no such address.
    NotFound,
    /// 500: the server failed; nothing was stored.
    ServerError,
}

impl Refusal {
    /// Every refusal, in the order of the list above.
    pub const ALL: [Refusal; 29] = [
        Refusal::ActivationMalformed,
        Refusal::ActivationSignature,
        Refusal::CodeFormat,
        Refusal::CodeCheck,
        Refusal::CodeInvalid,
        Refusal::CodeExpired,
        Refusal::CodeUsed,
        Refusal::CodeLocked,
        Refusal::AgentInactive,
        Refusal::KeyInUse,
        Refusal::BatchTooLarge,
        Refusal::BatchMalformed,
        Refusal::BatchBodyHash,
        Refusal::BatchSignature,
        Refusal::DeviceUnknown,
        Refusal::DeviceRevoked,
        Refusal::SeqFork,
        Refusal::SeqGap,
        Refusal::SeqRange,
        Refusal::RequestTooLarge,
        Refusal::RequestMalformed,
        Refusal::RequestUnsigned,
        Refusal::RequestSignature,
        Refusal::RequestNonce,
        Refusal::CursorInvalid,
        Refusal::ProtocolVersion,
        Refusal::RateLimited,
        Refusal::NotFound,
        Refusal::ServerError,
    ];

    /// The stable code (`error.code` on the wire).
    pub const fn code(self) -> &'static str {
        match self {
            Refusal::ActivationMalformed => "activation.malformed",
            Refusal::ActivationSignature => "activation.signature",
            Refusal::CodeFormat => "code.format",
            Refusal::CodeCheck => "code.check",
            Refusal::CodeInvalid => "code.invalid",
            Refusal::CodeExpired => "code.expired",
            Refusal::CodeUsed => "code.used",
            Refusal::CodeLocked => "code.locked",
            Refusal::AgentInactive => "agent.inactive",
            Refusal::KeyInUse => "key.in_use",
            Refusal::BatchTooLarge => "batch.too_large",
            Refusal::BatchMalformed => "batch.malformed",
            Refusal::BatchBodyHash => "batch.body_hash",
            Refusal::BatchSignature => "batch.signature",
            Refusal::DeviceUnknown => "device.unknown",
            Refusal::DeviceRevoked => "device.revoked",
            Refusal::SeqFork => "seq.fork",
            Refusal::SeqGap => "seq.gap",
            Refusal::SeqRange => "seq.range",
            Refusal::RequestTooLarge => "request.too_large",
            Refusal::RequestMalformed => "request.malformed",
            Refusal::RequestUnsigned => "request.unsigned",
            Refusal::RequestSignature => "request.signature",
            Refusal::RequestNonce => "request.nonce",
            Refusal::CursorInvalid => "cursor.invalid",
            Refusal::ProtocolVersion => "protocol.version",
            Refusal::RateLimited => "rate_limited",
            Refusal::NotFound => "not_found",
            Refusal::ServerError => "server.error",
        }
    }

    /// The HTTP status the server answers it with.
    pub const fn status(self) -> u16 {
        match self {
            Refusal::ActivationMalformed
            | Refusal::CodeFormat
            | Refusal::CodeCheck
            | Refusal::BatchMalformed
            | Refusal::BatchBodyHash
            | Refusal::SeqRange
            | Refusal::RequestMalformed
            | Refusal::CursorInvalid => 400,
            Refusal::ActivationSignature
            | Refusal::BatchSignature
            | Refusal::RequestUnsigned
            | Refusal::RequestSignature
            | Refusal::RequestNonce => 401,
            Refusal::CodeInvalid
            | Refusal::CodeExpired
            | Refusal::CodeUsed
            | Refusal::CodeLocked
            | Refusal::AgentInactive
            | Refusal::DeviceUnknown
            | Refusal::DeviceRevoked => 403,
            Refusal::NotFound => 404,
            Refusal::KeyInUse | Refusal::SeqFork | Refusal::SeqGap => 409,
            Refusal::BatchTooLarge | Refusal::RequestTooLarge => 413,
            Refusal::ProtocolVersion => 426,
            Refusal::RateLimited => 429,
            Refusal::ServerError => 500,
        }
    }

    /// The refusal with this code, if it is one.
    pub fn from_code(code: &str) -> Option<Refusal> {
        Refusal::ALL.into_iter().find(|r| r.code() == code)
    }

    /// What the agent reads, Indonesian first.
    pub fn message(self) -> Message {
        let (id, en) = match self {
            Refusal::ActivationMalformed => (
                "Permintaan aktivasi tidak dapat dibaca server. Perbarui aplikasi atau hubungi \
                 kantor cabang.",
                "The server cannot read the activation request. Update the app or contact the \
                 branch office.",
            ),
            Refusal::ActivationSignature => (
                "Bukti kunci perangkat tidak sah. Hubungi kantor cabang.",
                "The proof of the device key is not valid. Contact the branch office.",
            ),
            Refusal::CodeFormat => (
                "Kode aktivasi harus 13 huruf dan angka; periksa kembali.",
                "The activation code must be 13 letters and digits; check it again.",
            ),
            Refusal::CodeCheck => (
                "Kode aktivasi salah ketik; periksa kembali.",
                "The activation code has a typo; check it again.",
            ),
            Refusal::CodeInvalid => (
                "Kode aktivasi tidak dikenal server.",
                "The server does not know this activation code.",
            ),
            Refusal::CodeExpired => (
                "Kode aktivasi sudah kedaluwarsa; minta kode baru.",
                "The activation code has expired; ask for a new one.",
            ),
            Refusal::CodeUsed => (
                "Kode aktivasi sudah dipakai perangkat lain; minta kode baru.",
                "The activation code was already used by another device; ask for a new one.",
            ),
            Refusal::CodeLocked => (
                "Kode aktivasi diblokir setelah terlalu banyak percobaan; minta kode baru.",
                "The activation code is locked after too many tries; ask for a new one.",
            ),
            Refusal::AgentInactive => (
                "Agen tidak aktif; hubungi kantor cabang.",
                "The agent is not active; contact the branch office.",
            ),
            Refusal::KeyInUse => (
                "Kunci perangkat ini sudah terdaftar untuk perangkat lain.",
                "This device key is already registered for another device.",
            ),
            Refusal::BatchTooLarge => (
                "Kiriman terlalu besar. Data tetap tersimpan; hubungi kantor cabang.",
                "The upload is too large. The data stays saved; contact the branch office.",
            ),
            Refusal::BatchMalformed => (
                "Kiriman rusak dan tidak dapat dibaca server. Data tetap tersimpan; hubungi \
                 kantor cabang.",
                "The server cannot read the upload. The data stays saved; contact the branch \
                 office.",
            ),
            Refusal::BatchBodyHash => (
                "Isi kiriman tidak cocok dengan tanda tangannya. Data tetap tersimpan; hubungi \
                 kantor cabang.",
                "The upload's content does not match its signature. The data stays saved; \
                 contact the branch office.",
            ),
            Refusal::BatchSignature => (
                "Tanda tangan perangkat tidak sah. Data tetap tersimpan; hubungi kantor cabang.",
                "The device signature is not valid. The data stays saved; contact the branch \
                 office.",
            ),
            Refusal::DeviceUnknown => (
                "Perangkat tidak dikenal server; aktifkan ulang perangkat.",
                "The server does not know this device; activate the device again.",
            ),
            Refusal::DeviceRevoked => (
                "Perangkat ini telah dicabut; data di perangkat dihapus.",
                "This device has been revoked; its data is erased.",
            ),
            Refusal::SeqFork => (
                "Urutan kiriman perangkat ini tidak cocok dengan server. Pengiriman dihentikan; \
                 hubungi supervisor.",
                "This device's upload sequence does not match the server. Sending stopped; \
                 contact your supervisor.",
            ),
            Refusal::SeqGap => (
                "Server belum menerima kiriman sebelumnya; kirim ulang mulai nomor yang diminta.",
                "The server is missing earlier uploads; resend from the expected number.",
            ),
            Refusal::SeqRange => (
                "Nomor urut kiriman di luar batas yang sah. Hubungi kantor cabang.",
                "The upload's sequence number is out of range. Contact the branch office.",
            ),
            Refusal::RequestTooLarge => (
                "Permintaan terlalu besar. Data tetap tersimpan; hubungi kantor cabang.",
                "The request is too large. The data stays saved; contact the branch office.",
            ),
            Refusal::RequestMalformed => (
                "Permintaan tidak dapat dibaca server. Data tetap tersimpan; hubungi kantor \
                 cabang.",
                "The server cannot read the request. The data stays saved; contact the branch \
                 office.",
            ),
            Refusal::RequestUnsigned => (
                "Permintaan tidak ditandatangani perangkat. Hubungi kantor cabang.",
                "The request is not signed by a device. Contact the branch office.",
            ),
            Refusal::RequestSignature => (
                "Tanda tangan permintaan tidak sah. Hubungi kantor cabang.",
                "The request signature is not valid. Contact the branch office.",
            ),
            Refusal::RequestNonce => (
                "Nonce tidak berlaku atau sudah dipakai; sinkronkan lagi.",
                "The nonce is unknown or already used; sync again.",
            ),
            Refusal::CursorInvalid => (
                "Penanda sinkronisasi tidak sah. Hubungi kantor cabang.",
                "The sync cursor is not valid. Contact the branch office.",
            ),
            Refusal::ProtocolVersion => (
                "Versi aplikasi terlalu lama; perbarui aplikasi.",
                "This app version is too old; please update the app.",
            ),
            Refusal::RateLimited => (
                "Terlalu banyak permintaan; coba lagi nanti.",
                "Too many requests; try again later.",
            ),
            Refusal::NotFound => ("Alamat tidak ditemukan.", "Not found."),
            Refusal::ServerError => (
                "Terjadi kesalahan di server; coba lagi nanti. Data tetap tersimpan.",
                "Something went wrong on the server; try again later. The data stays saved.",
            ),
        };
        Message::new(id, en)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_read_back() {
        let codes: HashSet<&str> = Refusal::ALL.iter().map(|r| r.code()).collect();
        assert_eq!(codes.len(), Refusal::ALL.len());
        for r in Refusal::ALL {
            assert_eq!(Refusal::from_code(r.code()), Some(r));
        }
        assert_eq!(Refusal::from_code("no.such.code"), None);
    }

    #[test]
    fn every_refusal_has_its_own_text_in_both_languages() {
        let texts: HashSet<String> = Refusal::ALL.iter().map(|r| r.message().id).collect();
        assert_eq!(texts.len(), Refusal::ALL.len());
        for r in Refusal::ALL {
            let m = r.message();
            assert!(!m.id.is_empty() && !m.en.is_empty(), "{}", r.code());
            assert_ne!(m.id, m.en, "{}", r.code());
        }
    }

    #[test]
    fn statuses_are_client_errors_but_for_the_server_error() {
        for r in Refusal::ALL {
            let client = (400..500).contains(&r.status());
            assert_eq!(client, r != Refusal::ServerError, "{}", r.code());
        }
    }
}
