package id.perisai.field.ui.theme

import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.darkColorScheme
import androidx.compose.material3.lightColorScheme
import androidx.compose.foundation.isSystemInDarkTheme
import androidx.compose.runtime.Composable
import androidx.compose.ui.graphics.Color

private val Green = Color(0xFF1B7F3B)
private val GreenDark = Color(0xFF7FD89A)
private val Warning = Color(0xFFB26A00)

/** The colour of a warning the agent must confirm (errors use the scheme's error colour). */
val WarningColor: Color = Warning

/** Material 3, BPJS green; large type by default for readers outdoors in the sun. */
@Composable
fun PerisaiTheme(content: @Composable () -> Unit) {
    val colors = if (isSystemInDarkTheme()) {
        darkColorScheme(primary = GreenDark, secondary = GreenDark)
    } else {
        lightColorScheme(primary = Green, secondary = Green)
    }
    MaterialTheme(colorScheme = colors, content = content)
}
