package id.perisai.field.ui

import android.content.ClipboardManager
import android.content.Intent
import androidx.core.content.ContextCompat
import id.perisai.field.testing.AppTest
import id.perisai.field.testing.Data
import org.junit.Assert.assertEquals
import org.junit.Assert.assertTrue
import org.junit.Test
import org.robolectric.Shadows.shadowOf

/** The receipt reaches the participant even on a phone without SMS or WhatsApp. */
class ReceiptShareTest : AppTest() {
    private fun openReceipt() {
        setPin()
        core.app.submit(Data.enrollment(), false)
        comeBack()
        tap("Pendaftaran saya")
        tap("SITI AMINAH")
        tap("Lihat bukti")
        waitFor("BELUM DIBAYAR")
    }

    @Test
    fun `with no app at all the receipt text is copied, and the agent is told`() {
        openReceipt()
        shadowOf(app).checkActivities(true)
        tap("Kirim lewat SMS")
        waitFor("Tidak ada aplikasi untuk mengirim. Teks sudah disalin: tempel di pesan.")
        val clip = checkNotNull(ContextCompat.getSystemService(app, ClipboardManager::class.java)).primaryClip
        val text = clip?.getItemAt(0)?.text.toString()
        assertTrue(text, text.contains("Status pembayaran: BELUM DIBAYAR"))
        tap("Kirim lewat WhatsApp")
        waitFor("Tidak ada aplikasi untuk mengirim. Teks sudah disalin: tempel di pesan.")
    }

    @Test
    fun `WhatsApp opens the participant's chat with the core's receipt text`() {
        openReceipt()
        tap("Kirim lewat WhatsApp")
        val chat = shadowOf(app).nextStartedActivity
        assertEquals(Intent.ACTION_VIEW, chat.action)
        assertEquals("wa.me", chat.data?.host)
        assertEquals("/6281234567890", chat.data?.path)
        assertEquals(core.app.receiptShareText(core.app.list(null).single().id).id, chat.data?.getQueryParameter("text"))
    }

    @Test
    fun `the SMS goes to the participant's number with the core's receipt text`() {
        openReceipt()
        tap("Kirim lewat SMS")
        val sms = shadowOf(app).nextStartedActivity
        assertEquals("smsto:%2B6281234567890", sms.data.toString())
        assertEquals(core.app.receiptShareText(core.app.list(null).single().id).id, sms.getStringExtra("sms_body"))
    }
}
