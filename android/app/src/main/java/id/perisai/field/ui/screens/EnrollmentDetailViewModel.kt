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

/** One record of the route's `id`: its receipt, state and review note, and "Tarik". */
class EnrollmentDetailViewModel(private val core: Core, saved: SavedStateHandle) : ViewModel() {
    private val id: String = saved["id"] ?: ""

    data class UiState(
        val detail: MyEnrollments.Detail? = null,
        val problem: String? = null,
        val confirmWithdraw: Boolean = false,
    )

    private val _state = MutableStateFlow(UiState())
    val state: StateFlow<UiState> = _state.asStateFlow()

    fun refresh() {
        viewModelScope.launch {
            val detail = withContext(core.io) { coreCall(core.lang) { MyEnrollments(core.app, core.lang).detail(id) } }
            _state.update {
                when (detail) {
                    is Outcome.Ok -> it.copy(detail = detail.value)
                    is Outcome.Refused -> it.copy(problem = detail.problem.message)
                }
            }
        }
    }

    fun askWithdraw() = _state.update { it.copy(confirmWithdraw = true) }

    fun cancelWithdraw() = _state.update { it.copy(confirmWithdraw = false) }

    fun withdraw() {
        _state.update { it.copy(confirmWithdraw = false) }
        viewModelScope.launch {
            val done = withContext(core.io) {
                when (val opened = coreCall(core.lang) { MyEnrollments(core.app, core.lang) }) {
                    is Outcome.Ok -> opened.value.withdraw(id)
                    is Outcome.Refused -> opened
                }
            }
            when (done) {
                is Outcome.Ok -> refresh()
                is Outcome.Refused -> _state.update { it.copy(problem = done.problem.message) }
            }
        }
    }
}
