package id.perisai.jvm

import id.perisai.ffi.FieldKind
import id.perisai.ffi.RecordState
import id.perisai.field.logic.ActivationRequest
import id.perisai.field.logic.AppLock
import id.perisai.field.logic.EnrollmentForm
import id.perisai.field.logic.HomeState
import id.perisai.field.logic.IssueUi
import id.perisai.field.logic.Lang
import id.perisai.field.logic.LockGate
import id.perisai.field.logic.MyEnrollments
import id.perisai.field.logic.Outcome
import id.perisai.field.logic.ReceiptView
import id.perisai.field.logic.RecordStates
import id.perisai.field.logic.Rupiah
import id.perisai.field.logic.SubmitResult
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotNull
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test

/**
 * The Android app's screen state and logic (android/app/src/main/java/id/perisai/field/logic),
 * compiled here without Android and driven against the real library.
 */
class AppLogicTest {
    private val dir = Fixtures.tempDir()
    private val app = Fixtures.open(dir)

    @AfterEach
    fun cleanup() {
        app.close()
        Fixtures.delete(dir)
    }

    /** Fills the form as an agent would: typing and tapping options by their labels. */
    private fun EnrollmentForm.fillSiti(nik: String = "3201 1555 0190 0002") {
        setText("nik", nik)
        setText("full_name", "Siti Aminah")
        setText("birth_place", "Bogor")
        setText("birth_date", "1990-01-15")
        pick("sex", "\"F\"")
        setText("phone", "0812 3456 7890")
        setText("address", "Pasar Anyar Blok C No. 12, Bogor")
        pick("occupation", "\"PEDAGANG\"")
        setText("monthly_income", "2.000.000")
        pick("programs", "[\"JKK\",\"JKM\"]")
        pick("payment_months", "3")
        setChecked("consent", true)
        setText("enrolled_on", "2026-11-20")
    }

    /** Taps the option whose value (as the core defines it) is [valueJson]. */
    private fun EnrollmentForm.pick(key: String, valueJson: String) {
        val index = definition.fields.first { it.key == key }.options.indexOfFirst { it.valueJson == valueJson }
        check(index >= 0) { "no option $valueJson for $key" }
        select(key, index)
    }

    @Test
    fun `the form is rendered from the core's definition, in Indonesian or English`() {
        val form = EnrollmentForm.new(app, Lang.ID)
        val keys = form.fields.map { it.key }
        assertEquals(app.form().fields.filter { !it.deviceManaged }.map { it.key }, keys)
        assertFalse("supersedes" in keys, "device-managed fields are not inputs")
        val nik = form.field("nik")
        assertEquals(app.form().fields.first { it.key == "nik" }.label.id, nik.label)
        assertTrue(nik.required)
        val programs = form.field("programs")
        assertEquals(FieldKind.MULTI_CHOICE, programs.kind)
        assertTrue(programs.singlePick, "the core's options are whole packages")
        assertEquals(2, programs.options.size)
        assertEquals(app.form().fields.first { it.key == "full_name" }.constraints.maxLength?.toInt(), form.field("full_name").maxLength)

        val english = EnrollmentForm.new(app, Lang.EN)
        assertEquals(app.form().fields.first { it.key == "sex" }.options.map { it.label.en }, english.field("sex").options.map { it.label })
    }

    @Test
    fun `the form writes the enrollment JSON the core expects`() {
        val form = EnrollmentForm.new(app, Lang.ID)
        form.fillSiti()
        form.setLocation("location", EnrollmentForm.Location(-6.6, 106.8, 12.0))
        val report = form.check()
        assertTrue(report.valid, report.toString())
        val json = form.toJson()
        assertTrue(json.contains("\"monthly_income\":2000000"), json)
        assertTrue(json.contains("\"programs\":[\"JKK\",\"JKM\"]"), json)
        assertTrue(json.contains("\"payment_months\":3"), json)
        assertTrue(json.contains("\"sex\":\"F\""), json)
        assertTrue(json.contains("\"consent\":true"), json)
        assertTrue(json.contains("\"location\":{\"lat\":-6.6"), json)
    }

