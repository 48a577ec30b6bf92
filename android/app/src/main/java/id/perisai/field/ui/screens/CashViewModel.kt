package id.perisai.field.ui.screens

import androidx.lifecycle.SavedStateHandle
import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import id.perisai.field.logic.CashEntry
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
 * Cash taken from the participant of the route's `id`: one [UiState]. What the agent typed shows
 * at once and is kept in the [SavedStateHandle]; the [CashEntry] (and so the core) checks it on
 * "Catat", on one background lane, and never records twice (a double tap, a rotation).
 */
@OptIn(ExperimentalCoroutinesApi::class)
class CashViewModel(private val core: Core, private val saved: SavedStateHandle) : ViewModel() {
    private val recordId: String = saved["id"] ?: ""
    private val lane = core.io.limitedParallelism(1)
    private var entry: CashEntry? = null

    data class UiState(
        val participant: CashEntry.Participant? = null,
        val receiptContribution: String? = null,
        val amount: String = "",
        val months: String = "",
        val amountError: String? = null,
        val monthsError: String? = null,
        val problem: String? = null,
        val saving: Boolean = false,
        val saved: CashEntry.Result.Saved? = null,
    )

    private val _state = MutableStateFlow(UiState(amount = saved[AMOUNT] ?: "", months = saved[MONTHS] ?: ""))
    val state: StateFlow<UiState> = _state.asStateFlow()

    init {
        viewModelScope.launch {
            val opened = withContext(lane) {
                coreCall(core.lang) { CashEntry.load(core.app, recordId, core.lang).also { entry = it } }
            }
            when (opened) {
                is Outcome.Ok -> _state.update {
                    it.copy(participant = opened.value.participant, receiptContribution = opened.value.receiptContribution)
                }
                is Outcome.Refused -> _state.update { it.copy(problem = opened.problem.message) }
            }
        }
    }

    fun onAmountChange(text: String) {
        saved[AMOUNT] = text
        _state.update { it.copy(amount = text, amountError = null) }
    }

    fun onMonthsChange(text: String) {
        saved[MONTHS] = text
        _state.update { it.copy(months = text, monthsError = null) }
    }

    /** Records the cash (the entry itself refuses to record twice). */
    fun save() {
        val s = _state.value
        if (s.saving || s.saved != null) return
        _state.update { it.copy(saving = true, problem = null) }
        viewModelScope.launch {
            withContext(lane) {
                val e = entry ?: return@withContext _state.update { it.copy(saving = false) }
                e.setAmount(s.amount)
                e.setMonths(s.months)
                val result = e.save()
                _state.update {
                    when (result) {
                        is CashEntry.Result.Saved -> it.copy(saving = false, saved = result)
                        is CashEntry.Result.FixInput -> it.copy(saving = false, amountError = e.amountError, monthsError = e.monthsError)
                        is CashEntry.Result.Refused -> it.copy(saving = false, problem = result.problem.message)
                    }
                }
                // Sent with the next sync: now if there is a network.
                if (result is CashEntry.Result.Saved) core.requestSync()
            }
        }
    }

    private companion object {
        const val AMOUNT = "amount"
        const val MONTHS = "months"
    }
}
