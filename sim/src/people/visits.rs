//! What happens with the next worker a demo agent meets in their area ([`Visit`]): most forms
//! are clean; a few carry a warning the agent confirms (a KTP birth date that differs from the
//! NIK, a sex typed against the NIK); now and then the agent makes a mistake that the core
//! refuses (and then fixes it); and sometimes the worker was already enrolled by another agent
//! (the server puts the second enrollment in the duplicate queue).
//!
//! The workers are of the peoples met in the area ([`folks`]); their NIK is of the area's region
//! or, for a migrant, of their home region; their forms are typed as agents type them (NIKs in
//! groups, phone numbers with dashes or `+62`, `L`/`P` for the sex).

use chrono::{Datelike, Duration, NaiveDate};
use serde_json::{json, Value};

use super::areas::{folks, income_range, occupations, Area, AreaKind};
use super::rng::Rng;
use super::worker::{self, digits_of, Fix, Worker};

/// A mistake an agent makes on the form, which the core refuses; the validation code it gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mistake {
    /// Two digits of the NIK swapped into a province that does not exist.
    NikProvince,
    /// A phone number missing digits.
    PhoneShort,
    /// An income typed without a zero.
    IncomeLow,
    /// The consent box left unticked.
    NoConsent,
    /// The participant's 16-year-old child enrolled instead of the participant.
    TooYoung,
}

impl Mistake {
    const ALL: [Mistake; 5] = [
        Mistake::NikProvince,
        Mistake::PhoneShort,
        Mistake::IncomeLow,
        Mistake::NoConsent,
        Mistake::TooYoung,
    ];

    /// The validation code the core answers with.
    pub fn code(self) -> &'static str {
        match self {
            Mistake::NikProvince => "nik.province",
            Mistake::PhoneShort => "phone.format",
            Mistake::IncomeLow => "income.below_minimum",
            Mistake::NoConsent => "consent.missing",
            Mistake::TooYoung => "age.too_young",
        }
    }
}

/// What happens with the next worker an agent meets.
#[derive(Debug, Clone)]
pub enum Visit {
    /// A clean form.
    Clean(Value),
    /// A form the core warns about (`expect`); the agent checks the KTP and confirms.
    Warned { form: Value, expect: &'static str },
    /// A mistake the core refuses; `fixed` is the form after the agent corrected it.
    Mistaken {
        bad: Value,
        fixed: Value,
        mistake: Mistake,
    },
    /// A worker another agent already enrolled (the server's duplicate queue will hold it).
    AlreadyEnrolled(Value),
}

impl Visit {
    /// The form that ends up saved.
    pub fn saved_form(&self) -> &Value {
        match self {
            Visit::Clean(form) | Visit::AlreadyEnrolled(form) => form,
            Visit::Warned { form, .. } => form,
            Visit::Mistaken { fixed, .. } => fixed,
        }
    }
}

/// Makes the workers one agent meets in one area, deterministically from a seed.
#[derive(Debug)]
pub struct Workers {
    area: &'static Area,
    rng: Rng,
}

const PAYMENT_MONTHS: [(u32, u64); 4] = [(1, 45), (3, 30), (6, 15), (12, 10)];

impl Workers {
    pub fn new(area: &'static Area, seed: u64) -> Workers {
        Workers {
            area,
            rng: Rng::new(seed),
        }
    }

