package id.perisai.field.ui.screens

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.selection.selectable
import androidx.compose.foundation.selection.toggleable
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.Checkbox
import androidx.compose.material3.DatePicker
import androidx.compose.material3.DatePickerDialog
import androidx.compose.material3.DisplayMode
import androidx.compose.material3.DropdownMenuItem
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.ExposedDropdownMenuBox
import androidx.compose.material3.ExposedDropdownMenuDefaults
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.MenuAnchorType
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.RadioButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.material3.rememberDatePickerState
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.input.KeyboardCapitalization
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.createSavedStateHandle
import androidx.lifecycle.viewmodel.compose.viewModel
import id.perisai.ffi.FieldKind
import id.perisai.ffi.InputMode
import id.perisai.field.R
import id.perisai.field.logic.CalendarText
import id.perisai.field.logic.FieldUi
import id.perisai.field.ui.LoadingText
import id.perisai.field.ui.PerisaiScaffold
import id.perisai.field.ui.ProblemText
import id.perisai.field.ui.core
import id.perisai.field.ui.screenPadding
import id.perisai.field.ui.theme.WarningColor
import java.time.Instant
import java.time.LocalDate
import java.time.ZoneOffset

/**
 * The enrollment form, drawn field by field from the core's definition (kind, keyboard, label,
 * hint, options, limits). Errors and warnings under each field are the core's report; nothing is
 * validated here.
 */
@Composable
fun EnrollmentFormScreen(onSubmitted: (String) -> Unit, onBack: () -> Unit) {
    val vm: EnrollmentViewModel = viewModel { EnrollmentViewModel(core(), createSavedStateHandle()) }
    val state by vm.state.collectAsStateWithLifecycle()
    LaunchedEffect(state.submittedId) { state.submittedId?.let(onSubmitted) }

    val title = stringResource(if (state.correcting) R.string.form_fix_title else R.string.form_title)
    PerisaiScaffold(title = title, onBack = onBack) { padding ->
        LazyColumn(
            Modifier.fillMaxSize().screenPadding(padding).testTag("form"),
            verticalArrangement = Arrangement.spacedBy(16.dp),
        ) {
            if (state.loading) item { LoadingText() }
            state.reviewNote?.let { note ->
                item { Text(stringResource(R.string.form_review_note, note), color = WarningColor) }
            }
            items(state.general) { issue -> ProblemText(issue.message) }
            items(state.fields, key = { it.key }) { field -> FieldInput(field, vm) }
            state.quote?.let { q ->
                item { Text(stringResource(R.string.form_quote, q.totalFormatted, q.months), style = MaterialTheme.typography.titleMedium) }
            }
            state.problem?.let { p -> item { ProblemText(p) } }
            // Beside the buttons, where the agent tapped: each field says what is wrong.
            if (state.hasErrors) item { ProblemText(stringResource(R.string.form_errors_banner)) }
            if (state.draftSaved) item { Text(stringResource(R.string.form_draft_saved), style = MaterialTheme.typography.bodySmall) }
            if (!state.loading && state.fields.isNotEmpty()) {
                item {
                    Column(verticalArrangement = Arrangement.spacedBy(8.dp)) {
                        Button(onClick = vm::submit, enabled = !state.submitting, modifier = Modifier.fillMaxWidth()) {
                            Text(stringResource(R.string.form_submit))
                        }
                        OutlinedButton(onClick = vm::check, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.form_check)) }
                        if (!state.correcting) {
                            OutlinedButton(onClick = vm::saveDraft, modifier = Modifier.fillMaxWidth()) {
                                Text(stringResource(R.string.form_save_draft))
                            }
                        }
                    }
                }
            }
        }
    }

    if (state.warningsToConfirm.isNotEmpty()) {
        AlertDialog(
            onDismissRequest = vm::dismissWarnings,
            title = { Text(stringResource(R.string.form_warnings_title)) },
            text = {
                Column(verticalArrangement = Arrangement.spacedBy(8.dp)) {
                    state.warningsToConfirm.forEach { Text(it.message) }
                }
            },
            confirmButton = { TextButton(onClick = vm::confirmWarnings) { Text(stringResource(R.string.form_warnings_confirm)) } },
            dismissButton = { TextButton(onClick = vm::dismissWarnings) { Text(stringResource(R.string.form_warnings_back)) } },
        )
    }
}

/** One field, by the kind the core gave it. */
@Composable
private fun FieldInput(field: FieldUi, vm: EnrollmentViewModel) {
    val label = if (field.required) "${field.label} (${stringResource(R.string.form_required_mark)})" else field.label
    Column(verticalArrangement = Arrangement.spacedBy(4.dp), modifier = Modifier.testTag("field-${field.key}")) {
        when (field.kind) {
            FieldKind.TEXT, FieldKind.INTEGER -> TextInput(field, label, vm)
            FieldKind.DATE -> DateInput(field, label, vm)
            FieldKind.CHOICE, FieldKind.MULTI_CHOICE ->
                if (field.singlePick && field.options.size > 4) DropdownInput(field, label, vm) else OptionsInput(field, label, vm)
            // The whole row is the check box for TalkBack: "Persetujuan peserta, kotak centang".
            FieldKind.BOOLEAN -> Row(
                verticalAlignment = Alignment.CenterVertically,
                modifier = Modifier.fillMaxWidth()
                    .toggleable(value = field.checked, role = Role.Checkbox, onValueChange = { vm.onChecked(field.key, it) }),
            ) {
                Checkbox(checked = field.checked, onCheckedChange = null)
                Text(label, modifier = Modifier.padding(start = 8.dp))
            }
            FieldKind.LOCATION -> LocationInput(field, label, vm)
        }
        Issues(field)
    }
}

