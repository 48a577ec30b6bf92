// The device's P-256 signing key in the Secure Enclave: it never leaves the chip. The core asks
// it for the public key (65-byte uncompressed point, as SecKeyCopyExternalRepresentation gives)
// and for DER ECDSA-SHA256 signatures (.ecdsaSignatureMessageX962SHA256 hashes and DER-encodes),
// exactly the protocol's encodings: `checkDeviceSigner(signer:)` proves it in the app's tests.

import Foundation
import PerisaiCore
import Security

public final class SecureEnclaveSigner: DeviceSigner, @unchecked Sendable {
    private let tag: Data
    private let lock = NSLock()

    public init(tag: String = "id.perisai.field.device.signing") {
        self.tag = Data(tag.utf8)
    }

    public func publicKey() throws -> Data {
        let key = try privateKey()
        guard let pub = SecKeyCopyPublicKey(key) else { throw failure("se.public_key") }
        var error: Unmanaged<CFError>?
        guard let bytes = SecKeyCopyExternalRepresentation(pub, &error) as Data?, bytes.count == 65 else {
            throw failure("se.public_key")
        }
        return bytes
    }

    public func sign(message: Data) throws -> Data {
        let key = try privateKey()
        var error: Unmanaged<CFError>?
        guard let signature = SecKeyCreateSignature(key, .ecdsaSignatureMessageX962SHA256, message as CFData, &error) as Data? else {
            throw failure("se.sign")
        }
        return signature
    }

    /// After the server revoked this device (the core already erased its data).
    public func delete() {
        lock.lock(); defer { lock.unlock() }
        SecItemDelete([kSecClass: kSecClassKey, kSecAttrApplicationTag: tag] as CFDictionary)
    }

    private func privateKey() throws -> SecKey {
        lock.lock(); defer { lock.unlock() }
        let query: [CFString: Any] = [
            kSecClass: kSecClassKey,
            kSecAttrApplicationTag: tag,
            kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom,
            kSecReturnRef: true,
        ]
        var item: CFTypeRef?
        if SecItemCopyMatching(query as CFDictionary, &item) == errSecSuccess, let found = item {
            return found as! SecKey // swiftlint:disable:this force_cast (kSecReturnRef gives a SecKey)
        }
        return try create()
    }

    private func create() throws -> SecKey {
        var error: Unmanaged<CFError>?
        guard let access = SecAccessControlCreateWithFlags(
            nil, kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly, .privateKeyUsage, &error
        ) else { throw failure("se.access") }
        var attributes: [CFString: Any] = [
            kSecAttrKeyType: kSecAttrKeyTypeECSECPrimeRandom,
            kSecAttrKeySizeInBits: 256,
            kSecPrivateKeyAttrs: [
                kSecAttrIsPermanent: true,
                kSecAttrApplicationTag: tag,
                kSecAttrAccessControl: access,
            ] as [CFString: Any],
        ]
        #if !targetEnvironment(simulator)
        attributes[kSecAttrTokenID] = kSecAttrTokenIDSecureEnclave
        #endif
        guard let key = SecKeyCreateRandomKey(attributes as CFDictionary, &error) else {
            throw failure("se.create")
        }
        return key
    }

    private func failure(_ code: String) -> PerisaiError {
        .Failed(
            code: code,
            messageId: "Kunci tanda tangan perangkat tidak dapat dipakai.",
            messageEn: "The device signing key cannot be used.",
            field: nil
        )
    }
}
