//! The workers the simulated agents meet: realistic enrollment forms (DOMAIN.md §3) for traders,
//! ojek drivers and fishers around the demo branch's markets, harbours and ojek bases.
//!
//! Each [`Area`] is where one simulated agent works; a [`Visit`] is what happens with the next
//! worker there: most forms are clean; a few carry a warning the agent confirms (a KTP birth date
//! that differs from the NIK, a sex typed against the NIK); now and then the agent makes a mistake
//! that the core refuses (and then fixes it); and sometimes the worker was already enrolled by
//! another agent (the server puts the second enrollment in the duplicate queue).
//!
//! Names come from the peoples one meets at a Jabodetabek market (Javanese, Sundanese, Batak,
//! Minang, Bugis, Balinese; mononyms too). NIKs follow DOMAIN.md §4: a province code of the valid
//! set (the area's own, or the worker's home province: migrants keep their home KTP), a regency
//! and district, DDMMYY with 40 added to the day for women, and a serial that is never `0000`.
//! Everything here is invented: no real person's data.

use chrono::{Datelike, NaiveDate};
use rand::rngs::SmallRng;
use rand::seq::SliceRandom;
use rand::Rng;
use serde_json::{json, Value};

/// What kind of place an area is: it decides the occupations met there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AreaKind {
    Market,
    Harbour,
    OjekBase,
}

/// Where one simulated agent enrolls (the agent's assigned area: a centre and its surroundings).
#[derive(Debug)]
pub struct Area {
    pub name: &'static str,
    /// The town as it is written in addresses.
    pub city: &'static str,
    pub kind: AreaKind,
    pub lat: f64,
    pub lon: f64,
    /// Province and regency digits (the first four of an NIK) of KTPs issued here.
    pub region: &'static str,
    /// Kampung and streets around the area, for home addresses.
    pub neighbourhoods: &'static [&'static str],
}

