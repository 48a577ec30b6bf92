package id.perisai.field.ui.screens

import android.Manifest
import android.annotation.SuppressLint
import android.content.Context
import android.location.LocationManager
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.Checkbox
import androidx.compose.material3.DatePicker
import androidx.compose.material3.DatePickerDialog
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
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import androidx.lifecycle.viewmodel.compose.viewModel
import id.perisai.ffi.FieldKind
import id.perisai.field.R
import id.perisai.field.logic.EnrollmentForm
import id.perisai.field.logic.FieldUi
import id.perisai.field.platform.Core
import id.perisai.field.ui.PerisaiScaffold
import id.perisai.field.ui.screenPadding
import id.perisai.field.ui.theme.WarningColor
import java.time.Instant
import java.time.ZoneOffset

/**
 * The enrollment form, drawn field by field from the core's definition (kind, label, hint,
 * options, limits). Errors and warnings under each field are the core's report; nothing is
 * validated here.
 */
@Composable
fun EnrollmentFormScreen(
    core: Core,
    draftId: String?,
    fixId: String?,
    onSubmitted: (String) -> Unit,
    onBack: () -> Unit,
) {
    val vm: EnrollmentViewModel = viewModel(key = "form-$draftId-$fixId") { EnrollmentViewModel(core, draftId, fixId) }
    LaunchedEffect(vm.submittedId) { vm.submittedId?.let(onSubmitted) }

    val title = stringResource(if (vm.correcting) R.string.form_fix_title else R.string.form_title)
    PerisaiScaffold(title = title, onBack = onBack) { padding ->
        LazyColumn(
            Modifier.fillMaxSize().screenPadding(padding),
            verticalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            vm.reviewNote?.let { note ->
                item { Text(stringResource(R.string.form_review_note, note), color = WarningColor) }
            }
            if (vm.hasErrors) {
                item { Text(stringResource(R.string.form_errors_banner), color = MaterialTheme.colorScheme.error) }
            }
            items(vm.general) { issue -> Text(issue.message, color = MaterialTheme.colorScheme.error) }
            items(vm.fields, key = { it.key }) { field -> FieldInput(field, vm) }
            vm.quote?.let { q ->
                item { Text(stringResource(R.string.form_quote, q.totalFormatted, q.months), style = MaterialTheme.typography.titleMedium) }
            }
            vm.problem?.let { p -> item { Text(p, color = MaterialTheme.colorScheme.error) } }
            item {
                Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    OutlinedButton(onClick = vm::check) { Text(stringResource(R.string.form_check)) }
                    if (!vm.correcting) {
                        OutlinedButton(onClick = vm::saveDraft) { Text(stringResource(R.string.form_save_draft)) }
                    }
                    Button(onClick = vm::submit) { Text(stringResource(R.string.form_submit)) }
                }
            }
        }
    }

    if (vm.warningsToConfirm.isNotEmpty()) {
        AlertDialog(
            onDismissRequest = vm::dismissWarnings,
            title = { Text(stringResource(R.string.form_warnings_title)) },
            text = {
                Column(verticalArrangement = Arrangement.spacedBy(8.dp)) {
                    vm.warningsToConfirm.forEach { Text(it.message) }
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
    Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
        when (field.kind) {
            FieldKind.TEXT -> TextInput(field, label, KeyboardType.Text, vm)
            FieldKind.INTEGER -> TextInput(field, label, KeyboardType.Number, vm)
            FieldKind.DATE -> DateInput(field, label, vm)
            FieldKind.CHOICE, FieldKind.MULTI_CHOICE ->
                if (field.singlePick && field.options.size > 4) DropdownInput(field, label, vm) else OptionsInput(field, label, vm)
            FieldKind.BOOLEAN -> Row(verticalAlignment = Alignment.CenterVertically) {
                Checkbox(checked = field.checked, onCheckedChange = { vm.setChecked(field.key, it) })
                Text(label)
            }
            FieldKind.LOCATION -> LocationInput(field, label, vm)
        }
        Issues(field)
    }
}

@Composable
private fun TextInput(field: FieldUi, label: String, keyboard: KeyboardType, vm: EnrollmentViewModel) {
    OutlinedTextField(
        value = field.text,
        onValueChange = { vm.setText(field.key, it) },
        label = { Text(label) },
        isError = field.errors.isNotEmpty(),
        keyboardOptions = KeyboardOptions(keyboardType = keyboard),
        singleLine = field.maxLength == null || field.maxLength <= 100,
        modifier = Modifier.fillMaxWidth(),
    )
}

@OptIn(ExperimentalMaterial3Api::class)
@Composable
private fun DateInput(field: FieldUi, label: String, vm: EnrollmentViewModel) {
    var showPicker by remember { mutableStateOf(false) }
    Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(8.dp)) {
        OutlinedTextField(
            value = field.text,
            onValueChange = { vm.setText(field.key, it) },
            label = { Text(label) },
            placeholder = { Text("YYYY-MM-DD") },
            isError = field.errors.isNotEmpty(),
            keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Number),
            singleLine = true,
            modifier = Modifier.weight(1f),
        )
        TextButton(onClick = { showPicker = true }) { Text(stringResource(R.string.form_pick_date)) }
    }
    if (showPicker) {
        val state = rememberDatePickerState()
        DatePickerDialog(
            onDismissRequest = { showPicker = false },
            confirmButton = {
                TextButton(onClick = {
                    state.selectedDateMillis?.let { millis ->
                        // The record's format (YYYY-MM-DD); the picker's millis are UTC midnight.
                        vm.setText(field.key, Instant.ofEpochMilli(millis).atZone(ZoneOffset.UTC).toLocalDate().toString())
                    }
                    showPicker = false
                }) { Text("OK") }
            },
        ) { DatePicker(state = state) }
    }
}