    @Test
    fun `errors show inline beside their fields and block the submit`() {
        val form = EnrollmentForm.new(app, Lang.ID)
        form.fillSiti(nik = "3201 1555")
        form.setText("phone", "12345")
        form.setChecked("consent", false)
        val result = form.submit()
        assertTrue(result is SubmitResult.FixErrors, result.toString())
        val nik = form.field("nik")
        assertEquals(1, nik.errors.size)
        assertEquals(app.validate(form.toJson()).errors.first { it.field == "nik" }.message.id, nik.errors.single())
        assertTrue(form.field("phone").errors.isNotEmpty())
        assertTrue(form.field("consent").errors.isNotEmpty())
        assertTrue(form.field("full_name").errors.isEmpty())
        assertTrue(app.list(null).isEmpty(), "nothing stored")

        // Editing a field clears its old error; the others stay until the next check.
        form.setText("nik", "3201155501900002")
        assertTrue(form.field("nik").errors.isEmpty())
        assertTrue(form.field("phone").errors.isNotEmpty())
    }

    @Test
    fun `an empty required field and a non-number income get the core's codes`() {
        val form = EnrollmentForm.new(app, Lang.EN)
        form.fillSiti()
        form.setText("full_name", "   ")
        form.setText("monthly_income", "dua juta")
        val report = form.check()
        val codes = report.errors.map { it.field to it.code }
        assertTrue(("full_name" to "required") in codes, codes.toString())
        assertTrue(("monthly_income" to "type") in codes, codes.toString())
        assertTrue(form.field("monthly_income").errors.single().isNotBlank())
    }

    @Test
    fun `warnings are confirmed by the agent before the record is queued`() {
        app.submit(Fixtures.enrollment(), false)
        val form = EnrollmentForm.new(app, Lang.ID)
        form.fillSiti()
        val first = form.submit()
        assertTrue(first is SubmitResult.ConfirmWarnings, first.toString())
        val warning = (first as SubmitResult.ConfirmWarnings).warnings.single()
        assertEquals("nik.duplicate_local", warning.code)
        assertEquals(IssueUi.Kind.WARNING, warning.kind)
        assertEquals(1, form.field("nik").warnings.size)
        assertEquals(1, app.list(null).size, "nothing queued before the confirmation")

        val confirmed = form.submit(acceptWarnings = true)
        assertTrue(confirmed is SubmitResult.Done, confirmed.toString())
        assertEquals(2, app.list(RecordState.QUEUED).size)
    }

    @Test
    fun `a draft keeps what was typed and is submitted under its id`() {
        val form = EnrollmentForm.new(app, Lang.ID)
        form.fillSiti()
        form.setText("phone", "")
        val draftId = form.saveDraft()
        val reopened = EnrollmentForm.fromDraft(app, Lang.ID, draftId)
        assertEquals("Siti Aminah", reopened.field("full_name").text)
        assertEquals(setOf(0), reopened.field("programs").selected)
        assertEquals("Perempuan", reopened.field("sex").options[reopened.field("sex").selected.single()].label)
        assertTrue(reopened.field("consent").checked)
        assertEquals("", reopened.field("phone").text)
        reopened.setText("phone", "0812 3456 7890")
        val done = reopened.submit()
        assertTrue(done is SubmitResult.Done, done.toString())
        assertEquals(draftId, (done as SubmitResult.Done).submitted.id)
    }

    @Test
    fun `the quote preview is the core's price, formatted as the core formats it`() {
        val form = EnrollmentForm.new(app, Lang.ID)
        assertNull(form.quote(), "nothing to price yet")
        form.fillSiti()
        val quote = form.quote()
        assertNotNull(quote)
        quote!!
        assertEquals(80_400L, quote.totalDue)
        assertEquals(3, quote.months)
        val done = form.submit() as SubmitResult.Done
        // The receipt's amount is formatted by the core: the preview must read the same.
        assertEquals(app.receipt(done.submitted.id).totalFormatted, quote.totalFormatted)
    }

    @Test
    fun `the app's rupiah formatting matches the core's for every size of amount`() {
        // Each income gives a different total; the core formats it on the receipt.
        for ((i, income) in listOf(1_000_000L, 1_050_050L, 3_333_333L, 20_700_000L).withIndex()) {
            val json = Fixtures.enrollment(nik = Fixtures.nik(i)).replace("2000000", income.toString())
                .replace("\"payment_months\": 3", "\"payment_months\": 12")
                .replace("[\"JKK\", \"JKM\"]", "[\"JKK\", \"JKM\", \"JHT\"]")
            val receipt = app.receipt(app.submit(json, true).id)
            assertEquals(receipt.totalFormatted, Rupiah.format(receipt.total!!))
        }
        assertEquals("Rp0", Rupiah.format(0))
        assertEquals("Rp800", Rupiah.format(800))
        assertEquals("Rp16.800", Rupiah.format(16_800))
        assertEquals("-Rp1.050.050", Rupiah.format(-1_050_050))
    }