/// The areas of the demo branch, one per simulated device (more devices reuse them in turn).
pub const AREAS: [Area; 10] = [
    Area {
        name: "Pasar Anyar",
        city: "Bogor",
        kind: AreaKind::Market,
        lat: -6.5906,
        lon: 106.7912,
        region: "3271",
        neighbourhoods: &[
            "Kp. Cibogor",
            "Jl. Dewi Sartika",
            "Gg. Mawar",
            "Kp. Panaragan",
        ],
    },
    Area {
        name: "Pelabuhan Muara Angke",
        city: "Jakarta Utara",
        kind: AreaKind::Harbour,
        lat: -6.1063,
        lon: 106.7745,
        region: "3175",
        neighbourhoods: &[
            "Kampung Nelayan Muara Angke Blok Eceng",
            "Jl. Dermaga Ujung",
            "Kp. Kerang Hijau",
            "Jl. Pluit Karang Ayu",
        ],
    },
    Area {
        name: "Pasar Minggu",
        city: "Jakarta Selatan",
        kind: AreaKind::Market,
        lat: -6.2846,
        lon: 106.8433,
        region: "3171",
        neighbourhoods: &[
            "Jl. Raya Ragunan",
            "Gg. Haji Sa'aman",
            "Kp. Kandang",
            "Jl. Jati Padang",
        ],
    },
    Area {
        name: "Pangkalan Ojek Stasiun Depok",
        city: "Depok",
        kind: AreaKind::OjekBase,
        lat: -6.3910,
        lon: 106.8175,
        region: "3276",
        neighbourhoods: &["Jl. Margonda Raya", "Kp. Lio", "Gg. Kelinci", "Jl. Pemuda"],
    },
    Area {
        name: "Pasar Cibinong",
        city: "Cibinong, Kabupaten Bogor",
        kind: AreaKind::Market,
        lat: -6.4817,
        lon: 106.8540,
        region: "3201",
        neighbourhoods: &[
            "Kp. Sukahati",
            "Jl. Mayor Oking",
            "Kp. Pabuaran",
            "Gg. Salak",
        ],
    },
    Area {
        name: "Pasar Senen",
        city: "Jakarta Pusat",
        kind: AreaKind::Market,
        lat: -6.1745,
        lon: 106.8447,
        region: "3173",
        neighbourhoods: &[
            "Jl. Kramat Sentiong",
            "Gg. Kenari",
            "Kp. Bungur",
            "Jl. Kalibaru Timur",
        ],
    },
    Area {
        name: "Pasar Baru Bekasi",
        city: "Bekasi",
        kind: AreaKind::Market,
        lat: -6.2355,
        lon: 107.0000,
        region: "3275",
        neighbourhoods: &["Kp. Dua", "Jl. Ir. H. Juanda", "Gg. Rambutan", "Kp. Bulu"],
    },
    Area {
        name: "TPI Cituis",
        city: "Pakuhaji, Kabupaten Tangerang",
        kind: AreaKind::Harbour,
        lat: -6.0180,
        lon: 106.5800,
        region: "3603",
        neighbourhoods: &[
            "Kp. Cituis",
            "Kp. Surya Bahari",
            "Jl. Raya Pakuhaji",
            "Kp. Kramat",
        ],
    },
    Area {
        name: "Pasar Anyar Tangerang",
        city: "Tangerang",
        kind: AreaKind::Market,
        lat: -6.1767,
        lon: 106.6296,
        region: "3671",
        neighbourhoods: &[
            "Jl. Ki Samaun",
            "Gg. Kalipasir",
            "Kp. Sukasari",
            "Jl. Kisamaun",
        ],
    },
    Area {
        name: "Pangkalan Ojek Terminal Kampung Rambutan",
        city: "Jakarta Timur",
        kind: AreaKind::OjekBase,
        lat: -6.3087,
        lon: 106.8821,
        region: "3172",
        neighbourhoods: &[
            "Jl. Lapangan Tembak",
            "Kp. Rambutan",
            "Gg. Swadaya",
            "Jl. Raya Bogor",
        ],
    },
];

/// A people with its names and home regions (region digits paired with the town of birth).
struct People {
    male: &'static [&'static str],
    female: &'static [&'static str],
    /// Second names (family names, marga, suku) for men and for women.
    second_male: &'static [&'static str],
    second_female: &'static [&'static str],
    /// Share of single names (mononyms), in percent.
    mononyms: u32,
    /// Balinese names follow their own pattern (see `balinese_name`).
    balinese: bool,
    homes: &'static [(&'static str, &'static str)],
}

