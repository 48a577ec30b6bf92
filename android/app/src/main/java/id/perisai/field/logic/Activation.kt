package id.perisai.field.logic

import id.perisai.ffi.ActivationTarget
import id.perisai.ffi.activationFromQr
import id.perisai.ffi.activationTyped

/**
 * What activating this device needs: the server, the one-time code, and the server key's
 * fingerprint, read from the branch's QR code (`perisai:activate?server=…&code=…&fp=…`, printed
 * by `perisai-server admin issue-code --server-url`) or typed by the agent.
 *
 * Reading both is the core's (`activationFromQr`, `activationTyped`): the iOS app reads the same
 * QR codes the same way. The code's check character, the proof of possession signed by the device
 * key and the fingerprint check are the core's too (`AgentApp.activate`).
 */
data class ActivationRequest(val serverUrl: String, val code: String, val fingerprint: String?) {

    companion object {
        /** The QR payload, or null when the QR is not a Perisai activation. */
        fun fromQr(payload: String): ActivationRequest? = activationFromQr(payload)?.toRequest()

        /** Typed by the agent: the branch tells the server address with the code. */
        fun typed(serverUrl: String, code: String): ActivationRequest? =
            activationTyped(serverUrl, code)?.toRequest()

        private fun ActivationTarget.toRequest() = ActivationRequest(serverUrl, code, fingerprint)
    }
}
