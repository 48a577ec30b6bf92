package id.perisai.field.ui.screens

import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import id.perisai.field.logic.HomeState
import id.perisai.field.logic.Outcome
import id.perisai.field.logic.coreCall
import id.perisai.field.platform.Core
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * Home: the core's counts and sync status ([HomeState]), the refusal the last sync stopped on,
 * and "Kirim". Reloaded on every resume and whenever a sync run ends.
 */
class HomeViewModel(private val core: Core) : ViewModel() {
    data class UiState(
        val home: HomeState? = null,
        /** The store could not be opened (e.g. `store.key`), in words. */
        val problem: String? = null,
        /** Why the last sync stopped (device revoked, app too old…), in words. */
        val syncProblem: String? = null,
        val sendRequested: Boolean = false,
    )

    private val _state = MutableStateFlow(UiState())
    val state: StateFlow<UiState> = _state.asStateFlow()

    fun refresh() {
        viewModelScope.launch {
            val (home, stopped) = withContext(core.io) {
                coreCall(core.lang) { HomeState.load(core.app) } to core.lastSyncProblem()
            }
            _state.update {
                when (home) {
                    is Outcome.Ok -> it.copy(home = home.value, problem = null, syncProblem = stopped?.message)
                    is Outcome.Refused -> it.copy(problem = home.problem.message, syncProblem = stopped?.message)
                }
            }
        }
    }

    /** "Kirim": now if there is a network, else as soon as there is one. */
    fun sendNow() {
        core.requestSync()
        _state.update { it.copy(sendRequested = true) }
    }
}
