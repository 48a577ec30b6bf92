package id.perisai.field.ui.screens

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import id.perisai.field.logic.CashEntry
import id.perisai.field.logic.Outcome
import id.perisai.field.logic.coreCall
import id.perisai.field.platform.Core
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * Holds the [CashEntry] of record [recordId] across rotations (so a recorded payment is never
 * recorded twice by a rotation or a double tap) and runs it on one background lane. The screen
 * draws the fields below; what they say comes from the entry, and so from the core.
 */
@OptIn(ExperimentalCoroutinesApi::class)
class CashViewModel(private val core: Core, private val recordId: String) : ViewModel() {
    private val lane = Dispatchers.IO.limitedParallelism(1)
    private var entry: CashEntry? = null

    var participant by mutableStateOf<CashEntry.Participant?>(null)
        private set
    var receiptContribution by mutableStateOf<String?>(null)
        private set
    var amount by mutableStateOf("")
        private set
    var months by mutableStateOf("")
        private set
    var amountError by mutableStateOf<String?>(null)
        private set
    var monthsError by mutableStateOf<String?>(null)
        private set
    var problem by mutableStateOf<String?>(null)
        private set
    var saved by mutableStateOf<CashEntry.Result.Saved?>(null)
        private set
    var saving by mutableStateOf(false)
        private set

    init {
        viewModelScope.launch {
            val opened = withContext(lane) { coreCall(core.lang) { CashEntry.load(core.app, recordId, core.lang).also { entry = it } } }
            when (opened) {
                is Outcome.Ok -> {
                    participant = opened.value.participant
                    receiptContribution = opened.value.receiptContribution
                }
                is Outcome.Refused -> problem = opened.problem.message
            }
        }
    }

    fun onAmountChange(text: String) {
        amount = text
        onLane { it.setAmount(text) }
    }

    fun onMonthsChange(text: String) {
        months = text
        onLane { it.setMonths(text) }
    }

    /** Records the cash (the entry itself refuses to record twice). */
    fun save() {
        if (saving) return
        saving = true
        onLane(after = { saving = false }) { e ->
            when (val result = e.save()) {
                is CashEntry.Result.Saved -> saved = result
                is CashEntry.Result.FixInput -> problem = null
                is CashEntry.Result.Refused -> problem = result.problem.message
            }
        }
    }

    private fun onLane(after: () -> Unit = {}, block: (CashEntry) -> Unit) {
        viewModelScope.launch {
            val e = withContext(lane) { entry?.also(block) }
            if (e != null) {
                amountError = e.amountError
                monthsError = e.monthsError
            }
            after()
        }
    }
}
