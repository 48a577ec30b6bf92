package id.perisai.field.ui.screens

import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import id.perisai.field.logic.AppLock
import id.perisai.field.platform.Core
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * The app lock's screen: set a 6-digit PIN (twice), then enter it; or, having forgotten it, let
 * the branch in again (re-activation with a new code), which keeps every record and asks for a
 * new PIN. The PIN rules and the wait after wrong tries are [AppLock]'s.
 *
 * The digits typed live in this ViewModel only (they survive a rotation), never in the saved
 * instance state: a half-typed PIN must not be written to disk with a process death.
 */
class LockViewModel(private val core: Core) : ViewModel() {
    enum class Step { SET, CONFIRM, ENTER, RESET }

    /** What the screen says under the PIN. */
    sealed interface Note {
        data class Wrong(val triesBeforeWait: Int) : Note
        data class Wait(val seconds: Long) : Note
        data object Differ : Note
        data object NewPinAfterReset : Note
    }

    data class UiState(
        val step: Step? = null,
        val pin: String = "",
        val note: Note? = null,
        val busy: Boolean = false,
    ) {
        val canSubmit: Boolean get() = pin.length == AppLock.PIN_LENGTH && !busy
    }

    private val _state = MutableStateFlow(UiState())
    val state: StateFlow<UiState> = _state.asStateFlow()
    private var firstPin: String? = null

    init {
        viewModelScope.launch {
            val hasPin = withContext(core.io) { core.pin.hasPin }
            _state.update { it.copy(step = if (hasPin) Step.ENTER else Step.SET) }
        }
    }

    fun onPinChange(typed: String) {
        _state.update { it.copy(pin = typed.filter(Char::isDigit).take(AppLock.PIN_LENGTH)) }
    }

    /** The PIN is complete: set, confirm or check it; [onUnlocked] when it opens the app. */
    fun submit(onUnlocked: () -> Unit) {
        val s = _state.value
        if (!s.canSubmit) return
        val typed = s.pin
        _state.update { it.copy(pin = "", busy = true) }
        viewModelScope.launch {
            when (s.step) {
                Step.SET -> {
                    firstPin = typed
                    _state.update { it.copy(step = Step.CONFIRM, note = null, busy = false) }
                }
                Step.CONFIRM -> if (typed == firstPin) {
                    withContext(core.io) { core.pin.setPin(typed) }
                    firstPin = null
                    _state.update { it.copy(step = Step.ENTER, note = null, busy = false) }
                    onUnlocked()
                } else {
                    firstPin = null
                    _state.update { it.copy(step = Step.SET, note = Note.Differ, busy = false) }
                }
                Step.ENTER -> {
                    val result = withContext(core.io) { core.pin.unlock(typed) }
                    val note = when (result) {
                        AppLock.Result.Unlocked -> null
                        is AppLock.Result.Wrong -> Note.Wrong(result.triesBeforeWait)
                        is AppLock.Result.Wait -> Note.Wait(result.seconds)
                    }
                    _state.update { it.copy(note = note, busy = false) }
                    if (result == AppLock.Result.Unlocked) onUnlocked()
                }
                Step.RESET, null -> _state.update { it.copy(busy = false) }
            }
        }
    }

    /** "Lupa PIN?": the branch's activation code replaces the PIN. */
    fun startReset() = _state.update { it.copy(step = Step.RESET, pin = "", note = null) }

    fun cancelReset() = _state.update { it.copy(step = Step.ENTER, note = null) }

    /** The device was activated again: the old PIN is gone, the agent sets a new one. */
    fun resetDone() {
        viewModelScope.launch {
            withContext(core.io) { core.pin.forgetPin() }
            firstPin = null
            _state.update { it.copy(step = Step.SET, pin = "", note = Note.NewPinAfterReset) }
        }
    }
}
