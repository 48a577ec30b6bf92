//! Table-driven commission statements (DOMAIN.md §7): the acquisition threshold (24, 25, 26
//! qualifying participants), the contribution bands' edges (months 24/25 and 60/61), discounted
//! contributions, rounding half-up per line, the Wadah's 10%, late payments and reversed
//! decisions as adjustment lines of the next statement (never paid twice), and a scheme change
//! at its effective date. Expected amounts are worked out by hand in each case.

use chrono::{DateTime, FixedOffset, NaiveDate};
use perisai_domain::incentive::{
    agent_statement, wadah_statement, Facts, LineKind, Participant, Payment, Scheme, SchemeBook,
    Statement, StatementRequest, Status,
};
use perisai_domain::tariff::YearMonth;
use proptest::prelude::*;

const AGENT: &str = "agent-1";

fn ym(s: &str) -> YearMonth {
    YearMonth::parse(s).unwrap()
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn as_of() -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339("2026-07-01T08:00:00+07:00").unwrap()
}

/// A new, approved participant of `AGENT`, first of its NIK.
fn new_participant(record_id: &str, with_jht: bool) -> Participant {
    Participant {
        record_id: record_id.into(),
        agent_id: AGENT.into(),
        wadah_id: "wadah-1".into(),
        with_jht,
        nik_new_to_bpu: true,
        approved: true,
        first_for_nik: true,
    }
}

fn payment(record_id: &str, month: &str, amount: i64, confirmed_on: &str) -> Payment {
    Payment {
        payment_ref: format!("{record_id}/{month}/{confirmed_on}"),
        record_id: record_id.into(),
        contribution_month: ym(month),
        amount,
        confirmed_on: day(confirmed_on),
    }
}

/// `n` new participants whose first contribution (Rp16.800) is confirmed on 2026-05-10; the
/// first `with_jht` of them have JHT.
fn acquisitions(n: usize, with_jht: usize) -> Facts {
    let mut facts = Facts::default();
    for i in 0..n {
        let id = format!("r{i:03}");
        facts.participants.push(new_participant(&id, i < with_jht));
        facts
            .payments
            .push(payment(&id, "2026-05", 16_800, "2026-05-10"));
    }
    facts
}

fn statement_with(
    book: &SchemeBook,
    facts: &Facts,
    month: &str,
    status: Status,
    issued: &[Statement],
) -> Statement {
    agent_statement(
        book,
        facts,
        &StatementRequest {
            agent_id: AGENT,
            month: ym(month),
            status,
            as_of: &as_of(),
            issued,
        },
    )
    .unwrap()
}

fn issue(facts: &Facts, month: &str, issued: &[Statement]) -> Statement {
    statement_with(
        &SchemeBook::builtin(),
        facts,
        month,
        Status::Confirmed,
        issued,
    )
}

fn amounts(s: &Statement, kind: LineKind) -> Vec<(String, i64)> {
    s.lines
        .iter()
        .filter(|l| l.kind == kind)
        .map(|l| (l.record_id.clone(), l.amount))
        .collect()
}

#[test]
fn acquisition_is_paid_only_from_25_qualifying_participants() {
    // (qualifying, of which with JHT, acquisition, contribution = n × 15% of 16.800 = n × 2.520)
    let table: [(usize, usize, i64, i64); 4] = [
        (24, 10, 0, 60_480),
        (25, 10, 10 * 15_000 + 15 * 10_000, 63_000),
        (26, 10, 10 * 15_000 + 16 * 10_000, 65_520),
        (26, 0, 26 * 10_000, 65_520),
    ];
    for (n, jht, acquisition, contribution) in table {
        let s = issue(&acquisitions(n, jht), "2026-05", &[]);
        assert_eq!(s.acquisition, acquisition, "{n} qualifying, {jht} with JHT");
        assert_eq!(s.contribution, contribution, "{n} qualifying");
        assert_eq!(s.total, acquisition + contribution);
        assert_eq!(amounts(&s, LineKind::Acquisition).len(), n, "a line each");
    }
    // Below the threshold, the agent sees why there is nothing.
    let below = issue(&acquisitions(24, 0), "2026-05", &[]);
    let line = below
        .lines
        .iter()
        .find(|l| l.kind == LineKind::Acquisition)
        .unwrap();
    assert_eq!(line.amount, 0);
    assert!(line.note.contains("24 dari minimal 25"), "{}", line.note);
    assert!(line.note.contains("24 of the required 25"), "{}", line.note);
}

