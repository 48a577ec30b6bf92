package id.perisai.field.logic

import java.time.LocalDate
import java.time.OffsetDateTime
import java.time.YearMonth
import java.time.format.DateTimeFormatter
import java.time.format.DateTimeParseException

/**
 * The core's months and times as an agent reads them: `2026-11` → `November 2026`,
 * `2026-12-04T09:15:00+07:00` → `04/12/2026`. Presentation only: which month a payment or a
 * statement belongs to is the core's (and the server's) decision.
 *
 * Month names come from this table rather than the platform's locale data, so the phone, the
 * JVM tests and iOS print the same words.
 */
object CalendarText {
    private val idMonths = listOf(
        "Januari", "Februari", "Maret", "April", "Mei", "Juni",
        "Juli", "Agustus", "September", "Oktober", "November", "Desember",
    )
    private val enMonths = listOf(
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    )

    /** `YYYY-MM` as `November 2026` (Indonesian) or `November 2026` (English); as is when unreadable. */
    fun month(yearMonth: String, lang: Lang): String {
        val ym = parseMonth(yearMonth) ?: return yearMonth
        val names = if (lang == Lang.ID) idMonths else enMonths
        return "${names[ym.monthValue - 1]} ${ym.year}"
    }

    /** The core's RFC 3339 time as `dd/MM/yyyy`, in the offset it carries; as is when unreadable. */
    fun date(rfc3339: String): String = format(rfc3339, "dd/MM/yyyy")

    /** The core's RFC 3339 time as `dd/MM/yyyy HH.mm`, in the offset it carries. */
    fun dateTime(rfc3339: String): String = format(rfc3339, "dd/MM/yyyy HH.mm")

    /** A record's date (`YYYY-MM-DD`) as `dd/MM/yyyy`; as is when unreadable. */
    fun day(isoDate: String): String =
        try {
            LocalDate.parse(isoDate.trim()).format(DateTimeFormatter.ofPattern("dd/MM/yyyy"))
        } catch (e: DateTimeParseException) {
            isoDate
        }

    /** `YYYY-MM` one month before or after ([delta] months), or null when unreadable. */
    fun shift(yearMonth: String, delta: Long): String? = parseMonth(yearMonth)?.plusMonths(delta)?.toString()

    internal fun parseMonth(yearMonth: String): YearMonth? =
        try {
            YearMonth.parse(yearMonth.trim())
        } catch (e: DateTimeParseException) {
            null
        }

    private fun format(rfc3339: String, pattern: String): String =
        try {
            OffsetDateTime.parse(rfc3339).format(DateTimeFormatter.ofPattern(pattern))
        } catch (e: DateTimeParseException) {
            rfc3339
        }
}
