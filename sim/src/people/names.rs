//! The names of the workers, once: given names, second names (family names, marga, suku names,
//! fathers' names) and Javanese single names, of the peoples one meets in Indonesian markets,
//! harbours and ojek bases: Javanese, Sundanese, Batak, Minang, Bugis, Balinese, with the
//! Arabic-derived names given among every Muslim people, Chinese-Indonesian and Christian names,
//! and the names given all over the country.
//!
//! Each name says where it comes from ([`Origin`]), whom it is given to ([`Sex`]) and whether the
//! national draw ([`People`](super::People): anyone anywhere, the benchmarks' records) picks it.
//! The national draw picks among its names in table order, so its names keep their order here and
//! the names added for the peoples of the demo's areas are `regional`: left out of the national
//! draw, whose records stay as they were when the ingest figures of docs/PERFORMANCE.md were
//! measured (a test in `national` pins them). Everything here is common Indonesian naming: no
//! real person's data.

/// The peoples whose names are here (how their names are made and where they live:
/// [`folks`](super::folks)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Folk {
    Javanese,
    Sundanese,
    Batak,
    Minang,
    Bugis,
    Balinese,
}

/// Where a name comes from: the people it is most given among.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A people's own names (Balinese: the given name after the birth-order name, "I Wayan
    /// *Sudarsana*").
    Folk(Folk),
    /// The Balinese names a name opens with: birth order (Wayan, Made, Nyoman, Ketut; Putu,
    /// Kadek, Komang, Gede) and, for women, "Ni Luh", "Ni Made", ...
    BirthOrder,
    /// Arabic-derived names, given among every Muslim people.
    Arabic,
    Chinese,
    Christian,
    /// Given all over the country.
    Common,
}

/// Whom a name is given to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sex {
    Man,
    Woman,
    Either,
}

impl Sex {
    /// Whether a name of this kind is given to a woman (`female`) or a man.
    pub fn fits(self, female: bool) -> bool {
        match self {
            Sex::Either => true,
            Sex::Woman => female,
            Sex::Man => !female,
        }
    }
}

/// One name of the tables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Name {
    pub text: &'static str,
    pub origin: Origin,
    pub sex: Sex,
    /// Whether the national draw picks it (see the module comment).
    pub national: bool,
}

impl Name {
    const fn national(text: &'static str, origin: Origin, sex: Sex) -> Name {
        Name {
            text,
            origin,
            sex,
            national: true,
        }
    }

    const fn regional(text: &'static str, origin: Origin, sex: Sex) -> Name {
        Name {
            text,
            origin,
            sex,
            national: false,
        }
    }
}

use Sex::*;

const JAVANESE: Origin = Origin::Folk(Folk::Javanese);
const SUNDANESE: Origin = Origin::Folk(Folk::Sundanese);
const BATAK: Origin = Origin::Folk(Folk::Batak);
const MINANG: Origin = Origin::Folk(Folk::Minang);
const BUGIS: Origin = Origin::Folk(Folk::Bugis);
const BALINESE: Origin = Origin::Folk(Folk::Balinese);
const BIRTH_ORDER: Origin = Origin::BirthOrder;
const ARABIC: Origin = Origin::Arabic;
const CHINESE: Origin = Origin::Chinese;
const CHRISTIAN: Origin = Origin::Christian;
const COMMON: Origin = Origin::Common;

