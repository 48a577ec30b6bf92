//! Realistic enrollments for the benchmarks: Indonesian names (Javanese and Balinese single
//! names, Sundanese, Batak, Minang, Bugis, Arabic-derived, Chinese-Indonesian), birth places,
//! street and village addresses, valid NIKs that match birth date and sex, mobile numbers of the
//! real operators' prefixes, the occupations and incomes of BPU workers, and raw GPS fixes as a
//! phone reports them (double latitude and longitude, a float accuracy widened to double).
//!
//! Every record is made the way a device makes its wire record (`core/src/sync/wire.rs`): the
//! enrollment is validated and normalized by `perisai_core::rules::validate`, serialized with the
//! contract field names, and the device fields are added. Deterministic (a seeded generator), so
//! two runs compare.

use std::collections::HashSet;

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone};
use perisai_core::rules::{self, NoLookups};
use perisai_core::tariff::RuleBook;
use serde_json::{json, Map, Value};

/// SplitMix64: small, fast, deterministic; good enough to vary test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo)
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.range(0, 100) < percent
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.range(0, items.len() as u64) as usize]
    }

    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const MALE_GIVEN: &[&str] = &[
    "Agus",
    "Budi",
    "Bambang",
    "Joko",
    "Slamet",
    "Sutrisno",
    "Wahyu",
    "Eko",
    "Dedi",
    "Asep",
    "Ujang",
    "Cecep",
    "Dadang",
    "Rudi",
    "Hendra",
    "Ahmad",
    "Muhammad",
    "Rizky",
    "Fajar",
    "Andi",
    "Yusuf",
    "Ilham",
    "Arif",
    "Dimas",
    "Bayu",
    "Teguh",
    "Sugeng",
    "Purnomo",
    "Hasan",
    "Imam",
    "Kadek",
    "Komang",
    "Made",
    "Wayan",
    "Ketut",
    "Gede",
    "Nyoman",
    "Putu",
    "Daeng",
    "Rahmat",
    "Taufik",
    "Hendrik",
    "Yohanes",
    "Stefanus",
    "Antonius",
    "Benny",
    "Hengky",
    "Sahat",
    "Togar",
    "Jefri",
    "Firmansyah",
    "Ridwan",
    "Syaiful",
    "Zainal",
    "Zulkifli",
    "Heru",
    "Tri",
    "Dwi",
    "Nur",
    "Ma'ruf",
    "Abdul",
    "Samsul",
    "Iwan",
    "Irfan",
    "Galih",
    "Aditya",
    "Yoga",
    "Reza",
];

const FEMALE_GIVEN: &[&str] = &[
    "Siti",
    "Sri",
    "Dewi",
    "Ratna",
    "Wulan",
    "Indah",
    "Rina",
    "Yuni",
    "Sari",
    "Lestari",
    "Nur",
    "Ayu",
    "Putri",
    "Fitri",
    "Nurul",
    "Aisyah",
    "Fatimah",
    "Kartini",
    "Suharti",
    "Sumarni",
    "Tuti",
    "Neneng",
    "Euis",
    "Imas",
    "Cucu",
    "Ani",
    "Rohani",
    "Maria",
    "Theresia",
    "Lina",
    "Mei",
    "Lia",
    "Dian",
    "Ratih",
    "Anjani",
    "Nining",
    "Yati",
    "Murni",
    "Rosmawati",
    "Ni Luh",
    "Ni Made",
    "Ni Ketut",
    "Ni Wayan",
    "Desak",
    "Hartini",
    "Wahyuni",
    "Rahmawati",
    "Nuraini",
    "Khadijah",
    "Zahra",
    "Nabila",
    "Salsabila",
    "Mega",
    "Citra",
    "Eka",
    "Endang",
];

