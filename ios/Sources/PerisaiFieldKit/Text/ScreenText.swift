// The screens' own words, Indonesian first, English second. The language is the app model's one
// setting, the same the core's messages follow (form labels, validation messages, errors), so a
// screen never mixes the two. Amounts and dates come formatted from the core (`Rp16.800`,
// `12/05/2026`).

import Foundation
import PerisaiCore

/// A text in both languages.
public struct Words: Equatable {
    public let id: String
    public let en: String

    public init(_ id: String, _ en: String) {
        self.id = id
        self.en = en
    }

    public func text(_ lang: Lang) -> String { lang == .id ? id : en }
}

public enum ScreenText {
    // Lock
    public static let lockTitle = Words("Buka Perisai Field", "Open Perisai Field")
    public static let lockReason = Words("Buka data peserta", "Open the participants' data")
    public static let lockFailed = Words("Gagal membuka. Coba lagi.", "Could not open. Try again.")
    public static let lockNoPasscode = Words("Pasang kode sandi di HP ini dulu: data peserta harus terkunci.",
                                             "Set a passcode on this phone first: participants' data must be locked.")
    public static let open = Words("Buka", "Open")

    // Home
    public static let homeTitle = Words("Beranda", "Home")
    public static let toSend = Words("Menunggu dikirim", "Waiting to send")
    public static let beingSent = Words("Sedang dikirim", "Being sent")
    public static let awaitingReview = Words("Menunggu verifikasi", "Awaiting review")
    public static let approved = Words("Disetujui", "Approved")
    public static let needsFix = Words("Perlu diperbaiki", "Needs a fix")
    public static let drafts = Words("Draf", "Drafts")
    public static let unsentCash = Words("Uang tunai belum terkirim", "Cash records not sent yet")
    public static let neverSynced = Words("Belum pernah terkirim", "Never sent yet")
    public static let lastSync = Words("Terakhir terkirim", "Last sent")
    public static let send = Words("Kirim", "Send")
    public static let notActivated = Words("Perangkat belum diaktifkan: pendaftaran tersimpan di HP sampai aktivasi.",
                                           "This device is not activated yet: enrollments stay on the phone until it is.")
    public static let suspended = Words("Agen ditangguhkan: hubungi kantor cabang.", "Agent suspended: contact the branch.")
    public static let waitingForNetwork = Words("Akan dikirim begitu ada sinyal.", "Will be sent as soon as there is a signal.")
    public static let sending = Words("Mengirim…", "Sending…")
    public static let triedAgain = Words("Dicoba lagi otomatis.", "It will be tried again automatically.")
    public static func syncDone(sent: Int, accepted: Int, rejected: Int) -> Words {
        Words("Terkirim \(sent), diterima \(accepted), ditolak \(rejected).",
              "Sent \(sent), accepted \(accepted), refused \(rejected).")
    }
    public static let newEnrollment = Words("Pendaftaran baru", "New enrollment")
    public static let myEnrollments = Words("Pendaftaran saya", "My enrollments")
    public static let myParticipants = Words("Peserta saya", "My participants")
    public static let commission = Words("Insentif", "Commission")
    public static let activation = Words("Aktivasi perangkat", "Activate this device")
    public static let language = Words("Bahasa", "Language")

    // Enrollment form
    public static let enrollmentTitle = Words("Pendaftaran", "Enrollment")
    public static let correctionTitle = Words("Perbaiki pendaftaran", "Fix the enrollment")
    public static let required = Words("wajib", "required")
    public static let check = Words("Periksa", "Check")
    public static let submit = Words("Simpan & antre", "Save & queue")
    public static let saveDraft = Words("Simpan draf", "Save draft")
    public static let draftSaved = Words("Draf tersimpan.", "Draft saved.")
    public static let confirmTitle = Words("Periksa sebelum menyimpan", "Check before saving")
    public static let saveAnyway = Words("Tetap simpan", "Save anyway")
    public static let lookAgain = Words("Periksa lagi", "Look again")
    public static let fixErrors = Words("Perbaiki isian yang ditandai merah.", "Fix the fields marked in red.")
    public static let contributionQuote = Words("Iuran", "Contribution")
    public static let takeLocation = Words("Ambil lokasi sekarang", "Take the location now")
    public static let locating = Words("Mencari lokasi…", "Finding the location…")
    public static let locationDenied = Words("Izin lokasi ditolak. Ubah di Pengaturan.", "Location access refused. Change it in Settings.")
    public static let locationUnavailable = Words("Lokasi tidak didapat. Coba di tempat terbuka.", "No location. Try in the open.")
    public static let locationStale = Words("Lokasi lama, bukan yang sekarang. Coba lagi.", "An old location, not the current one. Try again.")
    public static let locationImprecise = Words("Lokasi kurang tepat. Coba lagi di tempat terbuka.", "The location is too imprecise. Try again in the open.")

