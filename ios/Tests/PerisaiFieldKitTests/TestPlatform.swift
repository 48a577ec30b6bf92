// The phone as the Linux tests give it to the app model: the core's own software key vault and
// signer (real implementations, keys in files), and stand-ins for what only an iPhone has, driven
// by the tests: the network path (NWPathMonitor), background runs (BGTaskScheduler), the position
// (Core Location), a settings store and a monotonic clock.

import Foundation
import PerisaiCore
@testable import PerisaiFieldKit

/// A network the test switches on and off.
final class SwitchedNetwork: NetworkWatch {
    private(set) var isOnline: Bool
    private var changed: ((Bool) -> Void)?
    private(set) var watching = 0

    init(online: Bool) { isOnline = online }

    func start(changed: @escaping (Bool) -> Void) {
        watching += 1
        self.changed = changed
    }

    func set(online: Bool) {
        isOnline = online
        changed?(online)
    }
}

/// One background run the test plays the system for.
final class GrantedRun: BackgroundRun {
    var expirationHandler: (() -> Void)?
    private(set) var completions: [Bool] = []

    func setTaskCompleted(success: Bool) { completions.append(success) }
}

/// The system's background scheduler: keeps the registered handler and the requests.
final class BackgroundSystem: BackgroundRuns {
    private(set) var handlers: [String: (BackgroundRun) -> Void] = [:]
    private(set) var registrations = 0
    private(set) var requests: [(String, Date)] = []
    /// What iOS does when the identifier is not in Info.plist.
    var refuses = false

    func register(identifier: String, handler: @escaping (BackgroundRun) -> Void) -> Bool {
        registrations += 1
        if refuses { return false }
        handlers[identifier] = handler
        return true
    }

    func submit(identifier: String, earliest: Date) throws {
        requests.append((identifier, earliest))
    }

    /// The system grants a run of `identifier`.
    @discardableResult
    func grant(_ identifier: String = SyncScheduler.taskIdentifier) -> GrantedRun? {
        guard let handler = handlers[identifier] else { return nil }
        let run = GrantedRun()
        handler(run)
        return run
    }
}

/// Answers a position request with what the test says.
final class GivenLocation: LocationSource {
    var answer: Result<LocationFix, LocationProblem> = .failure(.unavailable)
    private(set) var requests = 0

    func requestFix(_ done: @escaping (Result<LocationFix, LocationProblem>) -> Void) {
        requests += 1
        done(answer)
    }
}

final class MemorySettings: SettingsStore {
    private var values: [String: String] = [:]
    func string(forKey key: String) -> String? { values[key] }
    func set(_ value: String?, forKey key: String) { values[key] = value }
}

/// A monotonic clock the test moves.
final class TestClock {
    var seconds: TimeInterval = 1000
}

/// A device: its folder (store, vault key, signing key) and the stand-ins, reused when the test
/// "restarts the app" with a new app model over the same folder.
final class TestDevice {
    let dir: URL
    let network: SwitchedNetwork
    let background = BackgroundSystem()
    let location = GivenLocation()
    let settings = MemorySettings()
    let clock = TestClock()
    let signer: DeviceSigner
    private(set) var signingKeyDeleted = false

    init(online: Bool = true) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("perisai-ios-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        network = SwitchedNetwork(online: online)
        signer = try softwareSigner(path: dir.appendingPathComponent("signing.key").path)
    }

    func platform(locale: Locale = Locale(identifier: "id_ID"), lanes: Lanes = .inline) throws -> Platform {
        Platform(
            dataDir: dir.appendingPathComponent("data"),
            keyVault: try softwareKeyVault(path: dir.appendingPathComponent("vault.key").path),
            signer: signer,
            deleteSigningKey: { [weak self] in self?.signingKeyDeleted = true },
            network: network, background: background, location: location, settings: settings,
            locale: locale, timeZone: TimeZone(secondsFromGMT: 7 * 3600)!,
            monotonicSeconds: { [clock] in clock.seconds }, lanes: lanes
        )
    }

    /// A new app model over this device, as the app creates it at launch.
    func launch(locale: Locale = Locale(identifier: "id_ID")) throws -> AppModel {
        let model = try AppModel(platform: try platform(locale: locale))
        model.start()
        return model
    }

    func remove() { try? FileManager.default.removeItem(at: dir) }
}

/// Siti Aminah, trader at Pasar Anyar: valid on any day between her 18th and 65th birthdays.
let sitiValues: [(String, String)] = [
    ("nik", "3201155501900002"), ("full_name", "Siti Aminah"), ("birth_place", "Bogor"),
    ("birth_date", "1990-01-15"), ("phone", "0812 3456 7890"), ("address", "Pasar Anyar Blok C No. 12, Bogor"),
    ("monthly_income", "2.000.000"),
]

/// Fills a form screen as an agent would: typed fields, then the choices by the start of their
/// Indonesian labels.
func fill(_ screen: EnrollmentScreen, _ values: [(String, String)], sex: String? = "Perempuan",
          occupation: String? = "Pedagang", programs: String? = "JKK + JKM (", months: String? = "3 bulan", consent: Bool = true) {
    for (key, value) in values { screen.setText(key, value) }
    func pick(_ key: String, _ label: String?) {
        guard let label, let field = screen.fields.first(where: { $0.key == key }) else { return }
        if let i = field.options.firstIndex(where: { $0.hasPrefix(label) }) { screen.select(key, i) }
    }
    pick("sex", sex)
    pick("occupation", occupation)
    pick("programs", programs)
    pick("payment_months", months)
    if consent { screen.setChecked("consent", true) }
}
