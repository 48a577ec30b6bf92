package id.perisai.field.ui

import androidx.lifecycle.Lifecycle
import id.perisai.ffi.RecordState
import id.perisai.field.testing.AppTest
import id.perisai.field.testing.Data
import id.perisai.field.testing.ServerRule
import org.junit.Assert.assertEquals
import org.junit.Rule
import org.junit.Test
import org.robolectric.shadows.ShadowSystemClock
import java.time.Duration

/** A forgotten PIN: the branch lets the agent in again, and no queued record is lost. */
class PinResetTest : AppTest() {
    @get:Rule
    val server = ServerRule()

    @Test
    fun `a forgotten PIN is reset by re-activation with the branch, and the queue survives it`() {
        setPin()
        val agent = activate(server.server)
        core.app.submit(Data.enrollment(nik = Data.nik(1)), false)
        core.app.submit(Data.enrollment(nik = Data.nik(2)), false)
        // Away for the afternoon: locked; the agent does not remember the PIN.
        rule.activityRule.scenario.moveToState(Lifecycle.State.CREATED)
        ShadowSystemClock.advanceBy(Duration.ofHours(3))
        rule.activityRule.scenario.moveToState(Lifecycle.State.RESUMED)
        tap("Lupa PIN? Aktifkan ulang perangkat")
        waitFor("Lupa PIN")
        val code = server.server.admin("issue-code", "--agent", agent)
        type("server", server.url)
        type("code", code)
        tap("Aktifkan")
        waitFor("Perangkat aktif. Agen: $agent, cabang: KC-BGR.")
        tap("Buat PIN baru")
        waitFor("Perangkat aktif lagi. Semua pendaftaran tetap tersimpan. Buat PIN baru.")
        setPin("246802")
        waitFor("Menunggu dikirim")
        assertEquals(2, core.app.list(RecordState.QUEUED).size)
        syncNow()
        assertEquals(2, core.app.list(RecordState.ACCEPTED).size)
    }
}
