//! `RuleBook`: every rule set the device knows, effective-dated and non-overlapping, so that for
//! any date (an enrollment) or contribution month at most one rule set is in force.
//!
//! The app ships `domain/rulesets/*.json` ([`RuleBook::builtin`]); the server can send signed
//! updates, which the caller verifies and then loads with [`RuleBook::from_json`] and combines
//! with [`RuleBook::merged`] (a rule set with the same id replaces the shipped one).

use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::Serialize;

use super::month::YearMonth;
use super::rule_set::RuleSet;
use crate::error::DomainError;

/// The files shipped with the app, in force order.
const BUILTIN: [&str; 2] = [
    include_str!("../../rulesets/bpu-2015.json"),
    include_str!("../../rulesets/bpu-2026.json"),
];

/// All rule sets known to the device, effective-dated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct RuleBook {
    /// Sorted by `effective_from`; ids unique; effective ranges disjoint; never empty.
    sets: Vec<RuleSet>,
}

impl RuleBook {
    /// The rule sets shipped with the app (`domain/rulesets/*.json`), parsed and checked once.
    pub fn builtin() -> RuleBook {
        static BOOK: OnceLock<RuleBook> = OnceLock::new();
        BOOK.get_or_init(|| {
            let sets = BUILTIN
                .iter()
                .map(|text| serde_json::from_str::<RuleSet>(text))
                .collect::<Result<Vec<_>, _>>();
            // The shipped files are part of the build, checked by this module's tests: a failure
            // here is a broken build, not bad input.
            let sets = sets.expect("domain/rulesets/*.json must parse");
            RuleBook::from_rule_sets(sets).expect("domain/rulesets/*.json must pass their checks")
        })
        .clone()
    }

    /// Loads a rule book from JSON: one rule set object, or an array of them. Unknown keys, gaps,
    /// overlaps and impossible values are refused with `rule_set.invalid` (the `field` names the
    /// offending part).
    pub fn from_json(json: &str) -> Result<RuleBook, DomainError> {
        let parsed = if json.trim_start().starts_with('[') {
            serde_json::from_str::<Vec<RuleSet>>(json)
        } else {
            serde_json::from_str::<RuleSet>(json).map(|one| vec![one])
        };
        // serde's message names the key or position, never a value of ours: rule sets hold no
        // personal data.
        let sets = parsed.map_err(|e| invalid(format!("json: {e}")))?;
        RuleBook::from_rule_sets(sets)
    }

    /// Builds a book from rule sets, checking each and their dates against each other.
    pub fn from_rule_sets(mut sets: Vec<RuleSet>) -> Result<RuleBook, DomainError> {
        if sets.is_empty() {
            return Err(invalid("empty".into()));
        }
        for set in &sets {
            set.check().map_err(invalid)?;
        }
        sets.sort_by_key(|s| s.effective_from);
        for (i, set) in sets.iter().enumerate() {
            if sets[..i].iter().any(|o| o.id == set.id) {
                return Err(invalid(format!("{}.id_duplicate", set.id)));
            }
            if let Some(prev) = i.checked_sub(1).map(|p| &sets[p]) {
                let disjoint = prev.effective_to.is_some_and(|to| to < set.effective_from);
                if !disjoint {
                    return Err(invalid(format!("{}.effective_from_overlaps", set.id)));
                }
            }
        }
        Ok(RuleBook { sets })
    }

    /// This book with `update`'s rule sets added; one with the id of a known rule set replaces it.
    pub fn merged(&self, update: RuleBook) -> Result<RuleBook, DomainError> {
        let mut sets: Vec<RuleSet> = self
            .sets
            .iter()
            .filter(|s| update.get(&s.id).is_none())
            .cloned()
            .collect();
        sets.extend(update.sets);
        RuleBook::from_rule_sets(sets)
    }

    /// The rule set in force for an enrollment on `date`.
    pub fn in_force(&self, date: NaiveDate) -> Option<&RuleSet> {
        self.in_force_for_month(YearMonth::of(date))
    }

    /// The rule set in force in a month (enrollment or contribution month).
    pub fn in_force_for_month(&self, month: YearMonth) -> Option<&RuleSet> {
        self.sets.iter().find(|s| s.covers(month))
    }

