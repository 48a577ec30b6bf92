//! Incentive schemes as data: the model of a `domain/schemes/*.json` file, its checks at load, and
//! [`SchemeBook`], the effective-dated set of schemes a Wadah's statements are computed under.
//!
//! Incentive amounts are set in each cooperation agreement (DOMAIN.md §7, Perban 1/2023), so a
//! scheme is never code: a branch corrects or replaces one by shipping a new file with a later
//! `effective_from`. A scheme is in force for the **statement months** `effective_from ..=
//! effective_to` (open-ended without `effective_to`); every line of a month's statement, and every
//! recomputation of that month for an adjustment, uses the scheme in force in that month.
//!
//! Files are parsed with unknown keys refused, then [`Scheme::check`] refuses anything that would
//! make a statement ambiguous (overlapping contribution bands, rates above 100%, negative amounts).
//! Amounts are integers (rupiah, basis points: 1500 bp = 15%) so that statements are exact.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::tariff::YearMonth;

/// The schemes shipped with the app, in force order.
const BUILTIN: [&str; 1] = [include_str!("../../schemes/perisai-2022.json")];

/// Basis points in a whole: 10,000 bp = 100%.
const WHOLE_BP: u32 = 10_000;

/// One incentive scheme (DOMAIN.md §7).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scheme {
    /// Stable id, e.g. `perisai-2022`.
    pub id: String,
    #[serde(default)]
    pub title: String,
    /// The legal basis, for people reading the file.
    #[serde(default)]
    pub basis: String,
    pub effective_from: YearMonth,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_to: Option<YearMonth>,
    pub acquisition: AcquisitionTerms,
    /// Bands of the participant's contribution months (1 = the first paid month); months after
    /// the last band earn nothing.
    pub contribution: Vec<ContributionBand>,
    /// The Wadah's management incentive: a share of its agents' incentives, in basis points.
    pub management_bp: u32,
}

/// The acquisition incentive: an amount per qualifying participant, paid only when the agent has
/// at least `min_qualifying` of them in the month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AcquisitionTerms {
    /// Per participant whose package includes JHT.
    pub with_jht_rupiah: i64,
    /// Per participant with JKK+JKM only.
    pub without_jht_rupiah: i64,
    pub min_qualifying: u32,
}

/// Contribution months `from_month ..= to_month` (open-ended without `to_month`) earn `rate_bp` of
/// each confirmed amount.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContributionBand {
    pub from_month: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_month: Option<u32>,
    pub rate_bp: u32,
}

impl Scheme {
    /// True when statements of `month` fall under this scheme.
    pub fn covers(&self, month: YearMonth) -> bool {
        self.effective_from <= month && self.effective_to.is_none_or(|to| month <= to)
    }

    /// The share of a confirmed contribution earned for the participant's contribution month
    /// `n` (1-based), in basis points; 0 after the last band.
    pub fn contribution_rate_bp(&self, n: u32) -> u32 {
        self.contribution
            .iter()
            .find(|b| b.from_month <= n && b.to_month.is_none_or(|to| n <= to))
            .map_or(0, |b| b.rate_bp)
    }

    /// The acquisition amount of one qualifying participant.
    pub fn acquisition_rupiah(&self, with_jht: bool) -> i64 {
        if with_jht {
            self.acquisition.with_jht_rupiah
        } else {
            self.acquisition.without_jht_rupiah
        }
    }

    /// `Err(part)` naming what is wrong; the caller wraps it in `scheme.invalid`.
    pub fn check(&self) -> Result<(), String> {
        let id = &self.id;
        if id.trim().is_empty() {
            return Err("id".into());
        }
        if self.effective_to.is_some_and(|to| to < self.effective_from) {
            return Err(format!("{id}.effective_to"));
        }
        let a = &self.acquisition;
        if a.with_jht_rupiah < 0 || a.without_jht_rupiah < 0 {
            return Err(format!("{id}.acquisition"));
        }
        if self.management_bp > WHOLE_BP {
            return Err(format!("{id}.management_bp"));
        }
        let mut next_from = 1u32;
        for (i, band) in self.contribution.iter().enumerate() {
            let last = i + 1 == self.contribution.len();
            let ordered = band.from_month >= next_from
                && band.to_month.is_none_or(|to| to >= band.from_month)
                && (band.to_month.is_some() || last);
            if !ordered || band.from_month == 0 {
                return Err(format!("{id}.contribution[{i}]"));
            }
            if band.rate_bp > WHOLE_BP {
                return Err(format!("{id}.contribution[{i}].rate_bp"));
            }
            next_from = band.to_month.map_or(u32::MAX, |to| to.saturating_add(1));
        }
        Ok(())
    }
}

/// Every scheme known for a Wadah, effective-dated and non-overlapping, so that at most one is in
/// force in any statement month.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct SchemeBook {
    /// Sorted by `effective_from`; ids unique; effective ranges disjoint; never empty.
    schemes: Vec<Scheme>,
}

impl SchemeBook {
    /// The schemes shipped with the app (`domain/schemes/*.json`), parsed and checked once: the
    /// default of every Wadah whose cooperation agreement sets nothing else.
    pub fn builtin() -> SchemeBook {
        static BOOK: OnceLock<SchemeBook> = OnceLock::new();
        BOOK.get_or_init(|| {
            let schemes = BUILTIN
                .iter()
                .map(|text| serde_json::from_str::<Scheme>(text))
                .collect::<Result<Vec<_>, _>>();
            // The shipped files are part of the build, checked by this module's tests: a failure
            // here is a broken build, not bad input.
            let schemes = schemes.expect("domain/schemes/*.json must parse");
            SchemeBook::from_schemes(schemes).expect("domain/schemes/*.json must pass their checks")
        })
        .clone()
    }

