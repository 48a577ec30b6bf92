// The app model's Platform on an iPhone: the store in Application Support (excluded from
// backups), the Keychain-wrapped data key, the Secure Enclave signer, NWPathMonitor,
// BGTaskScheduler, Core Location and UserDefaults.

import Foundation
import PerisaiFieldKit

public enum PhonePlatform {
    public static func make() throws -> Platform {
        var dir = try FileManager.default.url(for: .applicationSupportDirectory, in: .userDomainMask,
                                              appropriateFor: nil, create: true)
            .appendingPathComponent("perisai", isDirectory: true)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var values = URLResourceValues()
        values.isExcludedFromBackup = true
        try dir.setResourceValues(values)
        let signer = SecureEnclaveSigner()
        return Platform(
            dataDir: dir, keyVault: KeychainKeyVault(), signer: signer, deleteSigningKey: { signer.delete() },
            network: PathWatch(), background: SystemBackgroundRuns(), location: FreshLocation(),
            settings: UserDefaults.standard
        )
    }
}