const SECOND_NAMES: &[&str] = &[
    "Santoso",
    "Wijaya",
    "Susanto",
    "Prasetyo",
    "Hidayat",
    "Saputra",
    "Nugroho",
    "Kurniawan",
    "Setiawan",
    "Pratama",
    "Permana",
    "Hermawan",
    "Gunawan",
    "Firmansyah",
    "Ramadhan",
    "Hidayati",
    "Rahayu",
    "Wulandari",
    "Handayani",
    "Puspitasari",
    "Anggraini",
    "Maharani",
    "Nurhaliza",
    "Kusumawati",
    "Lestari",
    "Suryani",
    "Rahmawati",
    "Purnamasari",
    "Susilawati",
    "Siregar",
    "Simanjuntak",
    "Nasution",
    "Harahap",
    "Lubis",
    "Sitompul",
    "Pardede",
    "Hutapea",
    "Tanjung",
    "Chaniago",
    "Piliang",
    "Koto",
    "Sikumbang",
    "Pohan",
    "Matondang",
    "Daulay",
    "Mappasessu",
    "Lamappa",
    "Pakaya",
    "Tahir",
    "Umar",
    "Al Habsyi",
    "Assegaf",
    "Bin Said",
    "Tanoto",
    "Halim",
    "Gozali",
    "Salim",
    "Wibisono",
    "Sutanto",
    "Budiman",
    "Hartono",
    "Suparman",
    "Sukarman",
    "Mulyadi",
    "Supriadi",
    "Suhendra",
    "Kusnadi",
    "Sudrajat",
];

/// Javanese-style single names (mononyms are valid names).
const MONONYMS: &[&str] = &[
    "Sukarni", "Paijo", "Tukiyem", "Wagiman", "Sarinah", "Parjo", "Painem", "Legiman", "Sumarno",
    "Karsih", "Tarmini", "Rasimin", "Ngatiyem", "Mujiyono", "Wartini",
];

/// Regions: province + regency code of the NIK, and the places and streets that go with them.
struct Region {
    code: &'static str,
    city: &'static str,
    districts: &'static [&'static str],
    villages: &'static [&'static str],
    lat: f64,
    lon: f64,
}

const REGIONS: &[Region] = &[
    Region {
        code: "3201",
        city: "Kab. Bogor",
        districts: &[
            "Cibinong",
            "Citeureup",
            "Ciawi",
            "Cileungsi",
            "Parung",
            "Leuwiliang",
        ],
        villages: &[
            "Pakansari",
            "Tengah",
            "Sukahati",
            "Karadenan",
            "Puspanegara",
            "Bojong",
        ],
        lat: -6.48,
        lon: 106.84,
    },
    Region {
        code: "3273",
        city: "Kota Bandung",
        districts: &[
            "Coblong",
            "Sukajadi",
            "Cicendo",
            "Antapani",
            "Kiaracondong",
            "Lengkong",
        ],
        villages: &[
            "Dago",
            "Lebakgede",
            "Sekeloa",
            "Pasirkaliki",
            "Cicadas",
            "Burangrang",
        ],
        lat: -6.91,
        lon: 107.61,
    },
    Region {
        code: "3374",
        city: "Kota Semarang",
        districts: &[
            "Tembalang",
            "Banyumanik",
            "Pedurungan",
            "Genuk",
            "Ngaliyan",
            "Gayamsari",
        ],
        villages: &[
            "Bulusan",
            "Meteseh",
            "Sendangmulyo",
            "Tlogosari",
            "Bangetayu",
            "Kalicari",
        ],
        lat: -7.00,
        lon: 110.42,
    },
    Region {
        code: "3578",
        city: "Kota Surabaya",
        districts: &[
            "Wonokromo",
            "Tambaksari",
            "Sawahan",
            "Rungkut",
            "Kenjeran",
            "Gubeng",
        ],
        villages: &[
            "Jagir",
            "Ngagel",
            "Pacarkeling",
            "Putat Jaya",
            "Kalirungkut",
            "Airlangga",
        ],
        lat: -7.27,
        lon: 112.74,
    },
    Region {
        code: "1271",
        city: "Kota Medan",
        districts: &[
            "Medan Baru",
            "Medan Johor",
            "Medan Amplas",
            "Medan Deli",
            "Medan Area",
        ],
        villages: &[
            "Padang Bulan",
            "Titi Kuning",
            "Harjosari",
            "Tanjung Mulia",
            "Sukaramai",
        ],
        lat: 3.59,
        lon: 98.67,
    },
    Region {
        code: "1371",
        city: "Kota Padang",
        districts: &[
            "Padang Utara",
            "Kuranji",
            "Koto Tangah",
            "Lubuk Begalung",
            "Nanggalo",
        ],
        villages: &[
            "Air Tawar",
            "Kalumbuk",
            "Lubuk Buaya",
            "Gurun Laweh",
            "Surau Gadang",
        ],
        lat: -0.95,
        lon: 100.35,
    },
    Region {
        code: "7371",
        city: "Kota Makassar",
        districts: &[
            "Tamalanrea",
            "Panakkukang",
            "Rappocini",
            "Biringkanaya",
            "Manggala",
        ],
        villages: &[
            "Tamalanrea Indah",
            "Karuwisi",
            "Gunung Sari",
            "Sudiang",
            "Antang",
        ],
        lat: -5.14,
        lon: 119.43,
    },
    Region {
        code: "5171",
        city: "Kota Denpasar",
        districts: &[
            "Denpasar Barat",
            "Denpasar Timur",
            "Denpasar Selatan",
            "Denpasar Utara",
        ],
        villages: &[
            "Padangsambian",
            "Kesiman",
            "Sanur Kaja",
            "Peguyangan",
            "Panjer",
        ],
        lat: -8.65,
        lon: 115.22,
    },
    Region {
        code: "3172",
        city: "Jakarta Timur",
        districts: &[
            "Cakung",
            "Duren Sawit",
            "Jatinegara",
            "Kramat Jati",
            "Pulo Gadung",
        ],
        villages: &[
            "Pulo Gebang",
            "Pondok Kopi",
            "Cipinang Besar",
            "Cililitan",
            "Rawamangun",
        ],
        lat: -6.23,
        lon: 106.90,
    },
    Region {
        code: "6471",
        city: "Kota Balikpapan",
        districts: &["Balikpapan Selatan", "Balikpapan Utara", "Balikpapan Kota"],
        villages: &[
            "Sepinggan",
            "Gunung Samarinda",
            "Klandasan Ilir",
            "Damai",
            "Batu Ampar",
        ],
        lat: -1.24,
        lon: 116.85,
    },
];

