//! Reading the fields of an input JSON object by their expected JSON type: `required` for a
//! missing field, `null` or a blank string; `type` for a value of the wrong JSON type. Each reader
//! returns `Err(code)` for those, so the caller reports it and checks nothing more on the field.

use serde_json::{Map, Value};

use super::codes::{REQUIRED, TYPE};

pub type Read<T> = Result<T, &'static str>;

/// A JSON integer, which may not fit in `i64` (then it is far outside every limit anyway).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Integer {
    Fits(i64),
    TooLarge,
}

fn present<'a>(obj: &'a Map<String, Value>, key: &str) -> Read<&'a Value> {
    match obj.get(key) {
        None | Some(Value::Null) => Err(REQUIRED),
        Some(v) => Ok(v),
    }
}

/// A required string, trimmed; blank is `required`.
pub fn text<'a>(obj: &'a Map<String, Value>, key: &str) -> Read<&'a str> {
    let s = present(obj, key)?.as_str().ok_or(TYPE)?.trim();
    if s.is_empty() {
        Err(REQUIRED)
    } else {
        Ok(s)
    }
}

/// An optional string, trimmed: absent, `null` and blank are `None` (a shell may send `""` for an
/// untouched optional field).
pub fn optional_text<'a>(obj: &'a Map<String, Value>, key: &str) -> Read<Option<&'a str>> {
    match text(obj, key) {
        Ok(s) => Ok(Some(s)),
        Err(REQUIRED) => Ok(None),
        Err(code) => Err(code),
    }
}

/// A required JSON integer (`1.5`, `1e6` and `"100"` are `type`).
pub fn integer(obj: &Map<String, Value>, key: &str) -> Read<Integer> {
    match present(obj, key)? {
        Value::Number(n) if n.is_i64() => Ok(Integer::Fits(n.as_i64().unwrap_or_default())),
        Value::Number(n) if n.is_u64() => Ok(Integer::TooLarge),
        _ => Err(TYPE),
    }
}

/// A required JSON boolean.
pub fn boolean(obj: &Map<String, Value>, key: &str) -> Read<bool> {
    present(obj, key)?.as_bool().ok_or(TYPE)
}

/// A required array of strings; `[]` is `required`, any non-string element is `type`.
pub fn strings<'a>(obj: &'a Map<String, Value>, key: &str) -> Read<Vec<&'a str>> {
    let items = present(obj, key)?.as_array().ok_or(TYPE)?;
    if items.is_empty() {
        return Err(REQUIRED);
    }
    items.iter().map(|v| v.as_str().ok_or(TYPE)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn missing_null_and_blank_are_required() {
        let o = obj(json!({"a": null, "b": "   ", "c": "\t\n"}));
        for key in ["a", "b", "c", "zz"] {
            assert_eq!(text(&o, key), Err(REQUIRED), "{key}");
            assert_eq!(optional_text(&o, key), Ok(None), "{key}");
        }
    }

    #[test]
    fn wrong_json_types_are_type_errors() {
        let o = obj(
            json!({"s": 1, "i": "100", "f": 1.5, "e": 1e6, "b": "true", "a": "JKK", "m": ["JKK", 1]}),
        );
        assert_eq!(text(&o, "s"), Err(TYPE));
        assert_eq!(optional_text(&o, "s"), Err(TYPE));
        assert_eq!(integer(&o, "i"), Err(TYPE));
        assert_eq!(integer(&o, "f"), Err(TYPE));
        assert_eq!(integer(&o, "e"), Err(TYPE));
        assert_eq!(boolean(&o, "b"), Err(TYPE));
        assert_eq!(strings(&o, "a"), Err(TYPE));
        assert_eq!(strings(&o, "m"), Err(TYPE));
    }

    #[test]
    fn values_of_the_right_type_are_read() {
        let o = obj(
            json!({"s": "  x ", "i": -5, "u": 18446744073709551615u64, "b": false, "a": [], "m": ["JKK"]}),
        );
        assert_eq!(text(&o, "s"), Ok("x"));
        assert_eq!(integer(&o, "i"), Ok(Integer::Fits(-5)));
        assert_eq!(integer(&o, "u"), Ok(Integer::TooLarge));
        assert_eq!(boolean(&o, "b"), Ok(false));
        assert_eq!(strings(&o, "a"), Err(REQUIRED));
        assert_eq!(strings(&o, "m"), Ok(vec!["JKK"]));
    }
}
