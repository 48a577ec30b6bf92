package id.perisai.field.ui.screens

import androidx.lifecycle.SavedStateHandle
import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import id.perisai.ffi.FieldKind
import id.perisai.field.logic.EnrollmentForm
import id.perisai.field.logic.FieldUi
import id.perisai.field.logic.IssueUi
import id.perisai.field.logic.MyEnrollments
import id.perisai.field.logic.Outcome
import id.perisai.field.logic.QuoteUi
import id.perisai.field.logic.SubmitResult
import id.perisai.field.logic.coreCall
import id.perisai.field.platform.Core
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.Job
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * The enrollment form's screen state, one [UiState] in a [StateFlow].
 *
 * What the agent types shows at once: every change updates [state] on the main thread before
 * anything else. The [EnrollmentForm] (the core's definition, the JSON, the core's report) follows
 * on one background lane, and [CHECK_AFTER_MS] after the agent stops typing the core validates
 * (errors appear under the fields the agent touched), prices the quote and autosaves the draft.
 * The form's JSON and its draft id are also kept in the [SavedStateHandle], so neither a rotation
 * nor a process death loses a keystroke; the draft reopens from "Pendaftaran saya".
 */
@OptIn(ExperimentalCoroutinesApi::class)
class EnrollmentViewModel(private val core: Core, private val saved: SavedStateHandle) : ViewModel() {
    private val draftArg: String? = saved["draft"]
    private val fixId: String? = saved["fix"]
    private val lane = core.io.limitedParallelism(1)
    private var form: EnrollmentForm? = null
    private var checkJob: Job? = null
    private val touched = mutableSetOf<String>()
    private var showAllIssues = false

    data class UiState(
        val loading: Boolean = true,
        val correcting: Boolean = false,
        val fields: List<FieldUi> = emptyList(),
        /** Problems on no visible field. */
        val general: List<IssueUi> = emptyList(),
        val quote: QuoteUi? = null,
        val reviewNote: String? = null,
        val warningsToConfirm: List<IssueUi> = emptyList(),
        val hasErrors: Boolean = false,
        /** The core refused (store, key…): in words. */
        val problem: String? = null,
        val draftSaved: Boolean = false,
        val submitting: Boolean = false,
        val submittedId: String? = null,
    )

    private val _state = MutableStateFlow(UiState(correcting = fixId != null))
    val state: StateFlow<UiState> = _state.asStateFlow()

    init {
        viewModelScope.launch {
            val opened = withContext(lane) {
                coreCall(core.lang) {
                    val app = core.app
                    val kept: String? = saved[FORM_JSON]
                    val note = fixId?.let { MyEnrollments(app, core.lang).detail(it).reviewNote }
                    val f = when {
                        kept != null -> EnrollmentForm.restore(app, core.lang, kept, saved[DRAFT], fixId)
                        fixId != null -> EnrollmentForm.correction(app, core.lang, fixId)
                        draftArg != null -> EnrollmentForm.fromDraft(app, core.lang, draftArg)
                        else -> EnrollmentForm.new(app, core.lang)
                    }
                    form = f
                    Triple(f.fields, f.quote(), note)
                }
            }
            when (opened) {
                is Outcome.Ok -> _state.update {
                    it.copy(loading = false, fields = opened.value.first, quote = opened.value.second, reviewNote = opened.value.third)
                }
                is Outcome.Refused -> _state.update { it.copy(loading = false, problem = opened.problem.message) }
            }
        }
    }

    // --- what the agent enters: shown at once, then mirrored into the form ------------------

    fun onText(key: String, value: String) {
        val max = field(key)?.maxLength
        val text = if (max != null && value.length > max) value.take(max) else value
        // The same text again (a text field may call back without a change, e.g. when its focus
        // or composition moves) changes nothing: the issues shown for it stay.
        if (field(key)?.text == text) return
        show(key) { it.copy(text = text) }
        edit(key) { it.setText(key, text) }
    }

    fun onSelect(key: String, index: Int) {
        val f = field(key) ?: return
        val now = f.selected
        val picked = if (f.kind == FieldKind.MULTI_CHOICE && !f.singlePick) {
            if (index in now) now - index else now + index
        } else {
            setOf(index)
        }
        show(key) { it.copy(selected = picked) }
        edit(key) { it.select(key, index) }
    }

    fun onChecked(key: String, value: Boolean) {
        show(key) { it.copy(checked = value) }
        edit(key) { it.setChecked(key, value) }
    }

    fun onLocation(key: String, location: EnrollmentForm.Location?) {
        show(key) { it.copy(location = location) }
        edit(key) { it.setLocation(key, location) }
    }

    /** "Periksa": the core's report on every field now. */
    fun check() {
        showAllIssues = true
        checkJob?.cancel()
        onLane { f ->
            f.check()
            publishIssues(f)
        }
    }