    /// The next visit on `today`; `enrolled_elsewhere` is a worker another agent enrolled (if
    /// any was offered), used now and then for a duplicate.
    pub fn next(&mut self, today: NaiveDate, enrolled_elsewhere: Option<&Value>) -> Visit {
        let roll = self.rng.range(0, 100);
        match (roll, enrolled_elsewhere) {
            (0..=3, Some(other)) => Visit::AlreadyEnrolled(self.same_worker_again(other)),
            (4..=8, _) => {
                let fixed = self.clean(today);
                let mistake = self.rng.pick(&Mistake::ALL);
                let bad = self.with_mistake(&fixed, mistake, today);
                Visit::Mistaken {
                    bad,
                    fixed,
                    mistake,
                }
            }
            (9..=13, _) => {
                let mut form = self.clean(today);
                // The KTP's birth date and the birth certificate's differ: the NIK keeps its own.
                let shift = self.rng.range(1, 21) as i64;
                if let Some(date) =
                    birth_date(&form).and_then(|d| d.checked_sub_signed(Duration::days(shift)))
                {
                    form["birth_date"] = json!(date.to_string());
                }
                Visit::Warned {
                    form,
                    expect: "nik.birth_date_mismatch",
                }
            }
            (14..=15, _) => {
                let mut form = self.clean(today);
                let typed = if form["sex"] == "F" || form["sex"] == "P" {
                    "M"
                } else {
                    "F"
                };
                form["sex"] = json!(typed);
                Visit::Warned {
                    form,
                    expect: "nik.sex_mismatch",
                }
            }
            _ => Visit::Clean(self.clean(today)),
        }
    }

    /// A valid worker without warnings, of this area, met on `today`.
    pub fn worker(&mut self, today: NaiveDate) -> Worker {
        let folk = self.rng.weighted(folks(self.area.kind));
        let female = self.rng.chance(45);
        let full_name = folk.name(&mut self.rng, female);
        let (home_region, home_town) = self.rng.pick(folk.homes());
        let (region, birth_place) = if self.rng.chance(55) {
            // Born here or moved here long ago: a KTP of the area.
            let town = if self.rng.chance(50) {
                self.area.city.split(", ").next().unwrap_or(self.area.city)
            } else {
                home_town
            };
            (self.area.region, town)
        } else {
            (home_region, home_town)
        };
        // 19 to 62 years old: inside the 18–64 of the rule set whatever the day of the year.
        let age = self.rng.range(19, 63) as i32;
        let month = self.rng.range(1, 13) as u32;
        let day = self.rng.range(1, 29) as u32;
        let birth_date = NaiveDate::from_ymd_opt(today.year() - age, month, day).unwrap_or(today);
        let district = self.rng.range(1, 31);
        let serial = self.rng.range(1, 10_000);
        let nik = worker::nik(region, district, birth_date, female, serial);
        let occupation = self.rng.weighted(occupations(self.area.kind));
        let (low, high) = income_range(occupation);
        let monthly_income = self.rng.range(low / 50_000, high / 50_000 + 1) * 50_000;
        let programs: &[&str] = if self.rng.chance(35) {
            &["JKK", "JKM", "JHT"]
        } else {
            &["JKK", "JKM"]
        };
        let payment_months = self.rng.weighted(&PAYMENT_MONTHS);
        // Some agents type the Indonesian L/P, which the core stores as M/F.
        let sex = match (female, self.rng.chance(30)) {
            (true, true) => "P",
            (true, false) => "F",
            (false, true) => "L",
            (false, false) => "M",
        };
        let nik = worker::typed_nik(&mut self.rng, &nik);
        let phone = worker::typed_mobile(&mut self.rng);
        let address = self.address();
        // Most phones get a GPS fix; under a market roof some do not.
        let location = (!self.rng.chance(4)).then(|| self.fix());
        Worker {
            nik,
            full_name,
            birth_place: birth_place.to_string(),
            birth_date,
            female,
            sex,
            phone,
            address,
            occupation,
            monthly_income,
            programs,
            payment_months,
            location,
            enrolled_on: None,
        }
    }

    /// A valid form without warnings, for a worker of this area enrolled on `today`.
    pub fn clean(&mut self, today: NaiveDate) -> Value {
        self.worker(today).form()
    }

    /// Within a kilometre or so of the area's centre, rounded as phones report it.
    fn fix(&mut self) -> Fix {
        Fix {
            lat: round6(self.area.lat + (self.rng.unit() - 0.5) * 0.024),
            lon: round6(self.area.lon + (self.rng.unit() - 0.5) * 0.024),
            accuracy_m: self.rng.range(4, 60) as f64,
        }
    }

