package id.perisai.field.logic

import id.perisai.ffi.AgentAppInterface
import id.perisai.ffi.PerisaiException
import id.perisai.ffi.RecordState

/**
 * "Peserta saya": the approved participants the agent follows for the incentive period, with the
 * next contribution month due and the payment code (kode iuran) the branch issued. Everything is
 * the core's: the participant cards (`participants()`, kept also after a record's personal data
 * is purged) carry the name, masked NIK, due month and the code that sync brought, and the receipt
 * says whether a payment was confirmed.
 */
class MyParticipants(private val app: AgentAppInterface, val lang: Lang) {

    data class Row(
        val recordId: String,
        val name: String,
        /** `3201••••••••0002`. */
        val nikMasked: String,
        /** `YYYY-MM`: the first contribution month not yet confirmed paid. */
        val nextDueMonth: String,
        /** `Desember 2026`. */
        val nextDueLabel: String,
        /** Issued by the branch on approval; null until a sync brought it. */
        val paymentCode: String?,
        /** `BELUM DIBAYAR` / `SUDAH DIBAYAR`, the core's words (null when the receipt is gone). */
        val paymentStatus: String?,
        /** E.164 (`+628…`): the agent calls or writes on WhatsApp. */
        val phone: String,
        /** The due month's contribution is late (past the 15th): the core's judgement. */
        val overdue: Boolean,
    )

    /** Core: approved participants, those with the earliest due month first. */
    fun rows(): List<Row> =
        app.participants()
            .filter { it.status == RecordState.APPROVED }
            .map { card ->
                Row(
                    recordId = card.recordId,
                    name = card.name,
                    nikMasked = card.nikMasked,
                    nextDueMonth = card.nextDueMonth,
                    nextDueLabel = CalendarText.month(card.nextDueMonth, lang),
                    paymentCode = card.paymentCode,
                    paymentStatus = paymentStatus(card.recordId),
                    phone = card.phone,
                    overdue = card.overdue,
                )
            }
            .sortedBy { it.nextDueMonth }

    private fun paymentStatus(recordId: String): String? =
        try {
            app.receipt(recordId).paymentStatus
        } catch (e: PerisaiException) {
            null
        }
}
