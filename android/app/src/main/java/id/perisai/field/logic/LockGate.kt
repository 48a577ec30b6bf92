package id.perisai.field.logic

import id.perisai.ffi.relockAfterMs
import id.perisai.ffi.LockGate as CoreLockGate

/**
 * Whether the app is locked, for the whole process: locked when the process starts (so a process
 * the OS killed and restored opens on the lock, whatever screen it restores), unlocked by the PIN
 * or biometrics, locked again when the agent comes back after [RELOCK_AFTER_MS] or more away.
 *
 * The rule is the core's gate (`perisai_core::lock`, the same on iOS); this class tells the UI
 * when it changes. The activity tells it when the agent leaves ([left]) and comes back
 * ([returned], on every resume); [now] is a monotonic clock in milliseconds (Android:
 * `SystemClock.elapsedRealtime`, which keeps counting while the phone sleeps and ignores changes
 * of the wall clock).
 */
class LockGate(private val now: () -> Long) {
    /** Observers are told on every change (the UI collects it as state). */
    fun interface Listener {
        fun lockChanged(locked: Boolean)
    }

    private val gate = CoreLockGate()
    private val listeners = mutableListOf<Listener>()

    var locked: Boolean = gate.isLocked()
        private set(value) {
            if (field == value) return
            field = value
            listeners.toList().forEach { it.lockChanged(value) }
        }

    fun listen(listener: Listener) {
        listeners += listener
    }

    fun unlisten(listener: Listener) {
        listeners -= listener
    }

    /** The PIN or the phone's biometrics were accepted. */
    fun unlock() {
        gate.unlock()
        locked = gate.isLocked()
    }

    /** The agent left the app (it went to the background). */
    fun left() = gate.left(now())

    /** The agent is back (every resume): after [RELOCK_AFTER_MS] away, the lock comes back. */
    fun returned() {
        locked = gate.returned(now())
    }

    companion object {
        /** Five minutes (the core's): a stall's customer served, not a phone left on the counter. */
        val RELOCK_AFTER_MS: Long = relockAfterMs()
    }
}
