// What activating this device needs: the server, the one-time code, and the server key's
// fingerprint, read from the branch's QR code (`perisai:activate?server=…&code=…&fp=…`, printed by
// `perisai-server admin issue-code --server-url`) or typed by the agent.
//
// Reading both is the core's (`activationFromQr`, `activationTyped`): the Android app reads the same
// QR codes the same way. The code's check character, the proof of possession signed by the device
// key and the fingerprint check (the server's key must match the QR's, else nothing is stored) are
// the core's `activate`.

import Foundation
import PerisaiCore

public struct ActivationRequest: Equatable {
    public let serverUrl: String
    public let code: String
    /// From the QR code; nil when typed (the core then trusts the key on first use over TLS or
    /// loopback only).
    public let fingerprint: String?

    public init(serverUrl: String, code: String, fingerprint: String?) {
        self.serverUrl = serverUrl
        self.code = code
        self.fingerprint = fingerprint
    }

    /// The QR payload, or nil when the QR is not a Perisai activation.
    public static func fromQR(_ payload: String) -> ActivationRequest? {
        activationFromQr(payload: payload).map(ActivationRequest.init(target:))
    }

    /// Typed by the agent: the branch tells the server address with the code.
    public static func typed(serverUrl: String, code: String) -> ActivationRequest? {
        activationTyped(serverUrl: serverUrl, code: code).map(ActivationRequest.init(target:))
    }

    private init(target: ActivationTarget) {
        self.init(serverUrl: target.serverUrl, code: target.code, fingerprint: target.fingerprint)
    }
}
