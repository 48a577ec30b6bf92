package id.perisai.field.ui.screens

import android.Manifest
import android.annotation.SuppressLint
import android.content.Context
import android.content.pm.PackageManager
import android.location.LocationManager
import android.os.CancellationSignal
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.core.content.ContextCompat
import androidx.core.location.LocationManagerCompat
import id.perisai.field.R
import id.perisai.field.logic.EnrollmentForm
import id.perisai.field.logic.FieldUi
import id.perisai.field.ui.ProblemText
import kotlin.coroutines.resume
import kotlinx.coroutines.launch
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlinx.coroutines.withTimeoutOrNull

/** How long the agent waits for a fix before being told there is none (under a market roof). */
const val LOCATION_TIMEOUT_MS = 30_000L

private enum class Locating { IDLE, WAITING, NONE, DENIED }

/**
 * The enrollment's location: a fresh fix (not the phone's last known one, which may be hours old
 * or from another town), with its accuracy shown, or after [LOCATION_TIMEOUT_MS] a message that
 * none came (the location is optional: the agent goes on without it).
 */
@Composable
internal fun LocationInput(field: FieldUi, label: String, vm: EnrollmentViewModel) {
    val context = LocalContext.current
    val scope = rememberCoroutineScope()
    var locating by remember { mutableStateOf(Locating.IDLE) }
    fun fetch() {
        locating = Locating.WAITING
        scope.launch {
            val fix = freshFix(context, LOCATION_TIMEOUT_MS)
            if (fix == null) {
                locating = Locating.NONE
            } else {
                vm.onLocation(field.key, fix)
                locating = Locating.IDLE
            }
        }
    }
    val permission = rememberLauncherForActivityResult(ActivityResultContracts.RequestPermission()) { granted ->
        if (granted) fetch() else locating = Locating.DENIED
    }
    Text(label, style = MaterialTheme.typography.bodyLarge)
    field.location?.let { Text(stringResource(R.string.form_location_taken, it.lat, it.lon, it.accuracyM)) }
    when (locating) {
        Locating.WAITING -> Text(stringResource(R.string.form_location_waiting))
        Locating.NONE -> ProblemText(stringResource(R.string.form_location_none))
        Locating.DENIED -> ProblemText(stringResource(R.string.form_location_denied))
        Locating.IDLE -> Unit
    }
    OutlinedButton(
        enabled = locating != Locating.WAITING,
        onClick = {
            val granted = ContextCompat.checkSelfPermission(context, Manifest.permission.ACCESS_FINE_LOCATION) ==
                PackageManager.PERMISSION_GRANTED
            if (granted) fetch() else permission.launch(Manifest.permission.ACCESS_FINE_LOCATION)
        },
        modifier = Modifier.fillMaxWidth(),
    ) { Text(stringResource(R.string.form_take_location)) }
}

/** A new fix from GPS (or the network where GPS is off), or null after [timeoutMs]. */
@SuppressLint("MissingPermission")
private suspend fun freshFix(context: Context, timeoutMs: Long): EnrollmentForm.Location? {
    val manager = ContextCompat.getSystemService(context, LocationManager::class.java) ?: return null
    val provider = when {
        manager.isProviderEnabled(LocationManager.GPS_PROVIDER) -> LocationManager.GPS_PROVIDER
        manager.isProviderEnabled(LocationManager.NETWORK_PROVIDER) -> LocationManager.NETWORK_PROVIDER
        else -> return null
    }
    return withTimeoutOrNull(timeoutMs) {
        suspendCancellableCoroutine { continuation ->
            val signal = CancellationSignal()
            continuation.invokeOnCancellation { signal.cancel() }
            LocationManagerCompat.getCurrentLocation(manager, provider, signal, ContextCompat.getMainExecutor(context)) { fix ->
                continuation.resume(fix?.let { EnrollmentForm.Location(it.latitude, it.longitude, it.accuracy.toDouble()) })
            }
        }
    }
}
