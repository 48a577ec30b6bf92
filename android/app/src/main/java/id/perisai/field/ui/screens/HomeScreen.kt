package id.perisai.field.ui.screens

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.LifecycleResumeEffect
import id.perisai.field.R
import id.perisai.field.logic.HomeState
import id.perisai.field.logic.Outcome
import id.perisai.field.logic.coreCall
import id.perisai.field.platform.Core
import id.perisai.field.sync.SyncWorker
import id.perisai.field.ui.PerisaiScaffold
import id.perisai.field.ui.io
import id.perisai.field.ui.screenPadding

/** Home: the queue counts from the core, the last sync, and "Kirim". */
@Composable
fun HomeScreen(
    core: Core,
    onNewEnrollment: () -> Unit,
    onMyEnrollments: () -> Unit,
    onParticipants: () -> Unit,
    onCommission: () -> Unit,
    onActivate: () -> Unit,
) {
    val context = LocalContext.current
    var state by remember { mutableStateOf<HomeState?>(null) }
    var sendRequested by remember { mutableStateOf(false) }
    var refresh by remember { mutableStateOf(0) }

    LifecycleResumeEffect(Unit) {
        refresh++
        onPauseOrDispose { }
    }
    var problem by remember { mutableStateOf<String?>(null) }
    LaunchedEffect(refresh) {
        // The store may refuse to open (store.key: the Keystore key is gone); say so, never crash.
        when (val result = io { coreCall(core.lang) { HomeState.load(core.app) } }) {
            is Outcome.Ok -> state = result.value
            is Outcome.Refused -> problem = result.problem.message
        }
    }

    PerisaiScaffold(title = stringResource(R.string.home_title)) { padding ->
        Column(
            Modifier.fillMaxSize().screenPadding(padding).verticalScroll(rememberScrollState()),
            verticalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            problem?.let { Text(it, color = MaterialTheme.colorScheme.error) }
            val s = state
            if (s != null) {
                Card(Modifier.fillMaxWidth()) {
                    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
                        Count(stringResource(R.string.home_to_send), s.toSend)
                        Count(stringResource(R.string.home_sending), s.sending)
                        Count(stringResource(R.string.home_awaiting_review), s.awaitingReview)
                        Count(stringResource(R.string.home_approved), s.approved)
                        Count(stringResource(R.string.home_needs_fix), s.needsFix)
                        Count(stringResource(R.string.home_drafts), s.drafts)
                        if (s.unsentCash > 0) Count(stringResource(R.string.home_unsent_cash), s.unsentCash)
                        Text(
                            s.lastSync?.let { stringResource(R.string.home_last_sync, it) }
                                ?: stringResource(R.string.home_never_synced),
                            style = MaterialTheme.typography.bodySmall,
                        )
                    }
                }
                Button(
                    onClick = {
                        SyncWorker.sendNow(context)
                        sendRequested = true
                    },
                    // A sync also brings decisions and payment codes back: useful with an empty queue.
                    enabled = s.activated && !s.suspended,
                    modifier = Modifier.fillMaxWidth(),
                ) { Text(stringResource(R.string.home_send_now)) }
                if (sendRequested) Text(stringResource(R.string.home_send_queued), style = MaterialTheme.typography.bodySmall)
                if (!s.activated) Text(stringResource(R.string.home_not_activated), color = MaterialTheme.colorScheme.error)
                if (s.suspended) Text(stringResource(R.string.home_suspended), color = MaterialTheme.colorScheme.error)
            }
            Button(onClick = onNewEnrollment, modifier = Modifier.fillMaxWidth()) {
                Text(stringResource(R.string.home_new_enrollment))
            }
            OutlinedButton(onClick = onMyEnrollments, modifier = Modifier.fillMaxWidth()) {
                Text(stringResource(R.string.home_my_enrollments))
            }
            OutlinedButton(onClick = onParticipants, modifier = Modifier.fillMaxWidth()) {
                Text(stringResource(R.string.home_participants))
            }
            OutlinedButton(onClick = onCommission, modifier = Modifier.fillMaxWidth()) {
                Text(stringResource(R.string.home_commission))
            }
            OutlinedButton(onClick = onActivate, modifier = Modifier.fillMaxWidth()) {
                Text(stringResource(R.string.activation_title))
            }
        }
    }
}

@Composable
private fun Count(label: String, count: Long) {
    Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.SpaceBetween) {
        Text(label)
        Text(count.toString(), style = MaterialTheme.typography.titleMedium)
    }
}
