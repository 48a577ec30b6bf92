package id.perisai.field.ui.screens

import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.KeyboardCapitalization
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.unit.dp
import com.journeyapps.barcodescanner.ScanContract
import com.journeyapps.barcodescanner.ScanOptions
import id.perisai.field.R
import id.perisai.field.logic.ActivationRequest
import id.perisai.field.logic.Outcome
import id.perisai.field.platform.Core
import id.perisai.field.ui.PerisaiScaffold
import id.perisai.field.ui.io
import id.perisai.field.ui.screenPadding
import kotlinx.coroutines.launch

/**
 * Activation: the branch's QR code (server, code, server-key fingerprint) or the typed server and
 * code. The core checks the code, signs with the new Keystore key and pins the server key.
 */
@Composable
fun ActivationScreen(core: Core, onDone: () -> Unit) {
    val scope = rememberCoroutineScope()
    var server by remember { mutableStateOf("") }
    var code by remember { mutableStateOf("") }
    var fingerprint by remember { mutableStateOf<String?>(null) }
    var message by remember { mutableStateOf<String?>(null) }
    var busy by remember { mutableStateOf(false) }
    val badQr = stringResource(R.string.activation_bad_qr)
    val doneText = stringResource(R.string.activation_done)

    val scanner = rememberLauncherForActivityResult(ScanContract()) { result ->
        val payload = result.contents ?: return@rememberLauncherForActivityResult
        val request = ActivationRequest.fromQr(payload)
        if (request == null) {
            message = badQr
        } else {
            server = request.serverUrl
            code = request.code
            fingerprint = request.fingerprint
        }
    }

    fun activate() {
        val request = ActivationRequest.typed(server, code)?.copy(fingerprint = fingerprint) ?: return
        busy = true
        scope.launch {
            message = when (val result = io { core.deviceSync.activate(request) }) {
                is Outcome.Ok -> doneText.format(result.value.agentId, result.value.branch)
                is Outcome.Refused -> result.problem.message
            }
            busy = false
        }
    }

    PerisaiScaffold(title = stringResource(R.string.activation_title), onBack = onDone) { padding ->
        Column(Modifier.fillMaxSize().screenPadding(padding), verticalArrangement = Arrangement.spacedBy(12.dp)) {
            Text(stringResource(R.string.activation_intro))
            OutlinedButton(
                onClick = { scanner.launch(ScanOptions().setDesiredBarcodeFormats(ScanOptions.QR_CODE).setBeepEnabled(false)) },
                modifier = Modifier.fillMaxWidth(),
            ) { Text(stringResource(R.string.activation_scan)) }
            OutlinedTextField(
                value = server,
                onValueChange = { server = it; fingerprint = null },
                label = { Text(stringResource(R.string.activation_server)) },
                keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Uri),
                singleLine = true,
                modifier = Modifier.fillMaxWidth(),
            )
            OutlinedTextField(
                value = code,
                onValueChange = { code = it },
                label = { Text(stringResource(R.string.activation_code)) },
                keyboardOptions = KeyboardOptions(capitalization = KeyboardCapitalization.Characters),
                singleLine = true,
                modifier = Modifier.fillMaxWidth(),
            )
            Button(onClick = ::activate, enabled = !busy, modifier = Modifier.fillMaxWidth()) {
                Text(stringResource(R.string.activation_submit))
            }
            message?.let { Text(it, style = MaterialTheme.typography.bodyLarge) }
            TextButton(onClick = onDone) { Text(stringResource(R.string.activation_later)) }
        }
    }
}
