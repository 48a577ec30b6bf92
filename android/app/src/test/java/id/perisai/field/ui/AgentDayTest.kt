package id.perisai.field.ui

import android.content.Intent
import androidx.compose.ui.test.performTextReplacement
import androidx.work.WorkInfo
import id.perisai.ffi.RecordState
import id.perisai.field.testing.AppTest
import id.perisai.field.testing.ServerRule
import id.perisai.field.testing.SyncRuns
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNotNull
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test
import org.robolectric.Shadows.shadowOf

/**
 * An agent's day, against the real core and a real perisai-server: activation by the branch's
 * code, the PIN, an enrollment typed into the form, the receipt sent by SMS, the sync that runs
 * when the network returns, the supervisor's "has issues" fixed from "Pendaftaran saya", the
 * approval with its payment code, cash taken, and the commission screen.
 */
class AgentDayTest : AppTest() {
    @get:Rule
    val server = ServerRule()

    @Test
    fun `an agent's day from activation to an approved participant`() {
        setPin()
        // Activation by the code the branch typed on its screen.
        val (agent, code) = server.server.agentWithCode()
        tap("Aktivasi perangkat")
        type("server", server.url)
        type("code", code)
        tap("Aktifkan")
        waitFor("Perangkat aktif. Agen: $agent, cabang: KC-BGR.")
        tap("Selesai")
        waitFor("Belum pernah terkirim")

        // An enrollment, typed.
        tap("Pendaftaran baru")
        fillForm(nik = "3201155501900002", name = "Siti Aminah")
        submitForm()
        waitFor("Bukti pendaftaran")
        waitFor("BELUM DIBAYAR")
        waitFor("SITI AMINAH")

        // The receipt to the participant's own number, in the core's words.
        tap("Kirim lewat SMS")
        val sms = shadowOf(app).nextStartedActivity
        assertEquals(Intent.ACTION_SENDTO, sms.action)
        assertEquals("smsto:%2B6281234567890", sms.data.toString())
        val body = sms.getStringExtra("sms_body").orEmpty()
        assertTrue(body, body.contains("Status pembayaran: BELUM DIBAYAR"))
        assertTrue(body, body.contains("NIK: 3201••••••••0002"))

        // Saving asked for a sync; it waits for the network, then sends the record.
        val ran = SyncRuns.networkReturns { done -> rule.waitUntil(60_000, done) }
        assertEquals(WorkInfo.State.SUCCEEDED, ran.state)
        val id = core.app.list(null).single().id
        assertEquals(RecordState.ACCEPTED, core.app.receipt(id).state)

        // The supervisor returns it with a note; "Kirim" brings the decision back.
        server.server.admin("decide", "--record", id, "--decision", "has_issues", "--reason", "Alamat kurang lengkap")
        tap("Selesai")
        waitFor("Beranda")
        tap("Kirim")
        waitFor("Akan dikirim begitu ada sinyal.")
        SyncRuns.networkReturns { done -> rule.waitUntil(60_000, done) }
        tap("Pendaftaran saya")
        waitFor("Perlu diperbaiki")
        tap("SITI AMINAH")
        waitFor("Catatan supervisor: Alamat kurang lengkap")
        tap("Perbaiki")
        waitFor("Perbaiki pendaftaran")
        waitFor("Catatan supervisor: Alamat kurang lengkap")
        formNode("input-address").performTextReplacement("Pasar Anyar Blok C No. 12, RT 03/RW 05, Bogor")
        submitForm()
        waitFor("Bukti pendaftaran")
        SyncRuns.networkReturns { done -> rule.waitUntil(60_000, done) }
        val fix = core.app.list(RecordState.ACCEPTED).single().id
        assertEquals(RecordState.SUPERSEDED, core.app.receipt(id).state)

        // Approved: the payment code comes with the next sync; the participant is followed.
        server.server.admin("decide", "--record", fix, "--decision", "approved")
        tap("Selesai")
        tap("Kirim")
        SyncRuns.networkReturns { done -> rule.waitUntil(60_000, done) }
        tap("Peserta saya")
        waitFor("SITI AMINAH")
        waitFor("Kode iuran:", substring = true)
        tap("Catat uang tunai")
        waitFor("Uang tunai diterima")
        type("amount", "Rp40.200")
        type("months", "3")
        tap("Catat")
        waitFor("Tercatat. Uang ini harus disetor; status tetap BELUM DIBAYAR sampai dikonfirmasi.")
        assertNotNull(SyncRuns.pending())
    }
}
