package id.perisai.field.ui.screens

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
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
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.dp
import androidx.lifecycle.viewmodel.compose.viewModel
import id.perisai.field.R
import id.perisai.field.logic.Commission
import id.perisai.field.ui.PerisaiScaffold
import id.perisai.field.ui.ProblemText
import id.perisai.field.ui.core
import id.perisai.field.ui.screenPadding
import id.perisai.field.ui.theme.WarningColor

/**
 * Commission: a month's statement as the core keeps it offline, the issued one ("Resmi") or the
 * server's latest estimate ("Sementara per …", clearly marked), with the month before and after.
 * Every amount and date is [Commission]'s wording of the core's statement (DOMAIN.md §7).
 */
@Composable
fun CommissionScreen(onBack: () -> Unit) {
    val vm: CommissionViewModel = viewModel { CommissionViewModel(core()) }
    val state by vm.state.collectAsStateWithLifecycle()
    PerisaiScaffold(title = stringResource(R.string.commission_title), onBack = onBack) { padding ->
        LazyColumn(Modifier.fillMaxSize().screenPadding(padding), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            state.problem?.let { p -> item { ProblemText(p) } }
            val v = state.view ?: return@LazyColumn
            item {
                // The month on its own line, the two buttons sharing the next: nothing is cut at
                // a large font size.
                Column(verticalArrangement = Arrangement.spacedBy(8.dp)) {
                    Text(v.monthLabel, style = MaterialTheme.typography.titleLarge)
                    Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                        OutlinedButton(onClick = vm::previous, enabled = !state.busy, modifier = Modifier.weight(1f)) {
                            Text(stringResource(R.string.commission_previous))
                        }
                        OutlinedButton(onClick = vm::next, enabled = !state.busy && v.canGoNext, modifier = Modifier.weight(1f)) {
                            Text(stringResource(R.string.commission_next))
                        }
                    }
                }
            }
            item { StatusCard(v) }
            item { Totals(v) }
            if (v.lines.isEmpty()) {
                item { Text(stringResource(R.string.commission_empty), style = MaterialTheme.typography.bodyMedium) }
            } else {
                item { Text(stringResource(R.string.commission_lines), style = MaterialTheme.typography.titleSmall) }
                items(v.lines) { line -> LineCard(line) }
            }
        }
    }
}

/** Confirmed or provisional, never to be mistaken for each other. */
@Composable
private fun StatusCard(v: Commission.View) {
    Card(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(12.dp), verticalArrangement = Arrangement.spacedBy(4.dp)) {
            Text(
                v.statusText,
                style = MaterialTheme.typography.titleMedium,
                color = if (v.confirmed) MaterialTheme.colorScheme.primary else WarningColor,
            )
            Text(v.statusNote, style = MaterialTheme.typography.bodySmall)
        }
    }
}

@Composable
private fun Totals(v: Commission.View) {
    Column(verticalArrangement = Arrangement.spacedBy(4.dp)) {
        v.totals.forEachIndexed { i, (label, amount) ->
            val last = i == v.totals.lastIndex
            Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                Text(label, fontWeight = if (last) FontWeight.Bold else null, modifier = Modifier.weight(1f))
                Text(amount, style = if (last) MaterialTheme.typography.titleMedium else MaterialTheme.typography.bodyLarge)
            }
        }
    }
}

@Composable
private fun LineCard(line: Commission.Line) {
    Card(Modifier.fillMaxWidth()) {
        Column(Modifier.padding(12.dp)) {
            Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                Text(line.participant ?: line.kindLabel, style = MaterialTheme.typography.titleSmall, modifier = Modifier.weight(1f))
                Text(line.amountFormatted, style = MaterialTheme.typography.bodyLarge)
            }
            if (line.participant != null) Text(line.kindLabel, style = MaterialTheme.typography.bodySmall)
            Text(line.note, style = MaterialTheme.typography.bodySmall)
        }
    }
}