    @Test
    fun `the receipt reads BELUM DIBAYAR and shares the core's amounts and dates`() {
        val done = app.submit(Fixtures.enrollment(), false)
        val view = ReceiptView.load(app, done.id, Lang.ID)
        assertFalse(view.paid)
        assertEquals("BELUM DIBAYAR", view.paymentStatus)
        val text = view.shareText
        assertTrue(text.startsWith("BUKTI PENDAFTARAN"), text)
        assertTrue(text.contains("No. bukti: 1"), text)
        assertTrue(text.contains("Referensi: ${done.reference}"), text)
        assertTrue(text.contains("Iuran: Rp80.400 untuk 3 bulan"), text)
        assertTrue(text.contains("Tanggal daftar: 20/11/2026"), text)
        assertTrue(text.contains("Status pembayaran: BELUM DIBAYAR"), text)
        assertTrue(text.contains("3201••••••••0002"), text)
        assertFalse(text.contains("3201155501900002"), "never the full NIK")
        assertFalse(text.contains("Kode iuran"), "no payment code before approval")

        val english = ReceiptView.load(app, done.id, Lang.EN).shareText
        assertTrue(english.contains("Contribution: Rp80.400 for 3 months"), english)
        assertTrue(english.contains("Payment status: BELUM DIBAYAR"), english)
    }

    @Test
    fun `home shows the core's queue counts and the last sync`() {
        assertEquals(HomeState(0, 0, 0, 0, 0, 0, null, activated = false, suspended = false), HomeState.load(app))
        val a = app.submit(Fixtures.enrollment(nik = Fixtures.nik(1)), false)
        app.submit(Fixtures.enrollment(nik = Fixtures.nik(2)), false)
        app.saveDraft(null, "{}")
        app.withdraw(a.id)
        val home = HomeState.load(app)
        assertEquals(1, home.toSend)
        assertEquals(1, home.drafts)
        assertEquals(0, home.needsFix)
        assertTrue(home.hasSomethingToSend)
        assertNull(home.lastSync, "never synced")
        assertFalse(home.activated)
    }

    @Test
    fun `my enrollments lists records with their state and offers what the core allows`() {
        val mine = MyEnrollments(app, Lang.ID)
        val a = app.submit(Fixtures.enrollment(nik = Fixtures.nik(1), name = "Siti Aminah"), false)
        val b = app.submit(Fixtures.enrollment(nik = Fixtures.nik(2), name = "Dewi Lestari"), false)
        val rows = mine.rows()
        assertEquals(listOf(b.id, a.id), rows.map { it.id }, "newest first")
        assertEquals("DEWI LESTARI", rows[0].name)
        assertEquals("Menunggu dikirim", rows[0].stateLabel)

        val detail = mine.detail(a.id)
        assertTrue(detail.canWithdraw)
        assertFalse(detail.canFix)
        assertNull(detail.reviewNote)
        assertEquals(Outcome.Ok(Unit), mine.withdraw(a.id))
        assertEquals("Ditarik", mine.rows().first { it.id == a.id }.stateLabel)
        // The core refuses a second withdraw; the screen shows its message.
        val again = mine.withdraw(a.id)
        assertTrue(again is Outcome.Refused, again.toString())
        assertTrue((again as Outcome.Refused).problem.message.isNotBlank())
    }

    @Test
    fun `a correction form queues the fixed record and retires the old one`() {
        val mine = MyEnrollments(app, Lang.ID)
        val old = app.submit(Fixtures.enrollment(name = "Siti Aminh"), false)
        val form = mine.startFix(old.id, Fixtures.enrollment(name = "Siti Aminh"))
        assertEquals("Siti Aminh", form.field("full_name").text)
        assertEquals("2000000", form.field("monthly_income").text)
        assertEquals(setOf(0), form.field("programs").selected)
        form.setText("full_name", "Siti Aminah")
        val result = form.submit(acceptWarnings = true)
        assertTrue(result is SubmitResult.Done, result.toString())
        assertEquals(RecordState.WITHDRAWN, app.receipt(old.id).state)
        assertEquals("SITI AMINAH", app.receipt((result as SubmitResult.Done).submitted.id).fullName)
    }