    /// The same person (NIK, name, birth) met again by this agent: new phone number, this
    /// agent's place and the person's choice of months.
    fn same_worker_again(&mut self, earlier: &Value) -> Value {
        let mut form = earlier.clone();
        form["phone"] = json!(worker::typed_mobile(&mut self.rng));
        form["payment_months"] = json!(self.rng.weighted(&PAYMENT_MONTHS));
        if form.get("location").is_some() {
            let fix = self.fix();
            form["location"] =
                json!({"lat": fix.lat, "lon": fix.lon, "accuracy_m": fix.accuracy_m});
        }
        form
    }

    fn with_mistake(&mut self, form: &Value, mistake: Mistake, today: NaiveDate) -> Value {
        let mut bad = form.clone();
        match mistake {
            Mistake::NikProvince => {
                let nik = digits_of(&form["nik"]);
                // 20, 37–39, 40–50: no province has these codes.
                let wrong = self
                    .rng
                    .pick(&["20", "37", "38", "39", "40", "41", "45", "50"]);
                bad["nik"] = json!(format!("{wrong}{}", nik.get(2..).unwrap_or_default()));
            }
            Mistake::PhoneShort => {
                let phone = digits_of(&form["phone"]);
                bad["phone"] = json!(phone.get(..7).unwrap_or("0812"));
            }
            Mistake::IncomeLow => {
                let income = form["monthly_income"].as_u64().unwrap_or(1_500_000);
                bad["monthly_income"] = json!(income / 10);
            }
            Mistake::NoConsent => {
                bad["consent"] = json!(false);
            }
            Mistake::TooYoung => {
                // The child's birth date, NIK and all: born 16 years ago.
                let female = matches!(form["sex"].as_str(), Some("F" | "P"));
                let month = self.rng.range(1, 13) as u32;
                let day = self.rng.range(1, 29) as u32;
                let birth = NaiveDate::from_ymd_opt(today.year() - 16, month, day).unwrap_or(today);
                let nik = digits_of(&form["nik"]);
                let district = self.rng.range(1, 31);
                let serial = self.rng.range(1, 10_000);
                let region = nik.get(..4).unwrap_or("3201");
                bad["nik"] = json!(worker::nik(region, district, birth, female, serial));
                bad["birth_date"] = json!(birth.to_string());
            }
        }
        bad
    }

    /// A home address near the area: a stall's block in the market, a kampung with its RT/RW,
    /// or a street.
    fn address(&mut self) -> String {
        let city = self.area.city;
        if self.area.kind == AreaKind::Market && self.rng.chance(40) {
            return format!(
                "{} Blok {} No. {}, {city}",
                self.area.name.trim_end_matches(" Tangerang"),
                self.rng.pick(&['A', 'B', 'C', 'D', 'E', 'F']),
                self.rng.range(1, 61)
            );
        }
        let place = self.rng.pick(self.area.neighbourhoods);
        if place.starts_with("Kp.") || place.starts_with("Kampung") {
            format!(
                "{place} RT {:02}/RW {:02}, {city}",
                self.rng.range(1, 13),
                self.rng.range(1, 10)
            )
        } else {
            format!("{place} No. {}, {city}", self.rng.range(1, 151))
        }
    }
}

fn birth_date(form: &Value) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(form["birth_date"].as_str()?, "%Y-%m-%d").ok()
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use perisai_core::rules::{self, NoLookups};
    use perisai_core::tariff::RuleBook;

