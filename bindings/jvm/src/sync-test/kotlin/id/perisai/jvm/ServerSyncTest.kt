package id.perisai.jvm

import id.perisai.ffi.LineKind
import id.perisai.ffi.PerisaiException
import id.perisai.ffi.RecordState
import id.perisai.ffi.SyncCancel
import id.perisai.ffi.SyncObserver
import id.perisai.ffi.SyncReport
import id.perisai.field.logic.ActivationRequest
import id.perisai.field.logic.CalendarText
import id.perisai.field.logic.CashEntry
import id.perisai.field.logic.Commission
import id.perisai.field.logic.DeviceSync
import id.perisai.field.logic.HomeState
import id.perisai.field.logic.Lang
import id.perisai.field.logic.MyEnrollments
import id.perisai.field.logic.MyParticipants
import id.perisai.field.logic.Outcome
import id.perisai.field.logic.ReceiptView
import id.perisai.field.logic.SubmitResult
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.api.assertThrows
import java.time.OffsetDateTime
import java.time.ZoneOffset
import java.time.format.DateTimeFormatter
import java.util.Collections
import kotlin.concurrent.thread

/**
 * A device whose KeyVault and DeviceSigner are Kotlin (javax.crypto / java.security: the classes
 * the Android app runs over its Keystore keys) activates with a real perisai-server and syncs.
 * The server verifies the Kotlin signatures (activation proof of possession and every batch),
 * acknowledges the records, and its review decisions come back to the app's screens.
 */
class ServerSyncTest {
    private val dir = Fixtures.tempDir("perisai-sync")

    @AfterEach
    fun cleanup() = Fixtures.delete(dir)

    /** A Kotlin SyncObserver: the core calls it from its sync thread. */
    private class Events : SyncObserver {
        val seen: MutableList<String> = Collections.synchronizedList(mutableListOf())
        override fun batchSent(seq: ULong, records: UInt, bytes: ULong) { seen += "sent $seq $records" }
        override fun batchAcked(seq: ULong, accepted: UInt, rejected: UInt) { seen += "acked $seq $accepted $rejected" }
        override fun recordRejected(id: String, codes: List<String>) { seen += "rejected $id $codes" }
        override fun waitingRetry(seconds: ULong) { seen += "wait $seconds" }
        override fun finished(report: SyncReport) { seen += "finished ${report.accepted}" }
    }

    @Test
    @Timeout(300)
    fun `a Kotlin-signed device activates, syncs, and gets the supervisor's decisions`() {
        RealServer.start(dir).use { server ->
            val (agent, code) = server.agentWithCode()
            val signer = Fixtures.kotlinSigner()
            Fixtures.open(dir.resolve("phone")).use { app ->
                // Enrolled offline, before activation.
                val ids = (0 until 3).map { app.submit(Fixtures.enrollment(nik = Fixtures.nik(it)), false).id }
                val device = DeviceSync(app, signer, Lang.ID)

                val activated = device.activate(ActivationRequest(server.url, code, null))
                assertTrue(activated is Outcome.Ok, activated.toString())
                assertEquals(agent, (activated as Outcome.Ok).value.agentId)
                assertEquals("KC-BGR", activated.value.branch)
                assertTrue(app.deviceStatus().activated)

                val events = Events()
                val first = device.sync(events)
                assertTrue(first is DeviceSync.Result.Done, first.toString())
                val report = (first as DeviceSync.Result.Done).report
                assertEquals(3uL, report.sent)
                assertEquals(3uL, report.accepted)
                assertEquals(0uL, report.rejected)
                assertTrue(events.seen.any { it.startsWith("acked 1 3 0") }, events.seen.toString())
                assertEquals("finished 3", events.seen.last())
                ids.forEach { assertEquals(RecordState.ACCEPTED, app.receipt(it).state) }
                val home = HomeState.load(app)
                assertEquals(0, home.toSend)
                assertEquals(3, home.awaitingReview)
                assertNotNull(home.lastSync)
                assertTrue(Regex("""\d{2}/\d{2}/\d{4} \d{2}\.\d{2}""").matches(home.lastSync!!), home.lastSync)

                server.admin("decide", "--record", ids[0], "--decision", "has_issues", "--reason", "Alamat kurang lengkap")
                server.admin("decide", "--record", ids[1], "--decision", "approved")
                assertTrue(device.sync() is DeviceSync.Result.Done)

                val mine = MyEnrollments(app, Lang.ID)
                val issue = mine.detail(ids[0])
                assertTrue(issue.canFix)
                assertEquals("Alamat kurang lengkap", issue.reviewNote)
                assertEquals(RecordState.APPROVED, app.receipt(ids[1]).state)
                assertEquals(listOf(ids[1]), MyParticipants(app, Lang.ID).rows().map { it.recordId })
                assertEquals(1, HomeState.load(app).needsFix)

                // The fix supersedes the old record on the device and, after a sync, on the server.
                val fix = mine.startFix(ids[0], Fixtures.enrollment(nik = Fixtures.nik(0)))
                fix.setText("address", "Pasar Anyar Blok C No. 12, RT 03/RW 05, Bogor")
                val fixed = fix.submit(acceptWarnings = true)
                assertTrue(fixed is SubmitResult.Done, fixed.toString())
                assertEquals(RecordState.SUPERSEDED, app.receipt(ids[0]).state)
                val again = device.sync()
                assertTrue(again is DeviceSync.Result.Done, again.toString())
                assertEquals(1uL, (again as DeviceSync.Result.Done).report.accepted)
            }
        }
    }

