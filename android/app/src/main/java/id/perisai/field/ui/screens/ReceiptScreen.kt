package id.perisai.field.ui.screens

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.createSavedStateHandle
import androidx.lifecycle.viewmodel.compose.viewModel
import id.perisai.field.R
import id.perisai.field.ui.LoadingText
import id.perisai.field.ui.PerisaiScaffold
import id.perisai.field.ui.ProblemText
import id.perisai.field.ui.Share
import id.perisai.field.ui.core
import id.perisai.field.ui.screenPadding

/**
 * The participant's receipt: every line is the core's (amount, dates, masked NIK, and the payment
 * status, BELUM DIBAYAR until the server confirms). Sent to the participant's own number by SMS
 * or WhatsApp (the core's text), or through any app that takes text.
 */
@Composable
fun ReceiptScreen(onCash: () -> Unit, onDone: () -> Unit) {
    val vm: ReceiptViewModel = viewModel { ReceiptViewModel(core(), createSavedStateHandle()) }
    val state by vm.state.collectAsStateWithLifecycle()
    val context = LocalContext.current

    PerisaiScaffold(title = stringResource(R.string.receipt_title), onBack = onDone) { padding ->
        Column(
            Modifier.fillMaxSize().screenPadding(padding).verticalScroll(rememberScrollState()),
            verticalArrangement = Arrangement.spacedBy(8.dp),
        ) {
            state.problem?.let { ProblemText(it) }
            val r = state.receipt
            if (r == null) {
                if (state.problem == null) LoadingText()
                Button(onClick = onDone, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.receipt_done)) }
                return@Column
            }
            Text(
                r.paymentStatus,
                style = MaterialTheme.typography.headlineMedium,
                color = if (r.paid) MaterialTheme.colorScheme.primary else MaterialTheme.colorScheme.error,
            )
            if (!r.paid) Text(stringResource(R.string.receipt_unpaid_banner), style = MaterialTheme.typography.bodyMedium)
            r.lines.forEach { (label, value) ->
                // Label above value: long values (names, amounts with months) never squeeze.
                Column(Modifier.fillMaxWidth().semantics(mergeDescendants = true) {}) {
                    Text(label, style = MaterialTheme.typography.bodySmall)
                    Text(value, style = MaterialTheme.typography.bodyLarge)
                }
            }
            when (state.shared) {
                Share.Result.SHEET -> Text(stringResource(R.string.share_no_app_sheet))
                Share.Result.COPIED -> ProblemText(stringResource(R.string.share_copied))
                else -> Unit
            }
            Button(onClick = { vm.shared(Share.sms(context, r.phone, r.shareText)) }, modifier = Modifier.fillMaxWidth()) {
                Text(stringResource(R.string.receipt_share_sms))
            }
            OutlinedButton(onClick = { vm.shared(Share.whatsApp(context, r.phone, r.shareText)) }, modifier = Modifier.fillMaxWidth()) {
                Text(stringResource(R.string.receipt_share_whatsapp))
            }
            OutlinedButton(onClick = { vm.shared(Share.sheet(context, r.shareText)) }, modifier = Modifier.fillMaxWidth()) {
                Text(stringResource(R.string.receipt_share))
            }
            OutlinedButton(onClick = onCash, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.home_cash)) }
            Button(onClick = onDone, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.receipt_done)) }
        }
    }
}