/// Given names: the national draw's men's names, then the other men's; likewise women's.
pub const GIVEN: &[Name] = &[
    Name::national("Agus", JAVANESE, Man),
    Name::national("Budi", JAVANESE, Man),
    Name::national("Bambang", JAVANESE, Man),
    Name::national("Joko", JAVANESE, Man),
    Name::national("Slamet", JAVANESE, Man),
    Name::national("Sutrisno", JAVANESE, Man),
    Name::national("Wahyu", JAVANESE, Man),
    Name::national("Eko", JAVANESE, Man),
    Name::national("Dedi", SUNDANESE, Man),
    Name::national("Asep", SUNDANESE, Man),
    Name::national("Ujang", SUNDANESE, Man),
    Name::national("Cecep", SUNDANESE, Man),
    Name::national("Dadang", SUNDANESE, Man),
    Name::national("Rudi", COMMON, Man),
    Name::national("Hendra", COMMON, Man),
    Name::national("Ahmad", ARABIC, Man),
    Name::national("Muhammad", ARABIC, Man),
    Name::national("Rizky", COMMON, Man),
    Name::national("Fajar", COMMON, Man),
    Name::national("Andi", BUGIS, Man),
    Name::national("Yusuf", ARABIC, Man),
    Name::national("Ilham", ARABIC, Man),
    Name::national("Arif", ARABIC, Man),
    Name::national("Dimas", JAVANESE, Man),
    Name::national("Bayu", JAVANESE, Man),
    Name::national("Teguh", JAVANESE, Man),
    Name::national("Sugeng", JAVANESE, Man),
    Name::national("Purnomo", JAVANESE, Man),
    Name::national("Hasan", ARABIC, Man),
    Name::national("Imam", ARABIC, Man),
    Name::national("Kadek", BIRTH_ORDER, Man),
    Name::national("Komang", BIRTH_ORDER, Man),
    Name::national("Made", BIRTH_ORDER, Man),
    Name::national("Wayan", BIRTH_ORDER, Man),
    Name::national("Ketut", BIRTH_ORDER, Man),
    Name::national("Gede", BIRTH_ORDER, Man),
    Name::national("Nyoman", BIRTH_ORDER, Man),
    Name::national("Putu", BIRTH_ORDER, Man),
    Name::national("Daeng", BUGIS, Man),
    Name::national("Rahmat", ARABIC, Man),
    Name::national("Taufik", ARABIC, Man),
    Name::national("Hendrik", CHRISTIAN, Man),
    Name::national("Yohanes", CHRISTIAN, Man),
    Name::national("Stefanus", CHRISTIAN, Man),
    Name::national("Antonius", CHRISTIAN, Man),
    Name::national("Benny", CHINESE, Man),
    Name::national("Hengky", CHINESE, Man),
    Name::national("Sahat", BATAK, Man),
    Name::national("Togar", BATAK, Man),
    Name::national("Jefri", COMMON, Man),
    Name::national("Firmansyah", ARABIC, Man),
    Name::national("Ridwan", ARABIC, Man),
    Name::national("Syaiful", ARABIC, Man),
    Name::national("Zainal", ARABIC, Man),
    Name::national("Zulkifli", ARABIC, Man),
    Name::national("Heru", JAVANESE, Man),
    Name::national("Tri", JAVANESE, Man),
    Name::national("Dwi", JAVANESE, Man),
    Name::national("Nur", ARABIC, Man),
    Name::national("Ma'ruf", ARABIC, Man),
    Name::national("Abdul", ARABIC, Man),
    Name::national("Samsul", ARABIC, Man),
    Name::national("Iwan", COMMON, Man),
    Name::national("Irfan", ARABIC, Man),
    Name::national("Galih", SUNDANESE, Man),
    Name::national("Aditya", COMMON, Man),
    Name::national("Yoga", COMMON, Man),
    Name::national("Reza", COMMON, Man),
    Name::regional("Poniman", JAVANESE, Man),
    Name::regional("Tarno", JAVANESE, Man),
    Name::regional("Dede", SUNDANESE, Man),
    Name::regional("Yayat", SUNDANESE, Man),
    Name::regional("Aep", SUNDANESE, Man),
    Name::regional("Deden", SUNDANESE, Man),
    Name::regional("Encep", SUNDANESE, Man),
    Name::regional("Jajang", SUNDANESE, Man),
    Name::regional("Parlindungan", BATAK, Man),
    Name::regional("Maruli", BATAK, Man),
    Name::regional("Binsar", BATAK, Man),
    Name::regional("Hotman", BATAK, Man),
    Name::regional("Jonggi", BATAK, Man),
    Name::regional("Bonar", BATAK, Man),
    Name::regional("Poltak", BATAK, Man),
    Name::regional("Yusrizal", MINANG, Man),
    Name::regional("Afrizal", MINANG, Man),
    Name::regional("Fadli", MINANG, Man),
    Name::regional("Syafrizal", MINANG, Man),
    Name::regional("Irwandi", MINANG, Man),
    Name::regional("Andi Baso", BUGIS, Man),
    Name::regional("Ambo", BUGIS, Man),
    Name::regional("Syamsuddin", BUGIS, Man),
    Name::regional("Hasanuddin", BUGIS, Man),
    Name::regional("Muhammad Arfah", BUGIS, Man),
    Name::regional("Andi Syahrir", BUGIS, Man),
    Name::regional("La Tenri", BUGIS, Man),
    Name::regional("Sudarsana", BALINESE, Man),
    Name::regional("Suartana", BALINESE, Man),
    Name::regional("Wirawan", BALINESE, Man),
    Name::regional("Arimbawa", BALINESE, Man),
    Name::regional("Astawa", BALINESE, Man),
    Name::regional("Mertayasa", BALINESE, Man),
    Name::regional("Suarjana", BALINESE, Man),
    Name::national("Siti", ARABIC, Woman),
    Name::national("Sri", JAVANESE, Woman),
    Name::national("Dewi", JAVANESE, Woman),
    Name::national("Ratna", COMMON, Woman),
    Name::national("Wulan", JAVANESE, Woman),
    Name::national("Indah", COMMON, Woman),
    Name::national("Rina", COMMON, Woman),
    Name::national("Yuni", JAVANESE, Woman),
    Name::national("Sari", COMMON, Woman),
    Name::national("Lestari", JAVANESE, Woman),
    Name::national("Nur", ARABIC, Woman),
    Name::national("Ayu", JAVANESE, Woman),
    Name::national("Putri", COMMON, Woman),
    Name::national("Fitri", ARABIC, Woman),
    Name::national("Nurul", ARABIC, Woman),
    Name::national("Aisyah", ARABIC, Woman),
    Name::national("Fatimah", ARABIC, Woman),
    Name::national("Kartini", JAVANESE, Woman),
    Name::national("Suharti", JAVANESE, Woman),
    Name::national("Sumarni", JAVANESE, Woman),
    Name::national("Tuti", JAVANESE, Woman),
    Name::national("Neneng", SUNDANESE, Woman),
    Name::national("Euis", SUNDANESE, Woman),
    Name::national("Imas", SUNDANESE, Woman),
    Name::national("Cucu", SUNDANESE, Woman),
    Name::national("Ani", COMMON, Woman),
    Name::national("Rohani", COMMON, Woman),
    Name::national("Maria", CHRISTIAN, Woman),
    Name::national("Theresia", CHRISTIAN, Woman),
    Name::national("Lina", CHINESE, Woman),
    Name::national("Mei", CHINESE, Woman),
    Name::national("Lia", COMMON, Woman),
    Name::national("Dian", COMMON, Woman),
    Name::national("Ratih", JAVANESE, Woman),
    Name::national("Anjani", JAVANESE, Woman),
    Name::national("Nining", SUNDANESE, Woman),
    Name::national("Yati", SUNDANESE, Woman),
    Name::national("Murni", COMMON, Woman),
    Name::national("Rosmawati", COMMON, Woman),
    Name::national("Ni Luh", BIRTH_ORDER, Woman),
    Name::national("Ni Made", BIRTH_ORDER, Woman),
    Name::national("Ni Ketut", BIRTH_ORDER, Woman),
    Name::national("Ni Wayan", BIRTH_ORDER, Woman),
    Name::national("Desak", BIRTH_ORDER, Woman),
    Name::national("Hartini", JAVANESE, Woman),
    Name::national("Wahyuni", JAVANESE, Woman),
    Name::national("Rahmawati", COMMON, Woman),
    Name::national("Nuraini", ARABIC, Woman),
    Name::national("Khadijah", ARABIC, Woman),
    Name::national("Zahra", ARABIC, Woman),
    Name::national("Nabila", ARABIC, Woman),
    Name::national("Salsabila", ARABIC, Woman),
    Name::national("Mega", COMMON, Woman),
    Name::national("Citra", COMMON, Woman),
    Name::national("Eka", COMMON, Woman),
    Name::national("Endang", JAVANESE, Woman),
    Name::regional("Wati", JAVANESE, Woman),
    Name::regional("Rini", JAVANESE, Woman),
    Name::regional("Sulastri", JAVANESE, Woman),
    Name::regional("Retno", JAVANESE, Woman),
    Name::regional("Tri", JAVANESE, Woman),
    Name::regional("Tumini", JAVANESE, Woman),
    Name::regional("Iis", SUNDANESE, Woman),
    Name::regional("Enung", SUNDANESE, Woman),
    Name::regional("Yayah", SUNDANESE, Woman),
    Name::regional("Lilis", SUNDANESE, Woman),
    Name::regional("Popon", SUNDANESE, Woman),
    Name::regional("Rotua", BATAK, Woman),
    Name::regional("Tiurma", BATAK, Woman),
    Name::regional("Romauli", BATAK, Woman),
    Name::regional("Sondang", BATAK, Woman),
    Name::regional("Debora", BATAK, Woman),
    Name::regional("Lasma", BATAK, Woman),
    Name::regional("Rugun", BATAK, Woman),
    Name::regional("Rosmaniar", MINANG, Woman),
    Name::regional("Yusnidar", MINANG, Woman),
    Name::regional("Nurhasanah", MINANG, Woman),
    Name::regional("Desmawati", MINANG, Woman),
    Name::regional("Yulia", MINANG, Woman),
    Name::regional("Rahmi", MINANG, Woman),
    Name::regional("Nelly", MINANG, Woman),
    Name::regional("Besse", BUGIS, Woman),
    Name::regional("Andi Nurhaedah", BUGIS, Woman),
    Name::regional("Hasnawati", BUGIS, Woman),
    Name::regional("St. Aminah", BUGIS, Woman),
    Name::regional("Indo", BUGIS, Woman),
    Name::regional("Andi Tenri", BUGIS, Woman),
    Name::regional("Ayu Suryani", BALINESE, Woman),
    Name::regional("Wulandari", BALINESE, Woman),
    Name::regional("Puspitasari", BALINESE, Woman),
    Name::regional("Ariani", BALINESE, Woman),
    Name::regional("Sukerti", BALINESE, Woman),
];

