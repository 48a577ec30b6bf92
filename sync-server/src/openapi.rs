//! The device API as OpenAPI 3.1 (`GET /openapi.json`), written by hand next to the handlers it
//! describes; `tests/ops.rs` checks that every route the router serves is in it and that the
//! status codes listed are the ones the handlers give.
//!
//! Every refusal names the exact error codes it can carry (an `enum` on `error.code`), so a
//! schema-driven fuzzer (`scripts/api-fuzz.sh`, schemathesis) checks not only the status but the
//! code of every error it provokes against this document.

use perisai_domain::protocol::downsync::Decision;
use serde_json::{json, Value};

/// The document.
pub fn document() -> Value {
    // An error answer whose `error.code` is one of `codes` (the description says when).
    let error = |codes: &[&str], description: &str| {
        json!({"description": description, "content": {"application/json": {"schema": {"allOf": [
            {"$ref": "#/components/schemas/ErrorBody"},
            {"properties": {"error": {"properties": {"code": {"enum": codes}}}}}
        ]}}}})
    };
    let signed = |description: &str, payload: &str| {
        json!({"description": format!("{description} Signed envelope; the payload (base64 JSON) is a {payload}."),
               "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SignedEnvelope"}}}})
    };
    let rate_limited = |description: &str| {
        let mut answer = error(&["rate_limited"], description);
        answer["headers"] = json!({"Retry-After": {"required": true, "description": "seconds to wait",
            "schema": {"type": "string", "pattern": "^[1-9][0-9]*$"}}});
        answer
    };
    // The whole-request deadline (`api::router`'s timeout layer): a plain 408 with no body.
    let deadline = || json!({"description": "The request did not complete within the server's deadline (a slow upload or a stalled database)."});
    let decisions: Vec<&str> = Decision::ALL.iter().map(|d| d.as_str()).collect();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Perisai Field device API",
            "version": "1",
            "description": "Sync protocol v1 (ARCHITECTURE.md §4, docs/PROTOCOL.md). Signatures are ECDSA P-256/SHA-256, DER, base64. Signed envelopes carry a payload signed in a context: perisai/v1/activate (activation answer), perisai/v1/ack (batch acknowledgement), perisai/v1/downsync (downsync, nonce and wipe command). Errors are plain JSON: {\"error\": {\"code\", \"message\": {\"id\", \"en\"}}}."
        },
        "paths": {
            "/v1/activate": {"post": {
                "summary": "Bind a new device key to an agent with a one-time code (proof of possession).",
                "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ActivationRequest"}}}},
                "responses": {
                    "200": signed("Activated (or the same binding again, for a retry with the same key).", "ActivationResponse (context perisai/v1/activate)"),
                    "400": error(&["activation.malformed", "code.format", "code.check"], "activation.malformed (not the JSON above, or a key or signature that is not base64 of the right form), code.format, code.check (typo: no try counted)"),
                    "401": error(&["activation.signature"], "activation.signature: the proof of possession does not verify (counts as a wrong try)"),
                    "403": error(&["code.invalid", "code.expired", "code.used", "code.locked", "agent.inactive"], "code.invalid (unknown), code.expired (72 h), code.used (another key; counts as a wrong try), code.locked (5 wrong tries), agent.inactive"),
                    "408": deadline(),
                    "409": error(&["key.in_use"], "key.in_use: this public key is bound to another device"),
                    "413": error(&["request.too_large"], "request.too_large"),
                    "426": error(&["protocol.version"], "protocol.version, with min_app_version"),
                    "429": rate_limited("rate_limited: too many unknown codes from this address; Retry-After header")
                }
            }},
            "/v1/batches": {"post": {
                "summary": "Upload one frozen batch (resend the identical bytes on retry).",
                "requestBody": {"required": true, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary",
                    "description": "u16 BE header length, header JSON, u16 BE signature length, DER signature over perisai/v1/batch ‖ 0x00 ‖ header, deflate(JSON array of records). At most 98304 bytes."}}}},
                "responses": {
                    "200": signed("Stored and acknowledged, or a replay of a stored seq with the same hash (the stored acknowledgement, byte for byte).", "Ack (context perisai/v1/ack)"),
                    "400": error(&["batch.malformed", "batch.body_hash", "seq.range"], "batch.malformed (undecodable framing or header), batch.body_hash (body does not match the signed header) or seq.range (a validly signed header whose seq is 0 or beyond 2^63-1)"),
                    "401": error(&["batch.signature"], "batch.signature"),
                    "403": error(&["device.unknown", "device.revoked"], "device.unknown, or device.revoked with error.wipe: a signed DeviceCommand {kind: wipe} (context perisai/v1/downsync); a validly signed batch of a revoked device is quarantined"),
                    "408": deadline(),
                    "409": error(&["seq.fork", "seq.gap"], "seq.fork (same seq, other hash; or not continuing the hash chain: the device is flagged) or seq.gap with error.expected_seq (resend kept batches from there)"),
                    "413": error(&["batch.too_large"], "batch.too_large"),
                    "426": error(&["protocol.version"], "protocol.version, with error.min_app_version"),
                    "429": rate_limited("rate_limited; Retry-After header (seconds)")
                }
            }},
            "/v1/nonce": {"post": {
                "summary": "A fresh single-use nonce for the next signed request.",
                "parameters": [{"$ref": "#/components/parameters/Device"}],
                "responses": {
                    "200": signed("A nonce.", "NonceResponse (context perisai/v1/downsync)"),
                    "401": error(&["request.unsigned"], "request.unsigned: no Perisai-Device header"),
                    "403": error(&["device.unknown", "device.revoked"], "device.unknown, or device.revoked with error.wipe"),
                    "408": deadline()
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
                    "400": error(&["request.malformed", "cursor.invalid"], "request.malformed or cursor.invalid"),
                    "401": error(&["request.unsigned", "request.signature", "request.nonce"], "request.unsigned, request.signature, request.nonce (unknown, expired or used: ask /v1/nonce)"),
                    "403": error(&["device.unknown", "device.revoked"], "device.unknown, or device.revoked with error.wipe"),
                    "408": deadline(),
                    "413": error(&["request.too_large"], "request.too_large")
                }
            }},
            "/healthz": {"get": {"summary": "Liveness and database reachability.", "responses": {
                "200": {"description": "The server runs and its database answers.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}},
                "503": {"description": "The database does not answer.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Health"}}}}
            }}},
            "/metrics": {"get": {"summary": "Prometheus metrics (text exposition format).", "responses": {"200": {
                "description": "perisai_batches_total{outcome}, perisai_records_total{status}, perisai_activations_total{outcome}, perisai_http_request_duration_seconds{route,status}",
                "content": {"text/plain": {"schema": {"type": "string"}}}}}}},
            "/openapi.json": {"get": {"summary": "This document.", "responses": {"200": {"description": "OpenAPI 3.1 JSON",
                "content": {"application/json": {"schema": {"type": "object", "required": ["openapi", "info", "paths"]}}}}}}}
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
                    "message": {"type": "object", "required": ["id", "en"], "properties": {"id": {"type": "string", "minLength": 1}, "en": {"type": "string", "minLength": 1}}},
                    "expected_seq": {"type": "integer", "minimum": 1, "description": "seq.gap only"},
                    "min_app_version": {"type": "string", "description": "426 only"},
                    "wipe": {"$ref": "#/components/schemas/SignedEnvelope", "description": "device.revoked only: a DeviceCommand of kind wipe"}
                },
                // What a device needs to recover is always there with its code.
                "allOf": [
                    {"if": {"properties": {"code": {"const": "seq.gap"}}}, "then": {"required": ["expected_seq"]}},
                    {"if": {"properties": {"code": {"const": "protocol.version"}}}, "then": {"required": ["min_app_version"]}},
                    {"if": {"properties": {"code": {"const": "device.revoked"}}}, "then": {"required": ["wipe"]}}
                ]}}},
                "Health": {"type": "object", "required": ["status", "database"], "properties": {
                    "status": {"type": "string", "enum": ["ok", "unavailable"]},
                    "database": {"type": "string", "enum": ["ok", "unreachable"]}
                }},
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
                // The request as the server reads it (anything else is 400 request.malformed).
                // A cash item that reads but is out of bounds, or names a record that is not the
                // agent's, is not kept, and the answer is still 200: the device sends its cash
                // until a downsync succeeds, so refusing the whole request for one item would
                // stop its downsync (decisions, commands) for good. The device's own checks
                // (`record_cash`) never let such an item out.
                "DownsyncRequest": {"type": "object", "additionalProperties": false, "properties": {
                    "cursor": {"type": "string", "pattern": "^(d[0-9]{1,18}\\.t[0-9]{1,18}\\.c[0-9]{1,18}\\.r[0-9]{1,18}(\\.y[0-9]{1,18}\\.s[0-9]{1,18})?)?$",
                               "description": "the cursor of the previous answer, sent back as is; empty for the start (cursor.invalid otherwise)"},
                    "cash": {"type": "array", "description": "cash the agent recorded as collected, not yet acknowledged by a verified downsync answer; idempotent by id. Kept only when: id 1 to 64 characters without control characters (the device sends a UUID), record_id 1 to 64 characters without control characters and a record of the agent's, amount 1 to 1,000,000,000 rupiah, months 1 to 12, collected_at RFC 3339 and not after a day from now",
                             "items": {"type": "object", "additionalProperties": false, "required": ["id", "record_id", "amount", "months", "collected_at"], "properties": {
                                 "id": {"type": "string", "description": "a UUID made on the device"}, "record_id": {"type": "string"},
                                 "amount": {"type": "integer", "format": "int64", "description": "whole rupiah"},
                                 "months": {"type": "integer", "minimum": 0, "maximum": u32::MAX, "description": "contribution months"},
                                 "collected_at": {"type": "string", "description": "RFC 3339, device clock"}}}}
                }},
                "DownsyncResponse": {"type": "object", "properties": {
                    "device_id": {"type": "string", "description": "the device that signed the request"},
                    "request_nonce": {"type": "string", "description": "the nonce the request was signed with: binds the answer to its request"},
                    "cursor": {"type": "string"}, "nonce": {"type": "string"}, "more": {"type": "boolean"},
                    "chain_seq": {"type": "integer", "minimum": 0, "description": "seq of the last batch of this device the server holds; lower than the device's after a restore from backup, and the device then resends its kept batches from the next one"},
                    "decisions": {"type": "array", "items": {"type": "object", "properties": {
                        "record_id": {"type": "string"}, "decision": {"type": "string", "enum": decisions},
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `error.code` enum in the document, with where it is.
    fn documented_codes(value: &Value, at: &str, found: &mut Vec<(String, String)>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::Array(codes)) = map
                    .get("properties")
                    .and_then(|p| p.get("error"))
                    .and_then(|e| e.get("properties"))
                    .and_then(|p| p.get("code"))
                    .and_then(|c| c.get("enum"))
                {
                    for code in codes {
                        found.push((at.to_string(), code.as_str().unwrap_or("").to_string()));
                    }
                }
                for (key, child) in map {
                    documented_codes(child, &format!("{at}/{key}"), found);
                }
            }
            Value::Array(items) => {
                for item in items {
                    documented_codes(item, at, found);
                }
            }
            _ => {}
        }
    }

    /// The document and the protocol's refusals agree: every code the document lists is a
    /// `Refusal` (so it has its one text) and is listed under that refusal's status, and every
    /// refusal a device can meet is documented somewhere.
    #[test]
    fn every_documented_error_code_is_a_refusal_under_its_status() {
        use perisai_domain::protocol::refusal::Refusal;
        let mut found = Vec::new();
        documented_codes(&document(), "", &mut found);
        assert!(found.len() > 20, "{found:?}");
        for (at, code) in &found {
            let refusal = Refusal::from_code(code)
                .unwrap_or_else(|| panic!("{code} at {at} is not a refusal of the protocol"));
            let status = at
                .split("/responses/")
                .nth(1)
                .and_then(|rest| rest.split('/').next())
                .unwrap_or_else(|| panic!("no status in {at}"));
            assert_eq!(status, refusal.status().to_string(), "{code} at {at}");
        }
        for refusal in Refusal::ALL {
            // A server failure and an unknown address are not answers of one operation.
            if matches!(refusal, Refusal::ServerError | Refusal::NotFound) {
                continue;
            }
            assert!(
                found.iter().any(|(_, code)| code == refusal.code()),
                "{} is not documented",
                refusal.code()
            );
        }
    }

    #[test]
    fn every_device_refusal_names_its_codes() {
        let doc = document();
        for (path, operation) in doc["paths"].as_object().unwrap() {
            if !path.starts_with("/v1/") {
                continue;
            }
            for (status, answer) in operation["post"]["responses"].as_object().unwrap() {
                if status.starts_with('4') && status != "408" {
                    let schema = &answer["content"]["application/json"]["schema"];
                    assert!(
                        schema["allOf"][1]["properties"]["error"]["properties"]["code"]["enum"]
                            .is_array(),
                        "{path} {status}"
                    );
                }
            }
        }
    }
}
