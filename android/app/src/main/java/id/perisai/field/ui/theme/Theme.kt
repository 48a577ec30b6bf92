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

/**
 * BPJS green, every role of it: Material's own defaults are a purple family (a purple label on a
 * green button in the dark theme, pink-tinted surfaces), so each role is set here, the greens and
 * green-greys of one tonal palette around the brand green.
 */
val PerisaiLightColors = lightColorScheme(
    primary = Green,
    onPrimary = Color(0xFFFFFFFF),
    primaryContainer = Color(0xFFA4F4B5),
    onPrimaryContainer = Color(0xFF00210C),
    inversePrimary = Color(0xFF89D89A),
    secondary = Color(0xFF4F6353),
    onSecondary = Color(0xFFFFFFFF),
    secondaryContainer = Color(0xFFD2E8D4),
    onSecondaryContainer = Color(0xFF0D1F13),
    tertiary = Color(0xFF3A656F),
    onTertiary = Color(0xFFFFFFFF),
    tertiaryContainer = Color(0xFFBEEAF6),
    onTertiaryContainer = Color(0xFF001F25),
    background = Color(0xFFF7FBF3),
    onBackground = Color(0xFF181D18),
    surface = Color(0xFFF7FBF3),
    onSurface = Color(0xFF181D18),
    surfaceVariant = Color(0xFFDDE5DA),
    onSurfaceVariant = Color(0xFF414941),
    surfaceTint = Green,
    inverseSurface = Color(0xFF2D322D),
    inverseOnSurface = Color(0xFFEEF2EA),
    outline = Color(0xFF717970),
    outlineVariant = Color(0xFFC1C9BE),
    surfaceBright = Color(0xFFF7FBF3),
    surfaceDim = Color(0xFFD7DBD3),
    surfaceContainerLowest = Color(0xFFFFFFFF),
    surfaceContainerLow = Color(0xFFF1F5ED),
    surfaceContainer = Color(0xFFEBEFE7),
    surfaceContainerHigh = Color(0xFFE5EAE2),
    surfaceContainerHighest = Color(0xFFE0E4DC),
)

val PerisaiDarkColors = darkColorScheme(
    primary = GreenDark,
    onPrimary = Color(0xFF00391A),
    primaryContainer = Color(0xFF005227),
    onPrimaryContainer = Color(0xFF9BF5B3),
    inversePrimary = Green,
    secondary = Color(0xFFB6CCB8),
    onSecondary = Color(0xFF223527),
    secondaryContainer = Color(0xFF384B3C),
    onSecondaryContainer = Color(0xFFD2E8D4),
    tertiary = Color(0xFFA2CED9),
    onTertiary = Color(0xFF01363F),
    tertiaryContainer = Color(0xFF204D56),
    onTertiaryContainer = Color(0xFFBEEAF6),
    background = Color(0xFF101510),
    onBackground = Color(0xFFDFE4DB),
    surface = Color(0xFF101510),
    onSurface = Color(0xFFDFE4DB),
    surfaceVariant = Color(0xFF414941),
    onSurfaceVariant = Color(0xFFC1C9BE),
    surfaceTint = GreenDark,
    inverseSurface = Color(0xFFDFE4DB),
    inverseOnSurface = Color(0xFF2D322D),
    outline = Color(0xFF8B9389),
    outlineVariant = Color(0xFF414941),
    surfaceBright = Color(0xFF363B35),
    surfaceDim = Color(0xFF101510),
    surfaceContainerLowest = Color(0xFF0B0F0B),
    surfaceContainerLow = Color(0xFF181D18),
    surfaceContainer = Color(0xFF1C211C),
    surfaceContainerHigh = Color(0xFF262B26),
    surfaceContainerHighest = Color(0xFF313631),
)

/** Material 3, BPJS green, the larger type scale; dark when the phone is. */
@Composable
fun PerisaiTheme(darkTheme: Boolean = isSystemInDarkTheme(), content: @Composable () -> Unit) {
    val colors = if (darkTheme) PerisaiDarkColors else PerisaiLightColors
    MaterialTheme(colorScheme = colors, typography = PerisaiTypography, content = content)
}
