package id.perisai.field.logic

import id.perisai.ffi.AgentAppInterface
import id.perisai.ffi.RecordState

/**
 * "Peserta saya": the approved participants the agent follows for the incentive period, with the
 * next contribution month due and the payment code (kode iuran) the branch issued. Everything is
 * the core's: the receipt carries the due month and the code that sync brought, and says whether a
 * payment was confirmed.
 */
class MyParticipants(private val app: AgentAppInterface, val lang: Lang) {

    data class Row(
        val recordId: String,
        val name: String?,
        val nikMasked: String?,
        /** `YYYY-MM`: the first contribution month not yet confirmed paid. */
        val nextDueMonth: String?,
        val paymentCode: String?,
        /** `BELUM DIBAYAR` / `SUDAH DIBAYAR`, the core's words. */
        val paymentStatus: String,
    )

    /** Core: approved participants, those with the earliest due month first. */
    fun rows(): List<Row> =
        app.list(RecordState.APPROVED).map { summary ->
            val r = app.receipt(summary.id)
            Row(r.id, r.fullName, r.nikMasked, r.nextDueMonth, r.paymentCode, r.paymentStatus)
        }.sortedWith(compareBy(nullsLast()) { it.nextDueMonth })
}
