package id.perisai.field.ui.screens

import androidx.lifecycle.SavedStateHandle
import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import id.perisai.field.logic.ActivationRequest
import id.perisai.field.logic.Outcome
import id.perisai.field.platform.Core
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * Activation: the branch's QR code (server, code, server-key fingerprint) or the typed server and
 * code. The core checks the code, signs with the device key and pins the server key. What the
 * agent typed is kept in the [SavedStateHandle] (a rotation or a process death keeps it).
 *
 * The same screen re-activates a device whose PIN was forgotten ([resetPin]): the branch's new
 * code proves the agent, and no record is lost (the core keeps the queue across re-activation).
 */
class ActivationViewModel(
    private val core: Core,
    private val saved: SavedStateHandle,
    val resetPin: Boolean,
) : ViewModel() {
    data class UiState(
        val server: String = "",
        val code: String = "",
        /** From a scanned QR code; typing another server drops it. */
        val fingerprint: String? = null,
        val busy: Boolean = false,
        val problem: String? = null,
        val badQr: Boolean = false,
        val incomplete: Boolean = false,
        /** Agent and branch once activated. */
        val done: Pair<String, String>? = null,
    )

    private val _state = MutableStateFlow(
        UiState(server = saved[SERVER] ?: "", code = saved[CODE] ?: "", fingerprint = saved[FINGERPRINT]),
    )
    val state: StateFlow<UiState> = _state.asStateFlow()

    fun onServerChange(text: String) {
        saved[SERVER] = text
        saved[FINGERPRINT] = null
        _state.update { it.copy(server = text, fingerprint = null, incomplete = false) }
    }

    fun onCodeChange(text: String) {
        saved[CODE] = text
        _state.update { it.copy(code = text, incomplete = false) }
    }

    /** The scanner read [payload]: a Perisai activation fills the form, anything else is said so. */
    fun onQr(payload: String) {
        val request = ActivationRequest.fromQr(payload)
        if (request == null) {
            _state.update { it.copy(badQr = true) }
            return
        }
        saved[SERVER] = request.serverUrl
        saved[CODE] = request.code
        saved[FINGERPRINT] = request.fingerprint
        _state.update {
            it.copy(server = request.serverUrl, code = request.code, fingerprint = request.fingerprint, badQr = false)
        }
    }

    fun activate() {
        val s = _state.value
        if (s.busy) return
        val request = ActivationRequest.typed(s.server, s.code)?.copy(fingerprint = s.fingerprint)
        if (request == null) {
            _state.update { it.copy(incomplete = true) }
            return
        }
        _state.update { it.copy(busy = true, problem = null, badQr = false) }
        viewModelScope.launch {
            val result = withContext(core.io) {
                // A forgotten PIN: the device comes back with a new key (the server binds a key
                // to one device only); the old binding, and the PIN, are given up.
                if (resetPin) core.forgetSigningKey()
                when (val opened = id.perisai.field.logic.coreCall(core.lang) { core.deviceSync }) {
                    is Outcome.Ok -> opened.value.activate(request)
                    is Outcome.Refused -> opened
                }
            }
            when (result) {
                is Outcome.Ok -> {
                    // A device activated again: any refusal from the old binding is history.
                    withContext(core.io) { core.syncOutcome.cleared() }
                    _state.update { it.copy(busy = false, done = result.value.agentId to result.value.branch) }
                }
                is Outcome.Refused -> _state.update { it.copy(busy = false, problem = result.problem.message) }
            }
        }
    }

    private companion object {
        const val SERVER = "server"
        const val CODE = "code"
        const val FINGERPRINT = "fingerprint"
    }
}
