package id.perisai.field.ui.screens

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import id.perisai.field.logic.Commission
import id.perisai.field.logic.Outcome
import id.perisai.field.logic.coreCall
import id.perisai.field.platform.Core
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * Holds the [Commission] (and the month shown) across rotations and makes its core calls on one
 * background lane, one at a time. The screen draws [view] and calls [previous] / [next].
 */
@OptIn(ExperimentalCoroutinesApi::class)
class CommissionViewModel(private val core: Core) : ViewModel() {
    private val lane = Dispatchers.IO.limitedParallelism(1)
    private var commission: Commission? = null

    var view by mutableStateOf<Commission.View?>(null)
        private set
    var problem by mutableStateOf<String?>(null)
        private set
    var busy by mutableStateOf(false)
        private set

    init {
        go { it.start() }
    }

    fun previous() = go { it.previous() }

    fun next() = go { it.next() }

    private fun go(step: (Commission) -> Outcome<Commission.View>) {
        if (busy) return
        busy = true
        viewModelScope.launch {
            val result = withContext(lane) {
                // Opening the store can be refused (store.key): show it, never crash.
                when (val opened = coreCall(core.lang) { commission ?: Commission(core.app, core.lang).also { commission = it } }) {
                    is Outcome.Ok -> step(opened.value)
                    is Outcome.Refused -> opened
                }
            }
            when (result) {
                is Outcome.Ok -> {
                    view = result.value
                    problem = null
                }
                is Outcome.Refused -> problem = result.problem.message
            }
            busy = false
        }
    }
}
