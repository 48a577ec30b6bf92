// Run on a Mac (`swift test` after ios/build-xcframework.sh) or in the simulator: the Keychain
// and the Secure Enclave exist only there. Linux runs PerisaiFieldKitTests.

import Foundation
import PerisaiCore
@testable import PerisaiFieldApple
import XCTest

final class KeysTests: XCTestCase {
    func testTheSecureEnclaveSignerSpeaksTheProtocolEncodings() throws {
        let signer = SecureEnclaveSigner(tag: "test.\(UUID().uuidString)")
        defer { signer.delete() }
        XCTAssertEqual(try signer.publicKey().count, 65)
        XCTAssertTrue(try checkDeviceSigner(signer: signer))
    }

    func testTheKeychainVaultOpensTheSealedStore() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString)
        defer { try? FileManager.default.removeItem(at: dir) }
        let vault = KeychainKeyVault(account: "test.\(UUID().uuidString)")
        let app = try AgentApp.open(dataDir: dir.path, utcOffsetMinutes: 420, keyVault: vault)
        XCTAssertEqual(try app.queueStatus()["queued"], 0)
        XCTAssertThrowsError(try vault.unwrapKey(wrapped: Data([1, 2, 3])))
    }
}
