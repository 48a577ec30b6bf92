package id.perisai.field.logic

import id.perisai.ffi.AgentAppInterface
import java.time.OffsetDateTime
import java.time.format.DateTimeFormatter
import java.time.format.DateTimeParseException

/**
 * The home screen: what waits to be sent, what came back with issues, and when the last sync was.
 * The counts are the core's `queueStatus()` and `unsentCash()`, and the sync status its
 * `deviceStatus()`; the screen adds nothing to them.
 */
data class HomeState(
    /** Submitted, not yet in a batch (the "Kirim" button sends them). */
    val toSend: Long,
    /** In a batch the server has not acknowledged yet. */
    val sending: Long,
    /** Acknowledged, waiting for the supervisor (flagged ones included). */
    val awaitingReview: Long,
    val approved: Long,
    /** Returned by the supervisor or refused by the server: the agent fixes these. */
    val needsFix: Long,
    val drafts: Long,
    /** The last sync that reached its end, as the agent reads it (`22/11/2026 09.15`), or null. */
    val lastSync: String?,
    /** Bound to an agent by the server; before that, records wait on the phone. */
    val activated: Boolean,
    /** The server said the agent is suspended: records are kept, nothing is sent. */
    val suspended: Boolean,
    /** Cash the agent recorded that no sync has carried to the branch yet. */
    val unsentCash: Long = 0,
) {
    /** The "Kirim" button is worth showing. */
    val hasSomethingToSend: Boolean get() = toSend + sending + unsentCash > 0

    companion object {
        /** Core: the counts and the device's sync status now. */
        fun load(app: AgentAppInterface): HomeState {
            val s = app.queueStatus()
            val device = app.deviceStatus()
            fun n(vararg states: String): Long = states.sumOf { (s[it] ?: 0uL).toLong() }
            return HomeState(
                toSend = n("queued"),
                sending = n("sent"),
                awaitingReview = n("accepted", "flagged"),
                approved = n("approved"),
                needsFix = n("has_issues", "rejected"),
                drafts = n("draft"),
                lastSync = device.lastSyncAt?.let(::localTime),
                activated = device.activated,
                suspended = device.suspended,
                unsentCash = app.unsentCash().toLong(),
            )
        }

        /** The core's RFC 3339 time (in the agent's offset) as `dd/MM/yyyy HH.mm`. */
        internal fun localTime(rfc3339: String): String =
            try {
                OffsetDateTime.parse(rfc3339).format(DateTimeFormatter.ofPattern("dd/MM/yyyy HH.mm"))
            } catch (e: DateTimeParseException) {
                rfc3339
            }
    }
}
