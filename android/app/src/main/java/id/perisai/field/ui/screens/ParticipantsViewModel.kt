package id.perisai.field.ui.screens

import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import id.perisai.field.logic.MyParticipants
import id.perisai.field.logic.Outcome
import id.perisai.field.logic.coreCall
import id.perisai.field.platform.Core
import id.perisai.field.ui.Share
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/** "Peserta saya": the approved participants, earliest due first, or the core's refusal. */
class ParticipantsViewModel(private val core: Core) : ViewModel() {
    data class UiState(
        val rows: List<MyParticipants.Row>? = null,
        val problem: String? = null,
        val contacted: Share.Result? = null,
    )

    private val _state = MutableStateFlow(UiState())
    val state: StateFlow<UiState> = _state.asStateFlow()

    fun refresh() {
        viewModelScope.launch {
            val rows = withContext(core.io) { coreCall(core.lang) { MyParticipants(core.app, core.lang).rows() } }
            _state.update {
                when (rows) {
                    is Outcome.Ok -> it.copy(rows = rows.value, problem = null)
                    is Outcome.Refused -> it.copy(problem = rows.problem.message)
                }
            }
        }
    }

    fun contacted(result: Share.Result) = _state.update { it.copy(contacted = result.takeIf { r -> r != Share.Result.OPENED }) }
}
