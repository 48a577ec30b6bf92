package id.perisai.field.ui.screens

import android.content.Intent
import android.net.Uri
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
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
import androidx.compose.runtime.produceState
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import id.perisai.field.R
import id.perisai.field.logic.ReceiptView
import id.perisai.field.platform.Core
import id.perisai.field.ui.PerisaiScaffold
import id.perisai.field.ui.io
import id.perisai.field.ui.screenPadding

/**
 * The participant's receipt: every line is the core's (amount, dates, masked NIK, and the payment
 * status, BELUM DIBAYAR until the server confirms). Shared by SMS or the share sheet.
 */
@Composable
fun ReceiptScreen(core: Core, id: String, onCash: () -> Unit, onDone: () -> Unit) {
    val context = LocalContext.current
    val view by produceState<ReceiptView?>(null, id) { value = io { ReceiptView.load(core.app, id, core.lang) } }

    PerisaiScaffold(title = stringResource(R.string.receipt_title), onBack = onDone) { padding ->
        val r = view ?: return@PerisaiScaffold
        Column(
            Modifier.fillMaxSize().screenPadding(padding).verticalScroll(rememberScrollState()),
            verticalArrangement = Arrangement.spacedBy(8.dp),
        ) {
            Text(r.paymentStatus, style = MaterialTheme.typography.headlineMedium, color = if (r.paid) MaterialTheme.colorScheme.primary else MaterialTheme.colorScheme.error)
            if (!r.paid) Text(stringResource(R.string.receipt_unpaid_banner), style = MaterialTheme.typography.bodySmall)
            r.lines.forEach { (label, value) ->
                Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.SpaceBetween) {
                    Text(label)
                    Text(value, style = MaterialTheme.typography.bodyLarge)
                }
            }
            Button(
                onClick = {
                    val sms = Intent(Intent.ACTION_SENDTO, Uri.parse("smsto:")).putExtra("sms_body", r.shareText())
                    context.startActivity(sms)
                },
                modifier = Modifier.fillMaxWidth(),
            ) { Text(stringResource(R.string.receipt_share_sms)) }
            OutlinedButton(
                onClick = {
                    val send = Intent(Intent.ACTION_SEND).setType("text/plain").putExtra(Intent.EXTRA_TEXT, r.shareText())
                    context.startActivity(Intent.createChooser(send, null))
                },
                modifier = Modifier.fillMaxWidth(),
            ) { Text(stringResource(R.string.receipt_share)) }
            OutlinedButton(onClick = onCash, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.home_cash)) }
            Button(onClick = onDone, modifier = Modifier.fillMaxWidth()) { Text(stringResource(R.string.receipt_done)) }
        }
    }
}
