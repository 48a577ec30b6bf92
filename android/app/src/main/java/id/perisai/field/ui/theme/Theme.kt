package id.perisai.field.ui.theme

import androidx.compose.foundation.isSystemInDarkTheme
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Typography
import androidx.compose.material3.darkColorScheme
import androidx.compose.material3.lightColorScheme
import androidx.compose.runtime.Composable
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.text.TextStyle
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.unit.sp

private val Green = Color(0xFF1B7F3B)
private val GreenDark = Color(0xFF7FD89A)
private val WarningLight = Color(0xFF8A5300)
private val WarningDark = Color(0xFFFFB951)

/** The colour of a warning the agent must confirm (errors use the scheme's error colour). */
val WarningColor: Color
    @Composable get() = if (isSystemInDarkTheme()) WarningDark else WarningLight

/**
 * Larger than Material's default scale: agents read in the sun at a market stall, often with
 * older eyes. Body text is 18 sp (Material: 16), small print never under 15 sp; every size is in
 * sp, so the phone's font size setting (up to 1.5× and more) scales it further.
 */
val PerisaiTypography: Typography = Typography().run {
    fun TextStyle.at(size: Int, line: Int, weight: FontWeight? = fontWeight) =
        copy(fontSize = size.sp, lineHeight = line.sp, fontWeight = weight)
    copy(
        headlineMedium = headlineMedium.at(30, 38),
        headlineSmall = headlineSmall.at(26, 34),
        titleLarge = titleLarge.at(24, 32),
        titleMedium = titleMedium.at(20, 28, FontWeight.SemiBold),
        titleSmall = titleSmall.at(18, 26, FontWeight.SemiBold),
        bodyLarge = bodyLarge.at(18, 26),
        bodyMedium = bodyMedium.at(17, 24),
        bodySmall = bodySmall.at(15, 22),
        labelLarge = labelLarge.at(17, 24, FontWeight.SemiBold),
        labelMedium = labelMedium.at(15, 22),
        labelSmall = labelSmall.at(14, 20),
    )
}

/** Material 3, BPJS green, the larger type scale; dark when the phone is. */
@Composable
fun PerisaiTheme(darkTheme: Boolean = isSystemInDarkTheme(), content: @Composable () -> Unit) {
    val colors = if (darkTheme) {
        darkColorScheme(primary = GreenDark, secondary = GreenDark)
    } else {
        lightColorScheme(primary = Green, secondary = Green)
    }
    MaterialTheme(colorScheme = colors, typography = PerisaiTypography, content = content)
}
