package id.perisai.field.ui

import androidx.compose.ui.test.hasTestTag
import androidx.compose.ui.test.hasText
import androidx.lifecycle.Lifecycle
import androidx.lifecycle.SavedStateHandle
import id.perisai.ffi.PerisaiException
import id.perisai.field.testing.AppTest
import id.perisai.field.testing.Data
import id.perisai.field.testing.JvmKeys
import id.perisai.field.ui.screens.EnrollmentDetailViewModel
import id.perisai.field.ui.screens.ReceiptViewModel
import org.junit.Assert.assertEquals
import org.junit.Test
import android.os.Looper
import org.robolectric.Robolectric
import org.robolectric.Shadows.shadowOf

/** Any core error on any screen shows the core's message; nothing crashes. */
class ErrorsTest : AppTest() {
    private fun problemShown(message: String) {
        rule.waitUntil(20_000) { rule.onAllNodes(hasTestTag("problem") and hasText(message, substring = true)).fetchSemanticsNodes().isNotEmpty() }
    }

    @Test
    fun `a store its key no longer opens (store key) is said on every screen, and nothing crashes`() {
        setPin()
        core.app.submit(Data.enrollment(), false)
        // The Keystore lost the key (a factory reset of the lock screen, a broken keystore).
        rule.activityRule.scenario.moveToState(Lifecycle.State.DESTROYED)
        JvmKeys.replaceWrapKey()
        app.onCreate()
        val message = try {
            core.app
            error("the store opened with another key")
        } catch (e: PerisaiException.Failed) {
            assertEquals("store.key", e.code)
            e.messageId
        }
        val phone = Robolectric.buildActivity(MainActivity::class.java).setup()
        unlock()
        problemShown(message)
        for (screen in listOf("Pendaftaran baru", "Pendaftaran saya", "Peserta saya", "Insentif")) {
            tap(screen)
            problemShown(message)
            back()
        }
        tap("Aktivasi perangkat")
        type("server", "http://127.0.0.1:9")
        type("code", "ABCD-EFGH-JKMN-P")
        tap("Aktifkan")
        problemShown(message)
        phone.pause().stop().destroy()
    }

    @Test
    fun `cash for a withdrawn record is refused by the core in words (record not allowed)`() {
        setPin()
        val id = core.app.submit(Data.enrollment(), false).id
        core.app.withdraw(id)
        comeBack()
        tap("Pendaftaran saya")
        tap("Ditarik")
        tap("Lihat bukti")
        waitFor("Bukti pendaftaran")
        tap("Catat uang tunai")
        type("amount", "26.800")
        type("months", "1")
        tap("Catat")
        val refused = try {
            core.app.recordCash(id, 26_800, 1u)
            error("cash was recorded for a withdrawn record")
        } catch (e: PerisaiException.Failed) {
            assertEquals("record.not_allowed", e.code)
            e.messageId
        }
        problemShown(refused)
    }

    @Test
    fun `a draft has no receipt, its detail and receipt say so instead of crashing`() {
        setPin()
        val draft = core.app.saveDraft(null, """{"full_name": "Siti Aminah"}""")
        val detail = EnrollmentDetailViewModel(core, SavedStateHandle(mapOf("id" to draft)))
        detail.refresh()
        rule.waitUntil(20_000) { shadowOf(Looper.getMainLooper()).idle(); detail.state.value.problem != null }
        val receipt = ReceiptViewModel(core, SavedStateHandle(mapOf("id" to draft)))
        rule.waitUntil(20_000) { shadowOf(Looper.getMainLooper()).idle(); receipt.state.value.problem != null }
        val expected = try {
            core.app.receipt(draft)
            error("a draft has a receipt")
        } catch (e: PerisaiException.Failed) {
            assertEquals("record.not_allowed", e.code)
            e.messageId
        }
        assertEquals(expected, detail.state.value.problem)
        assertEquals(expected, receipt.state.value.problem)
    }
}
