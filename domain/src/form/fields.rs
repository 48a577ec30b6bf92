//! The fields of form v1, in order, with their texts. Limits that are rule-set parameters (ages,
//! income, prepayment periods, packages) are read from the rule set; fixed ones (lengths) are the
//! record contract of DOMAIN.md §3.

use serde_json::json;

use super::occupation::OCCUPATIONS;
use super::{Choice, Constraints, FieldDef, FieldKind, InputMode};
use crate::message::{format_rupiah, Message};
use crate::record::Program;
use crate::tariff::RuleSet;

/// The JSON keys of the enrollment record v1, in form order. `supersedes` is added by the app on
/// a correction.
pub const FIELD_KEYS: [&str; 15] = [
    "nik",
    "full_name",
    "birth_place",
    "birth_date",
    "sex",
    "phone",
    "address",
    "occupation",
    "monthly_income",
    "programs",
    "payment_months",
    "consent",
    "location",
    "enrolled_on",
    "supersedes",
];

/// The fields of [`FIELD_KEYS`] that identify the person (docs/DOMAIN.md §8): masked or left out
/// where they need not be read, erased on a data subject's request.
pub const PERSONAL_FIELDS: [&str; 8] = [
    "nik",
    "full_name",
    "birth_place",
    "birth_date",
    "sex",
    "phone",
    "address",
    "location",
];

/// The fields of [`FIELD_KEYS`] but `skip`, in form order.
pub fn fields_except<'a>(skip: &'a [&'a str]) -> impl Iterator<Item = &'static str> + 'a {
    FIELD_KEYS
        .into_iter()
        .filter(move |key| !skip.contains(key))
}

/// Name and birth-place and address lengths, in characters (DOMAIN.md §3).
pub const NAME_LENGTH: (u32, u32) = (2, 100);
pub const BIRTH_PLACE_LENGTH: (u32, u32) = (1, 60);
pub const ADDRESS_LENGTH: (u32, u32) = (5, 200);

/// Label (id, en) of each field.
fn label_texts(key: &str) -> Option<(&'static str, &'static str)> {
    Some(match key {
        "nik" => ("NIK", "NIK (national ID number)"),
        "full_name" => ("Nama lengkap", "Full name"),
        "birth_place" => ("Tempat lahir", "Place of birth"),
        "birth_date" => ("Tanggal lahir", "Date of birth"),
        "sex" => ("Jenis kelamin", "Sex"),
        "phone" => ("Nomor HP", "Mobile phone number"),
        "address" => ("Alamat", "Address"),
        "occupation" => ("Pekerjaan", "Occupation"),
        "monthly_income" => ("Penghasilan per bulan", "Monthly income"),
        "programs" => ("Program", "Programs"),
        "payment_months" => ("Lama pembayaran", "Months paid at once"),
        "consent" => ("Persetujuan peserta", "Participant's consent"),
        "location" => ("Lokasi pendaftaran", "Enrollment location"),
        "enrolled_on" => ("Tanggal pendaftaran", "Enrollment date"),
        "supersedes" => ("Data yang diperbaiki", "Record corrected"),
        _ => return None,
    })
}

pub fn label(key: &str) -> Option<Message> {
    label_texts(key).map(|(id, en)| Message::new(id, en))
}

fn field(key: &'static str, kind: FieldKind, required: bool, hint: (&str, &str)) -> FieldDef {
    FieldDef {
        key,
        kind,
        required,
        device_managed: false,
        label: label(key).unwrap_or_else(|| Message::new(key, key)),
        hint: Message::new(hint.0, hint.1),
        options: Vec::new(),
        constraints: Constraints::default(),
        input: InputMode::Text,
    }
}

fn lengths((min, max): (u32, u32)) -> Constraints {
    Constraints {
        min_length: Some(min),
        max_length: Some(max),
        ..Constraints::default()
    }
}

fn program_name(p: Program) -> (&'static str, &'static str) {
    match p {
        Program::JKK => ("Kecelakaan Kerja", "work accident"),
        Program::JKM => ("Kematian", "death"),
        Program::JHT => ("Hari Tua", "old-age savings"),
    }
}

fn package_choice(package: &[Program]) -> Choice {
    let codes: Vec<_> = package.iter().map(|p| p.code()).collect();
    let (ids, ens): (Vec<_>, Vec<_>) = package.iter().map(|&p| program_name(p)).unzip();
    Choice {
        value: json!(codes),
        label: Message::new(
            format!("{} ({})", codes.join(" + "), ids.join(", ")),
            format!("{} ({})", codes.join(" + "), ens.join(", ")),
        ),
    }
}

