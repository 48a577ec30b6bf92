//! Canonical JSON: object keys sorted at every level, strings and numbers as serde_json writes
//! them. A record's content hash is taken over it, so the same record hashes the same whatever
//! order a device wrote its fields in (the server's `duplicate_record` versus `id.conflict`).

use serde_json::Value;

/// JSON with object keys sorted at every level: the same record always hashes the same, whatever
/// order the device wrote its fields in.
pub fn canonical_json(value: &Value) -> String {
    let mut out = Vec::with_capacity(1024);
    write_canonical(value, &mut out);
    // Only JSON (UTF-8) was written.
    String::from_utf8(out).unwrap_or_default()
}

/// Writes [`canonical_json`] into one buffer (strings and numbers as serde_json writes them).
/// Returns whether every object's keys already came in sorted order, in which case the bytes
/// are also exactly what `serde_json` writes for `value`.
pub fn write_canonical(value: &Value, out: &mut Vec<u8>) -> bool {
    match value {
        Value::Object(map) => {
            let sorted = map.keys().zip(map.keys().skip(1)).all(|(a, b)| a < b);
            let mut nested_sorted = true;
            out.push(b'{');
            let mut entry = |n: usize, key: &String, item: &Value, out: &mut Vec<u8>| {
                if n > 0 {
                    out.push(b',');
                }
                write_scalar(key, out);
                out.push(b':');
                nested_sorted &= write_canonical(item, out);
            };
            if sorted {
                for (n, (key, item)) in map.iter().enumerate() {
                    entry(n, key, item, out);
                }
            } else {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort_unstable();
                for (n, key) in keys.into_iter().enumerate() {
                    entry(n, key, &map[key.as_str()], out);
                }
            }
            out.push(b'}');
            sorted && nested_sorted
        }
        Value::Array(items) => {
            let mut sorted = true;
            out.push(b'[');
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    out.push(b',');
                }
                sorted &= write_canonical(item, out);
            }
            out.push(b']');
            sorted
        }
        other => {
            write_scalar(other, out);
            true
        }
    }
}

fn write_scalar<T: serde::Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) {
    // Writing a string, number, bool or null into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, value);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The canonical form as first written (strings built per level); the buffer version must
    /// give the same bytes, or stored content hashes would stop matching resent records.
    fn canonical_reference(value: &Value) -> String {
        match value {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort();
                let inner: Vec<String> = keys
                    .into_iter()
                    .map(|k| {
                        format!(
                            "{}:{}",
                            Value::String(k.clone()),
                            canonical_reference(&map[k.as_str()])
                        )
                    })
                    .collect();
                format!("{{{}}}", inner.join(","))
            }
            Value::Array(items) => {
                let inner: Vec<String> = items.iter().map(canonical_reference).collect();
                format!("[{}]", inner.join(","))
            }
            other => other.to_string(),
        }
    }

    #[test]
    fn canonical_json_is_unchanged_by_the_buffer_rewrite() {
        let record: Value = serde_json::from_str(
            r#"{"nik":"3201010101900001","full_name":"Siti \"Ayu\" Rahayu\u00e9","monthly_income":2500000,
                "location":{"lon":106.80000000000001,"lat":-6.6,"accuracy_m":12.899999618530273},
                "programs":["JKK","JKM"],"consent":{"text_version":"v1","at":"2026-11-22T08:00:00+07:00"},
                "confirmed_warnings":[],"supersedes":null,"big":18446744073709551615,"neg":-1e-7,
                "ctl":"tab\tnew\nline\u0001","emoji":"\ud83d\ude00"}"#,
        )
        .unwrap();
        assert_eq!(canonical_json(&record), canonical_reference(&record));
    }

    #[test]
    fn canonical_json_is_a_fixed_point_for_every_float() {
        // Found by the `server_records` fuzz target: without serde_json's `float_roundtrip`
        // (enabled in the workspace Cargo.toml) this number was read 1 ULP off, so the canonical
        // form written from it read back as another number, and the record sealed "as received"
        // was not quite what the device sent.
        for text in [
            "3.3336666666666666e+50",
            "3.3336666666666662e+50",
            "-6.200000000000001",
            "106.80000000000001",
            "1.7976931348623157e308",
            "5e-324",
        ] {
            let value: Value = serde_json::from_str(text).unwrap();
            let canonical = canonical_json(&value);
            let again: Value = serde_json::from_str(&canonical).unwrap();
            assert_eq!(again, value, "{text}");
            assert_eq!(canonical_json(&again), canonical, "{text}");
            assert_eq!(value.as_f64(), text.parse::<f64>().ok(), "{text}");
        }
    }

    #[test]
    fn canonical_json_ignores_key_order() {
        let a: Value =
            serde_json::from_str(r#"{"b":1,"a":{"y":[1,{"d":2,"c":3}],"x":"é"}}"#).unwrap();
        let b: Value =
            serde_json::from_str(r#"{"a":{"x":"é","y":[1,{"c":3,"d":2}]},"b":1}"#).unwrap();
        assert_eq!(canonical_json(&a), canonical_json(&b));
        assert_eq!(
            canonical_json(&a),
            r#"{"a":{"x":"é","y":[1,{"c":3,"d":2}]},"b":1}"#
        );
    }
}
