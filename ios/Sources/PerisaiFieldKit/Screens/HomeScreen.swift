// Home ("Beranda"): the core's queue counts, the last sync, "Kirim", and what the last sync said.

import Foundation
import PerisaiCore

public final class HomeScreen: ScreenState {
    private unowned let model: AppModel
    public private(set) var state: HomeState?
    public private(set) var problem: String?
    public private(set) var sync: SyncStatus = .idle

    init(model: AppModel) {
        self.model = model
    }

    /// Core: the counts again.
    public func refresh() {
        model.run({ try HomeState.load(app: $0) }) { [self] result in
            switch result {
            case let .success(s):
                state = s
                problem = nil
            case let .failure(error):
                problem = model.problem(error)
            }
            changed()
        }
    }

    /// "Kirim": now with a network, else as soon as one appears.
    public func send() {
        model.scheduler.sendNow()
    }

    /// What the last sync (or the wait for one) means for the agent, in the agent's language.
    public var syncText: String? {
        let lang = model.lang
        switch sync {
        case .idle: return nil
        case .waitingForNetwork: return ScreenText.waitingForNetwork.text(lang)
        case .running: return ScreenText.sending.text(lang)
        case let .done(report):
            return ScreenText.syncDone(sent: Int(report.sent), accepted: Int(report.accepted), rejected: Int(report.rejected)).text(lang)
        case let .retryLater(_, message): return message.text(lang) + " " + ScreenText.triedAgain.text(lang)
        case let .stopped(_, message): return message.text(lang)
        case let .revoked(message): return message.text(lang)
        }
    }

    func syncChanged(_ status: SyncStatus) {
        sync = status
        changed()
        if status != .running { refresh() }
    }
}
