// "Aktivasi perangkat": the branch's QR code (server, code and the server key's fingerprint) or
// typed values, handed to the core, which checks the fingerprint and binds the device key.

import Foundation
import PerisaiCore

public final class ActivationScreen: ScreenState {
    private unowned let model: AppModel
    public var server = "" { didSet { changed() } }
    public var code = "" { didSet { changed() } }
    /// From the scanned QR code: the server's key must have this fingerprint.
    public private(set) var fingerprint: String?
    public private(set) var message: String?
    public private(set) var activated: Activated?
    public private(set) var busy = false

    init(model: AppModel) {
        self.model = model
    }

    /// The camera read a QR code: a Perisai activation fills the screen and activates at once.
    public func scanned(_ payload: String) {
        guard let request = ActivationRequest.fromQR(payload) else {
            message = model.t(ScreenText.notActivationQR)
            changed()
            return
        }
        server = request.serverUrl
        code = request.code
        fingerprint = request.fingerprint
        activate(request)
    }

    /// "Aktifkan" with what was typed.
    public func activateTyped() {
        guard let request = ActivationRequest.typed(serverUrl: server, code: code) else {
            message = model.t(ScreenText.activationIncomplete)
            changed()
            return
        }
        activate(request)
    }

    private func activate(_ request: ActivationRequest) {
        guard !busy else { return }
        busy = true
        message = nil
        changed()
        let signer = model.platform.signer
        model.run({ try $0.activate(serverUrl: request.serverUrl, code: request.code,
                                    fingerprint: request.fingerprint, signer: signer) }) { [self] result in
            busy = false
            switch result {
            case let .success(done):
                activated = done
                message = ScreenText.activated(agent: done.agentId, branch: done.branch).text(model.lang)
                model.home.refresh()
                // What was enrolled before activation goes now.
                model.scheduler.sendNow()
            case let .failure(error):
                message = model.problem(error)
            }
            changed()
        }
    }
}
