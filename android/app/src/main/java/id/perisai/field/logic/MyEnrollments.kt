package id.perisai.field.logic

import id.perisai.ffi.AgentAppInterface
import id.perisai.ffi.RecordState

/**
 * "Pendaftaran saya": the agent's records with their review state, newest first, and the detail
 * of one with the supervisor's decision and what the agent can do about it.
 */
class MyEnrollments(private val app: AgentAppInterface, val lang: Lang) {

    data class Row(
        val id: String,
        val name: String?,
        val receiptNo: Long?,
        val reference: String?,
        val state: RecordState,
        val stateLabel: String,
        val needsFix: Boolean,
        val createdAt: String,
    )

    data class Detail(
        val receipt: ReceiptView,
        val stateLabel: String,
        /** The supervisor's comment on "has issues" or a rejection. */
        val reviewNote: String?,
        /** The server's codes (e.g. `nik.format`, `id.conflict`). */
        val outcomeCodes: List<String>,
        val canFix: Boolean,
        val canWithdraw: Boolean,
    )

    /** Core: the rows, optionally only those needing a fix. Purged tombstones are left out. */
    fun rows(onlyNeedsFix: Boolean = false): List<Row> =
        app.list(null)
            .filter { it.state != RecordState.PURGED }
            .filter { !onlyNeedsFix || RecordStates.needsFix(it.state) }
            .map {
                Row(
                    id = it.id,
                    name = it.fullName,
                    receiptNo = it.receiptNo?.toLong(),
                    reference = it.reference,
                    state = it.state,
                    stateLabel = RecordStates.label(it.state, lang),
                    needsFix = RecordStates.needsFix(it.state),
                    createdAt = it.createdAt,
                )
            }
            .sortedByDescending { it.receiptNo ?: Long.MAX_VALUE }

    /** Core: one record's receipt and review decision. */
    fun detail(id: String): Detail {
        val view = ReceiptView.load(app, id, lang)
        val receipt = view.receipt
        return Detail(
            receipt = view,
            stateLabel = RecordStates.label(receipt.state, lang),
            reviewNote = receipt.reviewNote,
            outcomeCodes = receipt.outcomeCodes,
            canFix = RecordStates.needsFix(receipt.state),
            canWithdraw = RecordStates.canWithdraw(receipt.state),
        )
    }

    /**
     * Core: the form that fixes a "has issues" record, filled with its enrollment (the core's copy
     * unless [previousJson] is given); submitting it supersedes the old one.
     */
    fun startFix(id: String, previousJson: String? = null): EnrollmentForm =
        EnrollmentForm.correction(app, lang, id, previousJson)

    /** Core: takes back a record not yet sent. */
    fun withdraw(id: String): Outcome<Unit> = coreCall(lang) { app.withdraw(id) }
}
