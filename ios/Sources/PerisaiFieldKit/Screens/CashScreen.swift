// "Uang tunai diterima": cash taken from a participant, recorded by the core (see CashEntry).

import Foundation
import PerisaiCore

public final class CashScreen: ScreenState {
    private unowned let model: AppModel
    public let recordId: String
    private var entry: CashEntry?
    public private(set) var participant: CashEntry.Participant?
    public private(set) var receiptContribution: String?
    public var amount = "" { didSet { changed() } }
    public var months = "" { didSet { changed() } }
    public private(set) var amountError: String?
    public private(set) var monthsError: String?
    public private(set) var problem: String?
    public private(set) var saved: CashEntry.Saved?
    public private(set) var saving = false

    init(model: AppModel, recordId: String) {
        self.model = model
        self.recordId = recordId
        super.init()
        let lang = model.lang
        model.run({ app in try CashEntry(app: app, recordId: recordId, lang: lang) }) { [self] result in
            switch result {
            case let .success(entry):
                self.entry = entry
                participant = entry.participant
                receiptContribution = entry.receiptContribution
            case let .failure(error): problem = model.problem(error)
            }
            changed()
        }
    }

    /// Core: records the cash; a double tap or a redraw never records it twice.
    public func save() {
        guard let entry, !saving else { return }
        saving = true
        changed()
        let (amount, months) = (self.amount, self.months)
        model.run({ _ -> CashEntry.Result in
            entry.setAmount(amount)
            entry.setMonths(months)
            return entry.save()
        }) { [self] result in
            saving = false
            amountError = entry.amountError
            monthsError = entry.monthsError
            switch result {
            case let .success(.saved(done)):
                saved = done
                problem = nil
                model.home.refresh()
            case .success(.fixInput): problem = nil
            case let .success(.refused(_, message)): problem = message
            case let .failure(error): problem = model.problem(error)
            }
            changed()
        }
    }
}
