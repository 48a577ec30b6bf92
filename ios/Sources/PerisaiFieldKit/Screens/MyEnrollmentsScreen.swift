// "Pendaftaran saya": every record with its state, drafts to reopen, "Perbaiki" where the core
// allows a correction and "Tarik" where it allows a withdrawal.

import Foundation
import PerisaiCore

public struct RecordRow: Identifiable, Equatable {
    public let id: String
    public let name: String
    /// `#3  K7Q2-…`.
    public let number: String
    public let state: RecordState
    public let stateLabel: String
    public let isDraft: Bool
    public let needsFix: Bool
    public let canWithdraw: Bool
}

public final class MyEnrollmentsScreen: ListScreen<RecordRow> {
    init(model: AppModel) {
        super.init(model: model) { app, lang in
            // Newest first, without purged records.
            try app.list(state: nil).filter { $0.state != .purged }.reversed().map { r in
                RecordRow(id: r.id, name: r.fullName ?? "—",
                          number: [r.receiptNo.map { "#\($0)" }, r.reference].compactMap { $0 }.joined(separator: "  "),
                          state: r.state, stateLabel: RecordStates.label(r.state, lang), isDraft: r.state == .draft,
                          needsFix: RecordStates.needsFix(r.state), canWithdraw: RecordStates.canWithdraw(r.state))
            }
        }
    }

    /// The screen a row opens: a draft's form, else its receipt.
    public func open(_ row: RecordRow) {
        model.open(row.isDraft ? .draft(row.id) : .receipt(row.id))
    }

    /// "Perbaiki": a correction of the row's record.
    public func fix(_ row: RecordRow) {
        model.open(.correction(row.id))
    }

    /// Core: "Tarik" (a draft is discarded); the core refuses a record already sent.
    public func withdraw(_ row: RecordRow) {
        let id = row.id
        model.run({ try $0.withdraw(id: id) }) { [self] result in
            acted(result)
            reload()
            model.home.refresh()
        }
    }
}
