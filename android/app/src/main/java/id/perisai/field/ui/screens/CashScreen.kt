package id.perisai.field.ui.screens

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import id.perisai.field.R
import id.perisai.field.ui.PerisaiScaffold
import id.perisai.field.ui.screenPadding

/**
 * Cash collected from participant [recordId]: amount, months, time, recorded in the core so the
 * server can reconcile it with the payment channel (DOMAIN.md §6). The facade does not export the
 * call yet (`AgentApp.record_cash`); the receipt keeps saying BELUM DIBAYAR either way.
 */
@Composable
fun CashScreen(@Suppress("UNUSED_PARAMETER") recordId: String, onDone: () -> Unit) {
    PerisaiScaffold(title = stringResource(R.string.cash_title), onBack = onDone) { padding ->
        Column(Modifier.fillMaxSize().screenPadding(padding), verticalArrangement = Arrangement.spacedBy(12.dp)) {
            Text(stringResource(R.string.cash_pending))
            Text(stringResource(R.string.receipt_unpaid_banner))
        }
    }
}
