package id.perisai.jvm

import id.perisai.ffi.PerisaiException
import id.perisai.ffi.formatRupiah
import id.perisai.field.logic.CalendarText
import id.perisai.field.logic.CashEntry
import id.perisai.field.logic.Commission
import id.perisai.field.logic.HomeState
import id.perisai.field.logic.Lang
import id.perisai.field.logic.MyParticipants
import id.perisai.field.logic.Outcome
import id.perisai.field.logic.ReceiptView
import id.perisai.field.logic.Rupiah
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertSame
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/**
 * The commission and cash screens' logic (Commission.kt, CashEntry.kt) and the participants list,
 * driven against the real library on a device that never synced. With a server (statements,
 * payment codes, confirmed payments) they are exercised by ServerSyncTest.
 */
class CommissionAndCashTest {
    private val dir = Fixtures.tempDir()
    private val app = Fixtures.open(dir)

    @AfterEach
    fun cleanup() {
        app.close()
        Fixtures.delete(dir)
    }

    private fun <T> Outcome<T>.ok(): T {
        assertTrue(this is Outcome.Ok, toString())
        return (this as Outcome.Ok).value
    }

    @Test
    fun `a device that never synced shows a provisional commission of zero, dated and labelled as such`() {
        val commission = Commission(app, Lang.ID)
        val running = commission.start().ok()
        // The running month is the core's (agent's time zone); the screen only names it.
        assertEquals(app.commission(null).month, running.month)
        assertEquals(CalendarText.month(running.month, Lang.ID), running.monthLabel)
        assertFalse(running.confirmed)
        assertTrue(Regex("""Sementara per \d{2}/\d{2}/\d{4}""").matches(running.statusText), running.statusText)
        assertTrue(running.statusNote.startsWith("Perkiraan"), running.statusNote)
        assertEquals(
            listOf(
                "Insentif akuisisi" to "Rp0",
                "Insentif iuran" to "Rp0",
                "Penyesuaian" to "Rp0",
                "Total" to "Rp0",
            ),
            running.totals,
        )
        assertEquals("Rp0", running.totalFormatted)
        assertTrue(running.lines.isEmpty())
        assertFalse(running.canGoNext, "no month after the running one")

        val english = Commission(app, Lang.EN).start().ok()
        assertTrue(Regex("""Provisional as of \d{2}/\d{2}/\d{4}""").matches(english.statusText), english.statusText)
        assertEquals("Total" to "Rp0", english.totals.last())
    }

    @Test
    fun `the agent moves from month to month, and the core refuses a month that has not begun`() {
        val commission = Commission(app, Lang.ID)
        val running = commission.start().ok()
        val before = commission.previous().ok()
        assertEquals(CalendarText.shift(running.month, -1), before.month)
        assertTrue(before.canGoNext)
        assertFalse(before.confirmed, "nothing was issued to this device")
        assertEquals(running.month, commission.next().ok().month)

        // Past the running month: the core's rule (month.future), the core's words.
        val future = commission.next()
        assertTrue(future is Outcome.Refused, future.toString())
        val problem = (future as Outcome.Refused).problem
        assertEquals("input.parameter", problem.code)
        assertEquals("month", problem.field)
        val core = assertThrows<PerisaiException.Failed> { app.commission(CalendarText.shift(running.month, 1)) }
        assertEquals(core.messageId, problem.message)
        assertEquals(running.month, commission.shown?.month, "the screen keeps the month it showed")

        val typo = commission.load("2026/11")
        assertEquals("input.parameter", (typo as Outcome.Refused).problem.code)
    }

    @Test
    fun `cash is checked by the core, its errors shown beside the input in Indonesian`() {
        val id = app.submit(Fixtures.enrollment(), false).id
        val cash = CashEntry.load(app, id, Lang.ID)
        assertEquals("SITI AMINAH", cash.participant?.name, "the name as the core normalized it")
        assertEquals("3201••••••••0002", cash.participant?.nikMasked)
        assertNull(cash.participant?.paymentCode, "no payment code before approval")
        assertEquals("Rp80.400 untuk 3 bulan", cash.receiptContribution)

        // The core's own message for an amount it refuses, in Indonesian.
        val expected = assertThrows<PerisaiException.Failed> { app.recordCash(id, 0, 3u) }
        assertEquals("amount", expected.field)
        for (bad in listOf("0", "", "lima puluh ribu", "-80400", "999999999999")) {
            cash.setAmount(bad)
            cash.setMonths("3")
            val result = cash.save()
            assertTrue(result is CashEntry.Result.FixInput, "$bad: $result")
            assertEquals(expected.messageId, cash.amountError, bad)
            assertNull(cash.monthsError)
        }
        cash.setAmount("80.400")
        assertNull(cash.amountError, "an edited input no longer shows its old error")
        cash.setMonths("13")
        assertTrue(cash.save() is CashEntry.Result.FixInput)
        assertNull(cash.amountError)
        assertEquals(assertThrows<PerisaiException.Failed> { app.recordCash(id, 80_400, 13u) }.messageId, cash.monthsError)
        assertEquals(0uL, app.unsentCash(), "nothing refused was recorded")

        val english = CashEntry.load(app, id, Lang.EN)
        english.setAmount("0")
        english.setMonths("1")
        english.save()
        assertEquals(expected.messageEn, english.amountError)
        assertEquals("Rp80.400 for 3 months", english.receiptContribution)
    }

