//! The demo branch's areas: where each simulated agent enrolls (a market, a harbour, an ojek
//! base around Jakarta), the KTP region of the place, the streets and kampung around it, and the
//! occupations, incomes and peoples of the workers met there.

use super::names::Folk;

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

/// Occupation codes (DOMAIN.md §5) with weights, per kind of area.
pub fn occupations(kind: AreaKind) -> &'static [(&'static str, u64)] {
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
pub fn income_range(occupation: &str) -> (u64, u64) {
    match occupation {
        "PEDAGANG" => (1_500_000, 5_000_000),
        "OJOL" | "SOPIR" => (2_000_000, 4_500_000),
        "NELAYAN" | "OJEK" | "KURIR" | "TUKANG" => (1_500_000, 4_000_000),
        _ => (1_000_000, 2_500_000),
    }
}

/// The peoples met, with weights, per kind of area (harbours draw Bugis and Javanese fishers).
pub fn folks(kind: AreaKind) -> &'static [(Folk, u64)] {
    match kind {
        AreaKind::Harbour => &[
            (Folk::Javanese, 28),
            (Folk::Sundanese, 15),
            (Folk::Bugis, 27),
            (Folk::Batak, 10),
            (Folk::Minang, 10),
            (Folk::Balinese, 10),
        ],
        AreaKind::Market | AreaKind::OjekBase => &[
            (Folk::Javanese, 35),
            (Folk::Sundanese, 30),
            (Folk::Batak, 12),
            (Folk::Minang, 12),
            (Folk::Bugis, 6),
            (Folk::Balinese, 5),
        ],
    }
}
