//! One rule set: the data model of a `domain/rulesets/*.json` file, and its checks at load.
//!
//! A rule set is in force for the **enrollment dates** of the months `effective_from` ..=
//! `effective_to` (open-ended when `effective_to` is absent). It carries:
//! - `enrollment`: the rule-set parameters of validation (DOMAIN.md §4, the \[uncertain\] ones):
//!   ages, income limits, the allowed prepayment periods and program packages;
//! - `rates`: rate periods by **contribution month** (JKK 1% = `{"percent_of_income_bp": 100}`,
//!   JKM `{"flat_rupiah": 6800}`), contiguous, covering at least the rule set's own months;
//! - `discounts`: windows by contribution month (`from` ..= `to`) for a sector (`transport`,
//!   `non_transport`, `all`), with the share still paid in basis points (`pay_bp`: 5000 = 50%)
//!   and an `enabled` switch, so an uncertain window can ship disabled and be enabled by data.
//!
//! Amounts are integers (rupiah, basis points) so that pricing is exact; see [`super::amount`].
//! Files are parsed with unknown keys refused, then [`RuleSet::check`] refuses anything that
//! could make a quote ambiguous or impossible (gaps, overlaps, a discount on JHT).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::amount;
use super::month::YearMonth;
use crate::codes;
use crate::occupation;
use crate::record::Program;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    /// Stable id, e.g. `bpu-2026`; recorded with every enrollment validated under it.
    pub id: String,
    #[serde(default)]
    pub title: String,
    pub effective_from: YearMonth,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_to: Option<YearMonth>,
    pub enrollment: EnrollmentTerms,
    pub rates: Vec<RatePeriod>,
    #[serde(default)]
    pub discounts: Vec<DiscountWindow>,
}

/// Validation parameters of a rule set.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrollmentTerms {
    /// `age.too_young` below this age (whole years at `enrolled_on`).
    pub min_age: u32,
    /// `age.too_old` at this age or older.
    pub max_age: u32,
    /// `income.below_minimum` below this (rupiah per month).
    pub income_min: i64,
    /// `income.above_maximum` above this: the top bracket.
    pub income_max: i64,
    /// Allowed prepayment periods in months.
    pub payment_months: Vec<u32>,
    /// Allowed program packages (order inside a package does not matter).
    pub packages: Vec<Vec<Program>>,
}

/// Rates in force for the contribution months `from` ..= `to` (open-ended without `to`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RatePeriod {
    pub from: YearMonth,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<YearMonth>,
    pub programs: BTreeMap<Program, Rate>,
    /// The legal basis, for people reading the file.
    #[serde(default)]
    pub basis: String,
}

/// How one program's monthly contribution is computed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Rate {
    /// A share of the declared monthly income, in basis points (100 = 1%).
    PercentOfIncomeBp(u32),
    /// A flat amount in rupiah.
    FlatRupiah(i64),
}

/// A dated discount on some programs for a sector.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscountWindow {
    pub id: String,
    pub from: YearMonth,
    pub to: YearMonth,
    pub applies_to: Sector,
    pub programs: Vec<Program>,
    /// Share still paid, in basis points: 5000 = pay 50%.
    pub pay_bp: u32,
    pub enabled: bool,
    #[serde(default)]
    pub basis: String,
}

/// Which participants a discount window applies to (occupations: [`crate::occupation`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    /// `OJOL`, `OJEK`, `SOPIR`, `KURIR`.
    Transport,
    /// Every other occupation, and an unknown one.
    NonTransport,
    All,
}

impl Sector {
    fn includes(self, transport: bool) -> bool {
        match self {
            Sector::Transport => transport,
            Sector::NonTransport => !transport,
            Sector::All => true,
        }
    }

    fn overlaps(self, other: Sector) -> bool {
        self.includes(true) && other.includes(true) || self.includes(false) && other.includes(false)
    }
}

/// One program's amounts for one month, as priced by [`RuleSet::price`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MonthAmounts {
    pub jkk: i64,
    pub jkm: i64,
    pub jht: i64,
}

