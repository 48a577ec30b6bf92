package id.perisai.jvm

import id.perisai.ffi.FieldKind
import id.perisai.ffi.PerisaiException
import id.perisai.ffi.Program
import id.perisai.ffi.QuoteRequest
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** The form definition, validation reports and typed exceptions, through the generated Kotlin. */
class FormAndErrorsTest {
    private val dir = Fixtures.tempDir()
    private val app = Fixtures.open(dir)

    @AfterEach
    fun cleanup() {
        app.close()
        Fixtures.delete(dir)
    }

    @Test
    fun `the form definition comes from the core in the record's field order`() {
        val form = app.form()
        assertEquals(1u, form.version)
        assertTrue(form.ruleSet.isNotEmpty())
        val keys = form.fields.map { it.key }
        assertEquals(
            listOf(
                "nik", "full_name", "birth_place", "birth_date", "sex", "phone", "address",
                "occupation", "monthly_income", "programs", "payment_months", "consent", "location",
                "enrolled_on", "supersedes",
            ),
            keys,
        )
        val nik = form.fields.first { it.key == "nik" }
        assertEquals(FieldKind.TEXT, nik.kind)
        assertTrue(nik.required)
        assertEquals("NIK", nik.label.id.take(3))
        assertTrue(nik.hint.id.contains("16 angka"), nik.hint.id)
        assertTrue(nik.hint.en.contains("16 digits"), nik.hint.en)

        val occupation = form.fields.first { it.key == "occupation" }
        assertEquals(14, occupation.options.size)
        assertTrue(occupation.options.any { it.valueJson == "\"PEDAGANG\"" })

        val programs = form.fields.first { it.key == "programs" }
        assertEquals(FieldKind.MULTI_CHOICE, programs.kind)
        assertEquals(listOf("[\"JKK\",\"JKM\"]", "[\"JKK\",\"JKM\",\"JHT\"]"), programs.options.map { it.valueJson })

        val income = form.fields.first { it.key == "monthly_income" }
        assertEquals(1_000_000L, income.constraints.min)
        assertTrue((income.constraints.max ?: 0) >= 20_000_000L)

        assertTrue(form.fields.first { it.key == "supersedes" }.deviceManaged)
        assertFalse(form.fields.first { it.key == "location" }.required)
    }

    @Test
    fun `a valid enrollment validates with no issues`() {
        val report = app.validate(Fixtures.enrollment())
        assertTrue(report.valid, report.toString())
        assertTrue(report.errors.isEmpty())
        assertTrue(report.warnings.isEmpty())
    }

    @Test
    fun `every problem is reported at once, bilingual, with stable codes`() {
        val bad = Fixtures.enrollment(nik = "12345", name = "S1t1")
            .replace("\"0812 3456 7890\"", "\"12345\"")
            .replace("\"consent\": true", "\"consent\": false")
        val report = app.validate(bad)
        assertFalse(report.valid)
        val codes = report.errors.map { it.field to it.code }
        assertTrue(("nik" to "nik.format") in codes, codes.toString())
        assertTrue(("full_name" to "name.format") in codes, codes.toString())
        assertTrue(("phone" to "phone.format") in codes, codes.toString())
        assertTrue(("consent" to "consent.missing") in codes, codes.toString())
        for (issue in report.errors) {
            assertTrue(issue.message.id.isNotBlank() && issue.message.en.isNotBlank())
            assertFalse(issue.message.id.contains("S1t1"), "no personal data in messages")
        }
    }

    @Test
    fun `a wrong type and an unknown field are errors, not crashes`() {
        val report = app.validate(
            Fixtures.enrollment().replace("2000000", "\"banyak\"").replace("\"sex\": \"F\"", "\"sexx\": \"F\""),
        )
        val codes = report.errors.map { it.field to it.code }
        assertTrue(("monthly_income" to "type") in codes, codes.toString())
        assertTrue(("sexx" to "unknown_field") in codes, codes.toString())
        assertTrue(("sex" to "required") in codes, codes.toString())
    }

    @Test
    fun `submit of an invalid enrollment throws Invalid with the report and stores nothing`() {
        val e = assertThrows<PerisaiException.Invalid> {
            app.submit(Fixtures.enrollment(nik = "12345"), true)
        }
        assertEquals("input.invalid", e.code)
        assertTrue(e.messageId.isNotBlank() && e.messageEn.isNotBlank())
        assertTrue(e.report.errors.any { it.field == "nik" && it.code == "nik.format" })
        assertTrue(app.list(null).isEmpty())
    }

    @Test
    fun `malformed JSON throws Failed with input malformed`() {
        val e = assertThrows<PerisaiException.Failed> { app.submit("[1, 2]", true) }
        assertEquals("input.malformed", e.code)
        val e2 = assertThrows<PerisaiException.Failed> { app.validate("{not json") }
        assertEquals("input.malformed", e2.code)
    }

    @Test
    fun `a quote prices each month with the discounts of the rule set`() {
        val minimum = app.quote(QuoteRequest(1_000_000, listOf(Program.JKK, Program.JKM), 1u, 2025, 6u, null))
        assertEquals(16_800L, minimum.totalDue)
        assertEquals("2025-06", minimum.months.single().month)

        // A courier's 12 months from 2027-01: three discounted months (to 2027-03), nine full.
        val courier = app.quote(
            QuoteRequest(1_000_000, listOf(Program.JKK, Program.JKM), 12u, 2027, 1u, "KURIR"),
        )
        assertEquals(12, courier.months.size)
        assertEquals(listOf(8_400L, 8_400L, 8_400L), courier.months.take(3).map { it.total })
        assertTrue(courier.months.drop(3).all { it.total == 16_800L })
        assertEquals(3 * 8_400L + 9 * 16_800L, courier.totalDue)
    }

    @Test
    fun `a refused quote names the parameter at fault`() {
        val e = assertThrows<PerisaiException.Failed> {
            app.quote(QuoteRequest(1_000_000, listOf(Program.JKK, Program.JKM), 1u, 2026, 13u, null))
        }
        assertEquals("input.parameter", e.code)
        assertTrue(e.field != null, e.toString())
    }
}
