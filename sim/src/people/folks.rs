//! The peoples one meets at a Jabodetabek market or harbour, for the draws that know where a
//! worker comes from (the demo's areas, the tests' numbered forms): each with its names (from
//! [`names`](super::names)), its share of single names, and its home regions, whose province
//! and regency digits begin a KTP issued there (migrants keep their home KTP).

use super::names::{self, Folk, Origin, GIVEN, SECOND, SINGLE};
use super::rng::Rng;

impl Folk {
    pub const ALL: [Folk; 6] = [
        Folk::Javanese,
        Folk::Sundanese,
        Folk::Batak,
        Folk::Minang,
        Folk::Bugis,
        Folk::Balinese,
    ];

    /// Where its given and second names come from: its own, and those given all over the country
    /// and, to the Muslim peoples, the Arabic-derived, and to the Batak (mostly Christian) the
    /// Christian.
    pub fn origins(self) -> &'static [Origin] {
        match self {
            Folk::Javanese => &[Origin::Folk(Folk::Javanese), Origin::Arabic, Origin::Common],
            Folk::Sundanese => &[
                Origin::Folk(Folk::Sundanese),
                Origin::Arabic,
                Origin::Common,
            ],
            Folk::Batak => &[Origin::Folk(Folk::Batak), Origin::Christian, Origin::Common],
            Folk::Minang => &[Origin::Folk(Folk::Minang), Origin::Arabic],
            Folk::Bugis => &[Origin::Folk(Folk::Bugis), Origin::Arabic],
            Folk::Balinese => &[Origin::Folk(Folk::Balinese), Origin::Common],
        }
    }

    /// Share of single names (mononyms), in percent.
    pub fn single_names(self) -> u64 {
        match self {
            Folk::Javanese => 20,
            Folk::Sundanese => 10,
            Folk::Batak | Folk::Balinese => 0,
            Folk::Minang => 35,
            Folk::Bugis => 15,
        }
    }

    /// Home regions: province and regency digits, with the town as a KTP gives the birth place.
    pub fn homes(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Folk::Javanese => &[
                ("3372", "Surakarta"),
                ("3310", "Klaten"),
                ("3309", "Boyolali"),
                ("3471", "Yogyakarta"),
                ("3402", "Bantul"),
                ("3577", "Madiun"),
                ("3305", "Kebumen"),
                ("3328", "Tegal"),
                ("3312", "Wonogiri"),
                ("3506", "Kediri"),
            ],
            Folk::Sundanese => &[
                ("3203", "Cianjur"),
                ("3202", "Sukabumi"),
                ("3205", "Garut"),
                ("3206", "Tasikmalaya"),
                ("3211", "Sumedang"),
                ("3208", "Kuningan"),
                ("3601", "Pandeglang"),
                ("3602", "Lebak"),
            ],
            Folk::Batak => &[
                ("1202", "Tarutung"),
                ("1212", "Balige"),
                ("1272", "Pematangsiantar"),
                ("1273", "Sibolga"),
                ("1271", "Medan"),
            ],
            Folk::Minang => &[
                ("1371", "Padang"),
                ("1375", "Bukittinggi"),
                ("1376", "Payakumbuh"),
                ("1372", "Solok"),
                ("1377", "Pariaman"),
            ],
            Folk::Bugis => &[
                ("7371", "Makassar"),
                ("7308", "Bone"),
                ("7313", "Sengkang"),
                ("7372", "Parepare"),
                ("7314", "Sidenreng Rappang"),
            ],
            Folk::Balinese => &[
                ("5171", "Denpasar"),
                ("5104", "Gianyar"),
                ("5102", "Tabanan"),
                ("5108", "Singaraja"),
                ("5105", "Klungkung"),
            ],
        }
    }

    /// A full name of this people for a woman (`female`) or a man: "Asep Sunandar", "Rotua br.
    /// Sitorus", "Sukarni", "I Wayan Sudarsana", "Ni Luh Putu Sari".
    pub fn name(self, rng: &mut Rng, female: bool) -> String {
        if self == Folk::Balinese {
            return balinese_name(rng, female);
        }
        let origins = self.origins();
        if rng.chance(self.single_names()) {
            // Javanese single names are their own; the others' are a given name alone.
            let single = names::of(SINGLE, origins, female);
            let given = names::of(GIVEN, origins, female);
            return rng
                .pick(if single.is_empty() { &given } else { &single })
                .to_string();
        }
        let first = rng.pick(&names::of(GIVEN, origins, female));
        match rng.pick(&names::of(SECOND, origins, female)) {
            second if second != first => format!("{first} {second}"),
            _ => first.to_string(),
        }
    }
}

/// "I Wayan Sudarsana", "Ni Luh Putu Sari", "Ni Made Sukerti", "I Gusti Ngurah Astawa".
fn balinese_name(rng: &mut Rng, female: bool) -> String {
    let given = rng.pick(&names::of(GIVEN, Folk::Balinese.origins(), female));
    let order = rng.pick(&names::of(GIVEN, &[Origin::BirthOrder], false));
    match (female, rng.range(0, 10)) {
        (false, 0) => format!("I Gusti Ngurah {given}"),
        (true, 0) => format!("I Gusti Ayu {given}"),
        (true, 1..=3) => format!("Ni Luh {order} {given}"),
        (true, _) => {
            let opening = rng.pick(&names::of(GIVEN, &[Origin::BirthOrder], true));
            format!("{opening} {given}")
        }
        (false, _) => format!("I {order} {given}"),
    }
}
