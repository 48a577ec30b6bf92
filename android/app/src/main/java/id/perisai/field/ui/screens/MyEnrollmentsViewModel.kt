package id.perisai.field.ui.screens

import androidx.lifecycle.SavedStateHandle
import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import id.perisai.field.logic.MyEnrollments
import id.perisai.field.logic.Outcome
import id.perisai.field.logic.coreCall
import id.perisai.field.platform.Core
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/** "Pendaftaran saya": the rows, the filter (kept in the [SavedStateHandle]) and the core's refusal. */
class MyEnrollmentsViewModel(private val core: Core, private val saved: SavedStateHandle) : ViewModel() {
    data class UiState(
        val rows: List<MyEnrollments.Row>? = null,
        val onlyFix: Boolean = false,
        val problem: String? = null,
    )

    private val _state = MutableStateFlow(UiState(onlyFix = saved[ONLY_FIX] ?: false))
    val state: StateFlow<UiState> = _state.asStateFlow()

    fun refresh() {
        val onlyFix = _state.value.onlyFix
        viewModelScope.launch {
            val rows = withContext(core.io) { coreCall(core.lang) { MyEnrollments(core.app, core.lang).rows(onlyNeedsFix = onlyFix) } }
            _state.update {
                when (rows) {
                    is Outcome.Ok -> it.copy(rows = rows.value, problem = null)
                    is Outcome.Refused -> it.copy(problem = rows.problem.message)
                }
            }
        }
    }

    fun toggleOnlyFix() {
        val now = !_state.value.onlyFix
        saved[ONLY_FIX] = now
        _state.update { it.copy(onlyFix = now) }
        refresh()
    }

    private companion object {
        const val ONLY_FIX = "onlyFix"
    }
}
