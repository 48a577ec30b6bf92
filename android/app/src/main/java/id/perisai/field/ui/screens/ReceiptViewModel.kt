package id.perisai.field.ui.screens

import androidx.lifecycle.SavedStateHandle
import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import id.perisai.field.logic.Outcome
import id.perisai.field.logic.ReceiptView
import id.perisai.field.logic.coreCall
import id.perisai.field.platform.Core
import id.perisai.field.ui.Share
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/** The receipt of the record in the route's `id`: the core's, or the core's refusal in words. */
class ReceiptViewModel(private val core: Core, saved: SavedStateHandle) : ViewModel() {
    private val id: String = saved["id"] ?: ""

    data class UiState(
        val receipt: ReceiptView? = null,
        val problem: String? = null,
        /** How the last share went, when it did not open the app asked for. */
        val shared: Share.Result? = null,
    )

    private val _state = MutableStateFlow(UiState())
    val state: StateFlow<UiState> = _state.asStateFlow()

    init {
        viewModelScope.launch {
            when (val r = withContext(core.io) { coreCall(core.lang) { ReceiptView.load(core.app, id, core.lang) } }) {
                is Outcome.Ok -> _state.update { it.copy(receipt = r.value) }
                is Outcome.Refused -> _state.update { it.copy(problem = r.problem.message) }
            }
        }
    }

    fun shared(result: Share.Result) = _state.update { it.copy(shared = result.takeIf { r -> r != Share.Result.OPENED }) }
}
