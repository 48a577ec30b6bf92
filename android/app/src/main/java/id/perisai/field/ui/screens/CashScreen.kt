package id.perisai.field.ui.screens

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.createSavedStateHandle
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import androidx.lifecycle.viewmodel.compose.viewModel
import id.perisai.field.R
import id.perisai.field.logic.CashEntry
import id.perisai.field.ui.PerisaiScaffold
import id.perisai.field.ui.ProblemText
import id.perisai.field.ui.core
import id.perisai.field.ui.screenPadding

/**
 * Cash collected from the participant of [recordId]: amount and months, recorded by the core with
 * the time and sent with the next sync, so the server can reconcile it with the payment channel
 * (DOMAIN.md §6). The core checks the values; its message shows under the input it names. The
 * receipt keeps saying BELUM DIBAYAR until the server confirms the payment.
 */
@Composable
fun CashScreen(onDone: () -> Unit) {
    val vm: CashViewModel = viewModel { CashViewModel(core(), createSavedStateHandle()) }
    val state by vm.state.collectAsStateWithLifecycle()
    PerisaiScaffold(title = stringResource(R.string.cash_title), onBack = onDone) { padding ->
        Column(
            Modifier.fillMaxSize().screenPadding(padding).verticalScroll(rememberScrollState()),
            verticalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            state.participant?.let { ParticipantCard(it) }
            state.receiptContribution?.let { Text(stringResource(R.string.cash_receipt_contribution, it)) }
            val done = state.saved
            if (done == null) {
                OutlinedTextField(
                    value = state.amount,
                    onValueChange = vm::onAmountChange,
                    label = { Text(stringResource(R.string.cash_amount)) },
                    isError = state.amountError != null,
                    supportingText = { state.amountError?.let { Text(it) } },
                    keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Number),
                    singleLine = true,
                    modifier = Modifier.fillMaxWidth().testTag("amount"),
                )
                OutlinedTextField(
                    value = state.months,
                    onValueChange = vm::onMonthsChange,
                    label = { Text(stringResource(R.string.cash_months)) },
                    isError = state.monthsError != null,
                    supportingText = { state.monthsError?.let { Text(it) } },
                    keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Number),
                    singleLine = true,
                    modifier = Modifier.fillMaxWidth().testTag("months"),
                )
                state.problem?.let { ProblemText(it) }
                Button(onClick = vm::save, enabled = !state.saving, modifier = Modifier.fillMaxWidth()) {
                    Text(stringResource(R.string.cash_save))
                }
                Text(stringResource(R.string.receipt_unpaid_banner), style = MaterialTheme.typography.bodySmall)
            } else {
                Saved(done)
                Button(onClick = onDone, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.receipt_done)) }
            }
        }
    }
}

@Composable
private fun ParticipantCard(p: CashEntry.Participant) {
    Card(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(12.dp)) {
            Text(p.name, style = MaterialTheme.typography.titleMedium)
            Text(p.nikMasked)
            Text(p.paymentCode?.let { stringResource(R.string.participants_code, it) } ?: stringResource(R.string.participants_no_code))
        }
    }
}

/** Recorded on the phone; the payment status stays the core's: BELUM DIBAYAR until confirmed. */
@Composable
private fun Saved(done: CashEntry.Result.Saved) {
    Text(
        stringResource(R.string.cash_recorded, done.cash.amountFormatted, done.cash.months.toInt(), done.collectedAt),
        style = MaterialTheme.typography.titleMedium,
    )
    Text(
        done.paymentStatus,
        style = MaterialTheme.typography.headlineMedium,
        color = if (done.paid) MaterialTheme.colorScheme.primary else MaterialTheme.colorScheme.error,
    )
    Text(stringResource(R.string.cash_saved))
    Text(stringResource(R.string.cash_unsent, done.unsent.toInt()), style = MaterialTheme.typography.bodySmall)
}