    @Test
    fun `a correction form opens with the record as the core keeps it`() {
        val old = app.submit(Fixtures.enrollment(name = "Siti Aminh"), false)
        val form = MyEnrollments(app, Lang.ID).startFix(old.id)
        assertEquals("3201155501900002", form.field("nik").text)
        assertEquals("siti aminh", form.field("full_name").text.lowercase())
        assertEquals("2000000", form.field("monthly_income").text)
        assertEquals(setOf(0), form.field("programs").selected)
        assertTrue(form.field("consent").checked)
        form.setText("full_name", "Siti Aminah")
        val result = form.submit(acceptWarnings = true)
        assertTrue(result is SubmitResult.Done, result.toString())
        assertEquals("SITI AMINAH", app.receipt((result as SubmitResult.Done).submitted.id).fullName)
    }

    @Test
    fun `every state has a label in both languages`() {
        for (state in RecordState.entries) {
            assertTrue(RecordStates.label(state, Lang.ID).isNotBlank())
            assertTrue(RecordStates.label(state, Lang.EN).isNotBlank())
        }
        assertTrue(RecordStates.needsFix(RecordState.HAS_ISSUES))
        assertEquals(Lang.ID, Lang.fromTag("in-ID"))
        assertEquals(Lang.EN, Lang.fromTag("en-US"))
    }

    @Test
    fun `the app lock slows down guessing without locking the agent out for good`() {
        val store = object : AppLock.Store {
            var saved: AppLock.Saved? = null
            override fun load() = saved
            override fun save(saved: AppLock.Saved) {
                this.saved = saved
            }
            override fun clear() {
                saved = null
            }
        }
        var clock = 1_000_000L
        val lock = AppLock(store) { clock }
        assertFalse(lock.hasPin)
        assertFalse(lock.isAcceptable("12345"))
        assertFalse(lock.isAcceptable("12345a"))
        lock.setPin("246810")
        assertTrue(lock.hasPin)
        assertFalse(String(store.saved!!.hash).contains("246810"))
        assertEquals(AppLock.Result.Unlocked, lock.unlock("246810"))
        repeat(4) { assertEquals(AppLock.Result.Wrong(4 - it), lock.unlock("000000")) }
        assertEquals(AppLock.Result.Wait(30), lock.unlock("000000"))
        assertTrue(lock.unlock("246810") is AppLock.Result.Wait, "even the right PIN waits")
        clock += 30_000
        assertEquals(AppLock.Result.Wait(60), lock.unlock("111111"), "the wait doubles")
        clock += 60_000
        assertEquals(AppLock.Result.Unlocked, lock.unlock("246810"))
        assertEquals(AppLock.Result.Wrong(4), lock.unlock("000000"), "a success resets the count")
        // A forgotten PIN, after re-activation: none is set until the agent sets a new one.
        lock.forgetPin()
        assertFalse(lock.hasPin)
    }

    @Test
    fun `the lock closes again only after five minutes away`() {
        var clock = 0L
        val gate = LockGate { clock }
        val seen = mutableListOf<Boolean>()
        gate.listen { seen += it }
        assertTrue(gate.locked, "locked when the process starts")
        gate.returned()
        assertTrue(gate.locked)
        gate.unlock()
        assertFalse(gate.locked)
        gate.left()
        clock += LockGate.RELOCK_AFTER_MS - 1
        gate.returned()
        assertFalse(gate.locked, "back within five minutes")
        gate.returned()
        assertFalse(gate.locked, "a resume without leaving changes nothing")
        gate.left()
        clock += 1_000
        gate.left()
        clock += LockGate.RELOCK_AFTER_MS - 1_000
        gate.returned()
        assertTrue(gate.locked, "five minutes counted from the first leave")
        assertEquals(listOf(false, true), seen)
    }

    @Test
    fun `the activation QR and a typed code are read`() {
        val qr = ActivationRequest.fromQr(
            "perisai:activate?server=https://kc-bogor.example.id&code=ABCD-EFGH-JKMN-P&fp=9f86d081884c7d65",
        )
        assertEquals(ActivationRequest("https://kc-bogor.example.id", "ABCD-EFGH-JKMN-P", "9f86d081884c7d65"), qr)
        assertNull(ActivationRequest.fromQr("https://example.com/?code=1"))
        assertNull(ActivationRequest.fromQr("perisai:activate?server=ftp://x&code=A"))
        assertNull(ActivationRequest.fromQr("perisai:activate?server=https://x"))
        assertEquals(
            ActivationRequest("http://127.0.0.1:8080", "abcd efgh", null),
            ActivationRequest.typed(" http://127.0.0.1:8080/ ", " abcd efgh "),
        )
        assertNull(ActivationRequest.typed("kc-bogor", "ABCD"))
    }
}