impl EnrollmentTerms {
    /// `Err(code)` when the income is outside the rule set's limits.
    pub fn check_income(&self, income: i64) -> Result<(), &'static str> {
        if income < self.income_min {
            Err(codes::INCOME_BELOW_MINIMUM)
        } else if income > self.income_max {
            Err(codes::INCOME_ABOVE_MAXIMUM)
        } else {
            Ok(())
        }
    }

    /// True when `programs` is exactly one allowed package, in any order, without duplicates.
    pub fn allows_programs(&self, programs: &[Program]) -> bool {
        let mut chosen = programs.to_vec();
        chosen.sort();
        chosen.dedup();
        chosen.len() == programs.len()
            && self.packages.iter().any(|package| {
                let mut allowed = package.clone();
                allowed.sort();
                allowed == chosen
            })
    }

    pub fn allows_months(&self, months: u32) -> bool {
        self.payment_months.contains(&months)
    }
}

impl RuleSet {
    /// True when enrollments in `month` fall under this rule set.
    pub fn covers(&self, month: YearMonth) -> bool {
        self.effective_from <= month && self.effective_to.is_none_or(|to| month <= to)
    }

    /// Prices one contribution month exactly (each program rounded half-up once). `None` when no
    /// rate period covers the month (a checked rule set covers all of its own months).
    pub fn price(
        &self,
        month: YearMonth,
        income: i64,
        programs: &[Program],
        transport: bool,
    ) -> Option<MonthAmounts> {
        let period = self
            .rates
            .iter()
            .find(|p| p.from <= month && p.to.is_none_or(|to| month <= to))?;
        let mut out = MonthAmounts::default();
        for &program in programs {
            let rate = *period.programs.get(&program)?;
            let pay_bp = self.pay_bp(month, program, transport);
            let value = match rate {
                Rate::PercentOfIncomeBp(bp) => amount::percent_of_income(income, bp, pay_bp),
                Rate::FlatRupiah(flat) => amount::flat(flat, pay_bp),
            };
            match program {
                Program::JKK => out.jkk = value,
                Program::JKM => out.jkm = value,
                Program::JHT => out.jht = value,
            }
        }
        Some(out)
    }

    /// The share paid for a program in a month: the enabled window that applies, else 100%.
    fn pay_bp(&self, month: YearMonth, program: Program, transport: bool) -> u32 {
        self.discounts
            .iter()
            .filter(|w| w.enabled && w.from <= month && month <= w.to)
            .filter(|w| w.applies_to.includes(transport) && w.programs.contains(&program))
            .map(|w| w.pay_bp)
            .min()
            .unwrap_or(amount::WHOLE_BP as u32)
    }

    /// Refuses data that would make validation or pricing ambiguous or impossible. The error names
    /// the offending part (no personal data can be in a rule set).
    pub fn check(&self) -> Result<(), String> {
        let id = &self.id;
        let valid_id = !id.is_empty()
            && id.len() <= 64
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !valid_id {
            return Err("id".into());
        }
        if self.effective_to.is_some_and(|to| to < self.effective_from) {
            return Err(format!("{id}.effective_to"));
        }
        self.enrollment
            .check()
            .map_err(|part| format!("{id}.enrollment.{part}"))?;
        self.check_rates()
            .map_err(|part| format!("{id}.rates.{part}"))?;
        self.check_discounts()
            .map_err(|part| format!("{id}.discounts.{part}"))
    }

