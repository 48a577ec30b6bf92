// The iOS side of sync scheduling: NWPathMonitor for the network path, BGTaskScheduler for
// background runs. The decisions are PerisaiFieldKit's SyncScheduler (tested on Linux).

#if canImport(BackgroundTasks)
import BackgroundTasks
#endif
import Foundation
import Network
import PerisaiFieldKit

/// NWPathMonitor: online when a path is satisfied.
public final class PathWatch: NetworkWatch {
    private let monitor = NWPathMonitor()
    private let queue = DispatchQueue(label: "id.perisai.field.path")
    private let lock = NSLock()
    private var online = false

    public init() {}

    public var isOnline: Bool {
        lock.lock(); defer { lock.unlock() }
        return online
    }

    public func start(changed: @escaping (Bool) -> Void) {
        monitor.pathUpdateHandler = { [weak self] path in
            guard let self else { return }
            let now = path.status == .satisfied
            self.lock.lock()
            self.online = now
            self.lock.unlock()
            changed(now)
        }
        monitor.start(queue: queue)
    }
}

#if canImport(BackgroundTasks) && os(iOS)
/// A BGProcessingTask as the scheduler sees it.
final class SystemRun: BackgroundRun {
    private let task: BGTask

    init(_ task: BGTask) { self.task = task }

    var expirationHandler: (() -> Void)? {
        get { task.expirationHandler }
        set { task.expirationHandler = newValue }
    }

    func setTaskCompleted(success: Bool) { task.setTaskCompleted(success: success) }
}

/// BGTaskScheduler: processing tasks that need a network. The identifier must be listed in
/// Info.plist's BGTaskSchedulerPermittedIdentifiers (project.yml owns it).
public final class SystemBackgroundRuns: BackgroundRuns {
    public init() {}

    public func register(identifier: String, handler: @escaping (BackgroundRun) -> Void) -> Bool {
        BGTaskScheduler.shared.register(forTaskWithIdentifier: identifier, using: nil) { task in
            // Every task handed over is completed by the scheduler, whatever its type.
            handler(SystemRun(task))
        }
    }

    public func submit(identifier: String, earliest: Date) throws {
        let request = BGProcessingTaskRequest(identifier: identifier)
        request.requiresNetworkConnectivity = true
        request.earliestBeginDate = earliest
        try BGTaskScheduler.shared.submit(request)
    }
}
#else
/// macOS hosts (`swift test` on a Mac): no background runs.
public final class SystemBackgroundRuns: BackgroundRuns {
    public init() {}
    public func register(identifier: String, handler: @escaping (BackgroundRun) -> Void) -> Bool { false }
    public func submit(identifier: String, earliest: Date) throws {}
}
#endif
