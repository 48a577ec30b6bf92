// "Insentif": a month's statement, and the months before and after.

import Foundation
import PerisaiCore

public final class CommissionScreen: ScreenState, LanguageFollower, SyncFollower {
    private unowned let model: AppModel
    private var commission: CommissionModel
    public private(set) var page: CommissionPage?
    public private(set) var problem: String?
    public private(set) var busy = false

    init(model: AppModel) {
        self.model = model
        commission = CommissionModel(app: model.core, lang: model.lang)
        super.init()
        go { try $0.start() }
    }

    public func previous() { go { try $0.previous() } }
    public func next() { go { try $0.next() } }

    private func go(_ step: @escaping (CommissionModel) throws -> CommissionPage) {
        guard !busy else { return }
        busy = true
        changed()
        let commission = self.commission
        model.run({ _ in try step(commission) }) { [self] result in
            busy = false
            switch result {
            case let .success(p):
                page = p
                problem = nil
            case let .failure(error): problem = model.problem(error)
            }
            changed()
        }
    }

    private func reloadShown() {
        let month = page?.month
        go { try $0.load(month: month) }
    }

    func languageChanged() {
        commission = CommissionModel(app: model.core, lang: model.lang)
        reloadShown()
    }

    func synced() { reloadShown() }
}