/// Second names: family and fathers' names, Batak and Mandailing marga (a woman's written
/// "br. Siregar": boru, daughter of), Minang suku, Bugis names and titles.
pub const SECOND: &[Name] = &[
    Name::national("Santoso", JAVANESE, Man),
    Name::national("Wijaya", COMMON, Either),
    Name::national("Susanto", JAVANESE, Man),
    Name::national("Prasetyo", JAVANESE, Man),
    Name::national("Hidayat", SUNDANESE, Man),
    Name::national("Saputra", COMMON, Man),
    Name::national("Nugroho", JAVANESE, Man),
    Name::national("Kurniawan", COMMON, Man),
    Name::national("Setiawan", COMMON, Man),
    Name::national("Pratama", COMMON, Man),
    Name::national("Permana", SUNDANESE, Man),
    Name::national("Hermawan", COMMON, Man),
    Name::national("Gunawan", COMMON, Man),
    Name::national("Firmansyah", ARABIC, Man),
    Name::national("Ramadhan", ARABIC, Man),
    Name::national("Hidayati", ARABIC, Woman),
    Name::national("Rahayu", JAVANESE, Woman),
    Name::national("Wulandari", JAVANESE, Woman),
    Name::national("Handayani", JAVANESE, Woman),
    Name::national("Puspitasari", JAVANESE, Woman),
    Name::national("Anggraini", COMMON, Woman),
    Name::national("Maharani", COMMON, Woman),
    Name::national("Nurhaliza", ARABIC, Woman),
    Name::national("Kusumawati", JAVANESE, Woman),
    Name::national("Lestari", JAVANESE, Woman),
    Name::national("Suryani", JAVANESE, Woman),
    Name::national("Rahmawati", ARABIC, Woman),
    Name::national("Purnamasari", COMMON, Woman),
    Name::national("Susilawati", JAVANESE, Woman),
    Name::national("Siregar", BATAK, Man),
    Name::national("Simanjuntak", BATAK, Man),
    Name::national("Nasution", BATAK, Either),
    Name::national("Harahap", BATAK, Either),
    Name::national("Lubis", BATAK, Either),
    Name::national("Sitompul", BATAK, Man),
    Name::national("Pardede", BATAK, Man),
    Name::national("Hutapea", BATAK, Man),
    Name::national("Tanjung", MINANG, Either),
    Name::national("Chaniago", MINANG, Either),
    Name::national("Piliang", MINANG, Either),
    Name::national("Koto", MINANG, Either),
    Name::national("Sikumbang", MINANG, Man),
    Name::national("Pohan", BATAK, Either),
    Name::national("Matondang", BATAK, Either),
    Name::national("Daulay", BATAK, Either),
    Name::national("Mappasessu", BUGIS, Man),
    Name::national("Lamappa", BUGIS, Man),
    Name::national("Pakaya", COMMON, Either),
    Name::national("Tahir", BUGIS, Man),
    Name::national("Umar", ARABIC, Man),
    Name::national("Al Habsyi", ARABIC, Either),
    Name::national("Assegaf", ARABIC, Either),
    Name::national("Bin Said", ARABIC, Man),
    Name::national("Tanoto", CHINESE, Either),
    Name::national("Halim", CHINESE, Either),
    Name::national("Gozali", CHINESE, Either),
    Name::national("Salim", CHINESE, Either),
    Name::national("Wibisono", JAVANESE, Man),
    Name::national("Sutanto", CHINESE, Either),
    Name::national("Budiman", CHINESE, Either),
    Name::national("Hartono", JAVANESE, Man),
    Name::national("Suparman", JAVANESE, Man),
    Name::national("Sukarman", JAVANESE, Man),
    Name::national("Mulyadi", SUNDANESE, Man),
    Name::national("Supriadi", SUNDANESE, Man),
    Name::national("Suhendra", SUNDANESE, Man),
    Name::national("Kusnadi", SUNDANESE, Man),
    Name::national("Sudrajat", SUNDANESE, Man),
    Name::regional("Wibowo", JAVANESE, Man),
    Name::regional("Purnomo", JAVANESE, Man),
    Name::regional("Astuti", JAVANESE, Woman),
    Name::regional("Utami", JAVANESE, Woman),
    Name::regional("Wahyuni", JAVANESE, Woman),
    Name::regional("Sunandar", SUNDANESE, Man),
    Name::regional("Suryana", SUNDANESE, Man),
    Name::regional("Rohendi", SUNDANESE, Man),
    Name::regional("Sumarna", SUNDANESE, Man),
    Name::regional("Saepudin", SUNDANESE, Man),
    Name::regional("Nurhayati", SUNDANESE, Woman),
    Name::regional("Kartika", SUNDANESE, Woman),
    Name::regional("Rosita", SUNDANESE, Woman),
    Name::regional("Komalasari", SUNDANESE, Woman),
    Name::regional("Maryati", SUNDANESE, Woman),
    Name::regional("Nurjanah", SUNDANESE, Woman),
    Name::regional("Sitorus", BATAK, Man),
    Name::regional("Sihombing", BATAK, Man),
    Name::regional("Panjaitan", BATAK, Either),
    Name::regional("Situmorang", BATAK, Man),
    Name::regional("Manurung", BATAK, Man),
    Name::regional("Hutagalung", BATAK, Man),
    Name::regional("br. Simanjuntak", BATAK, Woman),
    Name::regional("br. Siregar", BATAK, Woman),
    Name::regional("br. Sitorus", BATAK, Woman),
    Name::regional("br. Sihombing", BATAK, Woman),
    Name::regional("br. Situmorang", BATAK, Woman),
    Name::regional("br. Manurung", BATAK, Woman),
    Name::regional("Putra", MINANG, Man),
    Name::regional("Yanti", MINANG, Woman),
    Name::regional("Sari", MINANG, Woman),
    Name::regional("Mappiare", BUGIS, Man),
    Name::regional("Tuwo", BUGIS, Man),
    Name::regional("Lallo", BUGIS, Man),
    Name::regional("Daeng Nai", BUGIS, Man),
    Name::regional("Mattalitti", BUGIS, Man),
    Name::regional("Pabottingi", BUGIS, Man),
    Name::regional("Hamsinah", BUGIS, Woman),
    Name::regional("Ajeng", BUGIS, Woman),
    Name::regional("Daeng Bau", BUGIS, Woman),
    Name::regional("Tang", BUGIS, Woman),
    Name::regional("Sitti", BUGIS, Woman),
];

