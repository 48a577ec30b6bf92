//! Table-driven quotes (DOMAIN.md §6, ARCHITECTURE.md §7): discount window ends, prepayments that cross
//! a window's end or a change of rule set, exact rounding, JHT never discounted, and the
//! parameter errors with the validation codes.

use perisai_domain::record::Program::{self, JHT, JKK, JKM};
use perisai_domain::tariff::{quote, Quote, QuoteRequest, RuleBook};
use perisai_domain::DomainError;

const BASE: &[Program] = &[JKK, JKM];
const ALL: &[Program] = &[JKK, JKM, JHT];

enum Want {
    /// Every month: (month, JKK, JKM, JHT, rule set).
    Months(&'static [(&'static str, i64, i64, i64, &'static str)]),
    /// Month totals in order, the first and last month, and the total due.
    Totals {
        first: &'static str,
        last: &'static str,
        totals: &'static [i64],
        total_due: i64,
    },
    /// A refused request: (field, code).
    Error(&'static str, &'static str),
}

struct Case {
    name: &'static str,
    income: i64,
    programs: &'static [Program],
    months: u32,
    start: (i32, u32),
    occupation: Option<&'static str>,
    want: Want,
}

fn case(
    name: &'static str,
    income: i64,
    programs: &'static [Program],
    months: u32,
    start: (i32, u32),
    occupation: Option<&'static str>,
    want: Want,
) -> Case {
    Case {
        name,
        income,
        programs,
        months,
        start,
        occupation,
        want,
    }
}

const M: i64 = 1_000_000;
const FULL: i64 = 16_800;
const HALF: i64 = 8_400;

fn cases() -> Vec<Case> {
    use Want::*;
    vec![
        case(
            "minimum JKK+JKM",
            M,
            BASE,
            1,
            (2026, 5),
            None,
            Months(&[("2026-05", 10_000, 6_800, 0, "bpu-2026")]),
        ),
        case(
            "minimum with JHT",
            M,
            ALL,
            1,
            (2026, 5),
            None,
            Months(&[("2026-05", 10_000, 6_800, 20_000, "bpu-2026")]),
        ),
        case(
            "package in any order",
            M,
            &[JKM, JKK],
            1,
            (2026, 5),
            None,
            Months(&[("2026-05", 10_000, 6_800, 0, "bpu-2026")]),
        ),
        case(
            "courier 2025-12: before the window",
            M,
            BASE,
            1,
            (2025, 12),
            Some("KURIR"),
            Months(&[("2025-12", 10_000, 6_800, 0, "bpu-2015")]),
        ),
        case(
            "courier 2026-01: first discounted month",
            M,
            BASE,
            1,
            (2026, 1),
            Some("KURIR"),
            Months(&[("2026-01", 5_000, 3_400, 0, "bpu-2026")]),
        ),
        case(
            "courier 2027-03: last discounted month",
            M,
            BASE,
            1,
            (2027, 3),
            Some("KURIR"),
            Months(&[("2027-03", 5_000, 3_400, 0, "bpu-2026")]),
        ),
        case(
            "courier 2027-04: after the window",
            M,
            BASE,
            1,
            (2027, 4),
            Some("KURIR"),
            Months(&[("2027-04", 10_000, 6_800, 0, "bpu-2026")]),
        ),
        case(
            "ojol with JHT: JHT never discounted",
            M,
            ALL,
            1,
            (2026, 1),
            Some("OJOL"),
            Months(&[("2026-01", 5_000, 3_400, 20_000, "bpu-2026")]),
        ),
        case(
            "ojek discounted",
            M,
            BASE,
            1,
            (2026, 6),
            Some("OJEK"),
            Months(&[("2026-06", 5_000, 3_400, 0, "bpu-2026")]),
        ),
        case(
            "sopir discounted",
            M,
            BASE,
            1,
            (2026, 6),
            Some("SOPIR"),
            Months(&[("2026-06", 5_000, 3_400, 0, "bpu-2026")]),
        ),
        case(
            "trader: other-sector window is disabled",
            M,
            BASE,
            1,
            (2026, 6),
            Some("PEDAGANG"),
            Months(&[("2026-06", 10_000, 6_800, 0, "bpu-2026")]),
        ),
        case(
            "no occupation is not transport",
            M,
            BASE,
            1,
            (2026, 6),
            None,
            Months(&[("2026-06", 10_000, 6_800, 0, "bpu-2026")]),
        ),
        case(
            "LAINNYA is not transport",
            M,
            BASE,
            1,
            (2026, 6),
            Some("LAINNYA"),
            Months(&[("2026-06", 10_000, 6_800, 0, "bpu-2026")]),
        ),
        case(
            "rounding 1,050,050 full",
            1_050_050,
            ALL,
            1,
            (2026, 6),
            None,
            Months(&[("2026-06", 10_501, 6_800, 21_001, "bpu-2026")]),
        ),
        case(
            "rounding 1,050,050 discounted",
            1_050_050,
            ALL,
            1,
            (2026, 2),
            Some("KURIR"),
            Months(&[("2026-02", 5_250, 3_400, 21_001, "bpu-2026")]),
        ),
        case(
            "rounding 1,050,049 (.49 and .245 down)",
            1_050_049,
            BASE,
            1,
            (2026, 2),
            Some("KURIR"),
            Months(&[("2026-02", 5_250, 3_400, 0, "bpu-2026")]),
        ),
        case(
            "rounding 1,050,049 full",
            1_050_049,
            ALL,
            1,
            (2026, 6),
            None,
            Months(&[("2026-06", 10_500, 6_800, 21_001, "bpu-2026")]),
        ),
        case(
            "rounding 1,050,150 (.5 and .75 up)",
            1_050_150,
            BASE,
            3,
            (2027, 2),
            Some("KURIR"),
            Months(&[
                ("2027-02", 5_251, 3_400, 0, "bpu-2026"),
                ("2027-03", 5_251, 3_400, 0, "bpu-2026"),
                ("2027-04", 10_502, 6_800, 0, "bpu-2026"),
            ]),
        ),
        case(
            "rounding 1,234,567 with JHT",
            1_234_567,
            ALL,
            1,
            (2026, 6),
            None,
            Months(&[("2026-06", 12_346, 6_800, 24_691, "bpu-2026")]),
        ),
        case(
            "top income",
            20_700_000,
            ALL,
            1,
            (2026, 6),
            None,
            Months(&[("2026-06", 207_000, 6_800, 414_000, "bpu-2026")]),
        ),
        case(
            "top income courier",
            20_700_000,
            ALL,
            1,
            (2026, 3),
            Some("KURIR"),
            Months(&[("2026-03", 103_500, 3_400, 414_000, "bpu-2026")]),
        ),
        case(
            "first base month 2015-07",
            M,
            BASE,
            1,
            (2015, 7),
            None,
            Months(&[("2015-07", 10_000, 6_800, 0, "bpu-2015")]),
        ),
        case(
            "courier 12 months from 2027-01: 3 discounted, 9 full",
            M,
            BASE,
            12,
            (2027, 1),
            Some("KURIR"),
            Totals {
                first: "2027-01",
                last: "2027-12",
                totals: &[
                    HALF, HALF, HALF, FULL, FULL, FULL, FULL, FULL, FULL, FULL, FULL, FULL,
                ],
                total_due: 3 * HALF + 9 * FULL,
            },
        ),
        case(
            "courier 12 months from 2025-07: crosses into bpu-2026",
            M,
            BASE,
            12,
            (2025, 7),
            Some("KURIR"),
            Totals {
                first: "2025-07",
                last: "2026-06",
                totals: &[
                    FULL, FULL, FULL, FULL, FULL, FULL, HALF, HALF, HALF, HALF, HALF, HALF,
                ],
                total_due: 6 * FULL + 6 * HALF,
            },
        ),
        case(
            "trader 12 months from 2025-07: full throughout",
            M,
            BASE,
            12,
            (2025, 7),
            Some("PEDAGANG"),
            Totals {
                first: "2025-07",
                last: "2026-06",
                totals: &[FULL; 12],
                total_due: 12 * FULL,
            },
        ),
        case(
            "courier 12 months from 2026-12: crosses the year and the window end",
            M,
            BASE,
            12,
            (2026, 12),
            Some("KURIR"),
            Totals {
                first: "2026-12",
                last: "2027-11",
                totals: &[
                    HALF, HALF, HALF, HALF, FULL, FULL, FULL, FULL, FULL, FULL, FULL, FULL,
                ],
                total_due: 4 * HALF + 8 * FULL,
            },
        ),
        case(
            "courier 12 months from 2026-04 with JHT: all discounted, JHT full",
            M,
            ALL,
            12,
            (2026, 4),
            Some("KURIR"),
            Totals {
                first: "2026-04",
                last: "2027-03",
                totals: &[28_400; 12],
                total_due: 12 * 28_400,
            },
        ),
        case(
            "courier 3 months from 2027-02",
            M,
            BASE,
            3,
            (2027, 2),
            Some("KURIR"),
            Totals {
                first: "2027-02",
                last: "2027-04",
                totals: &[HALF, HALF, FULL],
                total_due: 2 * HALF + FULL,
            },
        ),
        case(
            "ojol 6 months from 2025-10",
            M,
            BASE,
            6,
            (2025, 10),
            Some("OJOL"),
            Totals {
                first: "2025-10",
                last: "2026-03",
                totals: &[FULL, FULL, FULL, HALF, HALF, HALF],
                total_due: 3 * FULL + 3 * HALF,
            },
        ),
        case(
            "rounding per month at 1,050,050 over a window end",
            1_050_050,
            BASE,
            3,
            (2027, 2),
            Some("SOPIR"),
            Totals {
                first: "2027-02",
                last: "2027-04",
                totals: &[8_650, 8_650, 17_301],
                total_due: 34_601,
            },
        ),
        case(
            "income 999,999",
            999_999,
            BASE,
            1,
            (2026, 5),
            None,
            Error("monthly_income", "income.below_minimum"),
        ),
        case(
            "income 20,700,001",
            20_700_001,
            BASE,
            1,
            (2026, 5),
            None,
            Error("monthly_income", "income.above_maximum"),
        ),
        case(
            "income negative",
            -1,
            BASE,
            1,
            (2026, 5),
            None,
            Error("monthly_income", "income.below_minimum"),
        ),
        case(
            "2 months",
            M,
            BASE,
            2,
            (2026, 5),
            None,
            Error("payment_months", "payment_months.invalid"),
        ),
        case(
            "0 months",
            M,
            BASE,
            0,
            (2026, 5),
            None,
            Error("payment_months", "payment_months.invalid"),
        ),
        case(
            "24 months",
            M,
            BASE,
            24,
            (2026, 5),
            None,
            Error("payment_months", "payment_months.invalid"),
        ),
        case(
            "JKK alone",
            M,
            &[JKK],
            1,
            (2026, 5),
            None,
            Error("programs", "programs.invalid"),
        ),
        case(
            "JHT alone",
            M,
            &[JHT],
            1,
            (2026, 5),
            None,
            Error("programs", "programs.invalid"),
        ),
        case(
            "duplicate program",
            M,
            &[JKK, JKM, JKM],
            1,
            (2026, 5),
            None,
            Error("programs", "programs.invalid"),
        ),
        case(
            "no program",
            M,
            &[],
            1,
            (2026, 5),
            None,
            Error("programs", "programs.invalid"),
        ),
        case(
            "unknown occupation",
            M,
            BASE,
            1,
            (2026, 5),
            Some("PNS"),
            Error("occupation", "occupation.unknown"),
        ),
        case(
            "month 0",
            M,
            BASE,
            1,
            (2026, 0),
            None,
            Error("start", "start.format"),
        ),
        case(
            "month 13",
            M,
            BASE,
            1,
            (2026, 13),
            None,
            Error("start", "start.format"),
        ),
        case(
            "before any rule set",
            M,
            BASE,
            1,
            (2015, 6),
            None,
            Error("start", "start.no_rule_set"),
        ),
    ]
}

fn request(c: &Case) -> QuoteRequest {
    QuoteRequest {
        monthly_income: c.income,
        programs: c.programs.to_vec(),
        months: c.months,
        start: c.start,
        occupation: c.occupation.map(String::from),
    }
}

fn check(c: &Case, got: Result<Quote, DomainError>) -> Result<(), String> {
    match (&c.want, got) {
        (Want::Months(want), Ok(q)) => {
            let seen: Vec<_> = q
                .months
                .iter()
                .map(|m| (m.month.as_str(), m.jkk, m.jkm, m.jht, m.rule_set.as_str()))
                .collect();
            let want: Vec<_> = want.to_vec();
            if seen != want {
                return Err(format!("got {seen:?}, want {want:?}"));
            }
            let sum: i64 = want.iter().map(|(_, a, b, c, _)| a + b + c).sum();
            if q.total_due != sum || q.months.iter().any(|m| m.total != m.jkk + m.jkm + m.jht) {
                return Err("totals do not add up".into());
            }
            Ok(())
        }
        (
            Want::Totals {
                first,
                last,
                totals,
                total_due,
            },
            Ok(q),
        ) => {
            let seen: Vec<i64> = q.months.iter().map(|m| m.total).collect();
            let ends = (
                q.months.first().map(|m| m.month.as_str()),
                q.months.last().map(|m| m.month.as_str()),
            );
            if seen != *totals || ends != (Some(*first), Some(*last)) || q.total_due != *total_due {
                return Err(format!(
                    "got {seen:?} {ends:?} {}, want {totals:?} {first}..{last} {total_due}",
                    q.total_due
                ));
            }
            Ok(())
        }
        (Want::Error(field, code), Err(DomainError::InvalidParameter { field: f, code: k }))
            if f == *field && k == *code =>
        {
            Ok(())
        }
        (_, got) => Err(format!("unexpected {got:?}")),
    }
}

#[test]
fn the_table_has_at_least_30_cases() {
    assert!(cases().len() >= 30, "only {}", cases().len());
}

#[test]
fn every_quote_case_prices_or_refuses_as_stated() {
    let book = RuleBook::builtin();
    let failures: Vec<String> = cases()
        .iter()
        .filter_map(|c| {
            check(c, quote(&book, &request(c)))
                .err()
                .map(|e| format!("{}: {e}", c.name))
        })
        .collect();
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn enabling_the_other_sector_window_is_a_data_change() {
    let book = RuleBook::builtin();
    let mut update = book.latest().clone();
    for w in &mut update.discounts {
        w.enabled = true;
    }
    let book = book
        .merged(RuleBook::from_rule_sets(vec![update]).unwrap())
        .unwrap();
    let trader = |start| QuoteRequest {
        monthly_income: M,
        programs: BASE.to_vec(),
        months: 1,
        start,
        occupation: Some("PEDAGANG".into()),
    };
    let total = |start| quote(&book, &trader(start)).unwrap().total_due;
    assert_eq!(total((2026, 3)), FULL);
    assert_eq!(total((2026, 4)), HALF);
    assert_eq!(total((2026, 12)), HALF);
    assert_eq!(total((2027, 1)), FULL);
}

#[test]
fn a_quote_serializes_as_the_cli_contract() {
    let c = &cases()[1];
    let q = quote(&RuleBook::builtin(), &request(c)).unwrap();
    assert_eq!(
        serde_json::to_value(&q).unwrap(),
        serde_json::json!({
            "months": [{"month": "2026-05", "JKK": 10000, "JKM": 6800, "JHT": 20000, "total": 36800, "rule_set": "bpu-2026"}],
            "total_due": 36800
        })
    );
}
