package id.perisai.field.ui

import android.app.Activity
import android.content.Intent
import com.google.zxing.client.android.Intents
import id.perisai.field.testing.AppTest
import id.perisai.field.testing.ServerRule
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotNull
import org.junit.Rule
import org.junit.Test
import org.robolectric.Shadows.shadowOf

/** Activation with the branch's QR code, against a real server. */
class ActivationTest : AppTest() {
    @get:Rule
    val server = ServerRule()

    /** Taps "Pindai kode QR" and answers as the scanner would, with [payload]. */
    private fun scan(payload: String) {
        tap("Pindai kode QR")
        val started = shadowOf(rule.activity).nextStartedActivityForResult
        assertNotNull("the scanner was not opened", started)
        shadowOf(rule.activity).receiveResult(
            started.intent,
            Activity.RESULT_OK,
            Intent().putExtra(Intents.Scan.RESULT, payload),
        )
        rule.waitForIdle()
    }

    @Test
    fun `the branch's QR code fills server, code and fingerprint, and activates`() {
        setPin()
        val agent = server.server.agent()
        val qr = server.server.qrPayload(agent)
        tap("Aktivasi perangkat")
        scan(qr)
        waitFor("Dari kode QR: kunci server akan diperiksa.")
        tap("Aktifkan")
        waitFor("Perangkat aktif. Agen: $agent, cabang: KC-BGR.")
        assertEquals(agent, core.app.deviceStatus().agentId)
    }

    @Test
    fun `a QR code that is not a Perisai activation is said so, and a wrong code gets the core's words`() {
        setPin()
        server.server.agent()
        tap("Aktivasi perangkat")
        scan("https://example.com/promo")
        waitFor("Kode QR ini bukan kode aktivasi Perisai.")
        tap("Aktifkan")
        waitFor("Isi alamat server (https://…) dan kode aktivasi.")
        type("server", server.url)
        type("code", "ABCD-EFGH-JKMN-P")
        tap("Aktifkan")
        rule.waitUntil(30_000) { rule.onAllNodes(androidx.compose.ui.test.hasTestTag("problem")).fetchSemanticsNodes().isNotEmpty() }
        assertEquals(false, core.app.deviceStatus().activated)
    }
}
