// "Peserta saya": approved participants, their next due month and payment code.

import Foundation
import PerisaiCore

public final class ParticipantsScreen: ScreenState, LanguageFollower, SyncFollower {
    private unowned let model: AppModel
    public private(set) var rows: [ParticipantRow] = []
    public private(set) var problem: String?

    init(model: AppModel) {
        self.model = model
        super.init()
        reload()
    }

    public func reload() {
        let lang = model.lang
        model.run({ try ParticipantRow.load(app: $0, lang: lang) }) { [self] result in
            switch result {
            case let .success(list):
                rows = list
                problem = nil
            case let .failure(error): problem = model.problem(error)
            }
            changed()
        }
    }

    /// `Kode iuran: …` or that none came yet.
    public func paymentCodeText(_ row: ParticipantRow) -> String {
        row.paymentCode.map { model.t(ScreenText.paymentCode) + ": " + $0 } ?? model.t(ScreenText.noPaymentCode)
    }

    /// `Iuran berikutnya: Desember 2026`, and that it is late when it is.
    public func dueText(_ row: ParticipantRow) -> String {
        let due = model.t(ScreenText.nextDue) + ": " + CalendarText.month(row.nextDueMonth, model.lang)
        return row.overdue ? due + " (" + model.t(ScreenText.overdue) + ")" : due
    }

    func languageChanged() { reload() }
    func synced() { reload() }
}
