// The app model: the one AgentApp of the app, the language setting, the lock, sync scheduling and
// the screens the agent has open. Created once per process, when the app launches (iOS: by the
// app delegate, before launch ends, so that the background task is registered in time), and
// started once: `start()` registers the background task, watches the network and asks for a
// background run.
//
// Everything here compiles with Foundation alone; the phone's parts come in through `Platform`.
// Core calls block, so every screen makes them on `lanes.core` and shows their results on
// `lanes.main`.

import Foundation
import PerisaiCore

/// A screen the agent can navigate to.
public enum Route: Hashable {
    /// A new enrollment; `n` tells two new forms apart.
    case newEnrollment(Int)
    /// A saved draft, reopened.
    case draft(String)
    /// A correction of a record that has issues or was rejected.
    case correction(String)
    case receipt(String)
    case myEnrollments
    case participants
    case commission
    case cash(String)
    case activation
}

public final class AppModel: ScreenState {
    public static let languageKey = "perisai.language"

    public let platform: Platform
    public let core: AgentApp
    public let lock: LockGate
    public let scheduler: SyncScheduler
    public private(set) lazy var home = HomeScreen(model: self)

    /// The screens' language and the core messages', the agent's choice (else the phone's).
    public private(set) var lang: Lang
    /// The navigation stack under home.
    public private(set) var path: [Route] = []
    private var screens: [Route: ScreenState] = [:]
    private var newForms = 0
    private var started = false

    /// Opens (on first use creates) the sealed store in the platform's data folder.
    public init(platform: Platform) throws {
        self.platform = platform
        try FileManager.default.createDirectory(at: platform.dataDir, withIntermediateDirectories: true)
        let offset = Int32(platform.timeZone.secondsFromGMT() / 60)
        let core = try AgentApp.open(dataDir: platform.dataDir.path, utcOffsetMinutes: offset, keyVault: platform.keyVault)
        self.core = core
        lang = platform.settings.string(forKey: Self.languageKey).flatMap(Lang.init(rawValue:))
            ?? Lang.from(locale: platform.locale)
        lock = LockGate(now: platform.monotonicSeconds)
        let signer = platform.signer
        scheduler = SyncScheduler(
            sync: { cancel in try core.syncCancellable(serverOverride: nil, signer: signer, observer: nil, cancel: cancel) },
            network: platform.network, background: platform.background, lanes: platform.lanes,
            deleteSigningKey: platform.deleteSigningKey
        )
        super.init()
        scheduler.onChange = { [weak self] _ in self?.syncChanged() }
    }

    /// At launch, once: sync scheduling starts (later calls do nothing).
    public func start() {
        guard !started else { return }
        started = true
        scheduler.start()
        home.refresh()
    }

    public var isStarted: Bool { started }

    /// One setting for every screen and every message of the core.
    public func setLanguage(_ new: Lang) {
        guard new != lang else { return }
        lang = new
        platform.settings.set(new.rawValue, forKey: Self.languageKey)
        changed()
        home.refresh()
        for screen in screens.values { (screen as? LanguageFollower)?.languageChanged() }
    }

    /// A word of the screens in the agent's language.
    public func t(_ words: Words) -> String { words.text(lang) }

    // MARK: - core calls

    /// Runs `work` on the core lane and hands its result to `done` on the main lane.
    public func run<T>(_ work: @escaping (AgentApp) throws -> T, done: @escaping (Result<T, Error>) -> Void) {
        let core = self.core
        let main = platform.lanes.main
        platform.lanes.core.async {
            let result = Result { try work(core) }
            main.async { done(result) }
        }
    }

    /// An error as the agent reads it: the core's message, or a general one.
    public func problem(_ error: Error) -> String {
        if let error = error as? PerisaiError { return error.message(lang) }
        return t(ScreenText.unexpected)
    }

    // MARK: - navigation

    /// Opens a screen on top of the stack.
    public func open(_ route: Route) {
        path.append(route)
        changed()
    }

    /// A new, empty enrollment form on top of the stack.
    @discardableResult
    public func openNewEnrollment() -> Route {
        newForms += 1
        let route = Route.newEnrollment(newForms)
        open(route)
        return route
    }

    /// Back one screen.
    public func back() {
        guard !path.isEmpty else { return }
        setPath(Array(path.dropLast()))
    }

    /// The stack as SwiftUI's NavigationStack changes it; screens no longer in it are dropped.
    public func setPath(_ new: [Route]) {
        let leaving = Set(path).subtracting(new)
        for route in leaving { (screens[route] as? EnrollmentScreen)?.saveDraftIfStarted() }
        path = new
        screens = screens.filter { new.contains($0.key) }
        changed()
        home.refresh()
    }

    /// Replaces the top screen (a submitted form becomes its receipt).
    func replaceTop(with route: Route) {
        var new = path
        if !new.isEmpty { new.removeLast() }
        new.append(route)
        setPath(new)
    }

    // MARK: - screens, kept while on the stack (so a relock or a redraw loses nothing)

    public func enrollment(_ route: Route) -> EnrollmentScreen {
        screen(route) {
            switch route {
            case let .draft(id): return EnrollmentScreen(model: self, route: route, draftId: id)
            case let .correction(id): return EnrollmentScreen(model: self, route: route, correcting: id)
            default: return EnrollmentScreen(model: self, route: route)
            }
        }
    }

    public func receipt(_ id: String) -> ReceiptScreen { screen(.receipt(id)) { ReceiptScreen(model: self, id: id) } }
    public func myEnrollments() -> MyEnrollmentsScreen { screen(.myEnrollments) { MyEnrollmentsScreen(model: self) } }
    public func participants() -> ParticipantsScreen { screen(.participants) { ParticipantsScreen(model: self) } }
    public func commission() -> CommissionScreen { screen(.commission) { CommissionScreen(model: self) } }
    public func cash(_ recordId: String) -> CashScreen { screen(.cash(recordId)) { CashScreen(model: self, recordId: recordId) } }
    public func activation() -> ActivationScreen { screen(.activation) { ActivationScreen(model: self) } }

    private func screen<S: ScreenState>(_ route: Route, make: () -> S) -> S {
        if let existing = screens[route] as? S { return existing }
        let made = make()
        screens[route] = made
        return made
    }

    // MARK: - the app's life

    /// The app left the foreground: the screens are covered, a started form is kept as a draft.
    public func didLeaveForeground() {
        lock.left()
        for screen in screens.values { (screen as? EnrollmentScreen)?.saveDraftIfStarted() }
    }

    /// The app is in front again (the lock decides whether to ask for the owner again).
    public func didEnterForeground() {
        lock.returned()
        home.refresh()
    }

    private func syncChanged() {
        home.syncChanged(scheduler.status)
        for screen in screens.values { (screen as? SyncFollower)?.synced() }
    }
}

/// A screen whose words change with the language setting.
protocol LanguageFollower: AnyObject {
    func languageChanged()
}

/// A screen that reloads after a sync (decisions, payment codes, statements came down).
protocol SyncFollower: AnyObject {
    func synced()
}