const JAVANESE: People = People {
    male: &[
        "Budi", "Agus", "Joko", "Slamet", "Bambang", "Sugeng", "Wahyu", "Eko", "Teguh", "Heru",
        "Ma'ruf", "Paijo", "Poniman", "Legiman", "Tarno",
    ],
    female: &[
        "Sri", "Wati", "Rini", "Endang", "Sulastri", "Tri", "Siti", "Ayu", "Retno", "Wulan",
        "Sukarni", "Ngatiyem", "Tukiyem", "Sumarni", "Tumini",
    ],
    second_male: &[
        "Santoso", "Prasetyo", "Susanto", "Wibowo", "Hartono", "Purnomo", "Setiawan", "Nugroho",
    ],
    second_female: &[
        "Rahayu",
        "Lestari",
        "Wahyuni",
        "Handayani",
        "Astuti",
        "Rahmawati",
        "Suryani",
        "Utami",
    ],
    mononyms: 20,
    balinese: false,
    homes: &[
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
};

const SUNDANESE: People = People {
    male: &[
        "Asep", "Ujang", "Dadang", "Cecep", "Dede", "Yayat", "Aep", "Deden", "Encep", "Jajang",
    ],
    female: &[
        "Euis", "Neneng", "Iis", "Enung", "Imas", "Cucu", "Yayah", "Nining", "Lilis", "Popon",
    ],
    second_male: &[
        "Sunandar",
        "Suryana",
        "Hidayat",
        "Kurniawan",
        "Permana",
        "Rohendi",
        "Sumarna",
        "Saepudin",
    ],
    second_female: &[
        "Nurhayati",
        "Kartika",
        "Rosita",
        "Komalasari",
        "Maryati",
        "Nurjanah",
    ],
    mononyms: 10,
    balinese: false,
    homes: &[
        ("3203", "Cianjur"),
        ("3202", "Sukabumi"),
        ("3205", "Garut"),
        ("3206", "Tasikmalaya"),
        ("3211", "Sumedang"),
        ("3208", "Kuningan"),
        ("3601", "Pandeglang"),
        ("3602", "Lebak"),
    ],
};

const BATAK: People = People {
    male: &[
        "Togar",
        "Parlindungan",
        "Maruli",
        "Binsar",
        "Hotman",
        "Jonggi",
        "Bonar",
        "Poltak",
    ],
    female: &[
        "Rotua", "Tiurma", "Romauli", "Sondang", "Debora", "Lasma", "Rugun",
    ],
    second_male: &[
        "Simanjuntak",
        "Siregar",
        "Nasution",
        "Lubis",
        "Hutapea",
        "Sitorus",
        "Sihombing",
        "Panjaitan",
        "Situmorang",
        "Manurung",
        "Hutagalung",
        "Pardede",
    ],
    // A woman's marga after "br." (boru, daughter of), as written on many KTPs.
    second_female: &[
        "br. Simanjuntak",
        "br. Siregar",
        "Nasution",
        "br. Sitorus",
        "br. Sihombing",
        "Panjaitan",
        "br. Situmorang",
        "br. Manurung",
    ],
    mononyms: 0,
    balinese: false,
    homes: &[
        ("1202", "Tarutung"),
        ("1212", "Balige"),
        ("1272", "Pematangsiantar"),
        ("1273", "Sibolga"),
        ("1271", "Medan"),
    ],
};

const MINANG: People = People {
    male: &[
        "Rahmat",
        "Zulkifli",
        "Yusrizal",
        "Afrizal",
        "Ilham",
        "Fadli",
        "Syafrizal",
        "Irwandi",
    ],
    female: &[
        "Rosmaniar",
        "Yusnidar",
        "Nurhasanah",
        "Fitri",
        "Desmawati",
        "Yulia",
        "Rahmi",
        "Nelly",
    ],
    second_male: &[
        "Chaniago",
        "Piliang",
        "Tanjung",
        "Koto",
        "Sikumbang",
        "Putra",
    ],
    second_female: &["Chaniago", "Piliang", "Tanjung", "Koto", "Yanti", "Sari"],
    mononyms: 35,
    balinese: false,
    homes: &[
        ("1371", "Padang"),
        ("1375", "Bukittinggi"),
        ("1376", "Payakumbuh"),
        ("1372", "Solok"),
        ("1377", "Pariaman"),
    ],
};

const BUGIS: People = People {
    male: &[
        "Andi Baso",
        "Ambo",
        "Syamsuddin",
        "Hasanuddin",
        "Muhammad Arfah",
        "Andi Syahrir",
        "La Tenri",
    ],
    female: &[
        "Besse",
        "Andi Nurhaedah",
        "Hasnawati",
        "St. Aminah",
        "Indo",
        "Andi Tenri",
    ],
    second_male: &[
        "Mappiare",
        "Tuwo",
        "Lallo",
        "Daeng Nai",
        "Mattalitti",
        "Pabottingi",
    ],
    second_female: &["Hamsinah", "Ajeng", "Daeng Bau", "Tang", "Sitti"],
    mononyms: 15,
    balinese: false,
    homes: &[
        ("7371", "Makassar"),
        ("7308", "Bone"),
        ("7313", "Sengkang"),
        ("7372", "Parepare"),
        ("7314", "Sidenreng Rappang"),
    ],
};

const BALINESE: People = People {
    // Balinese names are built in `balinese_name`: birth-order name and given name.
    male: &[
        "Sudarsana",
        "Suartana",
        "Wirawan",
        "Arimbawa",
        "Astawa",
        "Mertayasa",
        "Suarjana",
    ],
    female: &[
        "Sari",
        "Ayu Suryani",
        "Wulandari",
        "Puspitasari",
        "Ariani",
        "Sukerti",
    ],
    second_male: &[],
    second_female: &[],
    mononyms: 0,
    balinese: true,
    homes: &[
        ("5171", "Denpasar"),
        ("5104", "Gianyar"),
        ("5102", "Tabanan"),
        ("5108", "Singaraja"),
        ("5105", "Klungkung"),
    ],
};

const BIRTH_ORDER: [&str; 8] = [
    "Wayan", "Made", "Nyoman", "Ketut", "Putu", "Kadek", "Komang", "Gede",
];

/// Occupation codes (DOMAIN.md §5) with weights, per kind of area.
fn occupations(kind: AreaKind) -> &'static [(&'static str, u32)] {
    match kind {
        AreaKind::Market => &[
            ("PEDAGANG", 45),
            ("BURUH_HARIAN", 12),
            ("OJEK", 7),
            ("OJOL", 7),
            ("KURIR", 6),
            ("PENJAHIT", 6),
            ("TUKANG", 5),
            ("SOPIR", 4),
            ("ART", 3),
            ("SENIMAN", 1),
            ("PEKERJA_LEPAS", 2),
            ("LAINNYA", 2),
        ],
        AreaKind::Harbour => &[
            ("NELAYAN", 50),
            ("BURUH_HARIAN", 20),
            ("PEDAGANG", 18),
            ("SOPIR", 4),
            ("TUKANG", 5),
            ("LAINNYA", 3),
        ],
        AreaKind::OjekBase => &[
            ("OJOL", 35),
            ("OJEK", 30),
            ("KURIR", 15),
            ("SOPIR", 10),
            ("PEDAGANG", 10),
        ],
    }
}

