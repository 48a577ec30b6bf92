package id.perisai.field.ui

import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.automirrored.filled.ArrowBack
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.TopAppBar
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import id.perisai.field.R
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext

/** Core calls block: every screen makes them through this. */
suspend fun <T> io(block: () -> T): T = withContext(Dispatchers.IO) { block() }

/** A screen with a title and, when [onBack] is given, a back arrow. */
@OptIn(ExperimentalMaterial3Api::class)
@Composable
fun PerisaiScaffold(
    title: String,
    onBack: (() -> Unit)? = null,
    content: @Composable (PaddingValues) -> Unit,
) {
    Scaffold(
        topBar = {
            TopAppBar(
                title = { Text(title) },
                navigationIcon = {
                    if (onBack != null) {
                        IconButton(onClick = onBack) {
                            Icon(Icons.AutoMirrored.Filled.ArrowBack, contentDescription = stringResource(R.string.back))
                        }
                    }
                },
            )
        },
        modifier = Modifier.fillMaxSize(),
    ) { padding -> content(padding) }
}

/** The screen's content area: inside the scaffold's bars, with a margin. */
fun Modifier.screenPadding(padding: PaddingValues): Modifier = this.padding(padding).padding(16.dp)
