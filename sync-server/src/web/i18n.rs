//! The web app's words, in Indonesian (the default) and English, in one table ([`TABLE`]), and
//! the Indonesian formats for dates, times and rupiah.
//!
//! The language comes from `?lang=id|en` (which also sets a cookie, see `web::page_headers`) or
//! from the `perisai_lang` cookie. Templates call `page.t("key")`; a key missing from the table
//! shows as itself (a unit test keeps every key used in a template in the table).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use chrono::{FixedOffset, NaiveDate, Offset, TimeZone};

pub const LANG_COOKIE: &str = "perisai_lang";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Id,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Id => Lang::En,
            Lang::En => Lang::Id,
        }
    }

    fn parse(code: &str) -> Option<Lang> {
        match code {
            "id" => Some(Lang::Id),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// From `?lang=` first, then the cookie; Indonesian otherwise.
    pub fn from_parts(parts: &Parts) -> Lang {
        parts
            .uri
            .query()
            .and_then(lang_from_query)
            .or_else(|| {
                super::session::cookie(&parts.headers, LANG_COOKIE).and_then(|c| Lang::parse(&c))
            })
            .unwrap_or(Lang::Id)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(Lang::from_parts(parts))
    }
}

/// The language a query string asks for (`lang=en`).
pub fn lang_from_query(query: &str) -> Option<Lang> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == "lang")
        .and_then(|(_, v)| Lang::parse(v))
}

/// The text of `key` in `lang`; the key itself when the table lacks it.
pub fn t(lang: Lang, key: &str) -> &'static str {
    match TABLE.iter().find(|(k, _, _)| *k == key) {
        Some((_, id, en)) => match lang {
            Lang::Id => id,
            Lang::En => en,
        },
        None => {
            tracing::warn!(key, "web: text missing from the table");
            "?"
        }
    }
}

/// A message a redirect asks to show (`?msg=KEY`): only keys of the table's `msg.` family.
pub fn message(lang: Lang, key: &str) -> Option<&'static str> {
    let full = format!("msg.{key}");
    TABLE
        .iter()
        .find(|(k, _, _)| *k == full)
        .map(|(_, id, en)| match lang {
            Lang::Id => *id,
            Lang::En => *en,
        })
}

/// What a fraud flag's kind means, for the flags page; `None` for a kind this table does not know
/// (the page shows the stable code).
pub fn flag_kind(lang: Lang, kind: &str) -> Option<&'static str> {
    let full = format!("flagkind.{kind}");
    TABLE
        .iter()
        .find(|(k, _, _)| *k == full)
        .map(|(_, id, en)| match lang {
            Lang::Id => *id,
            Lang::En => *en,
        })
}

/// Western Indonesian Time, in which the offices read times.
fn wib() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).unwrap_or(chrono::Utc.fix())
}

/// `12/05/2026 14:03 WIB` for a millisecond timestamp.
pub fn datetime(ms: i64) -> String {
    match wib().timestamp_millis_opt(ms).single() {
        Some(t) => format!("{} WIB", t.format("%d/%m/%Y %H:%M")),
        None => "-".into(),
    }
}

/// `12/05/2026` for a millisecond timestamp.
pub fn date_of(ms: i64) -> String {
    match wib().timestamp_millis_opt(ms).single() {
        Some(t) => perisai_core::message::format_date(t.date_naive()),
        None => "-".into(),
    }
}

/// `2026-05-12` → `12/05/2026`; anything else as it is.
pub fn date_text(iso: &str) -> String {
    NaiveDate::parse_from_str(iso, "%Y-%m-%d")
        .map(perisai_core::message::format_date)
        .unwrap_or_else(|_| iso.to_string())
}

/// Today's date in WIB.
pub fn today() -> NaiveDate {
    chrono::Utc::now().with_timezone(&wib()).date_naive()
}

pub use perisai_core::message::format_rupiah as rupiah;

