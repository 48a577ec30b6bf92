package id.perisai.field.ui.screens

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Card
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.LifecycleResumeEffect
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.createSavedStateHandle
import androidx.lifecycle.viewmodel.compose.viewModel
import id.perisai.ffi.RecordState
import id.perisai.field.R
import id.perisai.field.ui.LoadingText
import id.perisai.field.ui.PerisaiScaffold
import id.perisai.field.ui.ProblemText
import id.perisai.field.ui.core
import id.perisai.field.ui.screenPadding
import id.perisai.field.ui.theme.WarningColor

/**
 * "Pendaftaran saya": every record with its review state; "has issues" ones stand out. A draft
 * opens in the form (to finish it), any other record its detail.
 */
@Composable
fun MyEnrollmentsScreen(onOpen: (String) -> Unit, onOpenDraft: (String) -> Unit, onBack: () -> Unit) {
    val vm: MyEnrollmentsViewModel = viewModel { MyEnrollmentsViewModel(core(), createSavedStateHandle()) }
    val state by vm.state.collectAsStateWithLifecycle()
    LifecycleResumeEffect(Unit) {
        vm.refresh()
        onPauseOrDispose { }
    }
    PerisaiScaffold(title = stringResource(R.string.mine_title), onBack = onBack) { padding ->
        LazyColumn(Modifier.fillMaxSize().screenPadding(padding), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            state.problem?.let { item { ProblemText(it) } }
            item {
                FilterChip(selected = state.onlyFix, onClick = vm::toggleOnlyFix, label = { Text(stringResource(R.string.mine_only_fix)) })
            }
            val rows = state.rows
            if (rows == null && state.problem == null) item { LoadingText() }
            if (rows != null && rows.isEmpty()) item { Text(stringResource(R.string.mine_empty)) }
            items(rows.orEmpty(), key = { it.id }) { row ->
                val open = { if (row.state == RecordState.DRAFT) onOpenDraft(row.id) else onOpen(row.id) }
                Card(Modifier.fillMaxWidth().clickable(onClick = open)) {
                    Column(Modifier.padding(12.dp)) {
                        Text(row.name ?: stringResource(R.string.mine_no_name), style = MaterialTheme.typography.titleMedium)
                        val number = listOfNotNull(row.receiptNo?.let { "#$it" }, row.reference).joinToString("  ")
                        if (number.isNotEmpty()) Text(number, style = MaterialTheme.typography.bodyMedium)
                        Text(row.stateLabel, color = if (row.needsFix) WarningColor else MaterialTheme.colorScheme.onSurface)
                    }
                }
            }
        }
    }
}