const STREETS: &[&str] = &[
    "Jl. Raya Bogor",
    "Jl. Merdeka",
    "Jl. Sudirman",
    "Jl. Diponegoro",
    "Jl. Pahlawan",
    "Jl. Kartini",
    "Jl. Melati",
    "Jl. Mawar",
    "Jl. Kenanga",
    "Jl. Pasar Baru",
    "Jl. Masjid Al-Ikhlas",
    "Jl. Veteran",
    "Jl. Gatot Subroto",
    "Jl. Imam Bonjol",
    "Jl. Hasanuddin",
    "Jl. Cempaka Putih",
    "Gg. Haji Naim",
    "Gg. Swadaya III",
    "Jl. Nusa Indah",
    "Jl. Flamboyan",
    "Jl. Teuku Umar",
    "Jl. Ahmad Yani",
    "Jl. Pattimura",
    "Jl. Sisingamangaraja",
];

const BIRTH_PLACES: &[&str] = &[
    "Bogor",
    "Bandung",
    "Garut",
    "Tasikmalaya",
    "Cianjur",
    "Sukabumi",
    "Semarang",
    "Solo",
    "Klaten",
    "Boyolali",
    "Wonogiri",
    "Surabaya",
    "Malang",
    "Kediri",
    "Madiun",
    "Jember",
    "Medan",
    "Pematangsiantar",
    "Tapanuli Utara",
    "Padang",
    "Bukittinggi",
    "Payakumbuh",
    "Makassar",
    "Bone",
    "Pare-Pare",
    "Denpasar",
    "Gianyar",
    "Tabanan",
    "Jakarta",
    "Bekasi",
    "Balikpapan",
    "Samarinda",
    "Palembang",
    "Lampung",
    "Pontianak",
    "Manado",
    "Kupang",
    "Ambon",
    "Ternate",
    "Lombok Timur",
    "Brebes",
    "Tegal",
    "Cirebon",
    "Indramayu",
];

const OCCUPATIONS: &[&str] = &[
    "PEDAGANG",
    "PEDAGANG",
    "PEDAGANG",
    "PETANI",
    "PETANI",
    "NELAYAN",
    "OJOL",
    "OJOL",
    "OJEK",
    "SOPIR",
    "KURIR",
    "BURUH_HARIAN",
    "BURUH_HARIAN",
    "TUKANG",
    "PENJAHIT",
    "ART",
    "SENIMAN",
    "PEKERJA_LEPAS",
    "LAINNYA",
];

const PHONE_PREFIXES: &[&str] = &[
    "0811", "0812", "0813", "0821", "0822", "0852", "0853", "0851", "0814", "0815", "0816", "0855",
    "0856", "0857", "0858", "0817", "0818", "0819", "0859", "0877", "0878", "0895", "0896", "0897",
    "0898", "0899", "0881", "0882", "0883",
];