    fn check_rates(&self) -> Result<(), String> {
        let first = self.rates.first().ok_or("empty")?;
        if first.from > self.effective_from {
            return Err("not_covering_effective_from".into());
        }
        for (i, period) in self.rates.iter().enumerate() {
            if period.to.is_some_and(|to| to < period.from) {
                return Err(format!("{i}.to"));
            }
            // Every program of every package needs a rate, or a quote could not be priced.
            for package in &self.enrollment.packages {
                if package.iter().any(|p| !period.programs.contains_key(p)) {
                    return Err(format!("{i}.programs"));
                }
            }
            for rate in period.programs.values() {
                let sane = match *rate {
                    Rate::PercentOfIncomeBp(bp) => i128::from(bp) <= amount::WHOLE_BP,
                    Rate::FlatRupiah(flat) => (0..=100_000_000).contains(&flat),
                };
                if !sane {
                    return Err(format!("{i}.programs"));
                }
            }
            // Periods are contiguous: each starts the month after the previous one ends.
            if let Some(next) = self.rates.get(i + 1) {
                match period.to {
                    Some(to) if to.next() == next.from && to < next.from => {}
                    _ => return Err(format!("{}.from", i + 1)),
                }
            }
        }
        let last_to = self.rates.last().and_then(|p| p.to);
        let covered = match (last_to, self.effective_to) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some(last), Some(end)) => last >= end,
        };
        if covered {
            Ok(())
        } else {
            Err("not_covering_effective_to".into())
        }
    }

    fn check_discounts(&self) -> Result<(), String> {
        for (i, w) in self.discounts.iter().enumerate() {
            if w.id.is_empty() || self.discounts[..i].iter().any(|o| o.id == w.id) {
                return Err(format!("{i}.id"));
            }
            if w.to < w.from {
                return Err(format!("{}.to", w.id));
            }
            if i128::from(w.pay_bp) > amount::WHOLE_BP {
                return Err(format!("{}.pay_bp", w.id));
            }
            // DOMAIN.md §6: JHT is old-age savings and is never discounted.
            if w.programs.is_empty() || w.programs.contains(&Program::JHT) {
                return Err(format!("{}.programs", w.id));
            }
            let clash = self.discounts[..i].iter().any(|o| {
                o.enabled
                    && w.enabled
                    && o.from <= w.to
                    && w.from <= o.to
                    && o.applies_to.overlaps(w.applies_to)
                    && o.programs.iter().any(|p| w.programs.contains(p))
            });
            if clash {
                return Err(format!("{}.overlap", w.id));
            }
        }
        Ok(())
    }
}

impl EnrollmentTerms {
    fn check(&self) -> Result<(), &'static str> {
        if self.min_age == 0 || self.min_age >= self.max_age || self.max_age > 150 {
            return Err("ages");
        }
        if self.income_min <= 0 || self.income_min > self.income_max {
            return Err("income");
        }
        let mut months = self.payment_months.clone();
        months.sort_unstable();
        months.dedup();
        if months.is_empty() || months.len() != self.payment_months.len() || months[0] == 0 {
            return Err("payment_months");
        }
        if months.last().is_some_and(|&m| m > 120) {
            return Err("payment_months");
        }
        for package in &self.packages {
            let mut p = package.clone();
            p.sort();
            p.dedup();
            if p.is_empty() || p.len() != package.len() {
                return Err("packages");
            }
        }
        if self.packages.is_empty() {
            return Err("packages");
        }
        Ok(())
    }
}

