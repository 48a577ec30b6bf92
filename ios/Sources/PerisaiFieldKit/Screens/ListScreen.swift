// A screen that lists rows read from the core, again after a sync or a change of language.
// A load failure shows until a load succeeds; a refused action's message (`refused`) shows until
// the next action.

import Foundation
import PerisaiCore

public class ListScreen<Row>: ScreenState, LanguageFollower, SyncFollower {
    unowned let model: AppModel
    public private(set) var rows: [Row] = []
    private let load: (AgentApp, Lang) throws -> [Row]
    private var loadProblem: String?
    private var actionProblem: String?

    init(model: AppModel, load: @escaping (AgentApp, Lang) throws -> [Row]) {
        self.model = model
        self.load = load
        super.init()
        reload()
    }

    /// What went wrong, in the agent's language.
    public var problem: String? { actionProblem ?? loadProblem }

    /// Core: the rows again.
    public func reload() {
        let (load, lang) = (self.load, model.lang)
        model.run({ try load($0, lang) }) { [self] result in
            switch result {
            case let .success(list):
                rows = list
                loadProblem = nil
            case let .failure(error): loadProblem = model.problem(error)
            }
            changed()
        }
    }

    /// An action's outcome: its error shows, a success clears the last one.
    func acted(_ result: Result<Void, Error>) {
        switch result {
        case .success: actionProblem = nil
        case let .failure(error): actionProblem = model.problem(error)
        }
        changed()
    }

    func languageChanged() { reload() }
    func synced() { reload() }
}
