package id.perisai.field.ui

import androidx.compose.ui.test.performClick
import id.perisai.ffi.RecordState
import id.perisai.field.testing.AppTest
import id.perisai.field.testing.Data
import id.perisai.field.testing.ServerRule
import org.junit.Assert.assertEquals
import org.junit.Rule
import org.junit.Test

/** "Pendaftaran saya": every state a record reaches with a real server, in the agent's words. */
class MyEnrollmentsTest : AppTest() {
    @get:Rule
    val server = ServerRule()

    @Test
    fun `every state reads in words, has-issues ones filter out, a queued one is withdrawn`() {
        setPin()
        activate(server.server)
        fun submit(n: Int, name: String) = core.app.submit(Data.enrollment(nik = Data.nik(n), name = name), false).id
        val approved = submit(1, "Ani Approved")
        val issues = submit(2, "Budi Issues")
        val refused = submit(3, "Citra Refused")
        val accepted = submit(4, "Dedi Accepted")
        syncNow()
        server.server.admin("decide", "--record", approved, "--decision", "approved")
        server.server.admin("decide", "--record", issues, "--decision", "has_issues", "--reason", "Foto KTP buram")
        server.server.admin("decide", "--record", refused, "--decision", "rejected", "--reason", "Bukan pekerja BPU")
        syncNow()
        val queued = submit(5, "Eka Queued")
        val withdrawn = submit(6, "Fajar Withdrawn")
        core.app.withdraw(withdrawn)
        core.app.saveDraft(null, """{"full_name": "Gita Draft"}""")
        assertEquals(RecordState.ACCEPTED, core.app.receipt(accepted).state)

        comeBack()
        tap("Pendaftaran saya")
        for (label in listOf(
            "Disetujui", "Perlu diperbaiki", "Ditolak supervisor", "Diterima, menunggu verifikasi",
            "Menunggu dikirim", "Ditarik", "Draf",
        )) {
            waitFor(label)
        }
        tap("Hanya yang perlu diperbaiki")
        waitFor("BUDI ISSUES")
        gone("ANI APPROVED")
        tap("Hanya yang perlu diperbaiki")
        waitFor("ANI APPROVED")

        // A queued record can still be taken back; a sent one cannot (no "Tarik").
        tap("EKA QUEUED")
        waitFor("Menunggu dikirim")
        tap("Tarik")
        waitFor("Tarik pendaftaran ini? Data tidak akan dikirim.")
        rule.onAllNodes(androidx.compose.ui.test.hasText("Tarik"))[1].performClick()
        waitFor("Ditarik")
        assertEquals(RecordState.WITHDRAWN, core.app.receipt(queued).state)
        back()
        tap("DEDI ACCEPTED")
        waitFor("Diterima, menunggu verifikasi")
        gone("Tarik")
    }
}
