package id.perisai.field.ui.screens

import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.KeyboardCapitalization
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewmodel.compose.viewModel
import androidx.lifecycle.createSavedStateHandle
import com.journeyapps.barcodescanner.ScanContract
import com.journeyapps.barcodescanner.ScanOptions
import id.perisai.field.R
import id.perisai.field.ui.PerisaiScaffold
import id.perisai.field.ui.ProblemText
import id.perisai.field.ui.core
import id.perisai.field.ui.screenPadding

/**
 * Activation by the branch's QR code or by the typed server and code; with [resetPin], the way
 * back in after a forgotten PIN ([onDone] then asks for a new PIN).
 */
@Composable
fun ActivationScreen(resetPin: Boolean, onDone: () -> Unit, onBack: () -> Unit = onDone) {
    val vm: ActivationViewModel = viewModel(key = "activation-$resetPin") {
        ActivationViewModel(core(), createSavedStateHandle(), resetPin)
    }
    val state by vm.state.collectAsStateWithLifecycle()
    val scanner = rememberLauncherForActivityResult(ScanContract()) { result ->
        result.contents?.let(vm::onQr)
    }
    val title = stringResource(if (resetPin) R.string.reset_title else R.string.activation_title)
    PerisaiScaffold(title = title, onBack = onBack) { padding ->
        Column(
            Modifier.fillMaxSize().screenPadding(padding).verticalScroll(rememberScrollState()),
            verticalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            val done = state.done
            if (done != null) {
                Text(stringResource(R.string.activation_done, done.first, done.second), style = MaterialTheme.typography.titleMedium)
                Button(onClick = onDone, modifier = Modifier.fillMaxWidth()) {
                    Text(stringResource(if (resetPin) R.string.reset_set_new_pin else R.string.receipt_done))
                }
                return@Column
            }
            Text(stringResource(if (resetPin) R.string.reset_intro else R.string.activation_intro))
            OutlinedButton(
                onClick = { scanner.launch(ScanOptions().setDesiredBarcodeFormats(ScanOptions.QR_CODE).setBeepEnabled(false)) },
                modifier = Modifier.fillMaxWidth(),
            ) { Text(stringResource(R.string.activation_scan)) }
            if (state.badQr) ProblemText(stringResource(R.string.activation_bad_qr))
            OutlinedTextField(
                value = state.server,
                onValueChange = vm::onServerChange,
                label = { Text(stringResource(R.string.activation_server)) },
                keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Uri),
                singleLine = true,
                modifier = Modifier.fillMaxWidth().testTag("server"),
            )
            OutlinedTextField(
                value = state.code,
                onValueChange = vm::onCodeChange,
                label = { Text(stringResource(R.string.activation_code)) },
                keyboardOptions = KeyboardOptions(capitalization = KeyboardCapitalization.Characters, keyboardType = KeyboardType.Ascii),
                singleLine = true,
                modifier = Modifier.fillMaxWidth().testTag("code"),
            )
            if (state.fingerprint != null) {
                Text(stringResource(R.string.activation_from_qr), style = MaterialTheme.typography.bodySmall)
            }
            if (state.incomplete) ProblemText(stringResource(R.string.activation_incomplete))
            state.problem?.let { ProblemText(it) }
            Button(onClick = vm::activate, enabled = !state.busy, modifier = Modifier.fillMaxWidth()) {
                Text(stringResource(if (state.busy) R.string.activation_busy else R.string.activation_submit))
            }
            if (!resetPin) {
                TextButton(onClick = onDone) { Text(stringResource(R.string.activation_later)) }
            }
        }
    }
}
