package id.perisai.field

import androidx.compose.ui.unit.sp
import androidx.compose.material3.ColorScheme
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.luminance
import id.perisai.field.ui.theme.PerisaiDarkColors
import id.perisai.field.ui.theme.PerisaiLightColors
import id.perisai.field.ui.theme.PerisaiTypography
import org.junit.Assert.assertFalse
import org.junit.Assert.assertTrue
import org.junit.Test
import java.io.File

/**
 * What the app is built from, checked where it is decided: the versions the tests ran with are
 * the catalog's, the libraries have the fixes the phones need, the Gradle build pins its NDK and
 * rebuilds Rust only when Rust changed, and the type is large enough to read in the sun.
 */
class BuildTest {
    private val root = File(checkNotNull(System.getProperty("perisai.root")) { "perisai.root is not set" })
    private val catalog = File(root, "android/gradle/libs.versions.toml").readText()
    private val gradle = File(root, "android/app/build.gradle.kts").readText()

    private fun catalogVersion(name: String): String =
        checkNotNull(Regex("""(?m)^$name\s*=\s*"([^"]+)"""").find(catalog)) { "no $name in the catalog" }.groupValues[1]

    private fun version(v: String): List<Int> = v.split('.', '-').mapNotNull { it.toIntOrNull() }

    private fun atLeast(v: String, min: String): Boolean {
        val a = version(v)
        val b = version(min)
        for (i in 0 until maxOf(a.size, b.size)) {
            val x = a.getOrElse(i) { 0 }
            val y = b.getOrElse(i) { 0 }
            if (x != y) return x > y
        }
        return true
    }

    /** The versions the build resolved (androidci.py writes them), by `group:artifact`. */
    private val resolved: Map<String, String> by lazy {
        val path = checkNotNull(System.getProperty("perisai.resolved.versions")) { "perisai.resolved.versions is not set" }
        Regex(""""([^"]+)":\s*"([^"]+)"""").findAll(File(path).readText()).associate { it.groupValues[1] to it.groupValues[2] }
    }

    @Test
    fun `every library the app names runs at the catalog's version or the higher one Gradle would pick`() {
        val entries = Regex("""(?m)^(\S+)\s*=\s*\{\s*group\s*=\s*"([^"]+)",\s*name\s*=\s*"([^"]+)",\s*version\.ref\s*=\s*"([^"]+)"""")
            .findAll(catalog).toList()
        assertTrue(entries.size > 10)
        for (e in entries) {
            val (_, group, name, ref) = e.destructured
            if (name == "junit-jupiter" || name == "desugar_jdk_libs") continue // JVM tests, D8
            val ran = resolved["$group:$name"] ?: continue // a test-only or Gradle-only entry
            assertTrue("$group:$name ran at $ran, the catalog says ${catalogVersion(ref)}", atLeast(ran, catalogVersion(ref)))
        }
    }

    @Test
    fun `activity results work - fragment is 1_3 or newer`() {
        assertTrue(resolved.toString(), atLeast(checkNotNull(resolved["androidx.fragment:fragment"]), "1.3.0"))
    }

    @Test
    fun `JNA is 5_17 or newer (16 KB pages), here and in the JVM tests`() {
        assertTrue(com.sun.jna.Native.VERSION, atLeast(com.sun.jna.Native.VERSION, "5.17.0"))
        assertTrue(atLeast(catalogVersion("jna"), "5.17.0"))
        val jvmPom = File(root, "bindings/jvm/pom.xml").readText()
        assertTrue("bindings/jvm/pom.xml and the catalog name one JNA", jvmPom.contains("<jna.version>${catalogVersion("jna")}</jna.version>"))
    }

    @Test
    fun `the app's bindings never create a java lang ref Cleaner below API 34`() {
        val dir = File(checkNotNull(System.getProperty("perisai.bindings.android")))
        val kotlin = dir.walk().single { it.name.endsWith(".kt") }.readText()
        assertTrue(kotlin.contains("if (Build.VERSION.SDK_INT >= Build.VERSION_CODES.UPSIDE_DOWN_CAKE)"))
        assertTrue(kotlin.contains("UniffiJnaCleaner()"))
        assertFalse("no runtime probe for java.lang.ref.Cleaner", kotlin.contains("Class.forName(\"java.lang.ref.Cleaner\")"))
        assertFalse(kotlin.contains("java.lang.ref.Cleaner.create()"))
        assertTrue(gradle.contains("target/bindings/kotlin-android"))
    }

    @Test
    fun `the Gradle build pins its NDK and runs cargo only when the Rust sources changed`() {
        assertTrue(gradle.contains("ndkVersion = libs.versions.ndk.get()"))
        assertTrue(Regex("""(?m)^ndk\s*=\s*"2[7-9]\.""").containsMatchIn(catalog))
        for (task in listOf("generateBindings", "cargoNdk")) {
            val body = gradle.substringAfter("val $task by tasks.registering").substringBefore("\n}\n")
            assertTrue("$task declares its inputs", body.contains("inputs.files(rustSources)"))
            assertTrue("$task declares its outputs", body.contains("outputs.dir("))
        }
        assertTrue(gradle.contains("""include("Cargo.toml", "Cargo.lock", "core/Cargo.toml", "core/src/**""""))
    }

    @Test
    fun `the type scale is larger than Material's default, for reading in the sun`() {
        assertTrue(PerisaiTypography.bodyLarge.fontSize >= 18.sp)
        assertTrue(PerisaiTypography.bodyMedium.fontSize >= 17.sp)
        assertTrue(PerisaiTypography.bodySmall.fontSize >= 15.sp)
        assertTrue(PerisaiTypography.labelLarge.fontSize >= 17.sp)
    }

    /** The hue of a colour in degrees (0–360), and whether it has any colour at all. */
    private fun hue(c: Color): Float? {
        val max = maxOf(c.red, c.green, c.blue)
        val min = minOf(c.red, c.green, c.blue)
        if (max - min < 0.04f) return null // a grey
        val h = when (max) {
            c.red -> 60f * (((c.green - c.blue) / (max - min)) % 6f)
            c.green -> 60f * ((c.blue - c.red) / (max - min) + 2f)
            else -> 60f * ((c.red - c.green) / (max - min) + 4f)
        }
        return (h + 360f) % 360f
    }

    private fun contrast(a: Color, b: Color): Float {
        val (hi, lo) = listOf(a.luminance(), b.luminance()).sortedDescending()
        return (hi + 0.05f) / (lo + 0.05f)
    }

    private fun roles(s: ColorScheme): Map<String, Color> = mapOf(
        "primary" to s.primary, "onPrimary" to s.onPrimary, "primaryContainer" to s.primaryContainer,
        "onPrimaryContainer" to s.onPrimaryContainer, "secondary" to s.secondary,
        "secondaryContainer" to s.secondaryContainer, "background" to s.background, "surface" to s.surface,
        "surfaceVariant" to s.surfaceVariant, "surfaceContainer" to s.surfaceContainer,
        "surfaceContainerHighest" to s.surfaceContainerHighest, "outline" to s.outline,
    )

    @Test
    fun `the colours are BPJS green throughout, and text on them is readable`() {
        for ((name, scheme) in listOf("light" to PerisaiLightColors, "dark" to PerisaiDarkColors)) {
            for ((role, colour) in roles(scheme)) {
                val h = hue(colour) ?: continue
                // Material's baseline purples and pinks (hue 250–350) are what a role left unset gets.
                assertFalse("$name $role is purple or pink (hue $h)", h in 250f..350f)
            }
            // WCAG AA for text: 4.5:1.
            assertTrue("$name onPrimary", contrast(scheme.primary, scheme.onPrimary) >= 4.5f)
            assertTrue("$name onSurface", contrast(scheme.surface, scheme.onSurface) >= 4.5f)
            assertTrue("$name onSurfaceVariant", contrast(scheme.surfaceContainerHighest, scheme.onSurfaceVariant) >= 4.5f)
            assertTrue("$name onPrimaryContainer", contrast(scheme.primaryContainer, scheme.onPrimaryContainer) >= 4.5f)
        }
    }
}