    pub fn get(&self, id: &str) -> Option<&RuleSet> {
        self.sets.iter().find(|s| s.id == id)
    }

    /// The newest rule set (the one with the latest `effective_from`).
    pub fn latest(&self) -> &RuleSet {
        // `sets` is never empty: `from_rule_sets` refuses an empty list.
        &self.sets[self.sets.len() - 1]
    }

    pub fn rule_sets(&self) -> &[RuleSet] {
        &self.sets
    }
}

fn invalid(part: String) -> DomainError {
    DomainError::InvalidParameter {
        field: format!("rule_set.{part}"),
        code: "rule_set.invalid".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn builtin_rule_sets_load_and_chain() {
        let book = RuleBook::builtin();
        let ids: Vec<_> = book.rule_sets().iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["bpu-2015", "bpu-2026"]);
        assert_eq!(book.latest().id, "bpu-2026");
    }

    #[test]
    fn the_rule_set_in_force_follows_the_date() {
        let book = RuleBook::builtin();
        assert_eq!(
            book.in_force(date(2015, 6, 30)).map(|s| s.id.as_str()),
            None
        );
        assert_eq!(book.in_force(date(2015, 7, 1)).unwrap().id, "bpu-2015");
        assert_eq!(book.in_force(date(2025, 12, 31)).unwrap().id, "bpu-2015");
        assert_eq!(book.in_force(date(2026, 1, 1)).unwrap().id, "bpu-2026");
        assert_eq!(book.in_force(date(2040, 2, 29)).unwrap().id, "bpu-2026");
    }

    #[test]
    fn the_2026_rule_set_has_the_transport_window_enabled_and_the_other_disabled() {
        let book = RuleBook::builtin();
        let rs = book.get("bpu-2026").unwrap();
        let windows: Vec<_> = rs
            .discounts
            .iter()
            .map(|w| (w.id.as_str(), w.enabled))
            .collect();
        assert_eq!(
            windows,
            [
                ("pp50-2025-transport", true),
                ("pp50-2025-other-sectors", false)
            ]
        );
        assert_eq!(rs.enrollment.income_max, 20_700_000);
    }

    #[test]
    fn a_book_round_trips_through_json() {
        let book = RuleBook::builtin();
        let text = serde_json::to_string(&book).unwrap();
        assert_eq!(RuleBook::from_json(&text).unwrap(), book);
    }

    #[test]
    fn one_rule_set_alone_loads_too() {
        let text = serde_json::to_string(RuleBook::builtin().latest()).unwrap();
        let book = RuleBook::from_json(&text).unwrap();
        assert_eq!(book.rule_sets().len(), 1);
    }

    #[test]
    fn overlapping_and_duplicate_rule_sets_are_refused() {
        let book = RuleBook::builtin();
        let mut a = book.get("bpu-2015").unwrap().clone();
        a.effective_to = Some(YearMonth::parse("2026-01").unwrap());
        let err = RuleBook::from_rule_sets(vec![a, book.latest().clone()]).unwrap_err();
        assert_eq!(err.code(), "input.parameter");
        assert!(
            matches!(err, DomainError::InvalidParameter { ref code, .. } if code == "rule_set.invalid")
        );
        let twice = vec![book.latest().clone(), book.latest().clone()];
        assert!(RuleBook::from_rule_sets(twice).is_err());
        assert!(RuleBook::from_rule_sets(vec![]).is_err());
    }

    #[test]
    fn malformed_json_is_refused_not_panicked_on() {
        for bad in ["", "{", "[]", "null", r#"{"id":"x"}"#, "[1]"] {
            assert!(RuleBook::from_json(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_update_with_a_known_id_replaces_it() {
        let book = RuleBook::builtin();
        let mut update = book.latest().clone();
        update.discounts[1].enabled = true;
        let merged = book
            .merged(RuleBook::from_rule_sets(vec![update]).unwrap())
            .unwrap();
        assert_eq!(merged.rule_sets().len(), 2);
        assert!(merged.latest().discounts[1].enabled);
    }
}