/// A person and the moment the agent enrolled them.
pub struct Enrollee {
    pub form: Value,
    pub created_at: DateTime<FixedOffset>,
}

/// Makes distinct people (no NIK twice in one `People`).
pub struct People {
    rng: Rng,
    niks: HashSet<String>,
}

impl People {
    pub fn new(seed: u64) -> People {
        People {
            rng: Rng::new(seed),
            niks: HashSet::new(),
        }
    }

    pub fn rng(&mut self) -> &mut Rng {
        &mut self.rng
    }

    fn name(&mut self, female: bool) -> String {
        let r = &mut self.rng;
        if r.chance(5) {
            return r.pick(MONONYMS).to_string();
        }
        let given = if female {
            r.pick(FEMALE_GIVEN)
        } else {
            r.pick(MALE_GIVEN)
        };
        let mut name = given.to_string();
        if r.chance(35) {
            let middle = if female {
                r.pick(FEMALE_GIVEN)
            } else {
                r.pick(MALE_GIVEN)
            };
            if middle != given {
                name.push(' ');
                name.push_str(middle);
            }
        }
        if r.chance(85) {
            name.push(' ');
            name.push_str(r.pick(SECOND_NAMES));
        }
        if r.chance(20) {
            // As typed in the field: lower case, double spaces (the rules normalize them).
            name = name.to_lowercase().replace(' ', "  ");
        }
        name
    }

    fn address(&mut self, region: &Region) -> String {
        let r = &mut self.rng;
        let district = r.pick(region.districts);
        let village = r.pick(region.villages);
        let rt = r.range(1, 16);
        let rw = r.range(1, 13);
        match r.range(0, 4) {
            0 => format!(
                "{} No. {}, RT {rt:03}/RW {rw:03}, Kel. {village}, Kec. {district}, {}",
                r.pick(STREETS),
                r.range(1, 250),
                region.city
            ),
            1 => format!(
                "{} Gg. {} No. {}{}, Kel. {village}, {district}",
                r.pick(STREETS),
                r.range(1, 12),
                r.range(1, 90),
                if r.chance(30) { "A" } else { "" }
            ),
            2 => format!(
                "Dusun {village} RT {rt:02} RW {rw:02}, Desa {village}, Kec. {district}, {}",
                region.city
            ),
            _ => format!(
                "Perum {} Blok {}{} No. {}, {district}, {}",
                r.pick(&[
                    "Griya Asri",
                    "Bumi Indah",
                    "Taman Sari",
                    "Villa Mutiara",
                    "Permata Hijau"
                ]),
                r.pick(&["A", "B", "C", "D", "E", "F", "G"]),
                r.range(1, 20),
                r.range(1, 40),
                region.city
            ),
        }
    }

