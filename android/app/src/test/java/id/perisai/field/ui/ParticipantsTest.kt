package id.perisai.field.ui

import android.content.Intent
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import id.perisai.field.testing.AppTest
import id.perisai.field.testing.Data
import id.perisai.field.testing.ServerRule
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test
import org.robolectric.Shadows.shadowOf
import java.nio.file.Files
import java.time.OffsetDateTime
import java.time.ZoneOffset
import java.time.format.DateTimeFormatter

/** Participants due (with the late ones marked), reaching them, and the commission they earn. */
class ParticipantsTest : AppTest() {
    @get:Rule
    val server = ServerRule()

    @Test
    fun `participants due, the late one marked, a call and a WhatsApp, and the commission line`() {
        setPin()
        activate(server.server)
        val paid = core.app.submit(Data.enrollment(nik = Data.nik(1), name = "Siti Aminah", enrolledOn = "2026-11-20"), false).id
        val late = core.app.submit(Data.enrollment(nik = Data.nik(2), name = "Dewi Lestari", enrolledOn = "2026-10-20"), false).id
        syncNow()
        server.server.admin("decide", "--record", paid, "--decision", "approved")
        server.server.admin("decide", "--record", late, "--decision", "approved")
        syncNow()
        // Siti pays November; Dewi has paid nothing since October.
        val code = checkNotNull(core.app.receipt(paid).paymentCode)
        val paidAt = OffsetDateTime.now(ZoneOffset.ofHours(7)).minusMinutes(1).format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX"))
        val csv = Files.createTempFile("payments", ".csv").toFile()
        csv.writeText("payment_ref,nik,contribution_month,amount,paid_at\nPAY-1,$code,2026-11,26800,$paidAt\n")
        server.server.admin("import-payments", "--file", csv.path)
        syncNow()

        comeBack()
        tap("Peserta saya")
        waitFor("DEWI LESTARI")
        waitFor("Iuran berikutnya: Oktober 2026")
        waitFor("Iuran berikutnya: Desember 2026")
        // Only Dewi's month is past its 15th.
        rule.waitUntil(10_000) { rule.onAllNodes(androidx.compose.ui.test.hasText("Iuran terlambat (lewat tanggal 15)")).fetchSemanticsNodes().size == 1 }

        rule.onAllNodes(androidx.compose.ui.test.hasText("Telepon"))[0].performScrollTo().performClick()
        val dial = shadowOf(app).nextStartedActivity
        assertEquals(Intent.ACTION_DIAL, dial.action)
        assertEquals("tel:%2B6281234567890", dial.data.toString())
        rule.onAllNodes(androidx.compose.ui.test.hasText("WhatsApp"))[0].performScrollTo().performClick()
        val chat = shadowOf(app).nextStartedActivity
        assertEquals(Intent.ACTION_VIEW, chat.action)
        assertTrue(chat.data.toString(), chat.data.toString().startsWith("https://wa.me/6281234567890?text="))

        back()
        tap("Insentif")
        waitFor("Sementara per", substring = true)
        // 15% of the Rp26.800 Siti paid, her first contribution month (DOMAIN.md §7).
        waitFor("Rp4.020")
        waitFor("SITI AMINAH")
        waitFor("Iuran bulan ke-1", substring = true)
        tap("‹ Sebelumnya")
        waitFor("November 2026")
    }
}
