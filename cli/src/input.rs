//! Reading an enrollment from `FILE` or `-` (stdin), before anything else looks at it.
//!
//! The order of checks is the order of the exit codes: a file that cannot be read is a usage
//! problem (exit 2); input that is too large, not UTF-8, not JSON or not a JSON object is invalid
//! input (exit 1). The size is checked while reading, so a huge file or an endless pipe is never
//! held in memory, and nothing is parsed before the size is known to be sane.

use std::fs::File;
use std::io::{self, Read};

use serde_json::{Map, Value};

use crate::output::Failure;

/// Largest accepted input. An enrollment is well under 2 KiB; a batch on the wire is at most
/// 64 KiB, so a record larger than that could never be sent anyway.
pub const MAX_INPUT_BYTES: u64 = 64 * 1024;

/// Where the JSON comes from.
pub enum Source<'a> {
    Stdin,
    File(&'a str),
}

impl<'a> Source<'a> {
    pub fn from_arg(arg: &'a str) -> Source<'a> {
        if arg == "-" {
            Source::Stdin
        } else {
            Source::File(arg)
        }
    }
}

/// Reads the whole input as UTF-8 text, refusing more than [`MAX_INPUT_BYTES`].
pub fn read_text(source: &Source) -> Result<String, Failure> {
    let bytes = match source {
        Source::Stdin => read_limited(io::stdin().lock()),
        Source::File(path) => File::open(path).and_then(read_limited),
    }
    .map_err(|_| Failure::unreadable())?;
    let bytes = bytes.ok_or_else(Failure::too_large)?;
    String::from_utf8(bytes).map_err(|_| Failure::malformed())
}

/// Reads a JSON object. Anything else (not JSON, an array, a number…) is `input.malformed`.
pub fn read_object(source: &Source) -> Result<(String, Map<String, Value>), Failure> {
    let text = read_text(source)?;
    let object = parse_object(&text)?;
    Ok((text, object))
}

/// Parses text that must be one JSON object.
pub fn parse_object(text: &str) -> Result<Map<String, Value>, Failure> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Failure::malformed()),
    }
}

/// `Ok(None)` when the reader holds more than the limit. A directory given as FILE fails here
/// (not at `open`) on Linux, as an unreadable file.
fn read_limited(reader: impl Read) -> io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    reader.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        Ok(None)
    } else {
        Ok(Some(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_is_inclusive() {
        let exact = vec![b' '; MAX_INPUT_BYTES as usize];
        assert!(read_limited(&exact[..]).unwrap().is_some());
        let over = vec![b' '; MAX_INPUT_BYTES as usize + 1];
        assert!(read_limited(&over[..]).unwrap().is_none());
    }

    #[test]
    fn only_an_object_is_accepted() {
        assert!(parse_object("{}").is_ok());
        for text in [
            "",
            "[]",
            "1",
            "\"x\"",
            "null",
            "{",
            "{\"a\":1} {}",
            "{'a':1}",
        ] {
            assert_eq!(
                parse_object(text).err().map(|f| f.code),
                Some("input.malformed"),
                "{text}"
            );
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse_object(&deep).is_err());
    }
}
