//! The bilingual text of every validation code, Indonesian first: short, plain words an agent can
//! read out to a market trader. A message names the field and the rule (with the rule set's
//! limits), never the value that was typed: reports are shown, logged and synced.

use crate::form::{field_label, ADDRESS_LENGTH, BIRTH_PLACE_LENGTH, NAME_LENGTH};
use crate::message::{format_rupiah, Message};
use crate::tariff::EnrollmentTerms;

use super::codes::*;

/// The message for `code` on `field`. `terms` are the limits of the rule set in force, when known.
pub fn for_issue(field: &str, code: &str, terms: Option<&EnrollmentTerms>) -> Message {
    let label = field_label(field);
    let (label_id, label_en) = label.as_ref().map_or(("Isian ini", "This field"), |l| {
        (l.id.as_str(), l.en.as_str())
    });
    match code {
        REQUIRED => m(
            format!("{label_id} wajib diisi."),
            format!("{label_en} is required."),
        ),
        TYPE => m(
            format!("{label_id}: jenis isian salah (misalnya huruf di tempat angka)."),
            format!("{label_en}: wrong kind of value (e.g. text where a number belongs)."),
        ),
        UNKNOWN_FIELD => m(
            "Isian ini tidak ada di formulir versi ini. Hapus isian ini atau perbarui aplikasi.",
            "This field is not in this form version. Remove it or update the app.",
        ),
        NIK_FORMAT => m(
            "NIK harus 16 angka, sesuai KTP.",
            "The NIK must be 16 digits, as on the ID card (KTP).",
        ),
        NIK_PROVINCE => m(
            "Dua angka pertama NIK bukan kode provinsi. Cocokkan lagi dengan KTP.",
            "The first two digits of the NIK are not a province code. Check it against the KTP.",
        ),
        NIK_BIRTH_DATE => m(
            "Angka ke-7 sampai ke-12 NIK (tanggal lahir) bukan tanggal yang benar. Cocokkan lagi dengan KTP.",
            "Digits 7 to 12 of the NIK (the birth date) are not a valid date. Check it against the KTP.",
        ),
        NIK_SERIAL => m(
            "Empat angka terakhir NIK tidak boleh 0000. Cocokkan lagi dengan KTP.",
            "The last four digits of the NIK cannot be 0000. Check it against the KTP.",
        ),
        NIK_BIRTH_DATE_MISMATCH => m(
            "Tanggal lahir tidak sama dengan tanggal di NIK. Cocokkan dengan KTP; jika sudah benar, lanjutkan.",
            "The birth date differs from the date in the NIK. Check the KTP; if both are right, continue.",
        ),
        NIK_SEX_MISMATCH => m(
            "Jenis kelamin tidak cocok dengan NIK (untuk perempuan, tanggal di NIK ditambah 40). Cocokkan dengan KTP.",
            "Sex does not match the NIK (for women the NIK's day is increased by 40). Check the KTP.",
        ),
        NIK_DUPLICATE_LOCAL => m(
            "HP ini sudah menyimpan pendaftaran dengan NIK yang sama. Pastikan peserta tidak didaftarkan dua kali.",
            "This phone already holds an enrollment with the same NIK. Make sure the participant is not enrolled twice.",
        ),
        NIK_DUPLICATE_KNOWN => m(
            "NIK ini mungkin sudah terdaftar. Kantor cabang akan memeriksanya.",
            "This NIK may already be registered. The branch office will check it.",
        ),
        NAME_FORMAT => m(
            format!(
                "Nama harus {}–{} karakter: huruf, spasi, dan tanda ' . , - saja (tanpa angka).",
                NAME_LENGTH.0, NAME_LENGTH.1
            ),
            format!(
                "The name must be {}–{} characters: letters, spaces and ' . , - only (no digits).",
                NAME_LENGTH.0, NAME_LENGTH.1
            ),
        ),
        BIRTH_PLACE_FORMAT => m(
            format!(
                "Tempat lahir harus {}–{} karakter.",
                BIRTH_PLACE_LENGTH.0, BIRTH_PLACE_LENGTH.1
            ),
            format!(
                "The place of birth must be {}–{} characters.",
                BIRTH_PLACE_LENGTH.0, BIRTH_PLACE_LENGTH.1
            ),
        ),
        BIRTH_DATE_FORMAT => m(
            "Tanggal lahir harus tanggal yang benar (TTTT-BB-HH) dan tidak sesudah tanggal pendaftaran.",
            "The date of birth must be a real date (YYYY-MM-DD), not after the enrollment date.",
        ),
        AGE_TOO_YOUNG => match terms {
            Some(t) => m(
                format!("Peserta belum berumur {} tahun pada tanggal pendaftaran.", t.min_age),
                format!("The participant is not yet {} on the enrollment date.", t.min_age),
            ),
            None => m(
                "Peserta belum cukup umur pada tanggal pendaftaran.",
                "The participant is too young on the enrollment date.",
            ),
        },
        AGE_TOO_OLD => match terms {
            Some(t) => m(
                format!(
                    "Peserta sudah berumur {} tahun atau lebih pada tanggal pendaftaran.",
                    t.max_age
                ),
                format!("The participant is {} or older on the enrollment date.", t.max_age),
            ),
            None => m(
                "Peserta melewati batas umur pada tanggal pendaftaran.",
                "The participant is above the age limit on the enrollment date.",
            ),
        },
        SEX_INVALID => m(
            "Jenis kelamin harus L (laki-laki) atau P (perempuan).",
            "Sex must be M (male) or F (female); L and P are accepted too.",
        ),
        PHONE_FORMAT => m(
            "Nomor HP harus nomor seluler Indonesia, misalnya 0812 3456 7890.",
            "The phone must be an Indonesian mobile number, e.g. 0812 3456 7890.",
        ),
        ADDRESS_FORMAT => m(
            format!("Alamat harus {}–{} karakter.", ADDRESS_LENGTH.0, ADDRESS_LENGTH.1),
            format!(
                "The address must be {}–{} characters.",
                ADDRESS_LENGTH.0, ADDRESS_LENGTH.1
            ),
        ),
        OCCUPATION_UNKNOWN => m(
            "Pekerjaan tidak ada di daftar. Pilih dari daftar pekerjaan.",
            "The occupation is not in the list. Choose one from the list.",
        ),
        INCOME_BELOW_MINIMUM => match terms {
            Some(t) => m(
                format!(
                    "Penghasilan per bulan paling sedikit {}.",
                    format_rupiah(t.income_min)
                ),
                format!(
                    "The monthly income must be at least {}.",
                    format_rupiah(t.income_min)
                ),
            ),
            None => m(
                "Penghasilan per bulan di bawah batas terendah.",
                "The monthly income is below the minimum.",
            ),
        },
        INCOME_ABOVE_MAXIMUM => match terms {
            Some(t) => m(
                format!(
                    "Penghasilan per bulan paling banyak {} (batas tertinggi iuran).",
                    format_rupiah(t.income_max)
                ),
                format!(
                    "The monthly income can be at most {} (the top contribution bracket).",
                    format_rupiah(t.income_max)
                ),
            ),
            None => m(
                "Penghasilan per bulan di atas batas tertinggi.",
                "The monthly income is above the maximum.",
            ),
        },
        PROGRAMS_INVALID => m(
            "Pilih salah satu paket: JKK + JKM, atau JKK + JKM + JHT.",
            "Choose one package: JKK + JKM, or JKK + JKM + JHT.",
        ),
        PAYMENT_MONTHS_INVALID => match terms {
            Some(t) => {
                let months: Vec<String> = t.payment_months.iter().map(u32::to_string).collect();
                m(
                    format!("Lama pembayaran harus {} bulan.", or_list(&months, "atau")),
                    format!("Months paid at once must be {}.", or_list(&months, "or")),
                )
            }
            None => m(
                "Lama pembayaran tidak diizinkan.",
                "That number of months paid at once is not allowed.",
            ),
        },
        CONSENT_MISSING => m(
            "Peserta harus menyetujui penggunaan datanya sebelum didaftarkan.",
            "The participant must agree to the use of the data before enrollment.",
        ),
        LOCATION_RANGE => m(
            "Lokasi tidak benar (lintang -90 s.d. 90, bujur -180 s.d. 180). Ambil ulang lokasi.",
            "The location is out of range (latitude -90 to 90, longitude -180 to 180). Take it again.",
        ),
        ENROLLED_ON_FORMAT => m(
            "Tanggal pendaftaran harus tanggal yang benar (TTTT-BB-HH).",
            "The enrollment date must be a real date (YYYY-MM-DD).",
        ),
        SUPERSEDES_INVALID => m(
            "Data yang mau diperbaiki tidak ada di HP ini atau tidak bisa diperbaiki lagi.",
            "The record to correct is not on this phone or can no longer be corrected.",
        ),
        _ => m(
            format!("{label_id} belum benar."),
            format!("{label_en} is not valid."),
        ),
    }
}

