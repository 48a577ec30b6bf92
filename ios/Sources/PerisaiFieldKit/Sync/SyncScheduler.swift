// When the device syncs, and what an outcome means for the next try. The sync itself is one core
// call (batching, signing, retries within the call, acknowledgements, downsync); this decides when
// to make it:
// - "Kirim" (or a saved enrollment) with a network: now; without one: as soon as a path appears;
// - in the background, when iOS grants a run (BGProcessingTask, network required), at most hourly;
// - a run the system ends early is completed at once (never left open), its sync is cancelled
//   (the core stops at its next check, at once while it waits to retry; nothing unsent is lost)
//   and tried again later.
// Every run the system grants is completed exactly once, whatever happens.

import Foundation
import PerisaiCore

public enum SyncStatus: Equatable {
    case idle
    /// "Kirim" was tapped without a network: the sync starts when a path appears.
    case waitingForNetwork
    case running
    case done(SyncReport)
    /// No link, the server asked to wait, or the system ended the run (`sync.cancelled`): tried
    /// again when the network comes back, and in the background.
    case retryLater(code: String, message: Message)
    /// Retrying cannot help (not activated, suspended, fork…): the agent or the branch must act.
    case stopped(code: String, message: Message)
    /// The server revoked this device: the core erased its data; the signing key is deleted.
    case revoked(message: Message)
}

public final class SyncScheduler {
    public static let taskIdentifier = "id.perisai.field.sync"
    /// How long iOS waits at least before a background run.
    public static let backgroundInterval: TimeInterval = 3600
    /// Codes the core documents as "try again later".
    static let retryCodes: Set<String> = ["sync.network", "sync.cancelled"]

    private let syncCall: (SyncCancel) throws -> SyncReport
    private let network: NetworkWatch
    private let background: BackgroundRuns
    private let lanes: Lanes
    private let deleteSigningKey: () -> Void
    private let now: () -> Date
    private let lock = NSLock()
    private var started = false
    private var pending = false
    private var running = false
    private var registered = false
    private var current: SyncStatus = .idle

    /// Told on the main lane after every change of `status`.
    public var onChange: ((SyncStatus) -> Void)?

    /// `sync` makes one core sync that `cancel.cancel()` stops from another thread
    /// (`AgentApp.syncCancellable`).
    public init(sync: @escaping (_ cancel: SyncCancel) throws -> SyncReport, network: NetworkWatch, background: BackgroundRuns,
                lanes: Lanes, deleteSigningKey: @escaping () -> Void, now: @escaping () -> Date = Date.init) {
        syncCall = sync
        self.network = network
        self.background = background
        self.lanes = lanes
        self.deleteSigningKey = deleteSigningKey
        self.now = now
    }

    public var status: SyncStatus { locked { current } }
    /// A sync waits for the network (or for a later try).
    public var isPending: Bool { locked { pending } }
    /// The background task's handler is registered with the system.
    public var isRegistered: Bool { locked { registered } }

    /// At launch, once (later calls do nothing): registers the background task, starts watching
    /// the network and asks for a background run. iOS wants the registration before launch ends.
    public func start() {
        let first: Bool = locked {
            defer { started = true }
            return !started
        }
        guard first else { return }
        let ok = background.register(identifier: Self.taskIdentifier) { [self] run in
            // Strongly held: the scheduler lives as long as the app model.
            self.handle(run)
        }
        locked { registered = ok }
        network.start { [self] online in
            guard online else { return }
            self.lanes.sync.async {
                if self.isPending { self.runNow() }
            }
        }
        scheduleBackground()
    }

    /// The agent tapped "Kirim", or saved an enrollment: now if a network is there, else as soon
    /// as one appears.
    public func sendNow() {
        lanes.sync.async { [self] in
            if self.network.isOnline {
                self.runNow()
            } else {
                self.locked { self.pending = true }
                self.publish(.waitingForNetwork)
            }
        }
    }

    /// Asks the system for a background run with a network, no sooner than the interval.
    public func scheduleBackground() {
        try? background.submit(identifier: Self.taskIdentifier, earliest: now().addingTimeInterval(Self.backgroundInterval))
    }

    /// A background run: one sync, then the run is completed; if the system ends it first, the
    /// run's sync is cancelled (it stops at its next check; what was not acknowledged stays
    /// queued), the run is completed then (unsuccessful) and the sync is tried again later.
    func handle(_ run: BackgroundRun) {
        scheduleBackground()
        let completion = CompleteOnce(run)
        let cancel = SyncCancel()
        run.expirationHandler = { [self] in
            self.locked { self.pending = true }
            cancel.cancel()
            completion.complete(success: false)
        }
        lanes.sync.async { [self] in
            let ok = self.runNow(cancel: cancel)
            completion.complete(success: ok)
        }
    }

    /// One sync, stopped early by `cancel`; false when it should be tried again later.
    @discardableResult
    private func runNow(cancel: SyncCancel = SyncCancel()) -> Bool {
        let go: Bool = locked {
            if running { return false }
            running = true
            pending = false
            return true
        }
        // One already runs: it sends what this one would have.
        guard go else { return true }
        publish(.running)
        let outcome: SyncStatus
        do {
            outcome = .done(try syncCall(cancel))
        } catch let error as PerisaiError {
            let message = Message(id: error.message(.id), en: error.message(.en))
            if Self.retryCodes.contains(error.code) {
                outcome = .retryLater(code: error.code, message: message)
            } else if error.code == "device.revoked" {
                deleteSigningKey()
                outcome = .revoked(message: message)
            } else {
                outcome = .stopped(code: error.code, message: message)
            }
        } catch {
            outcome = .retryLater(code: "platform.unexpected",
                                  message: Message(id: "Gagal mengirim. Dicoba lagi nanti.", en: "Sending failed. It will be tried again."))
        }
        let again: Bool
        if case .retryLater = outcome { again = true } else { again = false }
        locked {
            running = false
            if again { pending = true }
        }
        publish(outcome)
        return !again
    }

    private func publish(_ status: SyncStatus) {
        locked { current = status }
        lanes.main.async { [self] in self.onChange?(status) }
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }
}

/// A background run's completion, made exactly once (the expiration and the end of the sync may
/// both try).
final class CompleteOnce {
    private let run: BackgroundRun
    private let lock = NSLock()
    private var done = false

    init(_ run: BackgroundRun) { self.run = run }

    func complete(success: Bool) {
        lock.lock()
        let first = !done
        done = true
        lock.unlock()
        if first { run.setTaskCompleted(success: success) }
    }
}
