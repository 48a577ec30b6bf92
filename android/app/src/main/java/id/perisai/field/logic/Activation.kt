package id.perisai.field.logic

import java.net.URI
import java.net.URLDecoder

/**
 * What activating this device needs: the server, the one-time code, and the server key's
 * fingerprint, read from the branch's QR code (`perisai:activate?server=…&code=…&fp=…`, printed
 * by `perisai-server admin issue-code --server-url`) or typed by the agent.
 *
 * Only the shape is read here. The code's check character, the proof of possession signed by the
 * device key and the fingerprint check are the core's (`AgentApp.activate`).
 */
data class ActivationRequest(val serverUrl: String, val code: String, val fingerprint: String?) {

    companion object {
        private const val SCHEME = "perisai"

        /** The QR payload, or null when the QR is not a Perisai activation. */
        fun fromQr(payload: String): ActivationRequest? {
            val uri = try {
                URI(payload.trim())
            } catch (e: Exception) {
                return null
            }
            if (uri.scheme != SCHEME || !uri.schemeSpecificPart.startsWith("activate?")) return null
            val query = uri.schemeSpecificPart.substringAfter('?')
            val params = query.split('&').mapNotNull {
                val k = it.substringBefore('=', "")
                if (k.isEmpty()) null else k to URLDecoder.decode(it.substringAfter('='), "UTF-8")
            }.toMap()
            val server = params["server"]?.takeIf { it.startsWith("https://") || it.startsWith("http://") } ?: return null
            val code = params["code"]?.takeIf { it.isNotBlank() } ?: return null
            return ActivationRequest(server, code, params["fp"]?.takeIf { it.isNotBlank() })
        }

        /** Typed by the agent: the branch tells the server address with the code. */
        fun typed(serverUrl: String, code: String): ActivationRequest? {
            val url = serverUrl.trim().trimEnd('/')
            if (!(url.startsWith("https://") || url.startsWith("http://")) || code.isBlank()) return null
            return ActivationRequest(url, code.trim(), null)
        }
    }
}
