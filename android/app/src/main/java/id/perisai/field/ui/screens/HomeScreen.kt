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
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.LifecycleResumeEffect
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewmodel.compose.viewModel
import androidx.work.WorkManager
import id.perisai.field.R
import id.perisai.field.sync.SyncWorker
import id.perisai.field.ui.LoadingText
import id.perisai.field.ui.PerisaiScaffold
import id.perisai.field.ui.ProblemText
import id.perisai.field.ui.core
import id.perisai.field.ui.screenPadding

/** Home: the queue counts from the core, the last sync and why it stopped, and "Kirim". */
@Composable
fun HomeScreen(
    onNewEnrollment: () -> Unit,
    onMyEnrollments: () -> Unit,
    onParticipants: () -> Unit,
    onCommission: () -> Unit,
    onActivate: () -> Unit,
) {
    val vm: HomeViewModel = viewModel { HomeViewModel(core()) }
    val state by vm.state.collectAsStateWithLifecycle()
    LifecycleResumeEffect(Unit) {
        vm.refresh()
        onPauseOrDispose { }
    }
    // A sync run that ends (here or in the background) changes the counts: reload.
    val context = LocalContext.current
    LaunchedEffect(Unit) {
        WorkManager.getInstance(context).getWorkInfosForUniqueWorkFlow(SyncWorker.NOW).collect { vm.refresh() }
    }

    PerisaiScaffold(title = stringResource(R.string.home_title)) { padding ->
        Column(
            Modifier.fillMaxSize().screenPadding(padding).verticalScroll(rememberScrollState()),
            verticalArrangement = Arrangement.spacedBy(12.dp),
        ) {
            state.problem?.let { ProblemText(it) }
            state.syncProblem?.let { ProblemText(stringResource(R.string.home_sync_stopped, it)) }
            val s = state.home
            if (s == null && state.problem == null) LoadingText()
            if (s != null) {
                Card(Modifier.fillMaxWidth()) {
                    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(6.dp)) {
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
                    onClick = vm::sendNow,
                    // A sync also brings decisions and payment codes back: useful with an empty queue.
                    enabled = s.activated && !s.suspended,
                    modifier = Modifier.fillMaxWidth(),
                ) { Text(stringResource(R.string.home_send_now)) }
                if (state.sendRequested) Text(stringResource(R.string.home_send_queued), style = MaterialTheme.typography.bodySmall)
                if (!s.activated) ProblemText(stringResource(R.string.home_not_activated))
                if (s.suspended) ProblemText(stringResource(R.string.home_suspended))
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
    // One node for TalkBack: "Menunggu dikirim, 2".
    Row(Modifier.fillMaxWidth().semantics(mergeDescendants = true) {}, horizontalArrangement = Arrangement.spacedBy(8.dp)) {
        Text(label, modifier = Modifier.weight(1f))
        Text(count.toString(), style = MaterialTheme.typography.titleMedium)
    }
}
