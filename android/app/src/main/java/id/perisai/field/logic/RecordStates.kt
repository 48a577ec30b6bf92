package id.perisai.field.logic

import id.perisai.ffi.RecordState
import id.perisai.ffi.recordCanWithdraw
import id.perisai.ffi.recordNeedsFix

/**
 * How each of the core's record states reads to an agent, and what the agent can ask for. The
 * core decides every transition (and which states offer "Perbaiki" and "Tarik": the two rules
 * below are the core's, exported by the facade); a withdraw or correction it does not allow is
 * refused with its own message, whatever the screen offered.
 */
object RecordStates {
    fun label(state: RecordState, lang: Lang): String = labels.getValue(state).of(lang)

    /** "Has issues" or rejected: the agent fixes it with a correction that supersedes it. */
    fun needsFix(state: RecordState): Boolean = recordNeedsFix(state)

    /** Not yet sent: the agent can still take it back. */
    fun canWithdraw(state: RecordState): Boolean = recordCanWithdraw(state)

    private val labels: Map<RecordState, Text> = mapOf(
        RecordState.DRAFT to Text("Draf", "Draft"),
        RecordState.QUEUED to Text("Menunggu dikirim", "Waiting to send"),
        RecordState.SENT to Text("Sedang dikirim", "Sending"),
        RecordState.ACCEPTED to Text("Diterima, menunggu verifikasi", "Received, awaiting review"),
        RecordState.FLAGGED to Text("NIK mungkin sudah terdaftar, menunggu verifikasi", "NIK may be registered, awaiting review"),
        RecordState.REJECTED to Text("Ditolak sistem", "Refused by the server"),
        RecordState.APPROVED to Text("Disetujui", "Approved"),
        RecordState.HAS_ISSUES to Text("Perlu diperbaiki", "Has issues"),
        RecordState.REJECTED_BY_REVIEW to Text("Ditolak supervisor", "Rejected by the supervisor"),
        RecordState.SUPERSEDED to Text("Diganti perbaikan", "Replaced by a correction"),
        RecordState.WITHDRAWN to Text("Ditarik", "Withdrawn"),
        RecordState.PURGED to Text("Data pribadi dihapus", "Personal data erased"),
    )
}
