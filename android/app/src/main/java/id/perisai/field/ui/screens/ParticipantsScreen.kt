package id.perisai.field.ui.screens

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Card
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.produceState
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import id.perisai.field.R
import id.perisai.field.logic.MyParticipants
import id.perisai.field.platform.Core
import id.perisai.field.ui.PerisaiScaffold
import id.perisai.field.ui.io
import id.perisai.field.ui.screenPadding

/** "Peserta saya": approved participants, next month due, their payment code, and cash taken. */
@Composable
fun ParticipantsScreen(core: Core, onCash: (String) -> Unit, onBack: () -> Unit) {
    val rows by produceState(emptyList<MyParticipants.Row>()) { value = io { MyParticipants(core.app, core.lang).rows() } }
    PerisaiScaffold(title = stringResource(R.string.participants_title), onBack = onBack) { padding ->
        LazyColumn(Modifier.fillMaxSize().screenPadding(padding), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            if (rows.isEmpty()) item { Text(stringResource(R.string.participants_empty)) }
            items(rows, key = { it.recordId }) { p ->
                Card(Modifier.fillMaxWidth()) {
                    Column(Modifier.padding(12.dp)) {
                        Text(p.name, style = MaterialTheme.typography.titleMedium)
                        Text(p.nikMasked)
                        Text(stringResource(R.string.participants_due, p.nextDueLabel))
                        Text(p.paymentCode?.let { stringResource(R.string.participants_code, it) } ?: stringResource(R.string.participants_no_code))
                        p.paymentStatus?.let { Text(it, style = MaterialTheme.typography.bodySmall) }
                        TextButton(onClick = { onCash(p.recordId) }) { Text(stringResource(R.string.home_cash)) }
                    }
                }
            }
        }
    }
}