#[test]
fn who_qualifies_for_an_acquisition() {
    // 25 qualifying in May, plus people who do not count: each would make it 26 if it did.
    let mut facts = acquisitions(25, 0);
    let mut known_nik = new_participant("known", true);
    known_nik.nik_new_to_bpu = false;
    let mut second = new_participant("second", true);
    second.first_for_nik = false;
    let mut rejected = new_participant("rejected", true);
    rejected.approved = false;
    let late = new_participant("april", true);
    let mut other_agent = new_participant("other", true);
    other_agent.agent_id = "agent-2".into();
    for p in [known_nik, second, rejected, late, other_agent] {
        facts.participants.push(p);
    }
    for id in ["known", "second", "rejected", "other"] {
        facts
            .payments
            .push(payment(id, "2026-05", 36_800, "2026-05-11"));
    }
    // First contribution confirmed in April: its acquisition belonged to April.
    facts
        .payments
        .push(payment("april", "2026-04", 36_800, "2026-04-30"));
    facts
        .payments
        .push(payment("april", "2026-05", 36_800, "2026-05-02"));
    let s = issue(&facts, "2026-05", &[]);
    assert_eq!(s.acquisition, 25 * 10_000);
    let ids: Vec<String> = amounts(&s, LineKind::Acquisition)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    for absent in ["known", "second", "rejected", "april", "other"] {
        assert!(!ids.contains(&absent.to_string()), "{absent}");
    }
    // Contributions still count for approved participants, new to BPU or not; not for the
    // rejected one nor another agent's.
    let contributions = amounts(&s, LineKind::Contribution);
    for (id, want) in [("known", 5_520), ("second", 5_520), ("april", 5_520)] {
        assert!(contributions.contains(&(id.into(), want)), "{id}");
    }
    assert!(!contributions
        .iter()
        .any(|(id, _)| id == "rejected" || id == "other"));
}

#[test]
fn contribution_rate_follows_the_participants_contribution_month() {
    // First paid contribution month 2024-06 = month 1. (paid month, n, amount, incentive, note)
    let table = [
        (
            "2026-05",
            24,
            16_800,
            2_520,
            "Iuran bulan ke-24 (15% dari Rp16.800)",
        ),
        (
            "2026-06",
            25,
            16_800,
            840,
            "Iuran bulan ke-25 (5% dari Rp16.800)",
        ),
        (
            "2029-05",
            60,
            16_800,
            840,
            "Iuran bulan ke-60 (5% dari Rp16.800)",
        ),
        (
            "2029-06",
            61,
            16_800,
            0,
            "Iuran bulan ke-61 (0% dari Rp16.800)",
        ),
        // A transport worker's discounted JKK+JKM: the amount actually paid is the base.
        (
            "2026-04",
            23,
            8_400,
            1_260,
            "Iuran bulan ke-23 (15% dari Rp8.400)",
        ),
        // Rounding half-up on the line: 2.520,45 → 2.520 and 2.521,5 → 2.522.
        (
            "2026-03",
            22,
            16_803,
            2_520,
            "Iuran bulan ke-22 (15% dari Rp16.803)",
        ),
        (
            "2026-02",
            21,
            16_810,
            2_522,
            "Iuran bulan ke-21 (15% dari Rp16.810)",
        ),
    ];
    for (month, n, amount, want, note) in table {
        let mut facts = Facts::default();
        let mut p = new_participant("r", false);
        p.nik_new_to_bpu = false;
        facts.participants.push(p);
        facts
            .payments
            .push(payment("r", "2024-06", 16_800, "2024-06-03"));
        facts
            .payments
            .push(payment("r", month, amount, "2026-08-14"));
        let s = issue(&facts, "2026-08", &[]);
        assert_eq!(s.lines.len(), 1, "month {n}");
        let line = &s.lines[0];
        assert_eq!(line.amount, want, "month {n}");
        assert_eq!(s.contribution, want);
        assert!(line.note.starts_with(note), "{}", line.note);
        assert!(
            line.note.contains(&format!("/ Contribution month {n} (")),
            "{}",
            line.note
        );
    }
}

