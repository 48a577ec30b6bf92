//! The text an agent sends a participant after enrolling them (SMS, WhatsApp, the share sheet):
//! the receipt in plain words, in Indonesian and English. Every shell sends this text, so the
//! participant reads the same receipt whatever phone the agent holds.
//!
//! It never says "paid" before the server confirmed a payment: until then it reads
//! `BELUM DIBAYAR` and tells the participant how to pay and how to check (DOMAIN.md §6). It
//! carries the masked NIK only.

use crate::incentive::engine::month_message;
use crate::message::Message;
use crate::queue::Receipt;
use crate::tariff::YearMonth;

impl Receipt {
    /// The receipt as the participant receives it, one `label: value` line each, in both
    /// languages; lines whose value was erased are left out.
    pub fn share_text(&self) -> Message {
        Message::new(self.text_in(Lang::Id), self.text_in(Lang::En))
    }

    fn text_in(&self, lang: Lang) -> String {
        let t = |id: &'static str, en: &'static str| if lang == Lang::Id { id } else { en };
        let mut lines = vec![t(
            "BUKTI PENDAFTARAN BPJS KETENAGAKERJAAN (BPU)",
            "BPJS KETENAGAKERJAAN ENROLLMENT RECEIPT (BPU)",
        )
        .to_string()];
        let mut line = |label: &str, value: &str| lines.push(format!("{label}: {value}"));
        line(t("No. bukti", "Receipt no."), &self.receipt_no.to_string());
        line(t("Referensi", "Reference"), &self.reference);
        if let Some(name) = &self.full_name {
            line(t("Nama", "Name"), name);
        }
        if let Some(nik) = &self.nik_masked {
            line("NIK", nik);
        }
        if !self.programs.is_empty() {
            line(t("Program", "Programs"), &self.programs.join(", "));
        }
        if let Some(total) = &self.total_formatted {
            let months = self
                .payment_months
                .map(|m| match lang {
                    Lang::Id => format!(" untuk {m} bulan"),
                    Lang::En => format!(" for {m} months"),
                })
                .unwrap_or_default();
            line(t("Iuran", "Contribution"), &format!("{total}{months}"));
        }
        if let Some(date) = &self.enrolled_on {
            line(t("Tanggal daftar", "Enrolled on"), date);
        }
        // The core's words, the same in both languages: what the branch says at the counter.
        line(
            t("Status pembayaran", "Payment status"),
            &self.payment_status,
        );
        if let Some(code) = &self.payment_code {
            line(t("Kode iuran", "Payment code"), code);
        }
        if let Some(month) = &self.next_due_month {
            let shown = YearMonth::parse(month)
                .map(|m| {
                    let both = month_message(m);
                    if lang == Lang::Id {
                        both.id
                    } else {
                        both.en
                    }
                })
                .unwrap_or_else(|| month.clone());
            line(t("Iuran berikutnya", "Next contribution due"), &shown);
        }
        lines.push(
            if self.paid {
                t(
                    "Pembayaran sudah dikonfirmasi BPJS Ketenagakerjaan.",
                    "The payment was confirmed by BPJS Ketenagakerjaan.",
                )
            } else {
                t(
                    "Iuran belum tercatat dibayar. Bayar dengan kode iuran di kanal pembayaran resmi; cek status dengan nomor referensi di kantor cabang.",
                    "The contribution is not yet recorded as paid. Pay with the payment code at an official channel; check the status with the reference at the branch office.",
                )
            }
            .to_string(),
        );
        lines.join("\n")
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Lang {
    Id,
    En,
}

#[cfg(test)]
mod tests {
    use crate::queue::{RecordState, PAYMENT_STATUS_PAID, PAYMENT_STATUS_UNPAID};

    use super::*;

    fn receipt(paid: bool) -> Receipt {
        Receipt {
            id: "0190-rec".into(),
            receipt_no: 7,
            reference: "R7-0190-4".into(),
            state: RecordState::Approved,
            paid,
            payment_status: if paid {
                PAYMENT_STATUS_PAID
            } else {
                PAYMENT_STATUS_UNPAID
            }
            .into(),
            full_name: Some("SITI AMINAH".into()),
            nik_masked: Some("3201••••••••0002".into()),
            programs: vec!["JKK".into(), "JKM".into()],
            payment_months: Some(3),
            total: Some(50_400),
            total_formatted: Some("Rp50.400".into()),
            enrolled_on: Some("20/11/2026".into()),
            created_at: "2026-11-20T09:15:00+07:00".into(),
            rule_set: Some("bpu-2026".into()),
            warnings: vec![],
            supersedes: None,
            payment_code: Some("KI-123".into()),
            next_due_month: Some("2026-12".into()),
            outcome_codes: vec![],
            review_note: None,
            phone: Some("+6281234567890".into()),
        }
    }

    #[test]
    fn unpaid_reads_belum_dibayar_with_how_to_pay() {
        let text = receipt(false).share_text();
        assert!(text
            .id
            .starts_with("BUKTI PENDAFTARAN BPJS KETENAGAKERJAAN (BPU)\n"));
        for line in [
            "No. bukti: 7",
            "Referensi: R7-0190-4",
            "Nama: SITI AMINAH",
            "NIK: 3201••••••••0002",
            "Program: JKK, JKM",
            "Iuran: Rp50.400 untuk 3 bulan",
            "Tanggal daftar: 20/11/2026",
            "Status pembayaran: BELUM DIBAYAR",
            "Kode iuran: KI-123",
            "Iuran berikutnya: Desember 2026",
        ] {
            assert!(text.id.lines().any(|l| l == line), "{line} in\n{}", text.id);
        }
        assert!(text
            .id
            .ends_with("cek status dengan nomor referensi di kantor cabang."));
        assert!(text.en.contains("Contribution: Rp50.400 for 3 months"));
        assert!(text.en.contains("Payment status: BELUM DIBAYAR"));
        assert!(text.en.contains("Next contribution due: December 2026"));
        assert!(!text.id.contains("SUDAH") && !text.en.contains("confirmed by"));
    }

    #[test]
    fn paid_only_once_the_server_confirmed() {
        let text = receipt(true).share_text();
        assert!(text.id.contains("Status pembayaran: SUDAH DIBAYAR"));
        assert!(text
            .id
            .ends_with("Pembayaran sudah dikonfirmasi BPJS Ketenagakerjaan."));
        assert!(!text.id.contains("BELUM"));
    }

    #[test]
    fn erased_values_and_the_phone_stay_out() {
        let mut r = receipt(false);
        r.full_name = None;
        r.nik_masked = None;
        r.programs.clear();
        r.total_formatted = None;
        r.enrolled_on = None;
        r.payment_code = None;
        r.next_due_month = None;
        let text = r.share_text();
        assert_eq!(text.id.lines().count(), 5, "{}", text.id);
        assert!(!text.id.contains("Nama") && !text.id.contains("NIK"));
        assert!(!receipt(false).share_text().id.contains("+62812"));
    }
}
