// What the app needs from the phone, as small protocols, so that everything else (the app model,
// every screen's state and actions, sync scheduling) compiles and is tested on any platform with
// Foundation. The iOS implementations are in PerisaiFieldApple (Keychain, Secure Enclave,
// BGTaskScheduler, NWPathMonitor, Core Location); the Linux tests use the core's own software
// vault and signer and drive the network and background-task protocols themselves.

import Foundation
import PerisaiCore

/// Whether a network path is there (iOS: NWPathMonitor).
public protocol NetworkWatch: AnyObject {
    /// Now, as last seen.
    var isOnline: Bool { get }
    /// Starts watching; `changed` is called with every new state, on any thread.
    func start(changed: @escaping (Bool) -> Void)
}

/// One run the system granted in the background (iOS: a BGProcessingTask).
public protocol BackgroundRun: AnyObject {
    /// Called by the system when the time is up.
    var expirationHandler: (() -> Void)? { get set }
    /// Must be called exactly once, whatever happened.
    func setTaskCompleted(success: Bool)
}

/// Background runs (iOS: BGTaskScheduler).
public protocol BackgroundRuns: AnyObject {
    /// Registers the handler of `identifier`; false when the system refused it (on iOS: not in
    /// Info.plist's BGTaskSchedulerPermittedIdentifiers, or registered after launch).
    func register(identifier: String, handler: @escaping (BackgroundRun) -> Void) -> Bool
    /// Asks for a run with a network, no sooner than `earliest`.
    func submit(identifier: String, earliest: Date) throws
}

/// A position fix (iOS: Core Location).
public struct LocationFix: Equatable, Sendable {
    public let lat: Double
    public let lon: Double
    /// Radius of 68% confidence, in metres.
    public let accuracyM: Double
    /// When the device measured it.
    public let takenAt: Date

    public init(lat: Double, lon: Double, accuracyM: Double, takenAt: Date) {
        self.lat = lat
        self.lon = lon
        self.accuracyM = accuracyM
        self.takenAt = takenAt
    }
}

public enum LocationProblem: Error, Equatable {
    /// The agent refused location access (Settings can change it).
    case denied
    /// No fix came in time (indoors, no sky).
    case unavailable
}

/// Asks the phone for a position now (iOS: CLLocationManager.requestLocation).
public protocol LocationSource: AnyObject {
    func requestFix(_ done: @escaping (Result<LocationFix, LocationProblem>) -> Void)
}

/// Where the app keeps its few settings (iOS and Linux: UserDefaults).
public protocol SettingsStore: AnyObject {
    func string(forKey key: String) -> String?
    func set(_ value: String?, forKey key: String)
}

extension UserDefaults: SettingsStore {
    public func set(_ value: String?, forKey key: String) {
        if let value { set(value as Any?, forKey: key) } else { removeObject(forKey: key) }
    }
}

/// Everything the app model takes from the phone.
public struct Platform {
    /// The sealed store's folder (iOS: Application Support, excluded from backups).
    public let dataDir: URL
    /// Wraps the store's data key (iOS: Keychain; tests: the core's software vault).
    public let keyVault: KeyVault
    /// The device's P-256 key (iOS: Secure Enclave; tests: the core's software signer).
    public let signer: DeviceSigner
    /// Called after the server revoked this device: delete the signing key.
    public let deleteSigningKey: () -> Void
    public let network: NetworkWatch
    public let background: BackgroundRuns
    public let location: LocationSource
    public let settings: SettingsStore
    /// The phone's language, when the agent chose none.
    public let locale: Locale
    /// The agent's time zone.
    public let timeZone: TimeZone
    /// Seconds on a clock that never goes back (iOS: ProcessInfo.systemUptime), for the lock.
    public let monotonicSeconds: () -> TimeInterval
    /// Where core calls and syncs run (iOS: background queues, answers on the main queue).
    public let lanes: Lanes

    public init(dataDir: URL, keyVault: KeyVault, signer: DeviceSigner, deleteSigningKey: @escaping () -> Void,
                network: NetworkWatch, background: BackgroundRuns, location: LocationSource,
                settings: SettingsStore, locale: Locale = .current, timeZone: TimeZone = .current,
                monotonicSeconds: @escaping () -> TimeInterval = { ProcessInfo.processInfo.systemUptime },
                lanes: Lanes = .dispatch()) {
        self.dataDir = dataDir
        self.keyVault = keyVault
        self.signer = signer
        self.deleteSigningKey = deleteSigningKey
        self.network = network
        self.background = background
        self.location = location
        self.settings = settings
        self.locale = locale
        self.timeZone = timeZone
        self.monotonicSeconds = monotonicSeconds
        self.lanes = lanes
    }
}