    use super::super::areas::AREAS;
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 20).unwrap_or_default()
    }

    fn codes(form: &Value) -> (Vec<String>, Vec<String>) {
        let (report, _) = rules::validate(form, today(), &RuleBook::builtin(), &NoLookups);
        (
            report.errors.iter().map(|i| i.code.clone()).collect(),
            report.warnings.iter().map(|i| i.code.clone()).collect(),
        )
    }

    #[test]
    fn every_visit_validates_as_the_agent_expects() {
        let mut seen = HashSet::new();
        let mut niks = HashSet::new();
        let mut names = HashSet::new();
        for (n, area) in AREAS.iter().enumerate() {
            let mut workers = Workers::new(area, n as u64);
            let mut previous: Option<Value> = None;
            for _ in 0..400 {
                let visit = workers.next(today(), previous.as_ref());
                match &visit {
                    Visit::Clean(form) => {
                        assert_eq!(codes(form), (vec![], vec![]), "{form}");
                        seen.insert("clean");
                    }
                    Visit::AlreadyEnrolled(form) => {
                        assert_eq!(codes(form), (vec![], vec![]), "{form}");
                        seen.insert("again");
                    }
                    Visit::Warned { form, expect } => {
                        assert_eq!(codes(form), (vec![], vec![expect.to_string()]), "{form}");
                        seen.insert(expect);
                    }
                    Visit::Mistaken {
                        bad,
                        fixed,
                        mistake,
                    } => {
                        let (errors, _) = codes(bad);
                        assert!(
                            errors.contains(&mistake.code().to_string()),
                            "{errors:?} {bad}"
                        );
                        assert_eq!(codes(fixed), (vec![], vec![]), "{fixed}");
                        seen.insert(mistake.code());
                    }
                }
                let form = visit.saved_form();
                if !matches!(visit, Visit::AlreadyEnrolled(_)) {
                    niks.insert(digits_of(&form["nik"]));
                }
                names.insert(form["full_name"].as_str().unwrap_or_default().to_string());
                // As on the devices: only clean forms are offered to the other agents.
                if matches!(visit, Visit::Clean(_)) {
                    previous = Some(form.clone());
                }
            }
        }
        for kind in [
            "clean",
            "again",
            "nik.birth_date_mismatch",
            "nik.sex_mismatch",
            "nik.province",
            "phone.format",
            "income.below_minimum",
            "consent.missing",
            "age.too_young",
        ] {
            assert!(seen.contains(kind), "never saw {kind}");
        }
        // Random serials: collisions are possible but rare.
        assert!(niks.len() > 3_600, "{} distinct NIKs", niks.len());
        assert!(names.len() > 300, "{} distinct names", names.len());
        assert!(names.iter().any(|n| !n.contains(' ')), "no mononym");
        assert!(
            names.iter().any(|n| n.starts_with("Ni ")),
            "no Balinese woman"
        );
        assert!(names.iter().any(|n| n.contains("br. ")), "no Batak boru");
    }

    #[test]
    fn forms_look_like_the_field() {
        let mut workers = Workers::new(&AREAS[0], 7);
        for _ in 0..300 {
            let form = workers.clean(today());
            let nik = digits_of(&form["nik"]);
            assert_eq!(nik.len(), 16);
            assert_ne!(&nik[12..], "0000");
            let day: u32 = nik[6..8].parse().unwrap_or(0);
            let female = matches!(form["sex"].as_str(), Some("F" | "P"));
            assert_eq!(day > 40, female, "{form}");
            let phone = digits_of(&form["phone"]);
            assert!(
                phone.starts_with("08") || phone.starts_with("628"),
                "{phone}"
            );
            let income = form["monthly_income"].as_u64().unwrap_or(0);
            assert!((1_000_000..=5_000_000).contains(&income));
            assert!([1, 3, 6, 12].contains(&form["payment_months"].as_u64().unwrap_or(0)));
            assert_eq!(form["consent"], json!(true));
            if let Some(location) = form.get("location") {
                let lat = location["lat"].as_f64().unwrap_or(0.0);
                assert!((lat - AREAS[0].lat).abs() < 0.02);
            }
        }
    }

    #[test]
    fn the_same_seed_meets_the_same_workers() {
        let mut a = Workers::new(&AREAS[1], 42);
        let mut b = Workers::new(&AREAS[1], 42);
        for _ in 0..50 {
            assert_eq!(a.clean(today()), b.clean(today()));
        }
    }
}
