package id.perisai.field.ui.screens

import android.content.Context
import android.content.ContextWrapper
import androidx.biometric.BiometricManager
import androidx.biometric.BiometricManager.Authenticators.BIOMETRIC_WEAK
import androidx.biometric.BiometricPrompt
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.text.KeyboardActions
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.remember
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.ImeAction
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.compose.ui.unit.dp
import androidx.core.content.ContextCompat
import androidx.fragment.app.FragmentActivity
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewmodel.compose.viewModel
import id.perisai.field.R
import id.perisai.field.ui.PerisaiScaffold
import id.perisai.field.ui.ProblemText
import id.perisai.field.ui.core
import id.perisai.field.ui.screenPadding

/**
 * The app lock, in front of every screen while [id.perisai.field.logic.LockGate] says locked:
 * set or enter the PIN, the phone's biometrics once a PIN exists, or "Lupa PIN?" (re-activation).
 */
@Composable
fun LockScreen(onUnlocked: () -> Unit) {
    val vm: LockViewModel = viewModel { LockViewModel(core()) }
    val state by vm.state.collectAsStateWithLifecycle()
    val step = state.step ?: return
    if (step == LockViewModel.Step.RESET) {
        ActivationScreen(resetPin = true, onDone = vm::resetDone, onBack = vm::cancelReset)
        return
    }
    val context = LocalContext.current
    val canUseBiometric = remember {
        BiometricManager.from(context).canAuthenticate(BIOMETRIC_WEAK) == BiometricManager.BIOMETRIC_SUCCESS
    }
    val activity = remember(context) { context.findFragmentActivity() }
    val biometricTitle = stringResource(R.string.lock_biometric_title)
    val biometricNegative = stringResource(R.string.lock_biometric_negative)
    fun biometric() {
        val host = activity ?: return
        BiometricPrompt(
            host,
            ContextCompat.getMainExecutor(context),
            object : BiometricPrompt.AuthenticationCallback() {
                override fun onAuthenticationSucceeded(result: BiometricPrompt.AuthenticationResult) = onUnlocked()
            },
        ).authenticate(
            BiometricPrompt.PromptInfo.Builder()
                .setTitle(biometricTitle)
                .setNegativeButtonText(biometricNegative)
                .setAllowedAuthenticators(BIOMETRIC_WEAK)
                .build(),
        )
    }
    val offerBiometric = step == LockViewModel.Step.ENTER && canUseBiometric && activity != null
    LaunchedEffect(offerBiometric) { if (offerBiometric) biometric() }

    PerisaiScaffold(title = stringResource(R.string.lock_title)) { padding ->
        Column(
            Modifier.fillMaxSize().screenPadding(padding).verticalScroll(rememberScrollState()),
            verticalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            val prompt = when (step) {
                LockViewModel.Step.ENTER -> R.string.lock_enter_pin
                LockViewModel.Step.CONFIRM -> R.string.lock_confirm_pin
                else -> R.string.lock_set_pin
            }
            Text(stringResource(prompt), style = MaterialTheme.typography.titleMedium)
            OutlinedTextField(
                value = state.pin,
                onValueChange = vm::onPinChange,
                label = { Text(stringResource(R.string.lock_pin_label)) },
                visualTransformation = PasswordVisualTransformation(),
                keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.NumberPassword, imeAction = ImeAction.Done),
                keyboardActions = KeyboardActions(onDone = { vm.submit(onUnlocked) }),
                singleLine = true,
                modifier = Modifier.fillMaxWidth().testTag("pin"),
            )
            when (val note = state.note) {
                is LockViewModel.Note.Wrong -> ProblemText(stringResource(R.string.lock_wrong_pin, note.triesBeforeWait))
                is LockViewModel.Note.Wait -> ProblemText(stringResource(R.string.lock_wait, note.seconds.toInt()))
                LockViewModel.Note.Differ -> ProblemText(stringResource(R.string.lock_pins_differ))
                LockViewModel.Note.NewPinAfterReset -> Text(stringResource(R.string.lock_reset_done))
                null -> Unit
            }
            Button(
                enabled = state.canSubmit,
                onClick = { vm.submit(onUnlocked) },
                modifier = Modifier.fillMaxWidth(),
            ) { Text(stringResource(R.string.lock_unlock)) }
            if (offerBiometric) {
                OutlinedButton(onClick = { biometric() }, modifier = Modifier.fillMaxWidth()) {
                    Text(stringResource(R.string.lock_use_biometric))
                }
            }
            if (step == LockViewModel.Step.ENTER) {
                TextButton(onClick = vm::startReset) { Text(stringResource(R.string.lock_forgot)) }
            }
        }
    }
}

/** The FragmentActivity BiometricPrompt needs, from a Compose context (null in previews). */
private fun Context.findFragmentActivity(): FragmentActivity? {
    var c: Context? = this
    while (c is ContextWrapper) {
        if (c is FragmentActivity) return c
        c = c.baseContext
    }
    return null
}