/// Every field of form v1, with the limits of `rs`.
pub fn all(rs: &RuleSet) -> Vec<FieldDef> {
    let terms = &rs.enrollment;
    let income = (
        format_rupiah(terms.income_min),
        format_rupiah(terms.income_max),
    );
    let months: Vec<String> = terms.payment_months.iter().map(u32::to_string).collect();

    let nik = FieldDef {
        input: InputMode::Digits,
        ..field(
            "nik",
            FieldKind::Text,
            true,
            (
                "16 angka sesuai KTP. Spasi, titik, dan tanda hubung boleh.",
                "16 digits as on the ID card (KTP). Spaces, dots and dashes are allowed.",
            ),
        )
    };
    let full_name = FieldDef {
        constraints: lengths(NAME_LENGTH),
        input: InputMode::Name,
        ..field(
            "full_name",
            FieldKind::Text,
            true,
            (
                "Sesuai KTP. Huruf, spasi, dan tanda ' . , - saja. Disimpan dengan huruf kapital.",
                "As on the KTP. Letters, spaces and ' . , - only. Stored in capital letters.",
            ),
        )
    };
    let birth_place = FieldDef {
        constraints: lengths(BIRTH_PLACE_LENGTH),
        input: InputMode::Name,
        ..field(
            "birth_place",
            FieldKind::Text,
            true,
            (
                "Kota atau kabupaten sesuai KTP.",
                "City or regency as on the KTP.",
            ),
        )
    };
    let birth_date = FieldDef {
        constraints: Constraints {
            min_age: Some(terms.min_age),
            max_age: Some(terms.max_age),
            ..Constraints::default()
        },
        ..field(
            "birth_date",
            FieldKind::Date,
            true,
            (
                &format!(
                    "Sesuai KTP. Umur {} tahun sampai di bawah {} tahun.",
                    terms.min_age, terms.max_age
                ),
                &format!(
                    "As on the KTP. Aged {} up to (not including) {}.",
                    terms.min_age, terms.max_age
                ),
            ),
        )
    };
    let sex = FieldDef {
        options: vec![
            Choice {
                value: json!("M"),
                label: Message::new("Laki-laki", "Male"),
            },
            Choice {
                value: json!("F"),
                label: Message::new("Perempuan", "Female"),
            },
        ],
        ..field(
            "sex",
            FieldKind::Choice,
            true,
            ("Sesuai KTP.", "As on the KTP."),
        )
    };
    let phone = FieldDef {
        input: InputMode::Phone,
        ..field(
            "phone",
            FieldKind::Text,
            true,
            (
                "Nomor HP Indonesia, misalnya 0812 3456 7890.",
                "An Indonesian mobile number, e.g. 0812 3456 7890.",
            ),
        )
    };
    let address = FieldDef {
        constraints: lengths(ADDRESS_LENGTH),
        ..field(
            "address",
            FieldKind::Text,
            true,
            ("Alamat tempat tinggal sekarang.", "Current home address."),
        )
    };
    let occupation = FieldDef {
        options: OCCUPATIONS
            .iter()
            .map(|o| Choice {
                value: json!(o.code),
                label: o.label(),
            })
            .collect(),
        ..field(
            "occupation",
            FieldKind::Choice,
            true,
            ("Pekerjaan utama peserta.", "The participant's main work."),
        )
    };
    let monthly_income = FieldDef {
        constraints: Constraints {
            min: Some(terms.income_min),
            max: Some(terms.income_max),
            ..Constraints::default()
        },
        input: InputMode::Number,
        ..field(
            "monthly_income",
            FieldKind::Integer,
            true,
            (
                &format!(
                    "Dalam rupiah; dasar perhitungan iuran. Dari {} sampai {}.",
                    income.0, income.1
                ),
                &format!(
                    "In rupiah; the basis of the contribution. From {} to {}.",
                    income.0, income.1
                ),
            ),
        )
    };
    let programs = FieldDef {
        options: terms.packages.iter().map(|p| package_choice(p)).collect(),
        ..field(
            "programs",
            FieldKind::MultiChoice,
            true,
            (
                "JKK dan JKM wajib; JHT (tabungan hari tua) boleh ditambah.",
                "JKK and JKM are required; JHT (old-age savings) may be added.",
            ),
        )
    };
    let payment_months = FieldDef {
        options: terms
            .payment_months
            .iter()
            .map(|&m| Choice {
                value: json!(m),
                label: Message::new(format!("{m} bulan"), format!("{m} months")),
            })
            .collect(),
        ..field(
            "payment_months",
            FieldKind::Choice,
            true,
            (
                &format!("Iuran dibayar sekaligus untuk {} bulan.", months.join(", ")),
                &format!(
                    "Contributions paid at once for {} months.",
                    months.join(", ")
                ),
            ),
        )
    };
    let consent = field(
        "consent",
        FieldKind::Boolean,
        true,
        (
            "Peserta setuju datanya dipakai untuk pendaftaran BPJS Ketenagakerjaan (UU PDP 27/2022).",
            "The participant agrees to the use of the data for BPJS Ketenagakerjaan enrollment (Law 27/2022).",
        ),
    );
    let location = field(
        "location",
        FieldKind::Location,
        false,
        (
            "Diambil dari GPS bila tersedia.",
            "Taken from GPS when available.",
        ),
    );
    let enrolled_on = field(
        "enrolled_on",
        FieldKind::Date,
        false,
        (
            "Kosongkan untuk tanggal hari ini.",
            "Leave empty for today's date.",
        ),
    );
    let supersedes = FieldDef {
        device_managed: true,
        ..field(
            "supersedes",
            FieldKind::Text,
            false,
            (
                "Diisi aplikasi saat memperbaiki data yang dikembalikan.",
                "Set by the app when correcting a returned record.",
            ),
        )
    };
    vec![
        nik,
        full_name,
        birth_place,
        birth_date,
        sex,
        phone,
        address,
        occupation,
        monthly_income,
        programs,
        payment_months,
        consent,
        location,
        enrolled_on,
        supersedes,
    ]
}