/// True when a participant with this occupation is in the transport sector (no occupation: no).
pub fn is_transport(occupation: Option<&str>) -> bool {
    occupation.is_some_and(occupation::is_transport)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minimal() -> RuleSet {
        serde_json::from_str(
            r#"{
              "id": "test-1",
              "effective_from": "2026-01",
              "enrollment": {"min_age": 18, "max_age": 65, "income_min": 1000000,
                             "income_max": 20700000, "payment_months": [1, 3],
                             "packages": [["JKK", "JKM"], ["JKM", "JKK", "JHT"]]},
              "rates": [{"from": "2015-07", "programs": {"JKK": {"percent_of_income_bp": 100},
                         "JKM": {"flat_rupiah": 6800}, "JHT": {"percent_of_income_bp": 200}}}],
              "discounts": [{"id": "half", "from": "2026-01", "to": "2026-03",
                             "applies_to": "transport", "programs": ["JKK", "JKM"],
                             "pay_bp": 5000, "enabled": true}]
            }"#,
        )
        .unwrap()
    }

    fn ym(s: &str) -> YearMonth {
        YearMonth::parse(s).unwrap()
    }

    #[test]
    fn a_minimal_rule_set_passes_its_checks() {
        assert_eq!(minimal().check(), Ok(()));
    }

    #[test]
    fn packages_match_in_any_order_without_duplicates() {
        let t = minimal().enrollment;
        use Program::*;
        assert!(t.allows_programs(&[JKM, JKK]));
        assert!(t.allows_programs(&[JHT, JKK, JKM]));
        assert!(!t.allows_programs(&[JKK, JKM, JKM]));
        assert!(!t.allows_programs(&[JKK]));
        assert!(!t.allows_programs(&[]));
        assert!(!t.allows_programs(&[JKK, JHT]));
    }

    #[test]
    fn income_limits_are_inclusive() {
        let t = minimal().enrollment;
        assert_eq!(t.check_income(999_999), Err(codes::INCOME_BELOW_MINIMUM));
        assert_eq!(t.check_income(1_000_000), Ok(()));
        assert_eq!(t.check_income(20_700_000), Ok(()));
        assert_eq!(t.check_income(20_700_001), Err(codes::INCOME_ABOVE_MAXIMUM));
    }

    #[test]
    fn discounts_apply_to_their_sector_and_months_only() {
        let rs = minimal();
        let all = [Program::JKK, Program::JKM, Program::JHT];
        let full = rs.price(ym("2026-04"), 1_000_000, &all, true).unwrap();
        assert_eq!((full.jkk, full.jkm, full.jht), (10_000, 6_800, 20_000));
        let half = rs.price(ym("2026-03"), 1_000_000, &all, true).unwrap();
        assert_eq!((half.jkk, half.jkm, half.jht), (5_000, 3_400, 20_000));
        let other = rs.price(ym("2026-03"), 1_000_000, &all, false).unwrap();
        assert_eq!(other, full);
        assert_eq!(rs.price(ym("2015-06"), 1_000_000, &all, false), None);
    }

    #[test]
    fn unchosen_programs_cost_nothing() {
        let rs = minimal();
        let m = rs
            .price(
                ym("2026-05"),
                1_000_000,
                &[Program::JKK, Program::JKM],
                false,
            )
            .unwrap();
        assert_eq!(m.jht, 0);
    }

    #[test]
    fn a_discount_on_jht_is_refused() {
        let mut rs = minimal();
        rs.discounts[0].programs.push(Program::JHT);
        assert_eq!(rs.check(), Err("test-1.discounts.half.programs".into()));
    }

    #[test]
    fn overlapping_enabled_discounts_are_refused_but_disabled_ones_may_overlap() {
        let mut rs = minimal();
        let mut second = rs.discounts[0].clone();
        second.id = "again".into();
        second.applies_to = Sector::All;
        rs.discounts.push(second);
        assert_eq!(rs.check(), Err("test-1.discounts.again.overlap".into()));
        rs.discounts[1].enabled = false;
        assert_eq!(rs.check(), Ok(()));
        rs.discounts[1].enabled = true;
        rs.discounts[1].applies_to = Sector::NonTransport;
        assert_eq!(rs.check(), Ok(()));
    }

    #[test]
    fn rate_gaps_and_uncovered_months_are_refused() {
        let mut rs = minimal();
        rs.rates[0].to = Some(ym("2025-12"));
        assert_eq!(
            rs.check(),
            Err("test-1.rates.not_covering_effective_to".into())
        );
        let mut next = rs.rates[0].clone();
        next.from = ym("2026-02");
        next.to = None;
        rs.rates.push(next);
        assert_eq!(rs.check(), Err("test-1.rates.1.from".into()));
        rs.rates[1].from = ym("2026-01");
        assert_eq!(rs.check(), Ok(()));
        rs.rates[0].from = ym("2026-02");
        assert!(rs.check().is_err());
    }

    #[test]
    fn missing_program_rate_and_bad_terms_are_refused() {
        let mut rs = minimal();
        rs.rates[0].programs.remove(&Program::JHT);
        assert_eq!(rs.check(), Err("test-1.rates.0.programs".into()));
        let mut rs = minimal();
        rs.enrollment.min_age = 70;
        assert_eq!(rs.check(), Err("test-1.enrollment.ages".into()));
        let mut rs = minimal();
        rs.enrollment.payment_months = vec![1, 1];
        assert_eq!(rs.check(), Err("test-1.enrollment.payment_months".into()));
        let mut rs = minimal();
        rs.id = "Bad Id".into();
        assert_eq!(rs.check(), Err("id".into()));
    }

    #[test]
    fn unknown_keys_in_a_file_are_refused() {
        let text = serde_json::to_string(&minimal())
            .unwrap()
            .replacen('{', r#"{"colour":1,"#, 1);
        assert!(serde_json::from_str::<RuleSet>(&text).is_err());
    }

    #[test]
    fn no_occupation_is_not_transport() {
        assert!(!is_transport(None));
        assert!(is_transport(Some("KURIR")));
        assert!(!is_transport(Some("PEDAGANG")));
    }
}
