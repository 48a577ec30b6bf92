// What activating this device needs: the server, the one-time code, and the server key's
// fingerprint, read from the branch's QR code (`perisai:activate?server=…&code=…&fp=…`, printed by
// `perisai-server admin issue-code --server-url`) or typed by the agent.
//
// Only the shape is read here. The code's check character, the proof of possession signed by the
// device key and the fingerprint check (the server's key must match the QR's, else nothing is
// stored) are the core's `activate`.

import Foundation

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
        let text = payload.trimmingCharacters(in: .whitespacesAndNewlines)
        let prefix = "perisai:activate?"
        guard text.hasPrefix(prefix) else { return nil }
        var components = URLComponents()
        components.percentEncodedQuery = String(text.dropFirst(prefix.count))
        var params: [String: String] = [:]
        for item in components.queryItems ?? [] where !item.name.isEmpty {
            params[item.name] = item.value ?? ""
        }
        guard let server = params["server"], isHTTP(server),
              let code = params["code"]?.trimmingCharacters(in: .whitespaces), !code.isEmpty else { return nil }
        let fp = params["fp"]?.trimmingCharacters(in: .whitespaces)
        return ActivationRequest(serverUrl: server, code: code, fingerprint: fp?.isEmpty == false ? fp : nil)
    }

    /// Typed by the agent: the branch tells the server address with the code.
    public static func typed(serverUrl: String, code: String) -> ActivationRequest? {
        var url = serverUrl.trimmingCharacters(in: .whitespaces)
        while url.hasSuffix("/") { url.removeLast() }
        let code = code.trimmingCharacters(in: .whitespaces)
        guard isHTTP(url), !code.isEmpty else { return nil }
        return ActivationRequest(serverUrl: url, code: code, fingerprint: nil)
    }

    private static func isHTTP(_ url: String) -> Bool {
        url.hasPrefix("https://") || url.hasPrefix("http://")
    }
}
