//! Reviewing enrollments (DOMAIN.md §8): the queue, one device batch, one enrollment, and the
//! decisions on them. Decisions go through `service::review::decide`, the same function as the
//! operator CLI (audit log, reversal rules, NIK claim release, payment code on approval).
//!
//! The queue is keyset-paginated, newest first: for each (branch, agent) slice of the account's
//! scope one index range scan (`enrollments_queue`, `enrollments_recent`,
//! `enrollments_agent_recent`) returns at most one page, and the union of those is cut to a page,
//! so a page costs the same with a thousand records or a million.

mod batch;
mod decisions;
mod enrollment;
mod queue;

pub use batch::batch;
pub use decisions::{batch_decision, decision, reverse};
pub use enrollment::{enrollment, reveal};
pub use queue::{queue, PAGE_SIZE, STATUSES};

/// `[{"code":"nik.checksum",...}]` → `nik.checksum`.
fn code_list(codes: &str) -> String {
    serde_json::from_str::<serde_json::Value>(codes)
        .ok()
        .and_then(|v| {
            v.as_array().map(|items| {
                items
                    .iter()
                    .filter_map(|i| i.get("code").and_then(|c| c.as_str()).or(i.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            })
        })
        .unwrap_or_default()
}

/// A path segment with `/`, `?`, `#` and `%` escaped (ids and codes are plain, but be sure).
pub fn path_part(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_in_paths_are_percent_encoded_byte_for_byte() {
        assert_eq!(
            path_part("0190a0b0-0000-7000-8000-000000000001"),
            "0190a0b0-0000-7000-8000-000000000001"
        );
        assert_eq!(path_part("a/b?c#d%e"), "a%2Fb%3Fc%23d%25e");
        assert_eq!(path_part("x\r\ny \u{7}"), "x%0D%0Ay%20%07");
        assert_eq!(path_part("é"), "%C3%A9");
    }

    #[test]
    fn validation_codes_read_as_a_list() {
        assert_eq!(
            code_list(r#"[{"code":"nik.checksum","field":"nik"},{"code":"age.min"}]"#),
            "nik.checksum, age.min"
        );
        assert_eq!(code_list("[]"), "");
        assert_eq!(code_list("not json"), "");
    }
}
