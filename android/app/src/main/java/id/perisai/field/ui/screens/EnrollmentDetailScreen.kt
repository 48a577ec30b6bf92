package id.perisai.field.ui.screens

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.LifecycleResumeEffect
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.createSavedStateHandle
import androidx.lifecycle.viewmodel.compose.viewModel
import id.perisai.field.R
import id.perisai.field.ui.LoadingText
import id.perisai.field.ui.PerisaiScaffold
import id.perisai.field.ui.ProblemText
import id.perisai.field.ui.core
import id.perisai.field.ui.screenPadding
import id.perisai.field.ui.theme.WarningColor

/** One record: its state, the supervisor's note, and "Perbaiki" / "Tarik" when the core allows them. */
@Composable
fun EnrollmentDetailScreen(onFix: () -> Unit, onReceipt: () -> Unit, onBack: () -> Unit) {
    val vm: EnrollmentDetailViewModel = viewModel { EnrollmentDetailViewModel(core(), createSavedStateHandle()) }
    val state by vm.state.collectAsStateWithLifecycle()
    LifecycleResumeEffect(Unit) {
        vm.refresh()
        onPauseOrDispose { }
    }
    PerisaiScaffold(title = stringResource(R.string.mine_title), onBack = onBack) { padding ->
        Column(
            Modifier.fillMaxSize().screenPadding(padding).verticalScroll(rememberScrollState()),
            verticalArrangement = Arrangement.spacedBy(8.dp),
        ) {
            state.problem?.let { ProblemText(it) }
            val d = state.detail
            if (d == null) {
                if (state.problem == null) LoadingText()
                return@Column
            }
            Text(d.receipt.receipt.fullName ?: stringResource(R.string.mine_no_name), style = MaterialTheme.typography.titleLarge)
            Text(d.stateLabel, color = if (d.canFix) WarningColor else MaterialTheme.colorScheme.onSurface)
            d.reviewNote?.let { Text(stringResource(R.string.form_review_note, it)) }
            if (d.outcomeCodes.isNotEmpty()) Text(d.outcomeCodes.joinToString(", "), style = MaterialTheme.typography.bodySmall)
            if (d.canFix) Button(onClick = onFix, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.mine_fix)) }
            OutlinedButton(onClick = onReceipt, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.mine_receipt)) }
            if (d.canWithdraw) {
                OutlinedButton(onClick = vm::askWithdraw, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.mine_withdraw)) }
            }
        }
    }
    if (state.confirmWithdraw) {
        AlertDialog(
            onDismissRequest = vm::cancelWithdraw,
            text = { Text(stringResource(R.string.mine_withdraw_confirm)) },
            confirmButton = { TextButton(onClick = vm::withdraw) { Text(stringResource(R.string.mine_withdraw)) } },
            dismissButton = { TextButton(onClick = vm::cancelWithdraw) { Text(stringResource(R.string.cancel)) } },
        )
    }
}
