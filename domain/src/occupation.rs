//! The occupation codes of DOMAIN.md §5: the one list the form's options, validation
//! (`occupation.unknown`) and the tariff's transport-sector discounts all read.

use crate::message::Message;

/// One occupation code with its labels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Occupation {
    pub code: &'static str,
    pub label_id: &'static str,
    pub label_en: &'static str,
    /// In the transport sector (PP 50/2025 discounts).
    pub transport: bool,
}

impl Occupation {
    pub fn label(&self) -> Message {
        Message::new(self.label_id, self.label_en)
    }
}

const fn occ(
    code: &'static str,
    id: &'static str,
    en: &'static str,
    transport: bool,
) -> Occupation {
    Occupation {
        code,
        label_id: id,
        label_en: en,
        transport,
    }
}

/// Every occupation code, in the order the form shows them.
pub const OCCUPATIONS: [Occupation; 14] = [
    occ("PEDAGANG", "Pedagang", "Trader", false),
    occ("PETANI", "Petani", "Farmer", false),
    occ("NELAYAN", "Nelayan", "Fisher", false),
    occ(
        "OJOL",
        "Pengemudi ojek online (ojol)",
        "Online ojek / ride-hailing driver",
        true,
    ),
    occ(
        "OJEK",
        "Pengemudi ojek pangkalan",
        "Ojek driver (pangkalan)",
        true,
    ),
    occ(
        "SOPIR",
        "Sopir (angkot, truk, pribadi)",
        "Driver (angkot, truck, private)",
        true,
    ),
    occ("KURIR", "Kurir", "Courier", true),
    occ("BURUH_HARIAN", "Buruh harian lepas", "Day labourer", false),
    occ("TUKANG", "Tukang / perajin", "Builder / craftsman", false),
    occ("PENJAHIT", "Penjahit", "Tailor", false),
    occ("ART", "Asisten rumah tangga", "Domestic worker", false),
    occ("SENIMAN", "Seniman", "Artist", false),
    occ("PEKERJA_LEPAS", "Pekerja lepas", "Freelancer", false),
    occ("LAINNYA", "Lainnya", "Other", false),
];

/// The occupation with this exact code.
pub fn find(code: &str) -> Option<&'static Occupation> {
    OCCUPATIONS.iter().find(|o| o.code == code)
}

/// True for a code of DOMAIN.md §5 (exact, case-sensitive).
pub fn is_occupation(code: &str) -> bool {
    find(code).is_some()
}

/// True for `OJOL`, `OJEK`, `SOPIR`, `KURIR`; false for other codes and unknown ones.
pub fn is_transport(code: &str) -> bool {
    find(code).is_some_and(|o| o.transport)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_transport_sector_is_exactly_four_codes() {
        let transport: Vec<_> = OCCUPATIONS
            .iter()
            .filter(|o| o.transport)
            .map(|o| o.code)
            .collect();
        assert_eq!(transport, ["OJOL", "OJEK", "SOPIR", "KURIR"]);
        assert!(is_transport("KURIR"));
        assert!(!is_transport("PEDAGANG"));
        assert!(!is_transport("kurir"));
        assert!(!is_transport(""));
    }

    #[test]
    fn codes_are_unique_and_known() {
        for (i, o) in OCCUPATIONS.iter().enumerate() {
            assert!(OCCUPATIONS[..i].iter().all(|p| p.code != o.code));
            assert!(is_occupation(o.code));
        }
        assert!(!is_occupation("PNS"));
        assert!(!is_occupation(" PETANI"));
    }
}