    /** "Simpan draf": saved now (it is also saved as the agent types). */
    fun saveDraft() = onLane { f ->
        f.saveDraft()
        saved[DRAFT] = f.draftId
        _state.update { it.copy(draftSaved = true) }
    }

    /** Submits; with warnings, the screen asks the agent and calls [confirmWarnings]. */
    fun submit() = submit(acceptWarnings = false)

    fun confirmWarnings() {
        _state.update { it.copy(warningsToConfirm = emptyList()) }
        submit(acceptWarnings = true)
    }

    fun dismissWarnings() = _state.update { it.copy(warningsToConfirm = emptyList()) }

    private fun submit(acceptWarnings: Boolean) {
        if (_state.value.submitting) return
        showAllIssues = true
        checkJob?.cancel()
        _state.update { it.copy(submitting = true, problem = null) }
        onLane { f ->
            when (val result = f.submit(acceptWarnings)) {
                is SubmitResult.Done -> {
                    saved.remove<String>(FORM_JSON)
                    saved.remove<String>(DRAFT)
                    // Sent now if there is a network, else as soon as it returns.
                    core.requestSync()
                    _state.update { it.copy(submitting = false, submittedId = result.submitted.id) }
                }
                is SubmitResult.ConfirmWarnings -> {
                    publishIssues(f)
                    _state.update { it.copy(submitting = false, warningsToConfirm = result.warnings) }
                }
                is SubmitResult.FixErrors -> {
                    publishIssues(f)
                    _state.update { it.copy(submitting = false) }
                }
                is SubmitResult.Refused -> _state.update { it.copy(submitting = false, problem = result.problem.message) }
            }
        }
    }

    // --- the lane ------------------------------------------------------------------------------

    private fun field(key: String): FieldUi? = _state.value.fields.firstOrNull { it.key == key }

    /** The new value on screen now; its old issues go with it. */
    private fun show(key: String, change: (FieldUi) -> FieldUi) {
        touched += key
        _state.update { s ->
            s.copy(
                fields = s.fields.map { if (it.key == key) change(it).copy(errors = emptyList(), warnings = emptyList()) else it },
                draftSaved = false,
            )
        }
    }

    private fun edit(key: String, change: (EnrollmentForm) -> Unit) {
        onLane { f ->
            change(f)
            saved[FORM_JSON] = f.toJson()
        }
        scheduleCheck()
    }

    /** [CHECK_AFTER_MS] after the last change: validate, price, autosave. */
    private fun scheduleCheck() {
        checkJob?.cancel()
        // The wait runs off the main thread: the UI thread is never held by it.
        checkJob = viewModelScope.launch(core.io) {
            delay(CHECK_AFTER_MS)
            withContext(lane) {
                val f = form ?: return@withContext
                val outcome = coreCall(core.lang) {
                    f.check()
                    val quote = f.quote()
                    if (f.correcting == null) {
                        f.saveDraft()
                        saved[DRAFT] = f.draftId
                    }
                    quote
                }
                when (outcome) {
                    is Outcome.Ok -> {
                        publishIssues(f)
                        _state.update { it.copy(quote = outcome.value, draftSaved = f.correcting == null) }
                    }
                    is Outcome.Refused -> _state.update { it.copy(problem = outcome.problem.message) }
                }
            }
        }
    }

    /**
     * The core's errors and warnings beside the fields (only the touched ones while typing; all
     * after "Periksa" or a submit). The values on screen stay the ones the agent typed.
     */
    private fun publishIssues(f: EnrollmentForm) {
        val fromCore = f.fields.associateBy { it.key }
        val general = f.generalIssues
        _state.update { s ->
            val fields = s.fields.map { shown ->
                val checked = fromCore[shown.key] ?: return@map shown
                if (showAllIssues || shown.key in touched) {
                    shown.copy(errors = checked.errors, warnings = checked.warnings)
                } else {
                    shown.copy(errors = emptyList(), warnings = emptyList())
                }
            }
            s.copy(
                fields = fields,
                general = if (showAllIssues) general else emptyList(),
                hasErrors = showAllIssues && (fields.any { it.errors.isNotEmpty() } || general.isNotEmpty()),
            )
        }
    }

    private fun onLane(block: (EnrollmentForm) -> Unit) {
        viewModelScope.launch {
            withContext(lane) {
                val f = form ?: return@withContext
                when (val done = coreCall(core.lang) { block(f) }) {
                    is Outcome.Refused -> _state.update { it.copy(problem = done.problem.message, submitting = false) }
                    is Outcome.Ok -> Unit
                }
            }
        }
    }

    companion object {
        /** How long after the last keystroke the core checks the form. */
        const val CHECK_AFTER_MS = 400L
        private const val FORM_JSON = "form.json"
        private const val DRAFT = "form.draft"
    }
}