    /// Loads a book from JSON: one scheme object, or an array of them. Unknown keys, overlaps and
    /// impossible values are refused with `scheme.invalid` (the `field` names the offending part).
    pub fn from_json(json: &str) -> Result<SchemeBook, DomainError> {
        let parsed = if json.trim_start().starts_with('[') {
            serde_json::from_str::<Vec<Scheme>>(json)
        } else {
            serde_json::from_str::<Scheme>(json).map(|one| vec![one])
        };
        // serde's message names a key or a position; schemes hold no personal data.
        let schemes = parsed.map_err(|e| invalid(format!("json: {e}")))?;
        SchemeBook::from_schemes(schemes)
    }

    /// Builds a book, checking each scheme and their dates against each other.
    pub fn from_schemes(mut schemes: Vec<Scheme>) -> Result<SchemeBook, DomainError> {
        if schemes.is_empty() {
            return Err(invalid("empty".into()));
        }
        for scheme in &schemes {
            scheme.check().map_err(invalid)?;
        }
        schemes.sort_by_key(|s| s.effective_from);
        for (i, scheme) in schemes.iter().enumerate() {
            if schemes[..i].iter().any(|o| o.id == scheme.id) {
                return Err(invalid(format!("{}.id_duplicate", scheme.id)));
            }
            if let Some(prev) = i.checked_sub(1).map(|p| &schemes[p]) {
                let disjoint = prev
                    .effective_to
                    .is_some_and(|to| to < scheme.effective_from);
                if !disjoint {
                    return Err(invalid(format!("{}.effective_from_overlaps", scheme.id)));
                }
            }
        }
        Ok(SchemeBook { schemes })
    }

    /// The scheme in force for the statements of `month`.
    pub fn in_force(&self, month: YearMonth) -> Option<&Scheme> {
        self.schemes.iter().find(|s| s.covers(month))
    }

    pub fn get(&self, id: &str) -> Option<&Scheme> {
        self.schemes.iter().find(|s| s.id == id)
    }

    pub fn schemes(&self) -> &[Scheme] {
        &self.schemes
    }
}

fn invalid(part: String) -> DomainError {
    DomainError::InvalidParameter {
        field: part,
        code: "scheme.invalid".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ym(s: &str) -> YearMonth {
        YearMonth::parse(s).unwrap()
    }

    #[test]
    fn the_shipped_default_is_domain_section_7() {
        let book = SchemeBook::builtin();
        let s = book.in_force(ym("2026-11")).unwrap();
        assert_eq!(s.id, "perisai-2022");
        assert_eq!(
            (s.acquisition_rupiah(true), s.acquisition_rupiah(false)),
            (15_000, 10_000)
        );
        assert_eq!(s.acquisition.min_qualifying, 25);
        let rates: Vec<u32> = [1, 24, 25, 60, 61]
            .map(|n| s.contribution_rate_bp(n))
            .to_vec();
        assert_eq!(rates, [1500, 1500, 500, 500, 0]);
        assert_eq!(s.management_bp, 1000);
        assert!(book.in_force(ym("2022-03")).is_none());
    }

    fn scheme_json(extra: &str) -> String {
        format!(
            r#"{{"id": "x", "effective_from": "2027-01",
                "acquisition": {{"with_jht_rupiah": 1, "without_jht_rupiah": 1, "min_qualifying": 1}},
                "contribution": [{{"from_month": 1, "to_month": 12, "rate_bp": 1000}}],
                "management_bp": 0{extra}}}"#
        )
    }

    #[test]
    fn bad_files_are_refused_with_the_part_named() {
        let err = |json: &str| match SchemeBook::from_json(json) {
            Err(DomainError::InvalidParameter { field, code }) => {
                assert_eq!(code, "scheme.invalid");
                field
            }
            other => panic!("expected scheme.invalid, got {other:?}"),
        };
        assert!(SchemeBook::from_json(&scheme_json("")).is_ok());
        assert!(err(&scheme_json(r#", "bonus": 5"#)).starts_with("json"));
        assert_eq!(
            err(&scheme_json(r#", "effective_to": "2026-12""#)),
            "x.effective_to"
        );
        let overlap = scheme_json("").replace(
            r#"[{"from_month": 1, "to_month": 12, "rate_bp": 1000}]"#,
            r#"[{"from_month": 1, "to_month": 12, "rate_bp": 1000}, {"from_month": 12, "rate_bp": 5}]"#,
        );
        assert_eq!(err(&overlap), "x.contribution[1]");
        let too_high = scheme_json("").replace("1000}", "10001}");
        assert_eq!(err(&too_high), "x.contribution[0].rate_bp");
        let two = format!(
            "[{}, {}]",
            scheme_json(""),
            scheme_json("").replace("\"x\"", "\"y\"")
        );
        assert_eq!(err(&two), "y.effective_from_overlaps");
    }

    #[test]
    fn a_later_scheme_takes_over_at_its_effective_date() {
        let mut old = SchemeBook::builtin().schemes()[0].clone();
        old.effective_to = Some(ym("2026-12"));
        let new: Scheme = serde_json::from_str(&scheme_json("")).unwrap();
        let book = SchemeBook::from_schemes(vec![new, old]).unwrap();
        assert_eq!(book.in_force(ym("2026-12")).unwrap().id, "perisai-2022");
        assert_eq!(book.in_force(ym("2027-01")).unwrap().id, "x");
    }
}