/// Declared monthly income range (rupiah) by occupation: 1 to 5 million.
fn income_range(occupation: &str) -> (u64, u64) {
    match occupation {
        "PEDAGANG" => (1_500_000, 5_000_000),
        "OJOL" | "SOPIR" => (2_000_000, 4_500_000),
        "NELAYAN" | "OJEK" | "KURIR" | "TUKANG" => (1_500_000, 4_000_000),
        _ => (1_000_000, 2_500_000),
    }
}

/// Mobile prefixes of Indonesian operators (Telkomsel, Indosat, XL, Tri, Smartfren, Axis).
const PHONE_PREFIXES: [&str; 24] = [
    "0811", "0812", "0813", "0821", "0822", "0823", "0852", "0853", "0814", "0815", "0856", "0857",
    "0858", "0817", "0818", "0819", "0859", "0877", "0878", "0895", "0896", "0898", "0881", "0838",
];

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

/// Makes the workers one agent meets in one area.
#[derive(Debug)]
pub struct Workers {
    area: &'static Area,
    rng: SmallRng,
}

impl Workers {
    pub fn new(area: &'static Area, rng: SmallRng) -> Workers {
        Workers { area, rng }
    }

    /// The next visit on `today`; `enrolled_elsewhere` is a worker another agent enrolled (if
    /// any was offered), used now and then for a duplicate.
    pub fn next(&mut self, today: NaiveDate, enrolled_elsewhere: Option<&Value>) -> Visit {
        let roll = self.rng.gen_range(0..100);
        match (roll, enrolled_elsewhere) {
            (0..=3, Some(other)) => Visit::AlreadyEnrolled(self.same_worker_again(other)),
            (4..=8, _) => {
                let fixed = self.clean(today);
                let mistake = *Mistake::ALL
                    .choose(&mut self.rng)
                    .unwrap_or(&Mistake::NoConsent);
                let bad = self.with_mistake(&fixed, mistake, today);
                Visit::Mistaken {
                    bad,
                    fixed,
                    mistake,
                }
            }
            (9..=13, _) => {
                let mut form = self.clean(today);
                shift_birth_date(&mut form, self.rng.gen_range(1..=20));
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

    /// A valid form without warnings, for a worker of this area enrolled on `today`.
    pub fn clean(&mut self, today: NaiveDate) -> Value {
        let people = self.pick_people();
        let female = self.rng.gen_bool(0.45);
        let name = self.name(people, female);
        let local = self.rng.gen_bool(0.55);
        let &(home_region, home_town) = people
            .homes
            .choose(&mut self.rng)
            .unwrap_or(&("3201", "Bogor"));
        let (region, birth_place) = if local {
            let town = if self.rng.gen_bool(0.5) {
                self.area.city.split(", ").next().unwrap_or(self.area.city)
            } else {
                home_town
            };
            (self.area.region, town)
        } else {
            (home_region, home_town)
        };
        // 19 to 62 years old: inside the 18–64 of the rule set whatever the day of the year.
        let age = self.rng.gen_range(19..=62);
        let birth = NaiveDate::from_ymd_opt(
            today.year() - age,
            self.rng.gen_range(1..=12),
            self.rng.gen_range(1..=28),
        )
        .unwrap_or(today);
        let nik = self.nik(region, birth, female);
        let occupation = self.weighted(occupations(self.area.kind));
        let (low, high) = income_range(occupation);
        let income = self.rng.gen_range(low / 50_000..=high / 50_000) * 50_000;
        let programs: &[&str] = if self.rng.gen_bool(0.35) {
            &["JKK", "JKM", "JHT"]
        } else {
            &["JKK", "JKM"]
        };
        let months = self.weighted(&[(1, 45), (3, 30), (6, 15), (12, 10)]);
        // Some agents type the Indonesian L/P, which the core stores as M/F.
        let sex = match (female, self.rng.gen_bool(0.3)) {
            (true, true) => "P",
            (true, false) => "F",
            (false, true) => "L",
            (false, false) => "M",
        };
        let mut form = json!({
            "nik": self.typed_nik(&nik),
            "full_name": name,
            "birth_place": birth_place,
            "birth_date": birth.format("%Y-%m-%d").to_string(),
            "sex": sex,
            "phone": self.phone(),
            "address": self.address(),
            "occupation": occupation,
            "monthly_income": income,
            "programs": programs,
            "payment_months": months,
            "consent": true,
        });
        // Most phones get a GPS fix; under a market roof some do not.
        if self.rng.gen_range(0..100) >= 4 {
            form["location"] = json!({
                "lat": round6(self.area.lat + self.rng.gen_range(-0.012..0.012)),
                "lon": round6(self.area.lon + self.rng.gen_range(-0.012..0.012)),
                "accuracy_m": f64::from(self.rng.gen_range(4..60)),
            });
        }
        form
    }

    /// The same person (NIK, name, birth) met again by this agent: new phone number, this
    /// agent's place and the person's choice of months.
    fn same_worker_again(&mut self, earlier: &Value) -> Value {
        let mut form = earlier.clone();
        form["phone"] = json!(self.phone());
        form["payment_months"] = json!(self.weighted(&[(1, 45), (3, 30), (6, 15), (12, 10)]));
        if form.get("location").is_some() {
            form["location"] = json!({
                "lat": round6(self.area.lat + self.rng.gen_range(-0.012..0.012)),
                "lon": round6(self.area.lon + self.rng.gen_range(-0.012..0.012)),
                "accuracy_m": f64::from(self.rng.gen_range(4..60)),
            });
        }
        form
    }

    fn with_mistake(&mut self, form: &Value, mistake: Mistake, today: NaiveDate) -> Value {
        let mut bad = form.clone();
        match mistake {
            Mistake::NikProvince => {
                let nik = digits(&form["nik"]);
                // 20, 37–39, 40–50: no province has these codes.
                let wrong = ["20", "37", "38", "39", "40", "41", "45", "50"]
                    .choose(&mut self.rng)
                    .copied()
                    .unwrap_or("20");
                bad["nik"] = json!(format!("{wrong}{}", nik.get(2..).unwrap_or_default()));
            }
            Mistake::PhoneShort => {
                let phone = digits(&form["phone"]);
                let short = phone.get(..7).unwrap_or("0812");
                bad["phone"] = json!(short.to_string());
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
                let birth = NaiveDate::from_ymd_opt(
                    today.year() - 16,
                    self.rng.gen_range(1..=12),
                    self.rng.gen_range(1..=28),
                )
                .unwrap_or(today);
                let nik = digits(&form["nik"]);
                bad["nik"] = json!(self.nik(nik.get(..4).unwrap_or("3201"), birth, female));
                bad["birth_date"] = json!(birth.format("%Y-%m-%d").to_string());
            }
        }
        bad
    }

    fn pick_people(&mut self) -> &'static People {
        let weights: &[(&'static People, u32)] = match self.area.kind {
            AreaKind::Harbour => &[
                (&JAVANESE, 28),
                (&SUNDANESE, 15),
                (&BUGIS, 27),
                (&BATAK, 10),
                (&MINANG, 10),
                (&BALINESE, 10),
            ],
            _ => &[
                (&JAVANESE, 35),
                (&SUNDANESE, 30),
                (&BATAK, 12),
                (&MINANG, 12),
                (&BUGIS, 6),
                (&BALINESE, 5),
            ],
        };
        self.weighted(weights)
    }

    fn name(&mut self, people: &'static People, female: bool) -> String {
        if people.balinese {
            return self.balinese_name(female);
        }
        let (given, second) = if female {
            (people.female, people.second_female)
        } else {
            (people.male, people.second_male)
        };
        let first = given.choose(&mut self.rng).copied().unwrap_or("Siti");
        if self.rng.gen_range(0..100) < people.mononyms {
            return first.to_string();
        }
        match second.choose(&mut self.rng) {
            Some(second) if *second != first => format!("{first} {second}"),
            _ => first.to_string(),
        }
    }

    /// "I Wayan Sudarsana", "Ni Luh Putu Sari", "I Gusti Ngurah Astawa".
    fn balinese_name(&mut self, female: bool) -> String {
        let order = BIRTH_ORDER.choose(&mut self.rng).copied().unwrap_or("Made");
        let given = if female {
            BALINESE.female
        } else {
            BALINESE.male
        };
        let given = given.choose(&mut self.rng).copied().unwrap_or("Sari");
        match (female, self.rng.gen_range(0..10)) {
            (false, 0) => format!("I Gusti Ngurah {given}"),
            (true, 0) => format!("I Gusti Ayu {given}"),
            (true, 1..=3) => format!("Ni Luh {order} {given}"),
            (true, _) => format!("Ni {order} {given}"),
            (false, _) => format!("I {order} {given}"),
        }
    }

    /// 16 digits: region (4), district (2), DDMMYY with +40 on the day for women, serial.
    fn nik(&mut self, region: &str, birth: NaiveDate, female: bool) -> String {
        let day = birth.day() + if female { 40 } else { 0 };
        format!(
            "{region}{:02}{day:02}{:02}{:02}{:04}",
            self.rng.gen_range(1..=30),
            birth.month(),
            birth.year().rem_euclid(100),
            self.rng.gen_range(1..=9999),
        )
    }

    /// As an agent types it: mostly plain, sometimes in the KTP's groups.
    fn typed_nik(&mut self, nik: &str) -> String {
        if self.rng.gen_bool(0.15) && nik.len() == 16 {
            format!(
                "{} {} {} {}",
                &nik[..4],
                &nik[4..8],
                &nik[8..12],
                &nik[12..]
            )
        } else {
            nik.to_string()
        }
    }

    fn phone(&mut self) -> String {
        let prefix = PHONE_PREFIXES
            .choose(&mut self.rng)
            .copied()
            .unwrap_or("0812");
        let rest: String = (0..8)
            .map(|_| char::from(b'0' + self.rng.gen_range(0..10u8)))
            .collect();
        match self.rng.gen_range(0..10) {
            0..=5 => format!("{prefix}{rest}"),
            6..=7 => format!("{prefix}-{}-{}", &rest[..4], &rest[4..]),
            8 => format!("+62 {} {} {}", &prefix[1..], &rest[..4], &rest[4..]),
            _ => format!("{prefix} {} {}", &rest[..4], &rest[4..]),
        }
    }

    fn address(&mut self) -> String {
        let city = self.area.city;
        match self.area.kind {
            AreaKind::Market if self.rng.gen_bool(0.4) => format!(
                "{} Blok {} No. {}, {city}",
                self.area.name.trim_end_matches(" Tangerang"),
                ['A', 'B', 'C', 'D', 'E', 'F']
                    .choose(&mut self.rng)
                    .copied()
                    .unwrap_or('A'),
                self.rng.gen_range(1..=60)
            ),
            _ => {
                let place = self
                    .area
                    .neighbourhoods
                    .choose(&mut self.rng)
                    .copied()
                    .unwrap_or("Jl. Merdeka");
                if place.starts_with("Kp.") || place.starts_with("Kampung") {
                    format!(
                        "{place} RT {:02}/RW {:02}, {city}",
                        self.rng.gen_range(1..=12),
                        self.rng.gen_range(1..=9)
                    )
                } else {
                    format!("{place} No. {}, {city}", self.rng.gen_range(1..=150))
                }
            }
        }
    }

    fn weighted<T: Copy>(&mut self, choices: &[(T, u32)]) -> T {
        let total: u32 = choices.iter().map(|(_, w)| w).sum();
        let mut roll = self.rng.gen_range(0..total.max(1));
        for &(choice, weight) in choices {
            if roll < weight {
                return choice;
            }
            roll -= weight;
        }
        choices[0].0
    }
}

/// Moves `birth_date` by `days` while the NIK keeps the old date (a KTP/birth certificate
/// mismatch agents meet often).
fn shift_birth_date(form: &mut Value, days: i64) {
    let shifted = form["birth_date"]
        .as_str()
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .and_then(|d| d.checked_sub_signed(chrono::Duration::days(days)));
    if let Some(date) = shifted {
        form["birth_date"] = json!(date.format("%Y-%m-%d").to_string());
    }
}

/// The digits of a string field (an NIK or phone as typed).
fn digits(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_digit)
        .collect()
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use perisai_core::rules::{self, NoLookups};
    use perisai_core::tariff::RuleBook;
    use rand::SeedableRng;

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
            let mut workers = Workers::new(area, SmallRng::seed_from_u64(n as u64));
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
                    niks.insert(digits(&form["nik"]));
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
        let mut workers = Workers::new(&AREAS[0], SmallRng::seed_from_u64(7));
        for _ in 0..300 {
            let form = workers.clean(today());
            let nik = digits(&form["nik"]);
            assert_eq!(nik.len(), 16);
            assert_ne!(&nik[12..], "0000");
            let day: u32 = nik[6..8].parse().unwrap_or(0);
            let female = matches!(form["sex"].as_str(), Some("F" | "P"));
            assert_eq!(day > 40, female, "{form}");
            let phone = digits(&form["phone"]);
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
}