    @Test
    @Timeout(300)
    fun `an approved participant's payment code, cash, payment and commission reach the agent's screens`() {
        RealServer.start(dir).use { server ->
            val (_, code) = server.agentWithCode()
            Fixtures.open(dir.resolve("phone")).use { app ->
                val device = DeviceSync(app, Fixtures.kotlinSigner(), Lang.ID)
                assertTrue(device.activate(ActivationRequest(server.url, code, null)) is Outcome.Ok)
                val id = app.submit(Fixtures.enrollment(), false).id
                assertTrue(device.sync() is DeviceSync.Result.Done)
                server.admin("decide", "--record", id, "--decision", "approved")
                assertTrue(device.sync() is DeviceSync.Result.Done)

                // The branch issued the payment code on approval; sync brought it to the card.
                val row = MyParticipants(app, Lang.ID).rows().single()
                assertEquals(id, row.recordId)
                assertEquals("SITI AMINAH", row.name)
                assertNotNull(row.paymentCode, "the code comes down with the approval")
                val paymentCode = row.paymentCode!!
                assertEquals(app.receipt(id).paymentCode, paymentCode)
                assertEquals("2026-11", row.nextDueMonth)
                assertEquals("November 2026", row.nextDueLabel)
                assertEquals("BELUM DIBAYAR", row.paymentStatus)

                // Cash taken from her: recorded, still not paid, and gone with the next sync.
                val cash = CashEntry.load(app, id, Lang.ID)
                assertEquals(paymentCode, cash.participant?.paymentCode)
                cash.setAmount("26.800")
                cash.setMonths("1")
                val saved = cash.save()
                assertTrue(saved is CashEntry.Result.Saved, saved.toString())
                assertEquals("BELUM DIBAYAR", (saved as CashEntry.Result.Saved).paymentStatus)
                assertEquals(1uL, app.unsentCash())
                assertTrue(device.sync() is DeviceSync.Result.Done)
                assertEquals(0uL, app.unsentCash(), "the sync carried the cash record to the branch")
                assertEquals("BELUM DIBAYAR", ReceiptView.load(app, id, Lang.ID).paymentStatus, "only the payment channel confirms")

                // The payment channel confirms November, paid now: the receipt reads paid, the
                // next month falls due, and the running month's estimate has her contribution line.
                val paidAt = OffsetDateTime.now(ZoneOffset.ofHours(7)).minusMinutes(1)
                    .format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX"))
                val csv = dir.resolve("payments.csv").toFile()
                csv.writeText("payment_ref,nik,contribution_month,amount,paid_at\nPAY-1,$paymentCode,2026-11,26800,$paidAt\n")
                val imported = server.admin("import-payments", "--file", csv.path)
                assertTrue(imported.contains("\"imported\":1"), imported)
                assertTrue(device.sync() is DeviceSync.Result.Done)
                assertEquals("SUDAH DIBAYAR", ReceiptView.load(app, id, Lang.ID).paymentStatus)
                assertEquals("2026-12", MyParticipants(app, Lang.ID).rows().single().nextDueMonth)

                val commission = Commission(app, Lang.ID)
                val running = commission.start().let { (it as Outcome.Ok).value }
                assertFalse(running.confirmed, "the running month is an estimate")
                assertTrue(running.statusText.startsWith("Sementara per "), running.statusText)
                // 15% of the Rp26.800 paid, for her first contribution month (DOMAIN.md §7).
                val line = running.lines.single { it.kind == LineKind.CONTRIBUTION }
                assertEquals(4_020L, line.amount)
                assertEquals("Rp4.020", line.amountFormatted)
                assertEquals("SITI AMINAH", line.participant)
                assertTrue(line.note.startsWith("Iuran bulan ke-1"), line.note)
                assertFalse(line.note.contains(" / "), "only the agent's language")
                assertEquals("Total" to running.totalFormatted, running.totals.last())
                assertEquals(running.lines.sumOf { it.amount }, running.total)

                // The month before, once the branch issued it, is confirmed and says when.
                val previous = CalendarText.shift(running.month, -1)!!
                server.admin("issue-statements", "--month", previous)
                assertTrue(device.sync() is DeviceSync.Result.Done)
                val issued = commission.previous().let { (it as Outcome.Ok).value }
                assertEquals(previous, issued.month)
                assertTrue(issued.confirmed, issued.toString())
                assertTrue(Regex("""Resmi, diterbitkan \d{2}/\d{2}/\d{4}""").matches(issued.statusText), issued.statusText)
                assertTrue(issued.canGoNext)
            }
        }
    }

