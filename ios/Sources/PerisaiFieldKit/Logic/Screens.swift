// What the home, receipt, record and participant screens show, each read from the core
// (Commission.swift and CashEntry.swift hold the commission and cash screens'). Which states a
// record can be fixed or withdrawn in, and the receipt's text for the participant, are the core's.

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
            lastSync: device.lastSyncAt.map(CalendarText.dateTime), activated: device.activated, suspended: device.suspended,
            unsentCash: unsentCash
        )
    }

}

/// The receipt: every value already formatted by the core; BELUM DIBAYAR until confirmed.
public struct ReceiptModel {
    public let receipt: Receipt
    public let lang: Lang
    /// What is sent to the participant by SMS or the share sheet: the core's text (masked NIK,
    /// BELUM DIBAYAR until the server confirmed a payment).
    public let shareText: String

    public init(receipt: Receipt, lang: Lang, shareText: String) {
        self.receipt = receipt
        self.lang = lang
        self.shareText = shareText
    }

    /// Core: the receipt of record `id` and its share text (a draft has none: `record.not_allowed`).
    public static func load(app: AgentAppProtocol, id: String, lang: Lang) throws -> ReceiptModel {
        ReceiptModel(receipt: try app.receipt(id: id), lang: lang, shareText: try app.receiptShareText(id: id).text(lang))
    }

    public var lines: [(String, String)] {
        let t = { (w: Words) in w.text(self.lang) }
        var out: [(String, String)] = [
            (t(ScreenText.receiptNo), String(receipt.receiptNo)),
            (t(ScreenText.reference), receipt.reference),
        ]
        if let name = receipt.fullName { out.append((t(ScreenText.name), name)) }
        if let nik = receipt.nikMasked { out.append(("NIK", nik)) }
        if !receipt.programs.isEmpty { out.append((t(ScreenText.programs), receipt.programs.joined(separator: ", "))) }
        if let total = receipt.totalFormatted {
            let months = receipt.paymentMonths.map { " " + ScreenText.forMonths(Int($0)).text(lang) } ?? ""
            out.append((t(ScreenText.contribution), total + months))
        }
        if let date = receipt.enrolledOn { out.append((t(ScreenText.enrolledOn), date)) }
        out.append((t(ScreenText.paymentStatus), receipt.paymentStatus))
        if let code = receipt.paymentCode { out.append((t(ScreenText.paymentCode), code)) }
        if let due = receipt.nextDueMonth { out.append((t(ScreenText.nextDue), CalendarText.month(due, lang))) }
        if let note = receipt.reviewNote { out.append((t(ScreenText.reviewNote), note)) }
        return out
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

    /// Core: fixed by a correction that supersedes the record ("Perbaiki").
    public static func needsFix(_ state: RecordState) -> Bool { recordNeedsFix(state: state) }

    /// Core: the agent may still take it back ("Tarik").
    public static func canWithdraw(_ state: RecordState) -> Bool { recordCanWithdraw(state: state) }
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
    /// The due month's contribution is late (the core's reading of its due day).
    public let overdue: Bool
    /// E.164, for a call or a message.
    public let phone: String
    /// `BELUM DIBAYAR` / `SUDAH DIBAYAR` (nil when the receipt is gone).
    public let paymentStatus: String?

    public static func load(app: AgentAppProtocol, lang: Lang) throws -> [ParticipantRow] {
        try app.participants()
            .filter { $0.status == .approved }
            .map { card in
                ParticipantRow(id: card.recordId, name: card.name, nikMasked: card.nikMasked,
                               nextDueMonth: card.nextDueMonth, nextDueLabel: CalendarText.month(card.nextDueMonth, lang),
                               paymentCode: card.paymentCode, overdue: card.overdue, phone: card.phone,
                               paymentStatus: (try? app.receipt(id: card.recordId))?.paymentStatus)
            }
            .sorted { $0.nextDueMonth < $1.nextDueMonth }
    }
}