    // Receipt
    public static let receiptTitle = Words("Bukti pendaftaran", "Enrollment receipt")
    public static let receiptNo = Words("No. bukti", "Receipt no.")
    public static let reference = Words("Referensi", "Reference")
    public static let name = Words("Nama", "Name")
    public static let programs = Words("Program", "Programs")
    public static let contribution = Words("Iuran", "Contribution")
    public static func forMonths(_ n: Int) -> Words { Words("untuk \(n) bulan", "for \(n) months") }
    public static let enrolledOn = Words("Tanggal daftar", "Enrolled on")
    public static let paymentStatus = Words("Status pembayaran", "Payment status")
    public static let paymentCode = Words("Kode iuran", "Payment code")
    public static let nextDue = Words("Iuran berikutnya", "Next contribution due")
    public static let reviewNote = Words("Catatan supervisor", "Supervisor's note")
    public static let sendBySMS = Words("Kirim lewat SMS", "Send by SMS")
    public static let share = Words("Bagikan", "Share")
    public static let recordCash = Words("Catat uang tunai", "Record cash")

    // My enrollments, participants
    public static let seeReceipt = Words("Lihat bukti", "See the receipt")
    public static let continueDraft = Words("Lanjutkan draf", "Continue the draft")
    public static let fix = Words("Perbaiki", "Fix")
    public static let withdraw = Words("Tarik", "Withdraw")
    public static let noParticipants = Words("Belum ada peserta yang disetujui.", "No approved participant yet.")
    public static let noPaymentCode = Words("Kode iuran belum ada (menunggu persetujuan)", "No payment code yet (awaiting approval)")
    public static let overdue = Words("terlambat", "late")

    // Commission
    public static let previousMonth = Words("‹ Sebelumnya", "‹ Previous")
    public static let nextMonth = Words("Berikutnya ›", "Next ›")
    public static let details = Words("Rincian", "Details")
    public static let noCommission = Words("Belum ada insentif untuk bulan ini. Pernyataan dan perkiraan datang dari kantor cabang saat sinkronisasi.",
                                           "No commission for this month yet. Statements and estimates come from the branch when syncing.")

    // Cash
    public static let cashTitle = Words("Uang tunai diterima", "Cash received")
    public static let amount = Words("Jumlah (rupiah)", "Amount (rupiah)")
    public static let forHowManyMonths = Words("Untuk berapa bulan", "For how many months")
    public static let record = Words("Catat", "Record")
    public static let done = Words("Selesai", "Done")
    public static let receiptAsks = Words("Iuran di bukti", "Contribution on the receipt")
    public static let cashMustBeDeposited = Words("Tercatat. Uang ini harus disetor; status tetap BELUM DIBAYAR sampai dikonfirmasi.",
                                                  "Recorded. This money must be paid in; the status stays BELUM DIBAYAR until confirmed.")
    public static let cashNotPaidYet = Words("BELUM DIBAYAR: jangan katakan iuran sudah lunas sebelum dikonfirmasi.",
                                             "BELUM DIBAYAR (not paid): never say the contribution is paid before it is confirmed.")
    public static let cashWaiting = Words("Catatan uang tunai menunggu dikirim", "Cash records waiting to be sent")
    public static func cashRecorded(_ amount: String, months: UInt32, at: String) -> Words {
        Words("Tercatat \(amount) untuk \(months) bulan, \(at)", "Recorded \(amount) for \(months) months, \(at)")
    }

    // Activation
    public static let scanQR = Words("Pindai kode QR", "Scan the QR code")
    public static let serverAddress = Words("Alamat server", "Server address")
    public static let activationCode = Words("Kode aktivasi", "Activation code")
    public static let activate = Words("Aktifkan", "Activate")
    public static let serverKey = Words("Sidik jari kunci server", "Server key fingerprint")
    public static let notActivationQR = Words("Ini bukan kode QR aktivasi Perisai.", "This is not a Perisai activation QR code.")
    public static let activationIncomplete = Words("Isi alamat server (https://…) dan kode aktivasi.",
                                                   "Enter the server address (https://…) and the activation code.")
    public static func activated(agent: String, branch: String) -> Words {
        Words("Perangkat aktif. Agen: \(agent), cabang: \(branch).", "Device activated. Agent: \(agent), branch: \(branch).")
    }

    // General
    public static let unexpected = Words("Terjadi kesalahan. Coba lagi.", "Something went wrong. Try again.")
    public static let storeFailed = Words("Data di HP ini tidak dapat dibuka.", "The data on this phone cannot be opened.")
}
