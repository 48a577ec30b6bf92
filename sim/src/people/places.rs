//! Places: the regions workers' KTPs are issued in (the province and regency digits an NIK begins
//! with, the districts and villages of the region, its centre), streets, towns of birth, and the
//! addresses written with them.

use super::rng::Rng;

/// Regions: province + regency code of the NIK, and the places and streets that go with them.
pub struct Region {
    pub code: &'static str,
    pub city: &'static str,
    pub districts: &'static [&'static str],
    pub villages: &'static [&'static str],
    pub lat: f64,
    pub lon: f64,
}

pub const REGIONS: &[Region] = &[
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

pub const STREETS: &[&str] = &[
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

pub const BIRTH_PLACES: &[&str] = &[
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

/// A home address in `region`, as agents write them (street, gang, dusun or housing estate).
pub fn address(r: &mut Rng, region: &Region) -> String {
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
