package id.perisai.field.ui.screens

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Card
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.LifecycleResumeEffect
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewmodel.compose.viewModel
import id.perisai.field.R
import id.perisai.field.logic.MyParticipants
import id.perisai.field.ui.LoadingText
import id.perisai.field.ui.PerisaiScaffold
import id.perisai.field.ui.ProblemText
import id.perisai.field.ui.Share
import id.perisai.field.ui.core
import id.perisai.field.ui.screenPadding

/**
 * "Peserta saya": approved participants, the month due (marked when late), their payment code,
 * and a call, a WhatsApp message or cash taken.
 */
@Composable
fun ParticipantsScreen(onCash: (String) -> Unit, onBack: () -> Unit) {
    val vm: ParticipantsViewModel = viewModel { ParticipantsViewModel(core()) }
    val state by vm.state.collectAsStateWithLifecycle()
    LifecycleResumeEffect(Unit) {
        vm.refresh()
        onPauseOrDispose { }
    }
    PerisaiScaffold(title = stringResource(R.string.participants_title), onBack = onBack) { padding ->
        LazyColumn(Modifier.fillMaxSize().screenPadding(padding), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            state.problem?.let { item { ProblemText(it) } }
            if (state.contacted == Share.Result.COPIED) item { ProblemText(stringResource(R.string.share_copied)) }
            val rows = state.rows
            if (rows == null && state.problem == null) item { LoadingText() }
            if (rows != null && rows.isEmpty()) item { Text(stringResource(R.string.participants_empty)) }
            items(rows.orEmpty(), key = { it.recordId }) { p -> ParticipantCard(p, onCash, vm) }
        }
    }
}

@OptIn(ExperimentalLayoutApi::class)
@Composable
private fun ParticipantCard(p: MyParticipants.Row, onCash: (String) -> Unit, vm: ParticipantsViewModel) {
    val context = LocalContext.current
    val reminder = stringResource(R.string.participants_reminder, p.nextDueLabel, p.paymentCode ?: "-")
    Card(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(2.dp)) {
            Text(p.name, style = MaterialTheme.typography.titleMedium)
            Text(p.nikMasked)
            Text(stringResource(R.string.participants_due, p.nextDueLabel))
            if (p.overdue) ProblemText(stringResource(R.string.participants_overdue))
            Text(p.paymentCode?.let { stringResource(R.string.participants_code, it) } ?: stringResource(R.string.participants_no_code))
            p.paymentStatus?.let { Text(it, style = MaterialTheme.typography.bodySmall) }
            // Buttons wrap onto a second line at large font sizes instead of being cut.
            FlowRow(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                OutlinedButton(onClick = { vm.contacted(Share.call(context, p.phone)) }) { Text(stringResource(R.string.participants_call)) }
                OutlinedButton(onClick = { vm.contacted(Share.whatsApp(context, p.phone, reminder)) }) {
                    Text(stringResource(R.string.participants_whatsapp))
                }
                OutlinedButton(onClick = { onCash(p.recordId) }) { Text(stringResource(R.string.home_cash)) }
            }
        }
    }
}
