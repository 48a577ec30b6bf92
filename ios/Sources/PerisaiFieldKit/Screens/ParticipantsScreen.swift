// "Peserta saya": approved participants, their next due month and payment code.

import Foundation
import PerisaiCore

public final class ParticipantsScreen: ListScreen<ParticipantRow> {
    init(model: AppModel) {
        super.init(model: model) { app, lang in try ParticipantRow.load(app: app, lang: lang) }
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
}
