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
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.produceState
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import id.perisai.field.R
import id.perisai.field.logic.MyEnrollments
import id.perisai.field.platform.Core
import id.perisai.field.ui.PerisaiScaffold
import id.perisai.field.ui.io
import id.perisai.field.ui.screenPadding
import id.perisai.field.ui.theme.WarningColor

/** "Pendaftaran saya": every record with its review state; "has issues" ones stand out. */
@Composable
fun MyEnrollmentsScreen(core: Core, onOpen: (String) -> Unit, onBack: () -> Unit) {
    var onlyFix by remember { mutableStateOf(false) }
    val rows by produceState(emptyList<MyEnrollments.Row>(), onlyFix) {
        value = io { MyEnrollments(core.app, core.lang).rows(onlyNeedsFix = onlyFix) }
    }
    PerisaiScaffold(title = stringResource(R.string.mine_title), onBack = onBack) { padding ->
        LazyColumn(Modifier.fillMaxSize().screenPadding(padding), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            item {
                FilterChip(selected = onlyFix, onClick = { onlyFix = !onlyFix }, label = { Text(stringResource(R.string.mine_only_fix)) })
            }
            if (rows.isEmpty()) item { Text(stringResource(R.string.mine_empty)) }
            items(rows, key = { it.id }) { row ->
                Card(Modifier.fillMaxWidth().clickable { onOpen(row.id) }) {
                    Column(Modifier.padding(12.dp)) {
                        Text(row.name ?: "—", style = MaterialTheme.typography.titleMedium)
                        Text(listOfNotNull(row.receiptNo?.let { "#$it" }, row.reference).joinToString("  "))
                        Text(row.stateLabel, color = if (row.needsFix) WarningColor else MaterialTheme.colorScheme.onSurface)
                    }
                }
            }
        }
    }
}
