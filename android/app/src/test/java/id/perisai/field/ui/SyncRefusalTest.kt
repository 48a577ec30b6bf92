package id.perisai.field.ui

import androidx.work.WorkInfo
import id.perisai.field.testing.AppTest
import id.perisai.field.testing.Data
import id.perisai.field.testing.ServerRule
import id.perisai.field.testing.SyncRuns
import org.junit.Assert.assertEquals
import org.junit.Rule
import org.junit.Test

/** A sync the server refuses for good is told to the agent in words, not swallowed. */
class SyncRefusalTest : AppTest() {
    @get:Rule
    val server = ServerRule()

    @Test
    fun `a revoked device is told on home why sending stopped`() {
        setPin()
        activate(server.server)
        core.app.submit(Data.enrollment(), false)
        server.server.admin("revoke-device", "--device", checkNotNull(core.app.deviceStatus().deviceId))
        comeBack()
        tap("Kirim")
        val ran = SyncRuns.networkReturns { done -> rule.waitUntil(60_000, done) }
        assertEquals(WorkInfo.State.FAILED, ran.state)
        waitFor("Pengiriman berhenti:", substring = true)
        val shown = checkNotNull(core.lastSyncProblem())
        assertEquals("device.revoked", shown.code)
        waitFor("Pengiriman berhenti: ${shown.message}")
    }
}
