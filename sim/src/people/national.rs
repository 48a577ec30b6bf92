//! The national draw: distinct workers from anywhere in Indonesia (the regions of [`REGIONS`]),
//! enrolled at given moments; what the server's benchmarks upload.
//!
//! Its records are pinned (the test below): the ingest figures of docs/PERFORMANCE.md are
//! compared across commits, so a change that moves them (a name added to the national draw, a
//! draw reordered) must be one that is meant, and the figures taken again.

use std::collections::HashSet;

use chrono::{DateTime, Duration, FixedOffset};
use serde_json::Value;

use super::names::{self, GIVEN, SECOND, SINGLE};
use super::places::{self, BIRTH_PLACES, REGIONS};
use super::rng::Rng;
use super::worker::{self, Fix, Worker, OCCUPATIONS};

/// A person and the moment the agent enrolled them.
#[derive(Clone, Debug)]
pub struct Enrollee {
    pub form: Value,
    pub created_at: DateTime<FixedOffset>,
}

/// Makes distinct people (no NIK twice in one `People`), deterministically from a seed.
#[derive(Debug)]
pub struct People {
    rng: Rng,
    niks: HashSet<String>,
    men: Vec<&'static str>,
    women: Vec<&'static str>,
    second: Vec<&'static str>,
    single: Vec<&'static str>,
}

impl People {
    pub fn new(seed: u64) -> People {
        People {
            rng: Rng::new(seed),
            niks: HashSet::new(),
            men: names::national(GIVEN, Some(false)),
            women: names::national(GIVEN, Some(true)),
            second: names::national(SECOND, None),
            single: names::national(SINGLE, None),
        }
    }

    /// The generator's own random numbers (for the caller's draws in between: ids, times).
    pub fn rng(&mut self) -> &mut Rng {
        &mut self.rng
    }

    fn name(&mut self, female: bool) -> String {
        let r = &mut self.rng;
        if r.chance(5) {
            return r.pick(&self.single).to_string();
        }
        let given = if female { &self.women } else { &self.men };
        let first = r.pick(given);
        let mut name = first.to_string();
        if r.chance(35) {
            let middle = r.pick(given);
            if middle != first {
                name.push(' ');
                name.push_str(middle);
            }
        }
        if r.chance(85) {
            name.push(' ');
            name.push_str(r.pick(&self.second));
        }
        if r.chance(20) {
            // As typed in the field: lower case, double spaces (the rules normalize them).
            name = name.to_lowercase().replace(' ', "  ");
        }
        name
    }

    /// One valid worker (no warning either) enrolled on `created_at`'s day.
    pub fn worker(&mut self, created_at: DateTime<FixedOffset>) -> Worker {
        let enrolled_on = created_at.date_naive();
        let region = &REGIONS[self.rng.range(0, REGIONS.len() as u64) as usize];
        let female = self.rng.chance(45);
        let age_days = self.rng.range(19 * 366, 63 * 365);
        let birth = enrolled_on - Duration::days(age_days as i64);
        let nik = loop {
            let district = self.rng.range(1, 40);
            let serial = self.rng.range(1, 10_000);
            let nik = worker::nik(region.code, district, birth, female, serial);
            if self.niks.insert(nik.clone()) {
                break nik;
            }
        };
        let r = &mut self.rng;
        let phone = worker::mobile(r);
        let occupation = r.pick(OCCUPATIONS);
        let monthly_income = match r.range(0, 10) {
            0..=5 => r.range(10, 40) * 100_000,
            6..=8 => r.range(40, 90) * 100_000 + r.range(0, 2) * 50_000,
            _ => r.range(90, 207) * 100_000,
        };
        let programs: &[&str] = if r.chance(20) {
            &["JKK", "JKM", "JHT"]
        } else {
            &["JKK", "JKM"]
        };
        let payment_months = r.pick(&[1, 1, 1, 1, 3, 3, 6, 12]);
        let sex = if female {
            r.pick(&["F", "P"])
        } else {
            r.pick(&["M", "L"])
        };
        let full_name = self.name(female);
        let birth_place = self.rng.pick(BIRTH_PLACES).to_string();
        let address = places::address(&mut self.rng, region);
        // Most agents take a GPS fix; a few enrollments go without (a fraud signal, not an error).
        let location = self.rng.chance(97).then(|| {
            let r = &mut self.rng;
            let lat = region.lat + (r.unit() - 0.5) * 0.2;
            let lon = region.lon + (r.unit() - 0.5) * 0.2;
            // Android's Location.getAccuracy() is a float, widened to double by the shell.
            let accuracy_m = f64::from((3.0 + r.unit() * 40.0) as f32);
            Fix {
                lat,
                lon,
                accuracy_m,
            }
        });
        Worker {
            nik,
            full_name,
            birth_place,
            birth_date: birth,
            female,
            sex,
            phone,
            address,
            occupation,
            monthly_income,
            programs,
            payment_months,
            location,
            enrolled_on: Some(enrolled_on),
        }
    }

