package id.perisai.field.ui.screens

import androidx.biometric.BiometricManager
import androidx.biometric.BiometricManager.Authenticators.BIOMETRIC_WEAK
import androidx.biometric.BiometricPrompt
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.compose.ui.unit.dp
import androidx.core.content.ContextCompat
import androidx.fragment.app.FragmentActivity
import id.perisai.field.R
import id.perisai.field.logic.AppLock
import id.perisai.field.platform.Core
import id.perisai.field.platform.PinFile
import id.perisai.field.ui.PerisaiScaffold
import id.perisai.field.ui.io
import id.perisai.field.ui.screenPadding
import kotlinx.coroutines.launch

/**
 * The app lock: a 6-digit PIN (set on first start), or the phone's biometrics once a PIN exists.
 * The PIN rules and the wait after wrong tries are [AppLock]'s.
 */
@Composable
fun LockScreen(core: Core, activity: FragmentActivity, onUnlocked: () -> Unit) {
    val context = LocalContext.current
    val lock = remember { AppLock(PinFile(context)) }
    val scope = rememberCoroutineScope()
    var hasPin by remember { mutableStateOf(lock.hasPin) }
    var pin by remember { mutableStateOf("") }
    var firstPin by remember { mutableStateOf<String?>(null) }
    var message by remember { mutableStateOf<String?>(null) }
    val canUseBiometric = remember {
        BiometricManager.from(context).canAuthenticate(BIOMETRIC_WEAK) == BiometricManager.BIOMETRIC_SUCCESS
    }
    val wrongPin = stringResource(R.string.lock_wrong_pin)
    val wait = stringResource(R.string.lock_wait)
    val differ = stringResource(R.string.lock_pins_differ)

    fun biometric() {
        val prompt = BiometricPrompt(
            activity,
            ContextCompat.getMainExecutor(context),
            object : BiometricPrompt.AuthenticationCallback() {
                override fun onAuthenticationSucceeded(result: BiometricPrompt.AuthenticationResult) = onUnlocked()
            },
        )
        prompt.authenticate(
            BiometricPrompt.PromptInfo.Builder()
                .setTitle(context.getString(R.string.lock_biometric_title))
                .setNegativeButtonText(context.getString(R.string.lock_biometric_negative))
                .setAllowedAuthenticators(BIOMETRIC_WEAK)
                .build(),
        )
    }

    LaunchedEffect(Unit) { if (hasPin && canUseBiometric) biometric() }

    PerisaiScaffold(title = stringResource(R.string.lock_title)) { padding ->
        Column(Modifier.fillMaxSize().screenPadding(padding), verticalArrangement = Arrangement.spacedBy(12.dp)) {
            val prompt = when {
                hasPin -> R.string.lock_enter_pin
                firstPin == null -> R.string.lock_set_pin
                else -> R.string.lock_confirm_pin
            }
            Text(stringResource(prompt), style = MaterialTheme.typography.titleMedium)
            OutlinedTextField(
                value = pin,
                onValueChange = { typed -> pin = typed.filter { it.isDigit() }.take(AppLock.PIN_LENGTH) },
                visualTransformation = PasswordVisualTransformation(),
                keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.NumberPassword),
                singleLine = true,
            )
            message?.let { Text(it, color = MaterialTheme.colorScheme.error) }
            Button(
                enabled = lock.isAcceptable(pin),
                onClick = {
                    val typed = pin
                    pin = ""
                    scope.launch {
                        if (!hasPin) {
                            val first = firstPin
                            when {
                                first == null -> firstPin = typed
                                first == typed -> {
                                    io { lock.setPin(typed) }
                                    hasPin = true
                                    onUnlocked()
                                }
                                else -> {
                                    firstPin = null
                                    message = differ
                                }
                            }
                            return@launch
                        }
                        when (val result = io { lock.unlock(typed) }) {
                            AppLock.Result.Unlocked -> onUnlocked()
                            is AppLock.Result.Wrong -> message = wrongPin.format(result.triesBeforeWait)
                            is AppLock.Result.Wait -> message = wait.format(result.seconds)
                        }
                    }
                },
            ) { Text(stringResource(R.string.lock_unlock)) }
            if (hasPin && canUseBiometric) {
                OutlinedButton(onClick = { biometric() }) { Text(stringResource(R.string.lock_use_biometric)) }
            }
        }
    }
}