    /// One valid enrollment form (as an agent fills it in) on `created_at`.
    pub fn enrollee(&mut self, created_at: DateTime<FixedOffset>) -> Enrollee {
        let enrolled_on = created_at.date_naive();
        let region = &REGIONS[self.rng.range(0, REGIONS.len() as u64) as usize];
        let female = self.rng.chance(45);
        let age_days = self.rng.range(19 * 366, 63 * 365);
        let birth = enrolled_on - Duration::days(age_days as i64);
        let nik = loop {
            let day = birth.day() + if female { 40 } else { 0 };
            let nik = format!(
                "{}{:02}{day:02}{:02}{:02}{:04}",
                region.code,
                self.rng.range(1, 40),
                birth.month(),
                birth.year() % 100,
                self.rng.range(1, 10_000)
            );
            if self.niks.insert(nik.clone()) {
                break nik;
            }
        };
        let r = &mut self.rng;
        let phone = format!(
            "{}{}",
            r.pick(PHONE_PREFIXES),
            (0..r.range(7, 9))
                .map(|_| char::from(b'0' + r.range(0, 10) as u8))
                .collect::<String>()
        );
        let occupation = r.pick(OCCUPATIONS);
        let income = match r.range(0, 10) {
            0..=5 => r.range(10, 40) * 100_000,
            6..=8 => r.range(40, 90) * 100_000 + r.range(0, 2) * 50_000,
            _ => r.range(90, 207) * 100_000,
        };
        let programs = if r.chance(20) {
            json!(["JKK", "JKM", "JHT"])
        } else {
            json!(["JKK", "JKM"])
        };
        let months = r.pick(&[1, 1, 1, 1, 3, 3, 6, 12]);
        let sex = if female {
            r.pick(&["F", "P"])
        } else {
            r.pick(&["M", "L"])
        };
        let mut form = json!({
            "nik": nik,
            "full_name": "",
            "birth_place": "",
            "birth_date": birth.to_string(),
            "sex": sex,
            "phone": phone,
            "address": "",
            "occupation": occupation,
            "monthly_income": income,
            "programs": programs,
            "payment_months": months,
            "consent": true,
            "enrolled_on": enrolled_on.to_string(),
        });
        form["full_name"] = json!(self.name(female));
        form["birth_place"] = json!(self.rng.pick(BIRTH_PLACES).to_string());
        form["address"] = json!(self.address(region));
        // Most agents take a GPS fix; a few enrollments go without (a fraud signal, not an error).
        if self.rng.chance(97) {
            let r = &mut self.rng;
            let lat = region.lat + (r.unit() - 0.5) * 0.2;
            let lon = region.lon + (r.unit() - 0.5) * 0.2;
            // Android's Location.getAccuracy() is a float, widened to double by the shell.
            let accuracy = f64::from((3.0 + r.unit() * 40.0) as f32);
            form["location"] = json!({"lat": lat, "lon": lon, "accuracy_m": accuracy});
        }
        Enrollee { form, created_at }
    }
}

/// The device's wire record for a validated form (as `core/src/sync/wire.rs` builds it).
pub fn wire_record(
    book: &RuleBook,
    enrollee: &Enrollee,
    id: &str,
    receipt_no: i64,
    device_id: &str,
) -> Value {
    let today = enrollee.created_at.date_naive();
    let (report, enrollment) = rules::validate(&enrollee.form, today, book, &NoLookups);
    let enrollment = enrollment.unwrap_or_else(|| {
        panic!(
            "generated enrollment is invalid: {:?}",
            report.errors.iter().map(|e| &e.code).collect::<Vec<_>>()
        )
    });
    let rule_set = book
        .in_force(today)
        .map(|r| r.id.clone())
        .unwrap_or_default();
    let created_at = enrollee
        .created_at
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
    let consent_at = (enrollee.created_at - Duration::seconds(40))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false);
    let Ok(Value::Object(mut map)) = serde_json::to_value(&enrollment) else {
        unreachable!("an enrollment serializes as an object")
    };
    let mut extra = Map::new();
    extra.insert(
        "consent".into(),
        json!({"text_version": "consent-v1", "at": consent_at}),
    );
    extra.insert("id".into(), json!(id));
    extra.insert("receipt_no".into(), json!(receipt_no));
    extra.insert("form_version".into(), json!(1));
    extra.insert("rule_set".into(), json!(rule_set));
    extra.insert("created_at".into(), json!(created_at));
    extra.insert("confirmed_warnings".into(), json!([]));
    extra.insert("device_id".into(), json!(device_id));
    map.extend(extra);
    Value::Object(map)
}

/// When an agent enrolls: working hours (WIB) over the days before `now`, in order.
pub fn working_times(
    rng: &mut Rng,
    now: DateTime<FixedOffset>,
    count: usize,
) -> Vec<DateTime<FixedOffset>> {
    let wib = FixedOffset::east_opt(7 * 3600).unwrap_or_else(|| unreachable!());
    let now = now.with_timezone(&wib);
    let start_day: NaiveDate = now.date_naive() - Duration::days(1 + count as i64 / 12);
    let mut times = Vec::with_capacity(count);
    let mut t = wib
        .from_local_datetime(&start_day.and_hms_opt(8, 0, 0).unwrap_or_default())
        .single()
        .unwrap_or(now);
    for _ in 0..count {
        t += Duration::seconds(rng.range(600, 3000) as i64);
        if t.time() > chrono::NaiveTime::from_hms_opt(17, 0, 0).unwrap_or_default() {
            let next = t.date_naive() + Duration::days(1);
            t = wib
                .from_local_datetime(&next.and_hms_opt(8, 0, 0).unwrap_or_default())
                .single()
                .unwrap_or(t)
                + Duration::seconds(rng.range(0, 1800) as i64);
        }
        times.push(t.min(now));
    }
    times
}
