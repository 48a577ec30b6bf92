// "Insentif": the agent's commission statement for one month as the core keeps it offline, and
// the way from month to month.
//
// Nothing is computed here: the server computes statements, sync brings them down, and the core
// answers `commission(month:)` with the issued (confirmed) one, else the latest provisional
// estimate with the time it was computed, else an empty provisional one. This only words it.

import Foundation
import PerisaiCore

/// One line of a statement, as the screen lists it.
public struct CommissionLine: Identifiable {
    public let id: Int
    public let kind: LineKind
    /// `Akuisisi`, `Iuran`, `Penyesuaian`…
    public let kindLabel: String
    public let recordId: String
    /// The participant's name from the card the core keeps, when the agent follows them.
    public let participant: String?
    public let amount: Int64
    /// `Rp7.560`, the core's format.
    public let amountFormatted: String
    /// Why, in the agent's language (the core's note).
    public let note: String
}

/// A month's statement as the screen draws it.
public struct CommissionPage {
    /// `YYYY-MM`.
    public let month: String
    /// `November 2026`.
    public let monthLabel: String
    /// Issued by the branch: payable, never changes. Otherwise an estimate.
    public let confirmed: Bool
    /// `Resmi, diterbitkan 05/12/2026` / `Sementara per 04/12/2026`.
    public let statusText: String
    public let statusNote: String
    /// `dd/MM/yyyy`: when it was issued or computed.
    public let asOf: String
    /// Label and amount: acquisition, contribution, adjustments, total.
    public let totals: [(String, String)]
    public let total: Int64
    public let totalFormatted: String
    public let lines: [CommissionLine]
    /// A later month exists (the running month has no next).
    public let canGoNext: Bool
}

/// Blocking: call it on the app model's lane.
public final class CommissionModel {
    public let lang: Lang
    public private(set) var shown: CommissionPage?
    private let app: AgentAppProtocol
    /// The running month, as the core computes it in the agent's time zone.
    private var running: String?

    public init(app: AgentAppProtocol, lang: Lang) {
        self.app = app
        self.lang = lang
    }

    /// Core: the running month's statement.
    public func start() throws -> CommissionPage { try load(month: nil) }

    /// Core: the month before the one shown.
    public func previous() throws -> CommissionPage {
        guard let current = shown else { return try start() }
        return try load(month: CalendarText.shift(current.month, by: -1) ?? current.month)
    }

    /// Core: the month after the one shown (the core refuses one that has not begun).
    public func next() throws -> CommissionPage {
        guard let current = shown else { return try start() }
        return try load(month: CalendarText.shift(current.month, by: 1) ?? current.month)
    }

    /// Core: the statement of `month` (`YYYY-MM`; nil: the running month).
    public func load(month: String?) throws -> CommissionPage {
        let statement = try app.commission(month: month)
        if month == nil { running = statement.month }
        let runningMonth: String
        if let known = running {
            runningMonth = known
        } else {
            runningMonth = try app.commission(month: nil).month
            running = runningMonth
        }
        var names: [String: String] = [:]
        for card in try app.participants() { names[card.recordId] = card.name }
        let page = makePage(statement, names: names, runningMonth: runningMonth)
        shown = page
        return page
    }

    private func makePage(_ s: Statement, names: [String: String], runningMonth: String) -> CommissionPage {
        let id = lang == .id
        let confirmed = s.status == .confirmed
        let asOf = CalendarText.date(s.asOf)
        let statusText = confirmed
            ? (id ? "Resmi, diterbitkan \(asOf)" : "Confirmed, issued \(asOf)")
            : (id ? "Sementara per \(asOf)" : "Provisional as of \(asOf)")
        let statusNote = confirmed
            ? (id ? "Pernyataan resmi kantor cabang: tidak berubah lagi. Koreksi muncul sebagai penyesuaian di bulan berikutnya."
                  : "The branch's issued statement: it no longer changes. Corrections appear as adjustments in a later month.")
            : (id ? "Perkiraan, bukan jumlah yang dibayar: berubah sampai kantor cabang menerbitkan pernyataan bulan ini."
                  : "An estimate, not the amount paid: it changes until the branch issues this month's statement.")
        let lines = s.lines.enumerated().map { index, line in
            CommissionLine(
                id: index, kind: line.kind, kindLabel: Self.kindLabel(line.kind, lang), recordId: line.recordId,
                participant: names[line.recordId], amount: line.amount,
                amountFormatted: formatRupiah(amount: line.amount), note: note(line.note)
            )
        }
        return CommissionPage(
            month: s.month,
            monthLabel: CalendarText.month(s.month, lang),
            confirmed: confirmed,
            statusText: statusText,
            statusNote: statusNote,
            asOf: asOf,
            totals: [
                (id ? "Insentif akuisisi" : "Acquisition incentive", formatRupiah(amount: s.acquisition)),
                (id ? "Insentif iuran" : "Contribution incentive", formatRupiah(amount: s.contribution)),
                (id ? "Penyesuaian" : "Adjustments", formatRupiah(amount: s.adjustments)),
                ("Total", formatRupiah(amount: s.total)),
            ],
            total: s.total,
            totalFormatted: formatRupiah(amount: s.total),
            lines: lines,
            // `YYYY-MM` strings order as the months do.
            canGoNext: s.month < runningMonth
        )
    }

    /// Core: the note in the agent's language.
    private func note(_ both: String) -> String { statementNote(note: both).text(lang) }

    static func kindLabel(_ kind: LineKind, _ lang: Lang) -> String {
        let id = lang == .id
        switch kind {
        case .acquisition: return id ? "Akuisisi" : "Acquisition"
        case .contribution: return id ? "Iuran" : "Contribution"
        case .adjustment: return id ? "Penyesuaian" : "Adjustment"
        case .management: return id ? "Pengelolaan" : "Management"
        }
    }
}