#[test]
fn rounding_is_per_line_not_on_the_sum() {
    // Two payments of 16.810 in the month: 2 × 2.521,5 → 2 × 2.522 = 5.044 (the sum 5.043 would
    // be rounding once on the total).
    let mut facts = Facts::default();
    facts.participants.push(new_participant("r", false));
    facts
        .payments
        .push(payment("r", "2026-05", 16_810, "2026-05-03"));
    facts
        .payments
        .push(payment("r", "2026-06", 16_810, "2026-05-03"));
    let s = issue(&facts, "2026-05", &[]);
    assert_eq!(s.contribution, 5_044);
    let notes: Vec<&str> = s
        .lines
        .iter()
        .filter(|l| l.kind == LineKind::Contribution)
        .map(|l| l.note.as_str())
        .collect();
    assert!(notes[0].starts_with("Iuran bulan ke-1 "), "{notes:?}");
    assert!(notes[1].starts_with("Iuran bulan ke-2 "), "{notes:?}");
}

#[test]
fn payments_belong_to_the_month_of_their_confirmation() {
    let mut facts = Facts::default();
    facts.participants.push(new_participant("r", false));
    facts
        .payments
        .push(payment("r", "2026-05", 16_800, "2026-05-31"));
    facts
        .payments
        .push(payment("r", "2026-06", 16_800, "2026-06-01"));
    assert_eq!(issue(&facts, "2026-05", &[]).contribution, 2_520);
    assert_eq!(issue(&facts, "2026-06", &[]).contribution, 2_520);
    assert_eq!(issue(&facts, "2026-07", &[]).total, 0);
}

#[test]
fn the_wadah_earns_10_percent_of_each_agents_statement() {
    let book = SchemeBook::builtin();
    let month = ym("2026-05");
    let a = issue(&acquisitions(25, 10), "2026-05", &[]); // 300.000 + 63.000
    let mut b_facts = Facts::default();
    b_facts.participants.push(new_participant("b", false));
    b_facts
        .payments
        .push(payment("b", "2026-05", 16_835, "2026-05-03")); // 2.525,25 → 2.525
    let b = issue(&b_facts, "2026-05", &[]);
    assert_eq!((a.total, b.total), (363_000, 2_525));
    let w = wadah_statement(
        &book,
        month,
        Status::Confirmed,
        &as_of(),
        &[("agent-b", &b), ("agent-a", &a)],
    )
    .unwrap();
    assert_eq!(
        amounts(&w, LineKind::Management),
        vec![("agent-a".into(), 36_300), ("agent-b".into(), 253)] // 252,5 → 253
    );
    assert_eq!(w.total, 36_553);
    assert!(w.lines[1]
        .note
        .starts_with("Insentif pengelolaan 10% dari Rp2.525"));
}