/// Javanese single names (mononyms are valid names).
pub const SINGLE: &[Name] = &[
    Name::national("Sukarni", JAVANESE, Woman),
    Name::national("Paijo", JAVANESE, Man),
    Name::national("Tukiyem", JAVANESE, Woman),
    Name::national("Wagiman", JAVANESE, Man),
    Name::national("Sarinah", JAVANESE, Woman),
    Name::national("Parjo", JAVANESE, Man),
    Name::national("Painem", JAVANESE, Woman),
    Name::national("Legiman", JAVANESE, Man),
    Name::national("Sumarno", JAVANESE, Man),
    Name::national("Karsih", JAVANESE, Woman),
    Name::national("Tarmini", JAVANESE, Woman),
    Name::national("Rasimin", JAVANESE, Man),
    Name::national("Ngatiyem", JAVANESE, Woman),
    Name::national("Mujiyono", JAVANESE, Man),
    Name::national("Wartini", JAVANESE, Woman),
    Name::regional("Ngadiman", JAVANESE, Man),
    Name::regional("Sumiyati", JAVANESE, Woman),
];

/// The national draw's names of `table` for a woman (`female`) or a man, in table order; with
/// `female` `None`, for either (the national draw gives second and single names to anyone).
pub fn national(table: &[Name], female: Option<bool>) -> Vec<&'static str> {
    table
        .iter()
        .filter(|n| {
            n.national
                && match female {
                    Some(female) => n.sex.fits(female),
                    None => true,
                }
        })
        .map(|n| n.text)
        .collect()
}

/// The names of `table` from any of `origins` for a woman (`female`) or a man.
pub fn of(table: &[Name], origins: &[Origin], female: bool) -> Vec<&'static str> {
    table
        .iter()
        .filter(|n| origins.contains(&n.origin) && n.sex.fits(female))
        .map(|n| n.text)
        .collect()
}
