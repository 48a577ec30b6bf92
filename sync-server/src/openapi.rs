//! The device API as OpenAPI 3.1 (`GET /openapi.json`), written by hand next to the handlers it
//! describes; `tests/ops.rs` checks that every route the router serves is in it and that the
//! status codes listed are the ones the handlers give.

use serde_json::{json, Value};

/// The document.
pub fn document() -> Value {
    let error = |description: &str| json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}});
    let signed = |description: &str, payload: &str| {
        json!({"description": format!("{description} Signed envelope; the payload (base64 JSON) is a {payload}."),
               "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SignedEnvelope"}}}})
    };
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Perisai Field device API",
            "version": "1",
            "description": "Sync protocol v1 (DESIGN.md §4, docs/PROTOCOL.md). Signatures are ECDSA P-256/SHA-256, DER, base64. Signed envelopes carry a payload signed in a context: perisai/v1/activate (activation answer), perisai/v1/ack (batch acknowledgement), perisai/v1/downsync (downsync, nonce and wipe command). Errors are plain JSON: {\"error\": {\"code\", \"message\": {\"id\", \"en\"}}}."
        },
        "paths": {
            "/v1/activate": {"post": {
                "summary": "Bind a new device key to an agent with a one-time code (proof of possession).",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActivationRequest"}}}},
                "responses": {
                    "200": signed("Activated (or the same binding again, for a retry with the same key).", "ActivationResponse (context perisai/v1/activate)"),
                    "400": error("activation.malformed, code.format, code.check (typo: no try counted)"),
                    "401": error("activation.signature: the proof of possession does not verify (counts as a wrong try)"),
                    "403": error("code.invalid (unknown), code.expired (72 h), code.used (another key; counts as a wrong try), code.locked (5 wrong tries), agent.inactive"),
                    "409": error("key.in_use: this public key is bound to another device"),
                    "413": error("request.too_large"),
                    "426": error("protocol.version, with min_app_version"),
                    "429": error("rate_limited: too many unknown codes from this address; Retry-After header")
                }
            }},
            "/v1/batches": {"post": {
                "summary": "Upload one frozen batch (resend the identical bytes on retry).",
                "requestBody": {"required": true, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary",
                    "description": "u16 BE header length, header JSON, u16 BE signature length, DER signature over perisai/v1/batch ‖ 0x00 ‖ header, deflate(JSON array of records). At most 98304 bytes."}}}},
                "responses": {
                    "200": signed("Stored and acknowledged, or a replay of a stored seq with the same hash (the stored acknowledgement, byte for byte).", "Ack (context perisai/v1/ack)"),
                    "400": error("batch.malformed (undecodable framing or header) or batch.body_hash (body does not match the signed header)"),
                    "401": error("batch.signature"),
                    "403": error("device.unknown, or device.revoked with error.wipe: a signed DeviceCommand {kind: wipe} (context perisai/v1/downsync); a validly signed batch of a revoked device is quarantined"),
                    "408": {"description": "The request did not complete within the server's deadline (slow upload)."},
                    "409": error("seq.fork (same seq, other hash; or not continuing the hash chain: the device is flagged) or seq.gap with error.expected_seq (resend kept batches from there)"),
                    "413": error("batch.too_large"),
                    "426": error("protocol.version, with error.min_app_version"),
                    "429": error("rate_limited; Retry-After header (seconds)")
                }
            }},
            "/v1/nonce": {"post": {
                "summary": "A fresh single-use nonce for the next signed request.",
                "parameters": [{"$ref": "#/components/parameters/Device"}],
                "responses": {
                    "200": signed("A nonce.", "NonceResponse (context perisai/v1/downsync)"),
                    "401": error("request.unsigned: no Perisai-Device header"),
                    "403": error("device.unknown, or device.revoked with error.wipe")
                }
            }},
            "/v1/downsync": {"post": {
                "summary": "Decisions, payment codes, payment confirmations, statements, NIK tag deltas, rule sets and device commands since a cursor (signed request; it also carries the cash the agent recorded).",
                "parameters": [
                    {"$ref": "#/components/parameters/Device"},
                    {"name": "Perisai-Nonce", "in": "header", "required": true, "schema": {"type": "string"}, "description": "A nonce from the server's previous signed answer (single use)."},
                    {"name": "Perisai-Signature", "in": "header", "required": true, "schema": {"type": "string"}, "description": "base64 DER over perisai/v1/request ‖ 0x00 ‖ POST ‖ 0x00 ‖ /v1/downsync ‖ 0x00 ‖ SHA-256(body) ‖ 0x00 ‖ nonce"}
                ],
                "requestBody": {"required": false, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/DownsyncRequest"}}}},
                "responses": {
                    "200": signed("Items since the cursor, the next cursor and the next nonce.", "DownsyncResponse (context perisai/v1/downsync)"),
                    "400": error("request.malformed or cursor.invalid"),
                    "401": error("request.unsigned, request.signature, request.nonce (unknown, expired or used: ask /v1/nonce)"),
                    "403": error("device.unknown, or device.revoked with error.wipe"),
                    "413": error("request.too_large")
                }
            }},
            "/healthz": {"get": {"summary": "Liveness and database reachability.", "responses": {
                "200": {"description": "{\"status\": \"ok\", \"database\": \"ok\"}"},
                "503": {"description": "The database does not answer."}
            }}},
            "/metrics": {"get": {"summary": "Prometheus metrics (text exposition format).", "responses": {"200": {"description": "perisai_batches_total{outcome}, perisai_records_total{status}, perisai_activations_total{outcome}, perisai_http_request_duration_seconds{route,status}"}}}},
            "/openapi.json": {"get": {"summary": "This document.", "responses": {"200": {"description": "OpenAPI 3.1 JSON"}}}}
        },
        "components": {
            "parameters": {
                "Device": {"name": "Perisai-Device", "in": "header", "required": true, "schema": {"type": "string"}, "description": "The device id from activation."}
            },
            "schemas": {
                "SignedEnvelope": {"type": "object", "required": ["payload", "signature", "key"], "properties": {
                    "payload": {"type": "string", "description": "base64 of the payload's JSON bytes"},
                    "signature": {"type": "string", "description": "base64 DER, by the server key, over context ‖ 0x00 ‖ payload bytes"},
                    "key": {"type": "string", "description": "fingerprint of the server key (hex SHA-256 of the 65-byte public key)"}
                }},
                "ErrorBody": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message"], "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "object", "required": ["id", "en"], "properties": {"id": {"type": "string"}, "en": {"type": "string"}}},
                    "expected_seq": {"type": "integer", "description": "seq.gap only"},
                    "min_app_version": {"type": "string", "description": "426 only"},
                    "wipe": {"$ref": "#/components/schemas/SignedEnvelope", "description": "device.revoked only: a DeviceCommand of kind wipe"}
                }}}},
                "ActivationRequest": {"type": "object", "additionalProperties": false, "required": ["v", "code", "public_key", "app_version", "signature"], "properties": {
                    "v": {"type": "integer", "const": 1},
                    "code": {"type": "string", "example": "ABCD-EFGH-JKMN-P", "description": "12 Crockford base32 characters and a check character; case, hyphens and spaces ignored"},
                    "public_key": {"type": "string", "description": "base64 of the 65-byte uncompressed P-256 key"},
                    "app_version": {"type": "string"},
                    "signature": {"type": "string", "description": "base64 DER by the new key over perisai/v1/activate ‖ 0x00 ‖ normalized code ‖ 0x00 ‖ public key bytes"}
                }},
                "ActivationResponse": {"type": "object", "properties": {
                    "device_id": {"type": "string"}, "agent_id": {"type": "string"}, "branch": {"type": "string"},
                    "server_key": {"type": "string", "description": "base64 of the server's 65-byte public key; check it against the QR code's fingerprint"},
                    "nonce": {"type": "string"},
                    "rule_sets": {"type": "array", "items": {"type": "object"}},
                    "nik_tags": {"$ref": "#/components/schemas/NikTagList"},
                    "cursor": {"type": "string"}
                }},
                "NikTagList": {"type": "object", "properties": {
                    "key_id": {"type": "string"},
                    "key": {"type": "string", "description": "base64 branch tag key: tag = first 3 bytes of HMAC-SHA256(key, perisai/v1/nik-tag24 ‖ 0x00 ‖ NIK)"},
                    "tags": {"type": "string", "description": "base64 of concatenated 3-byte tags"}
                }},
                "Ack": {"type": "object", "properties": {
                    "device_id": {"type": "string"}, "seq": {"type": "integer"}, "batch_hash": {"type": "string"},
                    "results": {"type": "array", "items": {"type": "object", "properties": {
                        "id": {"type": "string"},
                        "status": {"type": "string", "enum": ["accepted", "duplicate_record", "rejected"]},
                        "codes": {"type": "array", "items": {"type": "object", "properties": {"field": {"type": "string"}, "code": {"type": "string"}}},
                                  "description": "rejection codes (id.conflict, id.missing, device_id.mismatch, validation codes), or nik.duplicate_known on an accepted record"}
                    }}},
                    "nonce": {"type": "string"},
                    "batch_codes": {"type": "array", "description": "present when the whole batch was refused (batch.body_undecodable): every record in it is rejected"}
                }},
                "NonceResponse": {"type": "object", "properties": {"device_id": {"type": "string"}, "nonce": {"type": "string"}}},
                "DownsyncRequest": {"type": "object", "additionalProperties": false, "properties": {
                    "cursor": {"type": "string", "description": "opaque; empty for the start"},
                    "cash": {"type": "array", "description": "cash the agent recorded as collected, not yet uploaded; idempotent by id",
                             "items": {"type": "object", "additionalProperties": false, "required": ["id", "record_id", "amount", "months", "collected_at"], "properties": {
                                 "id": {"type": "string", "format": "uuid"}, "record_id": {"type": "string"},
                                 "amount": {"type": "integer", "minimum": 1, "description": "whole rupiah"},
                                 "months": {"type": "integer", "minimum": 1},
                                 "collected_at": {"type": "string", "format": "date-time", "description": "device clock"}}}}
                }},
                "DownsyncResponse": {"type": "object", "properties": {
                    "device_id": {"type": "string", "description": "the device that signed the request"},
                    "request_nonce": {"type": "string", "description": "the nonce the request was signed with: binds the answer to its request"},
                    "cursor": {"type": "string"}, "nonce": {"type": "string"}, "more": {"type": "boolean"},
                    "decisions": {"type": "array", "items": {"type": "object", "properties": {
                        "record_id": {"type": "string"}, "decision": {"type": "string", "enum": ["approved", "rejected", "has_issues"]},
                        "reason": {"type": "string"}, "decided_at": {"type": "string", "format": "date-time"}}}},
                    "nik_tag_deltas": {"$ref": "#/components/schemas/NikTagList"},
                    "rule_sets": {"type": "array", "items": {"type": "object"}},
                    "commands": {"type": "array", "items": {"$ref": "#/components/schemas/DeviceCommand"}},
                    "payment_codes": {"type": "array", "description": "the payment code (kode iuran) of each approved record among the decisions",
                                      "items": {"type": "object", "properties": {"record_id": {"type": "string"}, "payment_code": {"type": "string", "pattern": "^[0-9]{12}$"}}}},
                    "payments": {"type": "array", "description": "records with payments confirmed since the cursor: the last contribution month paid without a gap",
                                 "items": {"type": "object", "properties": {"record_id": {"type": "string"}, "paid_through": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"}}}},
                    "statements": {"type": "array", "description": "the agent's issued monthly incentive statements (month, status confirmed, lines, totals)",
                                   "items": {"type": "object"}}
                }},
                "DeviceCommand": {"type": "object", "properties": {
                    "id": {"type": "string"}, "device_id": {"type": "string"},
                    "kind": {"type": "string", "enum": ["wipe", "agent.suspended"]},
                    "issued_at": {"type": "string", "format": "date-time"}
                }}
            }
        }
    })
}
