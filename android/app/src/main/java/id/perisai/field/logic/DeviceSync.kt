package id.perisai.field.logic

import id.perisai.ffi.Activated
import id.perisai.ffi.AgentAppInterface
import id.perisai.ffi.DeviceSigner
import id.perisai.ffi.PerisaiException
import id.perisai.ffi.SyncCancel
import id.perisai.ffi.SyncObserver
import id.perisai.ffi.SyncReport

/**
 * Activation and sync as the shells run them: one core call each, and what the answer means for
 * the scheduler (WorkManager on Android, BGTaskScheduler on iOS). Batching, signing, retries
 * within a run and acknowledgements are the core's.
 */
class DeviceSync(private val app: AgentAppInterface, private val signer: DeviceSigner, val lang: Lang) {

    sealed interface Result {
        data class Done(val report: SyncReport) : Result

        /**
         * No link, the server asked to wait, or the run was stopped (`sync.cancelled`): the
         * scheduler tries again with backoff; everything unsent is still queued.
         */
        data class RetryLater(val problem: Problem) : Result

        /** Retrying cannot help (not activated, app too old, fork…): the agent must act. */
        data class Stopped(val problem: Problem) : Result

        /**
         * The server revoked this device: the core already erased the data and sync keys as the
         * server's signed command said; the shell deletes the device signing key.
         */
        data class Revoked(val problem: Problem) : Result
    }

    /** Core: activates with the branch's code; the new device key signs the request. */
    fun activate(request: ActivationRequest): Outcome<Activated> =
        coreCall(lang) { app.activate(request.serverUrl, request.code, request.fingerprint, signer) }

    /**
     * Core: sends the queue and applies what comes back. Blocks; call it from a worker. With
     * [cancel], `cancel.cancel()` from another thread (the worker's stop) ends the run early as
     * [Result.RetryLater] (`sync.cancelled`), everything unsent still queued.
     */
    fun sync(observer: SyncObserver? = null, cancel: SyncCancel? = null): Result =
        try {
            val report = if (cancel == null) {
                app.sync(null, signer, observer)
            } else {
                app.syncCancellable(null, signer, observer, cancel)
            }
            Result.Done(report)
        } catch (e: PerisaiException) {
            val problem = e.toProblem(lang)
            when (problem.code) {
                in RETRY -> Result.RetryLater(problem)
                REVOKED -> Result.Revoked(problem)
                else -> Result.Stopped(problem)
            }
        }

    companion object {
        /** Codes the core documents as "try again later". */
        private val RETRY = setOf("sync.network", "sync.cancelled")
        private const val REVOKED = "device.revoked"
    }
}