/// Every visible string: (key, Indonesian, English).
pub static TABLE: &[(&str, &str, &str)] = &[
    (
        "app.name",
        "Perisai Field: Supervisor",
        "Perisai Field: Supervisor",
    ),
    ("lang.switch", "English", "Bahasa Indonesia"),
    ("nav.review", "Tinjauan", "Review"),
    ("nav.duplicates", "Duplikat", "Duplicates"),
    ("nav.flags", "Tanda kecurangan", "Fraud flags"),
    ("nav.agents", "Agen dan Wadah", "Agents and Wadah"),
    ("nav.statements", "Komisi", "Commission"),
    ("nav.payments", "Pembayaran", "Payments"),
    ("nav.audit", "Log audit", "Audit log"),
    ("nav.export", "Ekspor CSV", "Export CSV"),
    ("nav.logout", "Keluar", "Sign out"),
    ("nav.signed_in", "Masuk sebagai", "Signed in as"),
    (
        "nav.keys",
        "Tombol: j/k pindah, a setujui, r tolak, i ada masalah",
        "Keys: j/k move, a approve, r reject, i has issues",
    ),
    ("login.title", "Masuk", "Sign in"),
    ("login.email", "Email", "Email"),
    ("login.password", "Kata sandi", "Password"),
    ("login.submit", "Masuk", "Sign in"),
    (
        "login.failed",
        "Email atau kata sandi salah.",
        "Wrong email or password.",
    ),
    (
        "login.throttled",
        "Terlalu banyak percobaan dari alamat ini. Coba lagi dalam 15 menit.",
        "Too many tries from this address. Try again within 15 minutes.",
    ),
    ("err.not_found", "Tidak ditemukan.", "Not found."),
    (
        "err.forbidden",
        "Tidak diizinkan. Muat ulang halaman dan coba lagi.",
        "Not allowed. Reload the page and try again.",
    ),
    (
        "err.internal",
        "Terjadi kesalahan di server. Coba lagi nanti.",
        "Something went wrong on the server. Try again later.",
    ),
    (
        "err.form",
        "Isian formulir tidak dapat dibaca.",
        "The form could not be read.",
    ),
    ("err.back", "Kembali ke tinjauan", "Back to the review"),
    ("msg.decided", "Keputusan disimpan.", "Decision saved."),
    (
        "msg.batch_decided",
        "Keputusan disimpan untuk catatan yang masih diterima.",
        "Decision saved for the records still received.",
    ),
    (
        "msg.reversed",
        "Keputusan dibatalkan dan diganti.",
        "Decision reversed.",
    ),
    (
        "msg.need_reason",
        "Keputusan ini memerlukan alasan.",
        "This decision needs a reason.",
    ),
    (
        "msg.not_decidable",
        "Catatan ini tidak dapat diputuskan dalam statusnya sekarang.",
        "This record cannot be decided in its current state.",
    ),
    ("msg.resolved", "Ditandai selesai.", "Marked resolved."),
    ("msg.saved", "Disimpan.", "Saved."),
    ("msg.invalid", "Isian tidak valid.", "Invalid input."),
    ("review.title", "Antrean tinjauan", "Review queue"),
    ("review.filter", "Saring", "Filter"),
    ("review.status", "Status", "Status"),
    ("review.agent", "Agen", "Agent"),
    ("review.all", "Semua", "All"),
    ("review.received_at", "Diterima", "Received"),
    ("review.name", "Nama", "Name"),
    ("review.nik", "NIK", "NIK"),
    ("review.batch", "Batch", "Batch"),
    ("review.codes", "Kode validasi", "Validation codes"),
    ("review.empty", "Tidak ada catatan.", "No records."),
    ("review.next", "Berikutnya", "Next"),
    ("review.first", "Terbaru", "Newest"),
    ("review.open", "Buka", "Open"),
    ("status.received", "Diterima", "Received"),
    ("status.approved", "Disetujui", "Approved"),
    ("status.rejected", "Ditolak", "Rejected"),
    ("status.has_issues", "Ada masalah", "Has issues"),
    ("status.superseded", "Digantikan", "Superseded"),
    (
        "status.rejected_at_ingest",
        "Ditolak saat diterima",
        "Rejected at ingest",
    ),
    ("decide.approve", "Setujui", "Approve"),
    ("decide.reject", "Tolak", "Reject"),
    ("decide.has_issues", "Ada masalah", "Has issues"),
    ("decide.reason", "Alasan / komentar", "Reason / comment"),
    (
        "decide.reverse",
        "Batalkan keputusan",
        "Reverse the decision",
    ),
    ("decide.reverse_to", "Keputusan baru", "New decision"),
    ("decide.history", "Riwayat keputusan", "Decision history"),
    ("decide.by", "Oleh", "By"),
    ("decide.at", "Waktu", "When"),
    ("batch.title", "Batch perangkat", "Device batch"),
    ("batch.device", "Perangkat", "Device"),
    ("batch.seq", "Urutan", "Sequence"),
    ("batch.records", "Catatan", "Records"),
    (
        "batch.decide_all",
        "Putuskan semua catatan yang masih diterima",
        "Decide every record still received",
    ),
    ("rec.title", "Pendaftaran", "Enrollment"),
    ("rec.full_name", "Nama lengkap", "Full name"),
    ("rec.nik", "NIK", "NIK"),
    ("rec.reveal", "Tampilkan NIK", "Reveal NIK"),
    (
        "rec.revealed",
        "NIK ditampilkan sekali dan dicatat di log audit.",
        "NIK shown once and written to the audit log.",
    ),
    ("rec.birth_place", "Tempat lahir", "Place of birth"),
    ("rec.birth_date", "Tanggal lahir", "Date of birth"),
    ("rec.sex", "Jenis kelamin", "Sex"),
    ("rec.phone", "Telepon", "Phone"),
    ("rec.address", "Alamat", "Address"),
    ("rec.occupation", "Pekerjaan", "Occupation"),
    (
        "rec.monthly_income",
        "Penghasilan bulanan",
        "Monthly income",
    ),
    ("rec.programs", "Program", "Programs"),
    ("rec.payment_months", "Bulan dibayar", "Months paid"),
    ("rec.enrolled_on", "Tanggal pendaftaran", "Enrolled on"),
    ("rec.location", "Lokasi", "Location"),
    ("rec.receipt_no", "No. tanda terima", "Receipt no."),
    ("rec.payment_code", "Kode iuran", "Payment code"),
    (
        "rec.corrects",
        "Koreksi atas catatan sebelumnya; yang berubah:",
        "Correction of an earlier record; what changed:",
    ),
    ("rec.field", "Isian", "Field"),
    ("rec.old", "Lama", "Old"),
    ("rec.new", "Baru", "New"),
    (
        "rec.superseded_by",
        "Digantikan oleh koreksi",
        "Superseded by a correction",
    ),
    ("rec.previous", "Catatan sebelumnya", "Earlier record"),
    ("rec.no_location", "Tanpa lokasi", "No location"),
    ("sex.m", "Laki-laki", "Male"),
    ("sex.f", "Perempuan", "Female"),
    (
        "rec.damaged",
        "Isi catatan tidak dapat dibuka.",
        "The record's content cannot be opened.",
    ),
    ("dup.title", "Antrean duplikat", "Duplicate queue"),
    ("dup.this", "Catatan ini", "This record"),
    ("dup.other", "Catatan yang sudah ada", "Existing record"),
    (
        "dup.other_branch",
        "Di cabang lain (di luar cakupan Anda)",
        "In another branch (outside your scope)",
    ),
    (
        "dup.keep_this",
        "Pertahankan catatan ini",
        "Keep this record",
    ),
    (
        "dup.keep_other",
        "Pertahankan catatan yang sudah ada",
        "Keep the existing record",
    ),
    (
        "dup.reason",
        "Duplikat: NIK yang sama dipertahankan pada catatan lain.",
        "Duplicate: the same NIK stays with the other record.",
    ),
    (
        "dup.empty",
        "Tidak ada duplikat yang menunggu.",
        "No duplicates waiting.",
    ),
    ("flags.title", "Tanda kecurangan", "Fraud flags"),
    ("flags.kind", "Jenis", "Kind"),
    ("flags.evidence", "Bukti", "Evidence"),
    ("flags.raised", "Muncul", "Raised"),
    ("flags.resolve", "Tandai selesai", "Mark resolved"),
    ("flags.note", "Catatan", "Note"),
    ("flags.resolved", "Selesai", "Resolved"),
    ("flags.open", "Terbuka", "Open"),
    ("flags.empty", "Tidak ada tanda.", "No flags."),
    (
        "flagkind.seq.fork",
        "Rantai batch perangkat bercabang",
        "The device's batch chain forked",
    ),
    (
        "flagkind.chain.restart",
        "Rantai batch dimulai ulang (perangkat baru atau data hilang)",
        "The batch chain restarted (a new device or lost data)",
    ),
    (
        "flagkind.receipt.gap",
        "Nomor tanda terima melompat",
        "Receipt numbers skip",
    ),
    (
        "flagkind.enrolled_on.range",
        "Tanggal pendaftaran jauh dari waktu pembuatan atau kedatangan",
        "Enrollment date far from when it was made or arrived",
    ),
    (
        "flagkind.agent.rate",
        "Lebih dari 30 pendaftaran dalam satu jam",
        "More than 30 enrollments within one hour",
    ),
    (
        "flagkind.phone.reuse",
        "Nomor telepon yang sama pada lebih dari 3 peserta",
        "The same phone number on more than 3 participants",
    ),
    (
        "flagkind.location.missing",
        "Pendaftaran tanpa lokasi",
        "Enrollment without a location",
    ),
    (
        "flagkind.location.outside_area",
        "Lebih dari 50 km dari wilayah tugas agen",
        "More than 50 km from the agent's assigned area",
    ),
    (
        "flagkind.device.revoked_batch",
        "Batch dari perangkat yang dicabut",
        "A batch from a revoked device",
    ),
    (
        "flagkind.record.foreign_supersede",
        "Koreksi atas pendaftaran milik agen lain (ditolak)",
        "A correction of another agent's enrollment (refused)",
    ),
    (
        "flagkind.payment.short",
        "Pembayaran kurang dari tagihan",
        "A payment short of the amount due",
    ),
    (
        "flagkind.cash.unconfirmed",
        "Uang tunai yang dicatat agen tidak dikonfirmasi dalam 7 hari",
        "Cash the agent recorded, unconfirmed after 7 days",
    ),
    ("agents.title", "Agen dan Wadah", "Agents and Wadah"),
    ("agents.name", "Nama", "Name"),
    ("agents.wadah", "Wadah", "Wadah"),
    ("agents.branch", "Cabang", "Branch"),
    ("agents.status", "Status", "Status"),
    ("agents.last", "Pendaftaran terakhir", "Last enrollment"),
    ("agents.month", "Bulan ini", "This month"),
    ("agents.target", "Target", "Target"),
    ("agents.set_target", "Tetapkan target", "Set target"),
    ("agents.area", "Wilayah tugas", "Assigned area"),
    ("agents.lat", "Lintang", "Latitude"),
    ("agents.lon", "Bujur", "Longitude"),
    ("agents.radius", "Radius (km)", "Radius (km)"),
    ("agents.set_area", "Simpan wilayah", "Save area"),
    ("agents.no_area", "Belum ditetapkan", "Not set"),
    (
        "agents.per_day",
        "Pendaftaran per hari (30 hari)",
        "Enrollments per day (30 days)",
    ),
    (
        "agents.vs_target",
        "Pendaftaran bulan ini dibanding target",
        "Enrollments this month against target",
    ),
    ("agents.never", "Belum pernah", "Never"),
    ("agent.active", "Aktif", "Active"),
    ("agent.inactive", "Tidak aktif", "Inactive"),
    ("agent.suspended", "Ditangguhkan", "Suspended"),
    ("agent.dismissed", "Diberhentikan", "Dismissed"),
    ("audit.title", "Log audit", "Audit log"),
    ("audit.at", "Waktu", "When"),
    ("audit.actor", "Pelaku", "Who"),
    ("audit.action", "Tindakan", "Action"),
    ("audit.subject", "Subjek", "Subject"),
    ("audit.detail", "Rincian", "Detail"),
    ("audit.older", "Lebih lama", "Older"),
    ("export.branch", "Cabang", "Branch"),
    ("stmt.title", "Laporan komisi", "Commission statements"),
    ("stmt.month", "Bulan", "Month"),
    ("stmt.show", "Tampilkan", "Show"),
    ("stmt.prev", "« Bulan sebelumnya", "« Previous month"),
    ("stmt.next", "Bulan berikutnya »", "Next month »"),
    ("stmt.per_agent", "Per agen", "Per agent"),
    ("stmt.agent", "Agen", "Agent"),
    ("stmt.wadah", "Wadah", "Wadah"),
    ("stmt.branch", "Cabang", "Branch"),
    ("stmt.acquisition", "Akuisisi", "Acquisition"),
    ("stmt.contribution", "Iuran", "Contribution"),
    ("stmt.adjustments", "Penyesuaian", "Adjustments"),
    ("stmt.total", "Jumlah", "Total"),
    ("stmt.status", "Status", "Status"),
    ("stmt.totals", "Total semua agen", "All agents"),
    ("stmt.final", "Final", "Final"),
    ("stmt.provisional_as_of", "Sementara per", "Provisional as of"),
    (
        "stmt.per_wadah",
        "Per Wadah: insentif pengelolaan (skema bawaan: 10% dari insentif agennya)",
        "Per Wadah: management incentive (default scheme: 10% of its agents' incentives)",
    ),
    ("stmt.share", "Bagian Wadah", "Wadah share"),
    ("stmt.wadah_totals", "Total semua Wadah", "All Wadah"),
    (
        "stmt.not_issued",
        "Laporan bulan ini belum diterbitkan.",
        "This month's statements have not been issued.",
    ),
    (
        "stmt.running",
        "Bulan berjalan: laporannya diterbitkan setelah bulan berakhir. Halaman ini tidak menghitung perkiraan sementara untuk semua agen sekaligus (setiap perkiraan membuka semua catatan agen): buka agen untuk melihat perkiraan sementaranya.",
        "The running month: its statements are issued after the month ends. This page does not compute the provisional estimate of every agent at once (each estimate opens all of the agent's records): open an agent to see its provisional estimate.",
    ),
    (
        "stmt.truncated",
        "Hanya 1000 agen pertama yang ditampilkan; jumlah di bawah mencakup semua agen:",
        "Only the first 1000 agents are shown; the totals below cover every agent:",
    ),
    ("stmt.open", "Lihat laporan", "Open the statement"),
    ("stmt.agent_page", "Halaman agen", "Agent page"),
    ("stmt.lines", "Rincian", "Lines"),
    ("stmt.kind", "Jenis", "Kind"),
    ("stmt.record", "Catatan", "Record"),
    ("stmt.note", "Keterangan", "Note"),
    ("stmt.amount", "Jumlah", "Amount"),
    ("stmt.no_lines", "Tidak ada baris.", "No lines."),
    (
        "stmt.provisional_note",
        "Perkiraan sementara, dihitung sekarang: berubah sampai bulan ini diterbitkan.",
        "A provisional estimate, computed now: it changes until the month is issued.",
    ),
    ("stmt.kind.acquisition", "Akuisisi", "Acquisition"),
    ("stmt.kind.contribution", "Iuran", "Contribution"),
    ("stmt.kind.adjustment", "Penyesuaian", "Adjustment"),
    ("stmt.kind.management", "Pengelolaan", "Management"),
    ("pay.title", "Impor pembayaran", "Payment import"),
    (
        "pay.intro",
        "Unggah berkas CSV dari kanal pembayaran: satu baris per bulan iuran, dengan baris kepala:",
        "Upload the payment channel's CSV file: one row per contribution month, with the header line:",
    ),
    (
        "pay.scope",
        "Hanya peserta di cabang Anda yang diproses: baris untuk peserta cabang lain ditolak sebagai participant.unknown. Mengimpor berkas yang sama lagi aman: baris yang sudah ada dihitung sebagai duplikat.",
        "Only participants of your branches are processed: a line for another branch's participant is refused as participant.unknown. Importing the same file again is safe: lines already in count as duplicates.",
    ),
    ("pay.file", "Berkas CSV", "CSV file"),
    ("pay.max", "maks.", "max."),
    ("pay.paste", "atau tempel isi CSV di sini", "or paste the CSV here"),
    ("pay.submit", "Impor", "Import"),
    ("pay.report", "Hasil impor", "Import report"),
    ("pay.imported", "Diimpor", "Imported"),
    ("pay.duplicates", "Duplikat (sudah diimpor sebelumnya)", "Duplicates (imported before)"),
    ("pay.refused", "Baris ditolak", "Refused lines"),
    ("pay.line", "Baris", "Line"),
    ("pay.code", "Kode", "Code"),
    ("pay.meaning", "Arti", "Meaning"),
    ("pay.none_refused", "Tidak ada baris yang ditolak.", "No line was refused."),
    (
        "pay.header_refused",
        "Baris kepala tidak sesuai: tidak ada baris yang dibaca.",
        "The header line does not match: no line was read.",
    ),
    (
        "pay.too_large",
        "Berkas terlalu besar: paling banyak 5 MB. Bagi berkas menjadi beberapa bagian.",
        "The file is too large: 5 MB at most. Split it into parts.",
    ),
    (
        "pay.empty",
        "Pilih berkas CSV atau tempel isinya.",
        "Choose a CSV file or paste its content.",
    ),
    ("pay.unreadable", "Unggahan tidak dapat dibaca.", "The upload could not be read."),
    (
        "pay.read_only",
        "Hanya supervisor dan admin yang dapat mengimpor pembayaran.",
        "Only supervisors and admins can import payments.",
    ),
    ("pay.recent", "Impor terakhir", "Recent imports"),
    ("pay.at", "Waktu", "When"),
    ("pay.by", "Oleh", "By"),
    ("pay.errors", "Ditolak", "Refused"),
    (
        "payerr.header.invalid",
        "Baris kepala bukan lima kolom yang diminta dalam urutan itu: berkas tidak dibaca.",
        "The header is not the five required columns in that order: nothing was read.",
    ),
    (
        "payerr.line.columns",
        "Baris tidak berisi tepat lima kolom.",
        "The line does not have exactly five fields.",
    ),
    (
        "payerr.line.encoding",
        "Baris bukan teks UTF-8 atau CSV yang sah.",
        "The line is not valid UTF-8 text or CSV.",
    ),
    (
        "payerr.payment_ref.format",
        "Referensi pembayaran kosong, lebih dari 100 karakter, atau berisi karakter kontrol.",
        "The payment reference is empty, longer than 100 characters, or holds control characters.",
    ),
    (
        "payerr.nik.format",
        "Kolom nik bukan NIK yang sah, bukan ID catatan, dan bukan kode iuran.",
        "The nik column is neither a valid NIK, a record id, nor a payment code.",
    ),
    (
        "payerr.participant.unknown",
        "Tidak ada peserta dengan NIK, ID, atau kode iuran itu di cabang Anda.",
        "No participant of your branches has that NIK, record id or payment code.",
    ),
    (
        "payerr.participant.ambiguous",
        "ID catatan itu dimiliki beberapa cabang: gunakan NIK atau kode iuran.",
        "That record id is held by several branches: use the NIK or the payment code.",
    ),
    (
        "payerr.participant.not_approved",
        "Pendaftaran peserta belum disetujui: pembayaran baru ditolak.",
        "The participant's enrollment is not approved: a new payment is refused.",
    ),
    (
        "payerr.month.format",
        "contribution_month bukan YYYY-MM.",
        "contribution_month is not YYYY-MM.",
    ),
    (
        "payerr.month.out_of_range",
        "Bulan iuran sebelum bulan pendaftaran, atau lebih dari 12 bulan setelah pembayaran.",
        "The contribution month is before the enrollment's month, or more than 12 months after the payment.",
    ),
    (
        "payerr.amount.format",
        "Jumlah bukan bilangan bulat rupiah dari 1 sampai 1000000000, tanpa pemisah.",
        "The amount is not a whole number of rupiah from 1 to 1000000000, without separators.",
    ),
    (
        "payerr.paid_at.format",
        "paid_at bukan RFC 3339, YYYY-MM-DD HH:MM[:SS], atau YYYY-MM-DD (waktu cabang).",
        "paid_at is not RFC 3339, YYYY-MM-DD HH:MM[:SS] or YYYY-MM-DD (branch time).",
    ),
    (
        "payerr.paid_at.future",
        "paid_at lebih dari satu hari setelah impor.",
        "paid_at is more than a day after the import.",
    ),
    (
        "payerr.payment_ref.conflict",
        "Referensi ini sudah diimpor sebelumnya dengan isi lain: tidak ditimpa.",
        "This reference was imported before with other content: it is not overwritten.",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_used_by_a_template_or_handler_is_in_the_table_in_both_languages() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut sources = Vec::new();
        for dir in ["templates", "src/web"] {
            for entry in std::fs::read_dir(root.join(dir)).unwrap() {
                sources.push(std::fs::read_to_string(entry.unwrap().path()).unwrap());
            }
        }
        let mut used = 0;
        for text in &sources {
            for piece in text.split(".t(\"").skip(1) {
                let key = piece.split('"').next().unwrap();
                if !key.contains('.') {
                    continue;
                }
                used += 1;
                let row = TABLE.iter().find(|(k, _, _)| *k == key);
                let (_, id, en) = row.unwrap_or_else(|| panic!("{key} is not in the table"));
                assert!(!id.is_empty() && !en.is_empty(), "{key}");
            }
        }
        assert!(used > 50, "the scan found the keys ({used})");
        let mut keys: Vec<_> = TABLE.iter().map(|(k, _, _)| k).collect();
        keys.sort();
        let before = keys.len();
        keys.dedup();
        assert_eq!(before, keys.len(), "a key appears twice");
    }

    #[test]
    fn every_fraud_flag_kind_has_a_label_in_both_languages() {
        use crate::db::flags::kind;
        use crate::service::payments::flag_kind as pay;
        for k in [
            kind::SEQ_FORK,
            kind::CHAIN_RESTART,
            kind::RECEIPT_GAP,
            kind::ENROLLED_ON_RANGE,
            kind::AGENT_RATE,
            kind::PHONE_REUSE,
            kind::LOCATION_MISSING,
            kind::LOCATION_OUTSIDE_AREA,
            kind::REVOKED_DEVICE_BATCH,
            kind::FOREIGN_SUPERSEDE,
            pay::PAYMENT_SHORT,
            pay::CASH_UNCONFIRMED,
        ] {
            assert!(flag_kind(Lang::Id, k).is_some(), "{k}");
            assert!(flag_kind(Lang::En, k).is_some(), "{k}");
        }
        assert_eq!(flag_kind(Lang::Id, "no.such"), None);
    }

    #[test]
    fn dates_and_times_read_the_indonesian_way() {
        // 2026-05-12T07:03:00Z is 14:03 in Jakarta.
        let ms = 1_778_569_380_000;
        assert_eq!(datetime(ms), "12/05/2026 14:03 WIB");
        assert_eq!(date_of(ms), "12/05/2026");
        assert_eq!(date_text("2026-05-12"), "12/05/2026");
        assert_eq!(date_text("kemarin"), "kemarin");
        assert_eq!(rupiah(16_800), "Rp16.800");
    }

    #[test]
    fn the_language_comes_from_the_query_and_only_known_messages_show() {
        assert_eq!(lang_from_query("status=received&lang=en"), Some(Lang::En));
        assert_eq!(lang_from_query("lang=fr"), None);
        assert_eq!(t(Lang::En, "nav.review"), "Review");
        assert_eq!(t(Lang::Id, "nav.review"), "Tinjauan");
        assert_eq!(message(Lang::En, "decided"), Some("Decision saved."));
        assert_eq!(message(Lang::En, "<script>"), None);
        assert_eq!(message(Lang::En, "nav.review"), None);
    }
}
