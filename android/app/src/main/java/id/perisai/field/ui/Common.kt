package id.perisai.field.ui

import androidx.compose.foundation.layout.PaddingValues
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.automirrored.filled.ArrowBack
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Text
import androidx.compose.material3.TopAppBar
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.dp
import androidx.lifecycle.ViewModelProvider.AndroidViewModelFactory.Companion.APPLICATION_KEY
import androidx.lifecycle.viewmodel.CreationExtras
import id.perisai.field.PerisaiApplication
import id.perisai.field.R
import id.perisai.field.platform.Core

/** The app's [Core], for a ViewModel's initializer (`viewModel { XViewModel(core(), …) }`). */
fun CreationExtras.core(): Core = (checkNotNull(this[APPLICATION_KEY]) as PerisaiApplication).core

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
                // At 1.5x font size a long title takes two lines rather than being cut.
                title = { Text(title, maxLines = 2, overflow = TextOverflow.Ellipsis) },
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

/** A problem from the core, in words, read out by TalkBack when it appears. */
@Composable
fun ProblemText(message: String, modifier: Modifier = Modifier) {
    Text(
        message,
        color = MaterialTheme.colorScheme.error,
        style = MaterialTheme.typography.bodyLarge,
        modifier = modifier.testTag("problem").semantics { liveRegion = LiveRegionMode.Polite },
    )
}

/** While a screen's content loads from the core. */
@Composable
fun LoadingText() {
    Text(stringResource(R.string.loading), style = MaterialTheme.typography.bodyLarge)
}
