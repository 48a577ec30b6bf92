package id.perisai.field.ui

import android.Manifest
import android.location.Location
import android.location.LocationManager
import android.os.Bundle
import android.os.Looper
import android.os.SystemClock
import android.text.InputType
import android.view.View
import android.view.ViewGroup
import android.view.inputmethod.EditorInfo
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.SemanticsProperties
import androidx.compose.ui.state.ToggleableState
import androidx.compose.ui.test.SemanticsMatcher
import androidx.compose.ui.test.assertTextContains
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.test.performScrollToNode
import androidx.compose.ui.test.performTextReplacement
import androidx.core.content.ContextCompat
import androidx.lifecycle.Lifecycle
import id.perisai.ffi.RecordState
import id.perisai.field.testing.AppTest
import id.perisai.field.testing.AppTest.Companion.WAIT_MS
import id.perisai.field.ui.screens.LOCATION_TIMEOUT_MS
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotNull
import org.junit.Test
import org.robolectric.Robolectric
import org.robolectric.Shadows.shadowOf
import java.time.Duration

/** The enrollment form, drawn from the core's definition, as an agent fills it in. */
class FormTest : AppTest() {
    private fun openForm() {
        setPin()
        tap("Pendaftaran baru")
        waitForTag("input-nik")
    }

    /** The keyboard the focused field asks the phone for (what an input method receives). */
    private fun keyboardOf(tag: String): Int {
        formNode(tag).performClick()
        rule.waitForIdle()
        val composeView = findComposeView(rule.activity.window.decorView)
        val info = EditorInfo()
        assertNotNull("no input connection for $tag", composeView.onCreateInputConnection(info))
        return info.inputType
    }

    private fun findComposeView(view: View): View {
        if (view.javaClass.name.endsWith("AndroidComposeView")) return view
        if (view is ViewGroup) {
            for (i in 0 until view.childCount) runCatching { return findComposeView(view.getChildAt(i)) }
        }
        error("no compose view")
    }

    @Test
    fun `each field gets the keyboard the core asks for`() {
        openForm()
        assertEquals(InputType.TYPE_CLASS_NUMBER, keyboardOf("input-nik") and InputType.TYPE_MASK_CLASS)
        assertEquals(InputType.TYPE_CLASS_PHONE, keyboardOf("input-phone") and InputType.TYPE_MASK_CLASS)
        assertEquals(InputType.TYPE_CLASS_NUMBER, keyboardOf("input-monthly_income") and InputType.TYPE_MASK_CLASS)
        val name = keyboardOf("input-full_name")
        assertEquals(InputType.TYPE_CLASS_TEXT, name and InputType.TYPE_MASK_CLASS)
        assertEquals(InputType.TYPE_TEXT_FLAG_CAP_WORDS, name and InputType.TYPE_TEXT_FLAG_CAP_WORDS)
    }

    @Test
    fun `typed text shows at once, every keystroke, and the core's error follows under the field`() {
        openForm()
        val nik = formNode("input-nik")
        // Keystrokes in quick succession, with no pause for the core in between.
        "3201".forEach { nik.performTextInput(it.toString()) }
        nik.assertTextContains("3201")
        waitFor("NIK harus 16 angka, sesuai KTP.")
        "155501900002".forEach { nik.performTextInput(it.toString()) }
        nik.assertTextContains("3201155501900002")
        gone("NIK harus 16 angka, sesuai KTP.")
        // A field the agent has not touched shows its hint, not an error.
        rule.onNodeWithTag("form").performScrollToNode(hasText("Nomor HP Indonesia, misalnya 0812 3456 7890."))
    }

    @Test
    fun `the date is picked in the date picker and shown as the agent reads it`() {
        openForm()
        pickDate("input-birth_date", "15011990")
        waitFor("15/01/1990")
        rule.onNodeWithTag("input-birth_date").assertTextContains("15/01/1990")
    }

    @Test
    fun `warnings are confirmed before the record is queued`() {
        openForm()
        // Born the 16th, but her NIK says the 15th: the core warns, the agent confirms.
        fillForm(nik = "3201155501900002", name = "Siti Aminah", birth = "16011990")
        submitForm()
        waitFor("Periksa sebelum menyimpan")
        waitFor("Tanggal lahir tidak sama dengan tanggal di NIK. Cocokkan dengan KTP; jika sudah benar, lanjutkan.")
        tap("Periksa lagi")
        gone("Periksa sebelum menyimpan")
        assertEquals(0, core.app.list(RecordState.QUEUED).size)
        submitForm()
        tap("Tetap simpan")
        waitFor("Bukti pendaftaran")
        assertEquals(1, core.app.list(RecordState.QUEUED).size)
    }

