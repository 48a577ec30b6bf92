package id.perisai.field.ui.screens

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.produceState
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import id.perisai.field.R
import id.perisai.field.logic.MyEnrollments
import id.perisai.field.logic.Outcome
import id.perisai.field.platform.Core
import id.perisai.field.ui.PerisaiScaffold
import id.perisai.field.ui.io
import id.perisai.field.ui.screenPadding
import id.perisai.field.ui.theme.WarningColor
import kotlinx.coroutines.launch

/** One record: its state, the supervisor's note, and "Perbaiki" / "Tarik" when they apply. */
@Composable
fun EnrollmentDetailScreen(core: Core, id: String, onFix: () -> Unit, onReceipt: () -> Unit, onBack: () -> Unit) {
    val scope = rememberCoroutineScope()
    var reload by remember { mutableStateOf(0) }
    var problem by remember { mutableStateOf<String?>(null) }
    var confirmWithdraw by remember { mutableStateOf(false) }
    val detail by produceState<MyEnrollments.Detail?>(null, id, reload) {
        value = io { MyEnrollments(core.app, core.lang).detail(id) }
    }
    PerisaiScaffold(title = stringResource(R.string.mine_title), onBack = onBack) { padding ->
        val d = detail ?: return@PerisaiScaffold
        Column(Modifier.fillMaxSize().screenPadding(padding), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            Text(d.receipt.receipt.fullName ?: "—", style = MaterialTheme.typography.titleLarge)
            Text(d.stateLabel, color = if (d.canFix) WarningColor else MaterialTheme.colorScheme.onSurface)
            d.reviewNote?.let { Text(stringResource(R.string.form_review_note, it)) }
            if (d.outcomeCodes.isNotEmpty()) Text(d.outcomeCodes.joinToString(", "), style = MaterialTheme.typography.bodySmall)
            problem?.let { Text(it, color = MaterialTheme.colorScheme.error) }
            if (d.canFix) Button(onClick = onFix, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.mine_fix)) }
            OutlinedButton(onClick = onReceipt, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.mine_receipt)) }
            if (d.canWithdraw) {
                OutlinedButton(onClick = { confirmWithdraw = true }, modifier = Modifier.fillMaxWidth()) {
                    Text(stringResource(R.string.mine_withdraw))
                }
            }
        }
    }
    if (confirmWithdraw) {
        AlertDialog(
            onDismissRequest = { confirmWithdraw = false },
            text = { Text(stringResource(R.string.mine_withdraw_confirm)) },
            confirmButton = {
                TextButton(onClick = {
                    confirmWithdraw = false
                    scope.launch {
                        when (val result = io { MyEnrollments(core.app, core.lang).withdraw(id) }) {
                            is Outcome.Ok -> reload++
                            is Outcome.Refused -> problem = result.problem.message
                        }
                    }
                }) { Text(stringResource(R.string.mine_withdraw)) }
            },
            dismissButton = { TextButton(onClick = { confirmWithdraw = false }) { Text(stringResource(R.string.cancel)) } },
        )
    }
}