    @Test
    @Timeout(300)
    fun `a batch signed by another key is refused, and a revoked device is told so`() {
        RealServer.start(dir).use { server ->
            val (_, code) = server.agentWithCode()
            Fixtures.open(dir.resolve("phone")).use { app ->
                val signer = Fixtures.kotlinSigner()
                val device = DeviceSync(app, signer, Lang.EN)
                assertTrue(device.activate(ActivationRequest(server.url, code, null)) is Outcome.Ok)
                app.submit(Fixtures.enrollment(), false)

                // Another key cannot speak for this device: nothing is accepted.
                val forged = DeviceSync(app, Fixtures.kotlinSigner(), Lang.EN).sync()
                assertTrue(forged is DeviceSync.Result.Stopped, forged.toString())
                assertEquals(0uL, app.queueStatus()["accepted"])

                assertTrue(device.sync() is DeviceSync.Result.Done)
                server.admin("revoke-device", "--device", app.deviceStatus().deviceId!!)
                app.submit(Fixtures.enrollment(nik = Fixtures.nik(7)), false)
                val revoked = device.sync()
                assertTrue(revoked is DeviceSync.Result.Revoked, revoked.toString())
                assertEquals("device.revoked", (revoked as DeviceSync.Result.Revoked).problem.code)
            }
        }
    }

    @Test
    fun `a sync stopped through its handle is a retry, with everything still queued`() {
        Fixtures.open(dir.resolve("phone")).use { app ->
            app.submit(Fixtures.enrollment(), false)
            // Cancelled from another thread before the core starts: the core checks first thing.
            val cancel = SyncCancel()
            thread { cancel.cancel() }.join()
            assertTrue(cancel.isCancelled())
            val result = DeviceSync(app, Fixtures.kotlinSigner(), Lang.ID).sync(cancel = cancel)
            assertTrue(result is DeviceSync.Result.RetryLater, result.toString())
            val problem = (result as DeviceSync.Result.RetryLater).problem
            assertEquals("sync.cancelled", problem.code)
            assertEquals("Sinkronisasi dihentikan. Data tetap tersimpan dan akan dikirim nanti.", problem.message)
            assertEquals(1uL, app.queueStatus()["queued"])
        }
    }

    @Test
    fun `a sync before activation stops with a typed error`() {
        Fixtures.open(dir.resolve("phone")).use { app ->
            app.submit(Fixtures.enrollment(), false)
            val result = DeviceSync(app, Fixtures.kotlinSigner(), Lang.ID).sync()
            assertTrue(result is DeviceSync.Result.Stopped, result.toString())
            assertEquals("device.not_activated", (result as DeviceSync.Result.Stopped).problem.code)
            assertThrows<PerisaiException.Failed> { app.sync(null, Fixtures.kotlinSigner(), null) }
        }
    }
}