fn m(id: impl Into<String>, en: impl Into<String>) -> Message {
    Message::new(id, en)
}

/// `enrolled_on.format` when the date is real but no rule set is in force on it.
pub fn no_rule_set() -> Message {
    Message::new(
        "Tidak ada aturan iuran yang berlaku pada tanggal pendaftaran ini. Periksa tanggalnya.",
        "No contribution rules are in force on this enrollment date. Check the date.",
    )
}

/// "1, 3, 6 atau 12".
fn or_list(items: &[String], or: &str) -> String {
    match items.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} {or} {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::codes::ALL;
    use crate::tariff::RuleBook;

    #[test]
    fn every_code_has_its_own_text_in_both_languages() {
        let book = RuleBook::builtin();
        let terms = Some(&book.latest().enrollment);
        let fallback = for_issue("nik", "no.such.code", terms);
        for code in ALL {
            for t in [terms, None] {
                let msg = for_issue("nik", code, t);
                assert!(!msg.id.is_empty() && !msg.en.is_empty(), "{code}");
                assert_ne!(msg, fallback, "{code} has no text of its own");
                assert_ne!(msg.id, msg.en, "{code}");
            }
        }
    }

    #[test]
    fn limits_come_from_the_rule_set() {
        let book = RuleBook::builtin();
        let terms = Some(&book.latest().enrollment);
        assert_eq!(
            for_issue("monthly_income", INCOME_ABOVE_MAXIMUM, terms).id,
            "Penghasilan per bulan paling banyak Rp20.700.000 (batas tertinggi iuran)."
        );
        assert_eq!(
            for_issue("payment_months", PAYMENT_MONTHS_INVALID, terms).id,
            "Lama pembayaran harus 1, 3, 6 atau 12 bulan."
        );
        assert_eq!(
            for_issue("full_name", REQUIRED, terms).id,
            "Nama lengkap wajib diisi."
        );
        assert_eq!(
            for_issue("colour", UNKNOWN_FIELD, terms).en,
            "This field is not in this form version. Remove it or update the app."
        );
    }
}
