// The app's one AgentApp, opened on first use with the platform keys, and the background lane
// every core call runs on (calls block; SwiftUI views never make them on the main thread).

import Foundation
import PerisaiCore

public final class AppModel: ObservableObject, @unchecked Sendable {
    public let vault = KeychainKeyVault()
    public let signer = SecureEnclaveSigner()
    public let lang = Lang.from(locale: Locale.current)
    public lazy var sync = SyncScheduler(app: { [unowned self] in try self.app() }, signer: signer)

    private let lane = DispatchQueue(label: "id.perisai.field.core")
    private var opened: AgentApp?
    private let lock = NSLock()

    public init() {}

    /// Opens (on first use creates) the sealed store in Application Support, excluded from backups.
    public func app() throws -> AgentApp {
        lock.lock(); defer { lock.unlock() }
        if let opened { return opened }
        var dir = try FileManager.default.url(for: .applicationSupportDirectory, in: .userDomainMask, appropriateFor: nil, create: true)
            .appendingPathComponent("perisai", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var values = URLResourceValues()
        values.isExcludedFromBackup = true
        try dir.setResourceValues(values)
        let offset = Int32(TimeZone.current.secondsFromGMT() / 60)
        let app = try AgentApp.open(dataDir: dir.path, utcOffsetMinutes: offset, keyVault: vault)
        opened = app
        return app
    }

    /// Runs a core call off the main thread and hands the result back on it.
    public func run<T>(_ work: @escaping (AgentApp) throws -> T, done: @escaping (Result<T, Error>) -> Void) {
        lane.async {
            let result = Result { try work(try self.app()) }
            DispatchQueue.main.async { done(result) }
        }
    }
}
