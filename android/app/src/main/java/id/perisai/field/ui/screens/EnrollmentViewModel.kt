package id.perisai.field.ui.screens

import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import id.perisai.field.logic.EnrollmentForm
import id.perisai.field.logic.FieldUi
import id.perisai.field.logic.IssueUi
import id.perisai.field.logic.MyEnrollments
import id.perisai.field.logic.QuoteUi
import id.perisai.field.logic.SubmitResult
import id.perisai.field.platform.Core
import java.time.LocalDate
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext

/**
 * Holds the [EnrollmentForm] across rotations and runs every form operation on one background
 * lane (the form is not thread-safe; core calls block). The screen only draws [fields] and calls
 * the methods below.
 */
@OptIn(ExperimentalCoroutinesApi::class)
class EnrollmentViewModel(
    private val core: Core,
    private val draftId: String?,
    private val fixId: String?,
) : ViewModel() {
    private val lane = Dispatchers.IO.limitedParallelism(1)
    private var form: EnrollmentForm? = null

    var fields by mutableStateOf<List<FieldUi>>(emptyList())
        private set
    var general by mutableStateOf<List<IssueUi>>(emptyList())
        private set
    var quote by mutableStateOf<QuoteUi?>(null)
        private set
    var reviewNote by mutableStateOf<String?>(null)
        private set
    var warningsToConfirm by mutableStateOf<List<IssueUi>>(emptyList())
        private set
    var hasErrors by mutableStateOf(false)
        private set
    var problem by mutableStateOf<String?>(null)
        private set
    var submittedId by mutableStateOf<String?>(null)
        private set
    val correcting: Boolean get() = fixId != null

    init {
        start {
            val app = core.app
            form = when {
                fixId != null -> {
                    reviewNote = MyEnrollments(app, core.lang).detail(fixId).reviewNote
                    EnrollmentForm.correction(app, core.lang, fixId)
                }
                draftId != null -> EnrollmentForm.fromDraft(app, core.lang, draftId)
                else -> EnrollmentForm.new(app, core.lang)
            }
        }
    }

    fun setText(key: String, value: String) = edit { it.setText(key, value) }
    fun select(key: String, index: Int) = edit { it.select(key, index) }
    fun setChecked(key: String, value: Boolean) = edit { it.setChecked(key, value) }
    fun setLocation(key: String, location: EnrollmentForm.Location?) = edit { it.setLocation(key, location) }

    fun check() = onLane { f ->
        f.check()
        hasErrors = f.fields.any { it.errors.isNotEmpty() } || f.generalIssues.isNotEmpty()
    }

    fun saveDraft() = onLane { it.saveDraft() }

    /** Submits; with warnings, the screen asks the agent and calls [confirmWarnings]. */
    fun submit() = onLane { handle(it.submit()) }

    fun confirmWarnings() = onLane {
        warningsToConfirm = emptyList()
        handle(it.submit(acceptWarnings = true))
    }

    fun dismissWarnings() {
        warningsToConfirm = emptyList()
    }

    private fun handle(result: SubmitResult) {
        when (result) {
            is SubmitResult.Done -> submittedId = result.submitted.id
            is SubmitResult.ConfirmWarnings -> warningsToConfirm = result.warnings
            is SubmitResult.FixErrors -> hasErrors = true
            is SubmitResult.Refused -> problem = result.problem.message
        }
    }

    private fun edit(change: (EnrollmentForm) -> Unit) = onLane { form ->
        change(form)
        val today = LocalDate.now()
        quote = form.quote(today.year, today.monthValue)
    }

    private fun onLane(block: (EnrollmentForm) -> Unit) {
        viewModelScope.launch {
            withContext(lane) {
                val f = form
                if (f != null) block(f)
            }
            publish()
        }
    }

    private fun start(init: () -> Unit) {
        viewModelScope.launch {
            withContext(lane) { init() }
            publish()
        }
    }

    private suspend fun publish() {
        val f = form ?: return
        val (newFields, newGeneral) = withContext(lane) { f.fields to f.generalIssues }
        fields = newFields
        general = newGeneral
    }
}