/** The keyboard the core asks for. */
private fun keyboardFor(input: InputMode): KeyboardOptions = when (input) {
    InputMode.DIGITS -> KeyboardOptions(keyboardType = KeyboardType.Number)
    InputMode.NUMBER -> KeyboardOptions(keyboardType = KeyboardType.Number)
    InputMode.PHONE -> KeyboardOptions(keyboardType = KeyboardType.Phone)
    InputMode.NAME -> KeyboardOptions(capitalization = KeyboardCapitalization.Words, keyboardType = KeyboardType.Text)
    InputMode.TEXT -> KeyboardOptions(capitalization = KeyboardCapitalization.Sentences, keyboardType = KeyboardType.Text)
}

@Composable
private fun TextInput(field: FieldUi, label: String, vm: EnrollmentViewModel) {
    OutlinedTextField(
        value = field.text,
        onValueChange = { vm.onText(field.key, it) },
        label = { Text(label) },
        isError = field.errors.isNotEmpty(),
        keyboardOptions = keyboardFor(field.input),
        singleLine = field.maxLength == null || field.maxLength <= 100,
        modifier = Modifier.fillMaxWidth().testTag("input-${field.key}"),
    )
}

/** A date: shown as 15/01/1990, picked in the date picker (typing the date is one of its modes). */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
private fun DateInput(field: FieldUi, label: String, vm: EnrollmentViewModel) {
    var showPicker by rememberSaveable { mutableStateOf(false) }
    val shown = if (field.text.isBlank()) "" else CalendarText.day(field.text)
    val pick = stringResource(R.string.form_pick_date)
    OutlinedButton(
        onClick = { showPicker = true },
        modifier = Modifier.fillMaxWidth().testTag("input-${field.key}").semantics { contentDescription = "$label: ${shown.ifEmpty { pick }}" },
    ) {
        Column(Modifier.fillMaxWidth()) {
            Text(label, style = MaterialTheme.typography.bodySmall)
            Text(shown.ifEmpty { pick }, style = MaterialTheme.typography.bodyLarge)
        }
    }
    if (showPicker) {
        val initial = runCatching { LocalDate.parse(field.text).atStartOfDay().toInstant(ZoneOffset.UTC).toEpochMilli() }.getOrNull()
        // Birth dates are decades back: typing them (dd/mm/yyyy) beats scrolling a calendar.
        val state = rememberDatePickerState(initialSelectedDateMillis = initial, initialDisplayMode = DisplayMode.Input)
        DatePickerDialog(
            onDismissRequest = { showPicker = false },
            confirmButton = {
                TextButton(onClick = {
                    state.selectedDateMillis?.let { millis ->
                        // The record's format (YYYY-MM-DD); the picker's millis are UTC midnight.
                        vm.onText(field.key, Instant.ofEpochMilli(millis).atZone(ZoneOffset.UTC).toLocalDate().toString())
                    }
                    showPicker = false
                }) { Text(stringResource(R.string.ok)) }
            },
            dismissButton = { TextButton(onClick = { showPicker = false }) { Text(stringResource(R.string.cancel)) } },
        ) { DatePicker(state = state) }
    }
}

/** Radio buttons or check boxes; each whole row (label included) is one control for TalkBack. */
@Composable
private fun OptionsInput(field: FieldUi, label: String, vm: EnrollmentViewModel) {
    Text(label, style = MaterialTheme.typography.bodyLarge)
    field.options.forEach { option ->
        val chosen = option.index in field.selected
        val rowModifier = if (field.singlePick) {
            Modifier.selectable(selected = chosen, role = Role.RadioButton, onClick = { vm.onSelect(field.key, option.index) })
        } else {
            Modifier.toggleable(value = chosen, role = Role.Checkbox, onValueChange = { vm.onSelect(field.key, option.index) })
        }
        Row(verticalAlignment = Alignment.CenterVertically, modifier = Modifier.fillMaxWidth().then(rowModifier).padding(vertical = 4.dp)) {
            if (field.singlePick) RadioButton(selected = chosen, onClick = null) else Checkbox(checked = chosen, onCheckedChange = null)
            Text(option.label, modifier = Modifier.padding(start = 8.dp))
        }
    }
}

@OptIn(ExperimentalMaterial3Api::class)
@Composable
private fun DropdownInput(field: FieldUi, label: String, vm: EnrollmentViewModel) {
    var expanded by remember { mutableStateOf(false) }
    val chosen = field.selected.firstOrNull()?.let { i -> field.options.firstOrNull { it.index == i }?.label }.orEmpty()
    ExposedDropdownMenuBox(expanded = expanded, onExpandedChange = { expanded = it }) {
        OutlinedTextField(
            value = chosen,
            onValueChange = {},
            readOnly = true,
            label = { Text(label) },
            isError = field.errors.isNotEmpty(),
            trailingIcon = { ExposedDropdownMenuDefaults.TrailingIcon(expanded = expanded) },
            modifier = Modifier.menuAnchor(MenuAnchorType.PrimaryNotEditable).fillMaxWidth().testTag("input-${field.key}"),
        )
        ExposedDropdownMenu(expanded = expanded, onDismissRequest = { expanded = false }) {
            field.options.forEach { option ->
                DropdownMenuItem(
                    text = { Text(option.label) },
                    onClick = {
                        vm.onSelect(field.key, option.index)
                        expanded = false
                    },
                )
            }
        }
    }
}

@Composable
private fun Issues(field: FieldUi) {
    field.errors.forEach { ProblemText(it) }
    field.warnings.forEach { Text(it, color = WarningColor, style = MaterialTheme.typography.bodyMedium) }
    if (field.errors.isEmpty() && field.warnings.isEmpty() && field.hint.isNotEmpty()) {
        Text(field.hint, style = MaterialTheme.typography.bodySmall)
    }
}