    @Test
    fun `every field left wrong is named in Indonesian after Periksa`() {
        openForm()
        formNode("input-phone").performTextReplacement("12345")
        tapInForm("Periksa")
        scrollFormToWhenShown("Ada isian yang perlu diperbaiki.")
        scrollFormToWhenShown("Nomor HP harus nomor seluler Indonesia, misalnya 0812 3456 7890.")
    }

    @Test
    fun `options and the consent box are one TalkBack control each, with their label`() {
        openForm()
        rule.onNodeWithTag("form").performScrollToNode(hasText("Perempuan"))
        rule.onNode(hasText("Perempuan") and SemanticsMatcher.expectValue(SemanticsProperties.Role, Role.RadioButton)).performClick()
        rule.onNode(hasText("Perempuan") and SemanticsMatcher.expectValue(SemanticsProperties.Selected, true)).assertExists()
        rule.onNodeWithTag("form").performScrollToNode(hasText("Persetujuan peserta (wajib)"))
        val consent = hasText("Persetujuan peserta (wajib)") and SemanticsMatcher.expectValue(SemanticsProperties.Role, Role.Checkbox)
        rule.onNode(consent).performClick()
        rule.onNode(consent and SemanticsMatcher.expectValue(SemanticsProperties.ToggleableState, ToggleableState.On)).assertExists()
    }

    @Test
    fun `the form is autosaved, a process death loses nothing, and the draft reopens from Pendaftaran saya`() {
        rule.activityRule.scenario.moveToState(Lifecycle.State.DESTROYED)
        val first = Robolectric.buildActivity(MainActivity::class.java).setup()
        openFormAfterPin()
        formNode("input-nik").performTextReplacement("3201155501900002")
        formNode("input-full_name").performTextReplacement("Siti Aminah")
        // Autosaved as a draft in the core, a moment after the last keystroke.
        rule.waitUntil(WAIT_MS) { core.app.list(RecordState.DRAFT).isNotEmpty() }
        rule.onNodeWithTag("form").performScrollToNode(hasText("Draf tersimpan di HP."))
        val saved = Bundle()
        first.pause().stop().saveInstanceState(saved).destroy()
        app.onCreate() // a new process
        val restored = Robolectric.buildActivity(MainActivity::class.java).setup(saved)
        unlock()
        waitForTag("input-nik")
        formNode("input-nik").assertTextContains("3201155501900002")
        formNode("input-full_name").assertTextContains("Siti Aminah")
        restored.pause().stop().destroy()

        // Started again from the launcher (no saved state): the draft is in "Pendaftaran saya".
        app.onCreate()
        val again = Robolectric.buildActivity(MainActivity::class.java).setup()
        unlock()
        tap("Pendaftaran saya")
        tap("Draf")
        waitForTag("input-nik")
        formNode("input-nik").assertTextContains("3201155501900002")
        formNode("input-full_name").assertTextContains("Siti Aminah")
        again.pause().stop().destroy()
    }

    private fun openFormAfterPin() {
        setPin()
        tap("Pendaftaran baru")
        waitForTag("input-nik")
    }

    @Test
    fun `a fresh GPS fix is taken and its accuracy shown, with none in time the agent is told`() {
        shadowOf(app).grantPermissions(Manifest.permission.ACCESS_FINE_LOCATION)
        val gps = checkNotNull(ContextCompat.getSystemService(app, LocationManager::class.java))
        shadowOf(gps).setProviderEnabled(LocationManager.GPS_PROVIDER, true)
        openForm()
        tapInForm("Ambil lokasi GPS")
        waitFor("Mencari lokasi…")
        shadowOf(Looper.getMainLooper()).idleFor(Duration.ofMillis(LOCATION_TIMEOUT_MS + 1_000))
        waitFor("Lokasi tidak didapat. Coba di tempat terbuka, atau lanjutkan tanpa lokasi.")

        tapInForm("Ambil lokasi GPS")
        waitFor("Mencari lokasi…")
        val fix = Location(LocationManager.GPS_PROVIDER).apply {
            latitude = -6.595
            longitude = 106.79
            accuracy = 12f
            time = System.currentTimeMillis()
            elapsedRealtimeNanos = SystemClock.elapsedRealtimeNanos()
        }
        shadowOf(gps).simulateLocation(fix)
        waitFor("(±12 m)", substring = true)
        waitFor("106,79000", substring = true)
    }
}
