package id.perisai.field.ui.screens

import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import id.perisai.field.R
import id.perisai.field.ui.PerisaiScaffold
import id.perisai.field.ui.screenPadding

/**
 * Commission: the confirmed statements sync brings and the running month's provisional estimate,
 * both computed by the server and the core (DOMAIN.md §7). The facade does not export them yet
 * (`AgentApp.commission`); until it does, this screen only says where they will appear.
 */
@Composable
fun CommissionScreen(onBack: () -> Unit) {
    PerisaiScaffold(title = stringResource(R.string.commission_title), onBack = onBack) { padding ->
        Text(stringResource(R.string.commission_pending), Modifier.fillMaxSize().screenPadding(padding))
    }
}