    @Test
    fun `recorded cash waits to be sent, and the receipt still reads BELUM DIBAYAR`() {
        val id = app.submit(Fixtures.enrollment(), false).id
        val cash = CashEntry.load(app, id, Lang.ID)
        cash.setAmount("Rp80.400")
        cash.setMonths("3")
        val saved = cash.save()
        assertTrue(saved is CashEntry.Result.Saved, saved.toString())
        saved as CashEntry.Result.Saved
        assertEquals("Rp80.400", saved.cash.amountFormatted)
        assertEquals(80_400L, saved.cash.amount)
        assertEquals(3u, saved.cash.months)
        assertFalse(saved.cash.sent)
        assertEquals("BELUM DIBAYAR", saved.paymentStatus)
        assertFalse(saved.paid, "cash in the agent's hand is not a confirmed payment")
        assertEquals(1L, saved.unsent)
        assertTrue(Regex("""\d{2}/\d{2}/\d{4} \d{2}\.\d{2}""").matches(saved.collectedAt), saved.collectedAt)

        // A double tap records nothing more.
        assertSame(saved, cash.save())
        assertEquals(1uL, app.unsentCash())

        val receipt = ReceiptView.load(app, id, Lang.ID)
        assertFalse(receipt.paid)
        assertEquals("BELUM DIBAYAR", receipt.paymentStatus)
        val home = HomeState.load(app)
        assertEquals(1L, home.unsentCash)
        assertTrue(home.hasSomethingToSend)
    }

    @Test
    fun `a record without a participant takes no cash, in the core's words`() {
        val draft = app.saveDraft(null, Fixtures.enrollment())
        val cash = CashEntry.load(app, draft, Lang.ID)
        assertNull(cash.participant)
        cash.setAmount("16800")
        cash.setMonths("1")
        val refused = cash.save()
        assertTrue(refused is CashEntry.Result.Refused, refused.toString())
        assertEquals("record.not_allowed", (refused as CashEntry.Result.Refused).problem.code)
        assertNull(cash.amountError)

        val unknown = CashEntry.load(app, "0192f0a0-0000-7000-8000-00000000dead", Lang.ID)
        unknown.setAmount("16800")
        unknown.setMonths("1")
        assertEquals("record.not_found", (unknown.save() as CashEntry.Result.Refused).problem.code)
        assertEquals(0uL, app.unsentCash())
    }

    @Test
    fun `my participants are the approved ones only`() {
        app.submit(Fixtures.enrollment(), false)
        assertEquals(1, app.participants().size, "the core keeps a card from the submit on")
        assertTrue(MyParticipants(app, Lang.ID).rows().isEmpty(), "not approved yet")
    }

    @Test
    fun `months and amounts read the same on every screen`() {
        assertEquals("November 2026", CalendarText.month("2026-11", Lang.ID))
        assertEquals("Desember 2026", CalendarText.month("2026-12", Lang.ID))
        assertEquals("May 2027", CalendarText.month("2027-05", Lang.EN))
        assertEquals("Mei 2027", CalendarText.month("2027-05", Lang.ID))
        assertEquals("2026/11", CalendarText.month("2026/11", Lang.ID), "unreadable stays as is")
        assertEquals("2025-12", CalendarText.shift("2026-01", -1))
        assertEquals("2027-01", CalendarText.shift("2026-12", 1))
        assertEquals("04/12/2026", CalendarText.date("2026-12-04T09:15:00+07:00"))
        assertEquals("04/12/2026 09.15", CalendarText.dateTime("2026-12-04T09:15:00+07:00"))
        for (amount in listOf(0L, 800L, 16_800L, -1_050_050L, Long.MAX_VALUE)) {
            assertEquals(formatRupiah(amount), Rupiah.format(amount))
        }
    }
}
