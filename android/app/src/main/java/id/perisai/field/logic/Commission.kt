package id.perisai.field.logic

import id.perisai.ffi.AgentAppInterface
import id.perisai.ffi.LineKind
import id.perisai.ffi.Statement
import id.perisai.ffi.StatementStatus
import id.perisai.ffi.statementNote

/**
 * "Insentif": the agent's commission statement for one month, as the core keeps it offline
 * (DOMAIN.md §7), and the way from month to month.
 *
 * Nothing is computed here. The server computes statements and sync brings them down; the core
 * answers [AgentAppInterface.commission] with the issued (confirmed) statement of a month, else
 * the latest provisional estimate with the time it was computed, else an empty provisional one.
 * This class only words the answer: the month's name, "Resmi" or "Sementara per 04/12/2026", the
 * sums in rupiah and each line with the participant it is about.
 *
 * Use it from a background thread (every method that says "core" blocks on the library):
 * ```
 * val commission = Commission(app, Lang.ID)
 * when (val shown = commission.start()) {       // the running month
 *     is Outcome.Ok -> draw(shown.value)
 *     is Outcome.Refused -> showProblem(shown.problem)
 * }
 * commission.previous()                        // the month before, and so on
 * ```
 */
class Commission(private val app: AgentAppInterface, val lang: Lang) {

    /** One line of the statement, as the screen lists it. */
    data class Line(
        val kind: LineKind,
        /** `Akuisisi`, `Iuran`, `Penyesuaian`… */
        val kindLabel: String,
        val recordId: String,
        /** The participant's name from the card the core keeps, when the agent follows them. */
        val participant: String?,
        val amount: Long,
        /** `Rp7.560`, the core's format. */
        val amountFormatted: String,
        /** Why, in the agent's language (the core's note: months and rates, never personal data). */
        val note: String,
    )

    /** A month's statement as the screen draws it. */
    data class View(
        /** `YYYY-MM`. */
        val month: String,
        /** `November 2026`. */
        val monthLabel: String,
        /** Issued by the branch: payable, never changes. Otherwise an estimate. */
        val confirmed: Boolean,
        /** `Resmi, diterbitkan 05/12/2026` / `Sementara per 04/12/2026`. */
        val statusText: String,
        /** What the status means for the agent. */
        val statusNote: String,
        /** `dd/MM/yyyy`: when the statement was issued or the estimate computed. */
        val asOf: String,
        /** Label and amount, in order: acquisition, contribution, adjustments, total. */
        val totals: List<Pair<String, String>>,
        val total: Long,
        /** `Rp16.800`. */
        val totalFormatted: String,
        val lines: List<Line>,
        /** A later month exists (the running month has no next). */
        val canGoNext: Boolean,
    )

    /** The statement on screen, once one was loaded. */
    var shown: View? = null
        private set

    /** `YYYY-MM` of the running month, as the core computes it in the agent's time zone. */
    private var running: String? = null

    /** Core: the running month's statement (the screen starts on it). */
    fun start(): Outcome<View> = load(null)

    /** Core: the statement of the month before the one shown (the running month's, if none is). */
    fun previous(): Outcome<View> {
        val current = shown ?: return start()
        return load(CalendarText.shift(current.month, -1) ?: current.month)
    }

    /**
     * Core: the statement of the month after the one shown. The core refuses a month that has not
     * begun (`month.future`): the screen offers this only while [View.canGoNext].
     */
    fun next(): Outcome<View> {
        val current = shown ?: return start()
        return load(CalendarText.shift(current.month, 1) ?: current.month)
    }

    /** Core: the statement of [month] (`YYYY-MM`; null: the running month). */
    fun load(month: String?): Outcome<View> {
        val result = coreCall(lang) {
            val statement = app.commission(month)
            if (month == null) running = statement.month
            val runningMonth = running ?: app.commission(null).month.also { running = it }
            val names = app.participants().associate { it.recordId to it.name }
            view(statement, names, runningMonth)
        }
        if (result is Outcome.Ok) shown = result.value
        return result
    }

    private fun view(s: Statement, names: Map<String, String>, runningMonth: String): View {
        val confirmed = s.status == StatementStatus.CONFIRMED
        val asOf = CalendarText.date(s.asOf)
        return View(
            month = s.month,
            monthLabel = CalendarText.month(s.month, lang),
            confirmed = confirmed,
            statusText = (if (confirmed) L.confirmed else L.provisional).of(lang).format(asOf),
            statusNote = (if (confirmed) L.confirmedNote else L.provisionalNote).of(lang),
            asOf = asOf,
            totals = listOf(
                L.acquisition.of(lang) to Rupiah.format(s.acquisition),
                L.contribution.of(lang) to Rupiah.format(s.contribution),
                L.adjustments.of(lang) to Rupiah.format(s.adjustments),
                L.total.of(lang) to Rupiah.format(s.total),
            ),
            total = s.total,
            totalFormatted = Rupiah.format(s.total),
            lines = s.lines.map { line ->
                Line(
                    kind = line.kind,
                    kindLabel = kindLabels.getValue(line.kind).of(lang),
                    recordId = line.recordId,
                    participant = names[line.recordId],
                    amount = line.amount,
                    amountFormatted = Rupiah.format(line.amount),
                    note = note(line.note),
                )
            },
            // `YYYY-MM` strings order as the months do.
            canGoNext = s.month < runningMonth,
        )
    }

    /** The note in the agent's language (the core reads the server's `Indonesian / English`). */
    private fun note(both: String): String = statementNote(both).text(lang)

    private object L {
        val confirmed = Text("Resmi, diterbitkan %s", "Confirmed, issued %s")
        val provisional = Text("Sementara per %s", "Provisional as of %s")
        val confirmedNote = Text(
            "Pernyataan resmi kantor cabang: tidak berubah lagi. Koreksi muncul sebagai penyesuaian di bulan berikutnya.",
            "The branch's issued statement: it no longer changes. Corrections appear as adjustments in a later month.",
        )
        val provisionalNote = Text(
            "Perkiraan, bukan jumlah yang dibayar: berubah sampai kantor cabang menerbitkan pernyataan bulan ini.",
            "An estimate, not the amount paid: it changes until the branch issues this month's statement.",
        )
        val acquisition = Text("Insentif akuisisi", "Acquisition incentive")
        val contribution = Text("Insentif iuran", "Contribution incentive")
        val adjustments = Text("Penyesuaian", "Adjustments")
        val total = Text("Total", "Total")
    }

    private companion object {
        val kindLabels: Map<LineKind, Text> = mapOf(
            LineKind.ACQUISITION to Text("Akuisisi", "Acquisition"),
            LineKind.CONTRIBUTION to Text("Iuran", "Contribution"),
            LineKind.ADJUSTMENT to Text("Penyesuaian", "Adjustment"),
            LineKind.MANAGEMENT to Text("Pengelolaan", "Management"),
        )
    }
}