    /// One valid enrollment form (as an agent fills it in) on `created_at`.
    pub fn enrollee(&mut self, created_at: DateTime<FixedOffset>) -> Enrollee {
        Enrollee {
            form: self.worker(created_at).form(),
            created_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;
    use perisai_core::rules::{self, NoLookups};
    use perisai_core::tariff::RuleBook;
    use serde_json::json;

    use super::super::wire::{uuid_at, wire_record, working_times};
    use super::*;

    /// FNV-1a, 64 bits: a digest that is the same on every platform and version.
    fn fnv1a(bytes: &[u8]) -> u64 {
        bytes.iter().fold(0xCBF2_9CE4_8422_2325, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01B3)
        })
    }

    /// The records the benchmarks make, one JSON a line: wire_size's draw (10 batches of 100,
    /// ids from the generator) and ingest's (3 devices of 300). A UUIDv7's random part comes
    /// from the system, so ids are cut to their timestamp (which the generator draws).
    fn benchmark_records(now: DateTime<FixedOffset>) -> String {
        let book = RuleBook::builtin();
        let mut lines = String::new();
        let mut people = People::new(0x5EED_0001);
        for _ in 0..10 {
            let device_id = uuid_at(people.rng(), now);
            let times = working_times(people.rng(), now, 100);
            for (i, at) in times.iter().enumerate() {
                let enrollee = people.enrollee(*at);
                let id = uuid_at(people.rng(), *at);
                let mut record = wire_record(&book, &enrollee, &id, i as u64 + 1, &device_id);
                record["id"] = json!(id[..13]);
                record["device_id"] = json!(device_id[..13]);
                lines += &format!("{record}\n");
            }
        }
        let mut people = People::new(1);
        for d in 0..3 {
            let times = working_times(people.rng(), now, 300);
            for (i, at) in times.iter().enumerate() {
                let enrollee = people.enrollee(*at);
                let record = wire_record(
                    &book,
                    &enrollee,
                    &format!("id-{d}-{i}"),
                    i as u64 + 1,
                    "dev",
                );
                lines += &format!("{record}\n");
            }
        }
        lines
    }

    #[test]
    fn the_benchmarks_records_are_the_ones_their_figures_were_measured_with() {
        // The digest of these 1,900 records as the benchmarks' own generator made them before it
        // became this one (sync-server/benches/support/people.rs, at 839e599). If it changes,
        // the ingest and wire-size figures of docs/PERFORMANCE.md no longer compare: take them
        // again, and pin the new digest.
        let now = DateTime::parse_from_rfc3339("2026-11-20T10:00:00+07:00").unwrap();
        let lines = benchmark_records(now);
        assert_eq!(lines.lines().count(), 1_900);
        assert_eq!(lines.len(), 1_273_599);
        assert_eq!(fnv1a(lines.as_bytes()), 0x5247_DDBC_1D6B_805D);
    }

    #[test]
    fn national_workers_are_distinct_valid_and_without_warnings() {
        let book = RuleBook::builtin();
        let now = DateTime::parse_from_rfc3339("2026-11-20T10:00:00+07:00").unwrap();
        let mut people = People::new(9);
        let mut niks = HashSet::new();
        for at in working_times(people.rng(), now, 2_000) {
            let worker = people.worker(at);
            let (report, enrollment) =
                rules::validate(&worker.form(), at.date_naive(), &book, &NoLookups);
            assert!(enrollment.is_some(), "{:?}", report.errors);
            assert!(report.warnings.is_empty(), "{:?}", report.warnings);
            assert!(niks.insert(worker.nik.clone()));
        }
    }
}
