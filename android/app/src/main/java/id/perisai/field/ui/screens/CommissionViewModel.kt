package id.perisai.field.ui.screens

import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import id.perisai.field.logic.Commission
import id.perisai.field.logic.Outcome
import id.perisai.field.logic.coreCall
import id.perisai.field.platform.Core
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * Commission: one [UiState] with the statement shown; [previous] / [next] move month by month.
 * The [Commission] makes its core calls on one background lane, one at a time.
 */
@OptIn(ExperimentalCoroutinesApi::class)
class CommissionViewModel(private val core: Core) : ViewModel() {
    private val lane = core.io.limitedParallelism(1)
    private var commission: Commission? = null

    data class UiState(
        val view: Commission.View? = null,
        val problem: String? = null,
        val busy: Boolean = false,
    )

    private val _state = MutableStateFlow(UiState())
    val state: StateFlow<UiState> = _state.asStateFlow()

    init {
        go { it.start() }
    }

    fun previous() = go { it.previous() }

    fun next() = go { it.next() }

    private fun go(step: (Commission) -> Outcome<Commission.View>) {
        if (_state.value.busy) return
        _state.update { it.copy(busy = true) }
        viewModelScope.launch {
            val result = withContext(lane) {
                // Opening the store can be refused (store.key): show it, never crash.
                when (val opened = coreCall(core.lang) { commission ?: Commission(core.app, core.lang).also { commission = it } }) {
                    is Outcome.Ok -> step(opened.value)
                    is Outcome.Refused -> opened
                }
            }
            _state.update {
                when (result) {
                    is Outcome.Ok -> it.copy(view = result.value, problem = null, busy = false)
                    is Outcome.Refused -> it.copy(problem = result.problem.message, busy = false)
                }
            }
        }
    }
}
