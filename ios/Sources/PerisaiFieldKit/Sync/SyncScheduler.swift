// Background sync on iOS: BGTaskScheduler runs it when the system allows (with a network), and
// NWPathMonitor runs it as soon as a usable path appears after the agent tapped "Kirim" while
// offline. The sync itself is one core call (batching, signing, retries, acknowledgements).

import BackgroundTasks
import Foundation
import Network
import PerisaiCore

public final class SyncScheduler: @unchecked Sendable {
    public static let taskIdentifier = "id.perisai.field.sync"

    private let app: () throws -> AgentApp
    private let signer: DeviceSigner
    private let monitor = NWPathMonitor()
    private let queue = DispatchQueue(label: "id.perisai.field.sync")
    private var pending = false
    private var running = false
    /// Called on the sync queue after each sync, with its error if it failed (home refreshes).
    public var onFinished: ((PerisaiError?) -> Void)?

    public init(app: @escaping () throws -> AgentApp, signer: DeviceSigner) {
        self.app = app
        self.signer = signer
    }

    /// At launch: registers the background task and starts watching the network.
    public func start() {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: Self.taskIdentifier, using: queue) { [weak self] task in
            guard let self, let task = task as? BGProcessingTask else { return }
            self.handle(task)
        }
        monitor.pathUpdateHandler = { [weak self] path in
            guard let self, path.status == .satisfied else { return }
            self.queue.async { if self.pending { self.runNow() } }
        }
        monitor.start(queue: queue)
        scheduleBackground()
    }

    /// The agent tapped "Kirim": now if the network is there, else when it comes back.
    public func sendNow() {
        queue.async {
            if self.monitor.currentPath.status == .satisfied {
                self.runNow()
            } else {
                self.pending = true
            }
        }
    }

    /// Asks iOS for a background run with a network, no sooner than in an hour.
    public func scheduleBackground() {
        let request = BGProcessingTaskRequest(identifier: Self.taskIdentifier)
        request.requiresNetworkConnectivity = true
        request.earliestBeginDate = Date(timeIntervalSinceNow: 3600)
        try? BGTaskScheduler.shared.submit(request)
    }

    private func handle(_ task: BGProcessingTask) {
        scheduleBackground()
        task.expirationHandler = { [weak self] in self?.pending = true }
        let ok = sync()
        task.setTaskCompleted(success: ok)
    }

    private func runNow() {
        pending = false
        if !sync() { pending = true }
    }

    /// One sync; false when it should be tried again later (no network, server busy).
    @discardableResult
    private func sync() -> Bool {
        guard !running else { return true }
        running = true
        defer { running = false }
        do {
            let core = try app()
            _ = try core.sync(serverOverride: nil, signer: signer, observer: nil)
            onFinished?(nil)
            return true
        } catch let error as PerisaiError {
            onFinished?(error)
            if error.code == "device.revoked", let se = signer as? SecureEnclaveSigner { se.delete() }
            return error.code != "sync.network"
        } catch {
            return false
        }
    }
}
