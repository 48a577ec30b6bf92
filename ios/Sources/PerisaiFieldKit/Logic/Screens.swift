// The other screens' state, each read from the core (Swift twins of the Android app's
// HomeState.kt, ReceiptView.kt, MyEnrollments.kt and MyParticipants.kt; Commission.swift and
// CashEntry.swift hold the commission and cash screens').

import Foundation
import PerisaiCore

/// Home: the core's queue counts and the last sync.
public struct HomeState: Equatable {
    public let toSend: UInt64
    public let sending: UInt64
    public let awaitingReview: UInt64
    public let approved: UInt64
    public let needsFix: UInt64
    public let drafts: UInt64
    /// The last sync that reached its end (`22/11/2026 09.15`), from the core's device status.
    public let lastSync: String?
    public let activated: Bool
    public let suspended: Bool
    /// Cash the agent recorded that no sync has carried to the branch yet.
    public let unsentCash: UInt64

    public static func load(app: AgentAppProtocol) throws -> HomeState {
        let s = try app.queueStatus()
        let device = try app.deviceStatus()
        let unsentCash = try app.unsentCash()
        func n(_ states: String...) -> UInt64 { states.reduce(0) { $0 + (s[$1] ?? 0) } }
        return HomeState(
            toSend: n("queued"), sending: n("sent"), awaitingReview: n("accepted", "flagged"),
            approved: n("approved"), needsFix: n("has_issues", "rejected"), drafts: n("draft"),
            lastSync: device.lastSyncAt.map(localTime), activated: device.activated, suspended: device.suspended,
            unsentCash: unsentCash
        )
    }

    /// The core's RFC 3339 time as `dd/MM/yyyy HH.mm` in the agent's zone.
    static func localTime(_ rfc3339: String) -> String {
        guard let date = ISO8601DateFormatter().date(from: rfc3339) else { return rfc3339 }
        let f = DateFormatter()
        f.locale = Locale(identifier: "id_ID")
        f.dateFormat = "dd/MM/yyyy HH.mm"
        return f.string(from: date)
    }
}

/// The receipt: every value already formatted by the core; BELUM DIBAYAR until confirmed.
public struct ReceiptModel {
    public let receipt: Receipt
    public let lang: Lang

    public init(receipt: Receipt, lang: Lang) {
        self.receipt = receipt
        self.lang = lang
    }

    public var lines: [(String, String)] {
        let id = lang == .id
        var out: [(String, String)] = [
            (id ? "No. bukti" : "Receipt no.", String(receipt.receiptNo)),
            (id ? "Referensi" : "Reference", receipt.reference),
        ]
        if let name = receipt.fullName { out.append((id ? "Nama" : "Name", name)) }
        if let nik = receipt.nikMasked { out.append(("NIK", nik)) }
        if !receipt.programs.isEmpty { out.append((id ? "Program" : "Programs", receipt.programs.joined(separator: ", "))) }
        if let total = receipt.totalFormatted {
            let months = receipt.paymentMonths.map { id ? " untuk \($0) bulan" : " for \($0) months" } ?? ""
            out.append((id ? "Iuran" : "Contribution", total + months))
        }
        if let date = receipt.enrolledOn { out.append((id ? "Tanggal daftar" : "Enrolled on", date)) }
        out.append((id ? "Status pembayaran" : "Payment status", receipt.paymentStatus))
        if let code = receipt.paymentCode { out.append((id ? "Kode iuran" : "Payment code", code)) }
        if let due = receipt.nextDueMonth { out.append((id ? "Iuran berikutnya" : "Next contribution due", due)) }
        return out
    }

    /// What is sent to the participant by SMS or the share sheet: never the full NIK.
    public func shareText() -> String {
        let title = lang == .id ? "BUKTI PENDAFTARAN BPJS KETENAGAKERJAAN (BPU)" : "BPJS KETENAGAKERJAAN ENROLLMENT RECEIPT (BPU)"
        return ([title] + lines.map { "\($0.0): \($0.1)" }).joined(separator: "\n")
    }
}

public enum RecordStates {
    public static func label(_ state: RecordState, _ lang: Lang) -> String {
        let (id, en) = texts(state)
        return lang == .id ? id : en
    }

    private static func texts(_ state: RecordState) -> (String, String) {
        switch state {
        case .draft: return ("Draf", "Draft")
        case .queued: return ("Menunggu dikirim", "Waiting to send")
        case .sent: return ("Sedang dikirim", "Sending")
        case .accepted: return ("Diterima, menunggu verifikasi", "Received, awaiting review")
        case .flagged: return ("NIK mungkin sudah terdaftar, menunggu verifikasi", "NIK may be registered, awaiting review")
        case .rejected: return ("Ditolak sistem", "Refused by the server")
        case .approved: return ("Disetujui", "Approved")
        case .hasIssues: return ("Perlu diperbaiki", "Has issues")
        case .rejectedByReview: return ("Ditolak supervisor", "Rejected by the supervisor")
        case .superseded: return ("Diganti perbaikan", "Replaced by a correction")
        case .withdrawn: return ("Ditarik", "Withdrawn")
        case .purged: return ("Data pribadi dihapus", "Personal data erased")
        }
    }

    /// "Has issues" or rejected: fixed by a correction that supersedes the record.
    public static func needsFix(_ state: RecordState) -> Bool { state == .hasIssues || state == .rejected }

    /// Not sent yet: the agent may take it back (the core decides, and says so if not).
    public static func canWithdraw(_ state: RecordState) -> Bool { state == .queued || state == .draft }
}

/// "Peserta saya": approved participants with their due month and payment code, from the core's
/// participant cards (kept also after a record's purge); the receipt says whether a payment was
/// confirmed.
public struct ParticipantRow: Identifiable {
    public let id: String
    public let name: String
    public let nikMasked: String
    /// `YYYY-MM`: the first contribution month not yet confirmed paid.
    public let nextDueMonth: String
    /// `Desember 2026`.
    public let nextDueLabel: String
    public let paymentCode: String?
    /// `BELUM DIBAYAR` / `SUDAH DIBAYAR` (nil when the receipt is gone).
    public let paymentStatus: String?

    public static func load(app: AgentAppProtocol, lang: Lang) throws -> [ParticipantRow] {
        try app.participants()
            .filter { $0.status == .approved }
            .map { card in
                ParticipantRow(id: card.recordId, name: card.name, nikMasked: card.nikMasked,
                               nextDueMonth: card.nextDueMonth, nextDueLabel: CalendarText.month(card.nextDueMonth, lang),
                               paymentCode: card.paymentCode, paymentStatus: (try? app.receipt(id: card.recordId))?.paymentStatus)
            }
            .sorted { $0.nextDueMonth < $1.nextDueMonth }
    }
}
