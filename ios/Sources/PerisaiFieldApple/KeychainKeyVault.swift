// The KeyVault of the iOS app: the store's 32-byte data key is wrapped with AES-256-GCM under a
// key kept in the Keychain (this device only, after first unlock, never synced to iCloud and
// never in a backup that could be restored elsewhere). `unwrapKey` fails for bytes it did not
// wrap, and the core then opens nothing (`store.key`).

import CryptoKit
import Foundation
import PerisaiCore
import Security

public final class KeychainKeyVault: KeyVault, @unchecked Sendable {
    private let account: String
    private let lock = NSLock()
    private static let service = "id.perisai.field.store-wrap"

    public init(account: String = "data-key-wrap") {
        self.account = account
    }

    public func wrapKey(key: Data) throws -> Data {
        do {
            let sealed = try AES.GCM.seal(key, using: try wrappingKey(), authenticating: Self.aad)
            guard let combined = sealed.combined else { throw failure("keystore.wrap") }
            return Data([1]) + combined
        } catch let error as PerisaiError {
            throw error
        } catch {
            throw failure("keystore.wrap")
        }
    }

    public func unwrapKey(wrapped: Data) throws -> Data {
        guard wrapped.first == 1 else { throw failure("keystore.unwrap") }
        do {
            let box = try AES.GCM.SealedBox(combined: wrapped.dropFirst())
            return try AES.GCM.open(box, using: try wrappingKey(), authenticating: Self.aad)
        } catch {
            throw failure("keystore.unwrap")
        }
    }

    private static let aad = Data("perisai/keyvault/v1".utf8)

    private func wrappingKey() throws -> SymmetricKey {
        lock.lock(); defer { lock.unlock() }
        let query: [CFString: Any] = [
            kSecClass: kSecClassGenericPassword,
            kSecAttrService: Self.service,
            kSecAttrAccount: account,
            kSecReturnData: true,
        ]
        var item: CFTypeRef?
        if SecItemCopyMatching(query as CFDictionary, &item) == errSecSuccess, let data = item as? Data {
            return SymmetricKey(data: data)
        }
        let key = SymmetricKey(size: .bits256)
        let bytes = key.withUnsafeBytes { Data($0) }
        let add: [CFString: Any] = [
            kSecClass: kSecClassGenericPassword,
            kSecAttrService: Self.service,
            kSecAttrAccount: account,
            kSecAttrAccessible: kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly,
            kSecAttrSynchronizable: false,
            kSecValueData: bytes,
        ]
        guard SecItemAdd(add as CFDictionary, nil) == errSecSuccess else { throw failure("keystore.wrap") }
        return key
    }

    private func failure(_ code: String) -> PerisaiError {
        .Failed(code: code, messageId: "Kunci perangkat tidak dapat dipakai.", messageEn: "The device key cannot be used.", field: nil)
    }
}
