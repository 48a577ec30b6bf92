package id.perisai.jvm

import id.perisai.ffi.PerisaiException
import id.perisai.ffi.RecordState
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** Submit, receipts, withdraw, correct, drafts and queue status through the generated Kotlin. */
class QueueTest {
    private val dir = Fixtures.tempDir()
    private val app = Fixtures.open(dir)

    @AfterEach
    fun cleanup() {
        app.close()
        Fixtures.delete(dir)
    }

    @Test
    fun `a submit is queued with a gap-free receipt number and an unpaid receipt`() {
        val first = app.submit(Fixtures.enrollment(), false)
        assertEquals(RecordState.QUEUED, first.status)
        assertEquals(1uL, first.receiptNo)
        assertTrue(first.reference.isNotBlank())
        assertTrue(first.warnings.isEmpty())

        val receipt = app.receipt(first.id)
        assertEquals(first.reference, receipt.reference)
        assertFalse(receipt.paid)
        assertEquals("BELUM DIBAYAR", receipt.paymentStatus)
        assertEquals("SITI AMINAH", receipt.fullName)
        assertEquals("3201••••••••0002", receipt.nikMasked)
        assertEquals(listOf("JKK", "JKM"), receipt.programs)
        assertEquals(3u, receipt.paymentMonths)
        // 3 months of JKK 1% of Rp2.000.000 + JKM Rp6.800 = 3 × 26.800
        assertEquals(80_400L, receipt.total)
        assertEquals("Rp80.400", receipt.totalFormatted)
        assertEquals("20/11/2026", receipt.enrolledOn)
        assertNull(receipt.paymentCode)

        val second = app.submit(Fixtures.enrollment(nik = Fixtures.nik(1), name = "Dewi Lestari"), false)
        assertEquals(2uL, second.receiptNo)
        assertNotEquals(first.id, second.id)
    }

    @Test
    fun `queue status has every state and counts submits and withdrawals`() {
        val status = app.queueStatus()
        assertEquals(
            setOf(
                "draft", "queued", "sent", "accepted", "flagged", "rejected", "approved", "has_issues",
                "rejected_by_review", "superseded", "withdrawn", "purged",
            ),
            status.keys,
        )
        assertTrue(status.values.all { it == 0uL })

        val a = app.submit(Fixtures.enrollment(nik = Fixtures.nik(1)), false)
        app.submit(Fixtures.enrollment(nik = Fixtures.nik(2)), false)
        app.withdraw(a.id)
        val after = app.queueStatus()
        assertEquals(1uL, after["queued"])
        assertEquals(1uL, after["withdrawn"])
        assertEquals(RecordState.WITHDRAWN, app.receipt(a.id).state)
        assertEquals(listOf(a.id), app.list(RecordState.WITHDRAWN).map { it.id })
    }

    @Test
    fun `a withdrawn record cannot be withdrawn again, and an unknown id is not found`() {
        val a = app.submit(Fixtures.enrollment(), false)
        app.withdraw(a.id)
        val again = assertThrows<PerisaiException.Failed> { app.withdraw(a.id) }
        assertTrue(again.code.isNotBlank())
        val unknown = assertThrows<PerisaiException.Failed> { app.receipt("0190a0b0-0000-7000-8000-000000000000") }
        assertTrue(unknown.code.contains("not_found"), unknown.code)
    }

    @Test
    fun `correcting a queued record withdraws it and queues the new one`() {
        val old = app.submit(Fixtures.enrollment(name = "Siti Aminh"), false)
        val fixed = app.correct(old.id, Fixtures.enrollment(name = "Siti Aminah"), true)
        assertEquals(RecordState.QUEUED, fixed.status)
        assertEquals(2uL, fixed.receiptNo)
        assertEquals(RecordState.WITHDRAWN, app.receipt(old.id).state)
        assertEquals("SITI AMINAH", app.receipt(fixed.id).fullName)
        val status = app.queueStatus()
        assertEquals(1uL, status["queued"])
        assertEquals(1uL, status["withdrawn"])
    }

    @Test
    fun `a correction is validated like a submit`() {
        val old = app.submit(Fixtures.enrollment(), false)
        val e = assertThrows<PerisaiException.Invalid> { app.correct(old.id, Fixtures.enrollment(nik = "1"), true) }
        assertTrue(e.report.errors.any { it.code == "nik.format" })
        assertEquals(RecordState.QUEUED, app.receipt(old.id).state)
    }

    @Test
    fun `warnings need the agent's confirmation and travel with the record`() {
        app.submit(Fixtures.enrollment(), false)
        // The same NIK again on this device: a warning, so an unconfirmed submit stores nothing.
        val e = assertThrows<PerisaiException.Invalid> { app.submit(Fixtures.enrollment(name = "Siti A"), false) }
        assertTrue(e.report.errors.isEmpty(), e.report.toString())
        assertEquals(listOf("nik.duplicate_local"), e.report.warnings.map { it.code })
        assertEquals(1, app.list(null).size)

        val confirmed = app.submit(Fixtures.enrollment(name = "Siti A"), true)
        assertEquals(listOf("nik.duplicate_local"), confirmed.warnings.map { it.code })
        assertEquals(listOf("nik.duplicate_local"), app.receipt(confirmed.id).warnings.map { it.code })
    }

    @Test
    fun `a draft is saved unvalidated, reloaded, and submitted under its own id`() {
        val id = app.saveDraft(null, """{"nik": "3201", "full_name": "Siti"}""")
        assertEquals(RecordState.DRAFT, app.list(RecordState.DRAFT).single().state)
        assertTrue(app.loadDraft(id).contains("\"3201\""))
        app.saveDraft(id, Fixtures.enrollment())
        val done = app.submitDraft(id, false)
        assertEquals(id, done.id)
        assertEquals(RecordState.QUEUED, done.status)
        assertTrue(app.list(RecordState.DRAFT).isEmpty())

        val other = app.saveDraft(null, "{}")
        app.discardDraft(other)
        assertThrows<PerisaiException.Failed> { app.loadDraft(other) }
    }
}
