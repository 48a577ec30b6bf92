package id.perisai.field.logic

import id.perisai.ffi.AgentAppInterface
import id.perisai.ffi.CashRecorded
import id.perisai.ffi.PerisaiException
import id.perisai.ffi.parseWholeNumber

/**
 * "Uang tunai diterima": the form an agent fills after taking cash from a participant (DOMAIN.md
 * §6): how much, and for how many contribution months. The core records it, sealed, with the
 * time, and sends it with the next sync; the server reconciles it with the payment channel.
 *
 * The form holds no rule. What the agent typed is read as a whole number by the core's reader
 * (`parseWholeNumber`: grouping dots and spaces, `Rp` in front, as the enrollment form reads
 * income); a text that is not one is sent as 0, so the core refuses it with the same message as
 * any amount outside its limits, and that message shows beside the input the core names
 * (`amount` or `months`).
 *
 * Recording cash never makes anything paid: the receipt keeps reading BELUM DIBAYAR until the
 * server confirms a payment, and [Saved.paymentStatus] says so.
 *
 * Use it from a background thread (every method that says "core" blocks on the library):
 * ```
 * val cash = CashEntry.load(app, recordId, Lang.ID)
 * cash.setAmount("50.400"); cash.setMonths("3")
 * when (val result = cash.save()) {
 *     is CashEntry.Result.Saved -> showDone(result)
 *     is CashEntry.Result.FixInput -> Unit // cash.amountError / cash.monthsError now say why
 *     is CashEntry.Result.Refused -> showProblem(result.problem)
 * }
 * ```
 */
class CashEntry private constructor(
    private val app: AgentAppInterface,
    val recordId: String,
    val lang: Lang,
    /** Who paid: the participant's card as the core keeps it, or null if the record has none. */
    val participant: Participant?,
    /** What the receipt asks the participant to pay, e.g. `Rp50.400 untuk 3 bulan`, if known. */
    val receiptContribution: String?,
) {
    data class Participant(val name: String, val nikMasked: String, val paymentCode: String?, val nextDueMonth: String)

    sealed interface Result {
        /** Recorded on the device; it goes to the branch with the next sync. */
        data class Saved(
            val cash: CashRecorded,
            /** `dd/MM/yyyy HH.mm`. */
            val collectedAt: String,
            /** The receipt's status after recording: `BELUM DIBAYAR` until the server confirms. */
            val paymentStatus: String,
            val paid: Boolean,
            /** Cash records still waiting for a sync, this one included. */
            val unsent: Long,
        ) : Result

        /** The core refused a value; [amountError] or [monthsError] shows its message. */
        data class FixInput(val problem: Problem) : Result

        /** The core refused for another reason (the record takes no cash, the store failed…). */
        data class Refused(val problem: Problem) : Result
    }

    var amountText: String = ""
        private set
    var monthsText: String = ""
        private set

    /** The core's message about the amount, after a refused [save]. */
    var amountError: String? = null
        private set

    /** The core's message about the months, after a refused [save]. */
    var monthsError: String? = null
        private set

    /** The answer of the [save] that recorded the cash; a second tap records nothing more. */
    var saved: Result.Saved? = null
        private set

    fun setAmount(text: String) {
        amountText = text
        amountError = null
    }

    fun setMonths(text: String) {
        monthsText = text
        monthsError = null
    }

    /**
     * Core: records the cash now. Once it is recorded, calling again returns the same [Result.Saved]
     * without recording twice (a double tap, a screen rotation).
     */
    fun save(): Result {
        saved?.let { return it }
        return try {
            val cash = app.recordCash(recordId, wholeNumber(amountText), months(monthsText))
            val receipt = app.receipt(recordId)
            Result.Saved(
                cash = cash,
                collectedAt = CalendarText.dateTime(cash.collectedAt),
                paymentStatus = receipt.paymentStatus,
                paid = receipt.paid,
                unsent = app.unsentCash().toLong(),
            ).also { saved = it }
        } catch (e: PerisaiException) {
            val problem = e.toProblem(lang)
            when (problem.field) {
                AMOUNT -> amountError = problem.message
                MONTHS -> monthsError = problem.message
            }
            if (problem.field == AMOUNT || problem.field == MONTHS) Result.FixInput(problem) else Result.Refused(problem)
        }
    }

    companion object {
        /** The parameter names the core gives in its `input.parameter` errors for this call. */
        private const val AMOUNT = "amount"
        private const val MONTHS = "months"

        /**
         * Core: the form for the participant of record [recordId], with their card (name, masked
         * NIK, payment code) and the contribution their receipt shows.
         */
        fun load(app: AgentAppInterface, recordId: String, lang: Lang): CashEntry {
            val card = app.participants().firstOrNull { it.recordId == recordId }
            val receipt = try {
                app.receipt(recordId)
            } catch (e: PerisaiException) {
                null
            }
            val contribution = receipt?.totalFormatted?.let { total ->
                receipt.paymentMonths?.let { total + " " + forMonths.of(lang).format(it.toInt()) } ?: total
            }
            return CashEntry(
                app,
                recordId,
                lang,
                card?.let { Participant(it.name, it.nikMasked, it.paymentCode, it.nextDueMonth) },
                contribution,
            )
        }

        private val forMonths = Text("untuk %d bulan", "for %d months")

        /** `50.400`, `Rp50.400`, `50400` → 50400; anything else → 0, which the core refuses. */
        private fun wholeNumber(typed: String): Long = parseWholeNumber(typed) ?: 0

        /** Months as the facade takes them; a negative or unreadable text → 0, which the core refuses. */
        private fun months(typed: String): UInt =
            parseWholeNumber(typed)?.takeIf { it in 0..UInt.MAX_VALUE.toLong() }?.toUInt() ?: 0u
    }
}