#[test]
fn a_late_payment_is_an_adjustment_in_the_next_statement_and_only_once() {
    let mut facts = Facts::default();
    facts.participants.push(new_participant("r", false));
    facts
        .payments
        .push(payment("r", "2026-05", 16_800, "2026-05-04"));
    let may = issue(&facts, "2026-05", &[]);
    let may_as_issued = may.clone();
    assert_eq!(may.total, 2_520);

    // The June payment was confirmed on 31 May but imported after May was issued.
    facts
        .payments
        .push(payment("r", "2026-06", 16_803, "2026-05-31"));
    let june = issue(&facts, "2026-06", std::slice::from_ref(&may));
    assert_eq!(may, may_as_issued, "an issued statement never changes");
    assert_eq!(
        amounts(&june, LineKind::Adjustment),
        vec![("r".into(), 2_520)]
    );
    assert_eq!(
        (june.contribution, june.adjustments, june.total),
        (0, 2_520, 2_520)
    );
    let note = &june.lines[0].note;
    assert_eq!(note, "Penyesuaian untuk Mei 2026 / Adjustment for May 2026");

    // July: May and June issued, nothing new: no adjustment, the late payment is not paid twice.
    let july = issue(&facts, "2026-07", &[may.clone(), june.clone()]);
    assert!(july.lines.is_empty(), "{:?}", july.lines);
    // A provisional statement is not "issued": passing one changes nothing.
    let provisional = statement_with(
        &SchemeBook::builtin(),
        &facts,
        "2026-07",
        Status::Provisional,
        &[may, june],
    );
    assert_eq!(provisional.status, Status::Provisional);
    assert_eq!(provisional.lines, july.lines);
}

#[test]
fn a_reversed_decision_takes_back_acquisitions_below_the_threshold() {
    // 25 qualifying in May (10 with JHT): acquisition 300.000, contribution 63.000.
    let mut facts = acquisitions(25, 10);
    let may = issue(&facts, "2026-05", &[]);
    assert_eq!(may.acquisition, 300_000);

    // A supervisor reverses the approval of r024 (JKK+JKM) in June: the agent falls to 24.
    facts.participants[24].approved = false;
    let june = issue(&facts, "2026-06", std::slice::from_ref(&may));
    let adjustments = amounts(&june, LineKind::Adjustment);
    assert_eq!(adjustments.len(), 25);
    assert!(adjustments.contains(&("r000".into(), -15_000)));
    assert!(adjustments.contains(&("r023".into(), -10_000)));
    // The reversed one loses its acquisition and its contribution incentive.
    assert!(adjustments.contains(&("r024".into(), -12_520)));
    assert_eq!(june.adjustments, -300_000 - 2_520);
    assert_eq!(june.total, june.adjustments);

    // Approved again in July: it all comes back, once.
    facts.participants[24].approved = true;
    let july = issue(&facts, "2026-07", &[may.clone(), june.clone()]);
    assert_eq!(july.adjustments, 302_520);
    let august = issue(&facts, "2026-08", &[may, june, july]);
    assert!(august.lines.is_empty());
}

#[test]
fn a_scheme_change_applies_from_its_effective_month() {
    let mut old = SchemeBook::builtin().schemes()[0].clone();
    old.effective_to = Some(ym("2026-12"));
    let new: Scheme = serde_json::from_str(
        r#"{"id": "wadah-x-2027", "effective_from": "2027-01",
            "acquisition": {"with_jht_rupiah": 20000, "without_jht_rupiah": 12000, "min_qualifying": 10},
            "contribution": [{"from_month": 1, "to_month": 12, "rate_bp": 1000}],
            "management_bp": 500}"#,
    )
    .unwrap();
    let book = SchemeBook::from_schemes(vec![old, new]).unwrap();
    let mut facts = acquisitions(12, 0);
    for p in &mut facts.payments {
        p.confirmed_on = day("2026-12-20");
    }
    let mut january = acquisitions(12, 0);
    for (i, p) in january.participants.iter_mut().enumerate() {
        p.record_id = format!("j{i:03}");
    }
    for (i, p) in january.payments.iter_mut().enumerate() {
        p.record_id = format!("j{i:03}");
        p.payment_ref = format!("j{i}");
        p.confirmed_on = day("2027-01-05");
    }
    facts.participants.extend(january.participants);
    facts.payments.extend(january.payments);
    // December: 12 < 25 under perisai-2022, 15% of 16.800.
    let dec = statement_with(&book, &facts, "2026-12", Status::Confirmed, &[]);
    assert_eq!((dec.acquisition, dec.contribution), (0, 12 * 2_520));
    // January: 12 ≥ 10 under the new scheme, 10% of 16.800.
    let jan = statement_with(&book, &facts, "2027-01", Status::Confirmed, &[]);
    assert_eq!(
        (jan.acquisition, jan.contribution),
        (12 * 12_000, 12 * 1_680)
    );
    // A month no scheme covers is refused, not computed as zero.
    let early = agent_statement(
        &book,
        &facts,
        &StatementRequest {
            agent_id: AGENT,
            month: ym("2020-01"),
            status: Status::Confirmed,
            as_of: &as_of(),
            issued: &[],
        },
    );
    assert!(matches!(
        early,
        Err(perisai_domain::DomainError::InvalidParameter { code, .. }) if code == "scheme.not_in_force"
    ));
}