@Composable
private fun OptionsInput(field: FieldUi, label: String, vm: EnrollmentViewModel) {
    Text(label, style = MaterialTheme.typography.bodyLarge)
    field.options.forEach { option ->
        Row(verticalAlignment = Alignment.CenterVertically) {
            if (field.singlePick) {
                RadioButton(selected = option.index in field.selected, onClick = { vm.select(field.key, option.index) })
            } else {
                Checkbox(checked = option.index in field.selected, onCheckedChange = { vm.select(field.key, option.index) })
            }
            Text(option.label)
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
            modifier = Modifier.menuAnchor(MenuAnchorType.PrimaryNotEditable).fillMaxWidth(),
        )
        ExposedDropdownMenu(expanded = expanded, onDismissRequest = { expanded = false }) {
            field.options.forEach { option ->
                DropdownMenuItem(
                    text = { Text(option.label) },
                    onClick = {
                        vm.select(field.key, option.index)
                        expanded = false
                    },
                )
            }
        }
    }
}

@Composable
private fun LocationInput(field: FieldUi, label: String, vm: EnrollmentViewModel) {
    val context = LocalContext.current
    val permission = rememberLauncherForActivityResult(ActivityResultContracts.RequestPermission()) { granted ->
        if (granted) vm.setLocation(field.key, lastFix(context))
    }
    Text(label, style = MaterialTheme.typography.bodyLarge)
    field.location?.let { Text(stringResource(R.string.form_location_taken, it.lat, it.lon, it.accuracyM)) }
    OutlinedButton(onClick = { permission.launch(Manifest.permission.ACCESS_FINE_LOCATION) }) {
        Text(stringResource(R.string.form_take_location))
    }
}

/** The freshest fix the phone already has (no waiting at a stall for a new one). */
@SuppressLint("MissingPermission")
private fun lastFix(context: Context): EnrollmentForm.Location? {
    val manager = context.getSystemService(Context.LOCATION_SERVICE) as LocationManager
    val fix = listOf(LocationManager.GPS_PROVIDER, LocationManager.NETWORK_PROVIDER)
        .mapNotNull { runCatching { manager.getLastKnownLocation(it) }.getOrNull() }
        .maxByOrNull { it.time } ?: return null
    return EnrollmentForm.Location(fix.latitude, fix.longitude, fix.accuracy.toDouble())
}

@Composable
private fun Issues(field: FieldUi) {
    field.errors.forEach { Text(it, color = MaterialTheme.colorScheme.error, style = MaterialTheme.typography.bodySmall) }
    field.warnings.forEach { Text(it, color = WarningColor, style = MaterialTheme.typography.bodySmall) }
    if (field.errors.isEmpty() && field.warnings.isEmpty() && field.hint.isNotEmpty()) {
        Text(field.hint, style = MaterialTheme.typography.bodySmall)
    }
}
