package id.perisai.field.ui

import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.performScrollToIndex
import id.perisai.field.testing.AppTest
import id.perisai.field.testing.Data
import id.perisai.field.testing.ServerRule
import org.junit.Rule
import org.junit.Test
import org.robolectric.RuntimeEnvironment

/**
 * Every screen as an agent sees it, written to docs/screenshots/android/: a 360x800 dp phone in
 * Indonesian, light and dark, at font scale 1.0 and 1.5, with data from a real server (a record
 * returned with issues, one approved and paid, one waiting to be sent).
 */
class ScreenshotTest : AppTest() {
    @get:Rule
    val server = ServerRule()

    @Test
    fun `light at font scale 1_0`() = everyScreen("light-1.0", night = false, fontScale = 1.0f)

    @Test
    fun `light at font scale 1_5`() = everyScreen("light-1.5", night = false, fontScale = 1.5f)

    @Test
    fun `dark at font scale 1_0`() = everyScreen("dark-1.0", night = true, fontScale = 1.0f)

    @Test
    fun `dark at font scale 1_5`() = everyScreen("dark-1.5", night = true, fontScale = 1.5f)

    private fun everyScreen(variant: String, night: Boolean, fontScale: Float) {
        if (night) RuntimeEnvironment.setQualifiers("+night")
        RuntimeEnvironment.setFontScale(fontScale)
        rule.activityRule.scenario.recreate()
        fun shot(name: String) = screenshot("$name-$variant")

        waitFor("Buat PIN 6 angka untuk mengunci aplikasi")
        shot("01-lock")
        setPin()
        arrangeADay()
        comeBack()
        waitFor("Terakhir terkirim:", substring = true)
        shot("02-home")

        tap("Pendaftaran baru")
        waitForTag("input-nik")
        shot("03-form")
        tapInForm("Periksa")
        rule.onNodeWithTag("form").performScrollToIndex(0)
        waitFor("Nama lengkap wajib diisi.")
        shot("04-form-errors")
        back()

        tap("Pendaftaran saya")
        waitFor("Perlu diperbaiki")
        shot("05-my-enrollments")
        tap("BUDI SANTOSO")
        waitFor("Catatan supervisor: Foto KTP buram", substring = true)
        shot("06-detail-has-issues")
        tap("Lihat bukti")
        waitFor("BELUM DIBAYAR")
        shot("07-receipt")
        tap("Catat uang tunai")
        waitFor("Uang tunai diterima")
        shot("08-cash")
        back() // the receipt
        back() // the record
        back() // the list
        back() // home

        tap("Peserta saya")
        waitFor("SITI AMINAH")
        shot("09-participants")
        back()
        tap("Insentif")
        waitFor("Rp4.020")
        shot("10-commission")
        back()
        tap("Aktivasi perangkat")
        waitFor("Pindai kode QR")
        shot("11-activation")
    }

    /** Siti approved and paid, Budi returned with issues, Ani waiting to be sent. */
    private fun arrangeADay() {
        activate(server.server)
        val siti = core.app.submit(Data.enrollment(nik = Data.nik(1), name = "Siti Aminah", enrolledOn = "2026-11-20"), false).id
        val budi = core.app.submit(Data.enrollment(nik = Data.nik(2), name = "Budi Santoso"), false).id
        syncNow()
        server.server.admin("decide", "--record", siti, "--decision", "approved")
        server.server.admin("decide", "--record", budi, "--decision", "has_issues", "--reason", "Foto KTP buram, minta foto ulang")
        syncNow()
        server.paymentConfirmed(checkNotNull(core.app.receipt(siti).paymentCode), "2026-11", 26_800)
        syncNow()
        core.app.submit(Data.enrollment(nik = Data.nik(3), name = "Ani Wulandari"), false)
    }
}