fn facts_strategy() -> impl Strategy<Value = Facts> {
    let participant = (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>());
    let pay = (0usize..6, 0u32..30, 0i64..200_000, 0u32..8);
    (
        prop::collection::vec(participant, 1..6),
        prop::collection::vec(pay, 0..20),
    )
        .prop_map(|(people, pays)| {
            let mut facts = Facts::default();
            for (i, (jht, new, approved, first)) in people.iter().enumerate() {
                facts.participants.push(Participant {
                    with_jht: *jht,
                    nik_new_to_bpu: *new,
                    approved: *approved,
                    first_for_nik: *first,
                    ..new_participant(&format!("r{i}"), *jht)
                });
            }
            for (k, (who, month, amount, confirm)) in pays.into_iter().enumerate() {
                let who = who % people.len();
                let mut m = ym("2026-01");
                for _ in 0..month {
                    m = m.next();
                }
                let mut c = ym("2026-01");
                for _ in 0..confirm {
                    c = c.next();
                }
                facts.payments.push(Payment {
                    payment_ref: format!("p{k}"),
                    record_id: format!("r{who}"),
                    contribution_month: m,
                    amount,
                    confirmed_on: c.first_day(),
                });
            }
            facts
        })
}

proptest! {
    #[test]
    fn totals_are_the_sums_of_the_lines_and_only_adjustments_go_negative(
        facts in facts_strategy(),
        months in 1usize..8,
    ) {
        let mut issued: Vec<Statement> = Vec::new();
        let mut m = ym("2026-01");
        for _ in 0..months {
            let s = issue(&facts, &m.to_string(), &issued);
            let sum: i64 = s.lines.iter().map(|l| l.amount).sum();
            prop_assert_eq!(s.total, sum);
            prop_assert_eq!(s.total, s.acquisition + s.contribution + s.adjustments);
            for line in &s.lines {
                prop_assert!(line.amount >= 0 || line.kind == LineKind::Adjustment);
            }
            // Issued with the same facts: nothing to adjust later.
            prop_assert_eq!(s.adjustments, 0);
            issued.push(s);
            m = m.next();
        }
    }

    #[test]
    fn whatever_changes_the_next_statement_settles_it_exactly(
        before in facts_strategy(),
        after in facts_strategy(),
    ) {
        // Months issued with the old facts, then the facts change: the next statement's
        // adjustments make the issued months add up to what they should be now.
        let mut issued = Vec::new();
        let mut m = ym("2026-01");
        for _ in 0..8 {
            issued.push(issue(&before, &m.to_string(), &issued));
            m = m.next();
        }
        let next = issue(&after, &m.to_string(), &issued);
        let paid: i64 = issued.iter().map(|s| s.total).sum::<i64>() + next.adjustments;
        let mut should = 0;
        let mut k = ym("2026-01");
        for _ in 0..8 {
            should += issue(&after, &k.to_string(), &[]).total;
            k = k.next();
        }
        prop_assert_eq!(paid, should);
        issued.push(next);
        let settled = issue(&after, &m.next().to_string(), &issued);
        prop_assert_eq!(settled.adjustments, 0);
    }
}
