package id.perisai.field.ui

import androidx.work.ListenableWorker
import androidx.work.WorkInfo
import androidx.work.testing.TestListenableWorkerBuilder
import id.perisai.field.sync.SyncWorker
import id.perisai.field.testing.AppTest
import id.perisai.field.testing.Data
import id.perisai.field.testing.ServerRule
import org.junit.Assert.assertEquals
import org.junit.Assert.assertNull
import org.junit.Assert.assertTrue
import org.junit.Rule
import org.junit.Test
import kotlin.concurrent.thread

/**
 * WorkManager stopping the sync worker (the network went, the quota ran out) stops the core's
 * sync at once, keeps what was not acknowledged queued, and the worker asks for a retry. The real
 * worker, library and server: the server takes one batch a minute, so after the first batch the
 * sync waits out the server's Retry-After (about a minute) before sending the second, unless the
 * stop cancels it.
 */
class SyncStopTest : AppTest() {
    @get:Rule
    val server = ServerRule("--batches-per-minute", "1")

    @Test
    fun `stopping the worker cancels the running sync and the worker asks for a retry`() {
        activate(server.server)
        repeat(15) { core.app.submit(Data.enrollment(nik = Data.nik(it)), true) }
        val worker = TestListenableWorkerBuilder<SyncWorker>(app).build()
        // WorkManager's side: once the first batch (10 records) is acknowledged, the worker is stopped.
        val workManager = thread(name = "work-manager") {
            val deadline = System.currentTimeMillis() + WAIT_MS
            while (core.app.queueStatus()["accepted"] != 10uL && System.currentTimeMillis() < deadline) {
                Thread.sleep(20)
            }
            worker.stop(WorkInfo.STOP_REASON_CONSTRAINT_CONNECTIVITY)
        }
        // Runs doWork on this thread (the test builder's executor is synchronous) until it returns.
        val result = worker.startWork().get()
        workManager.join()

        assertTrue(worker.isStopped)
        // Without the cancel the sync would have waited out the minute and sent the rest: success.
        assertEquals(ListenableWorker.Result.retry(), result)
        val queue = core.app.queueStatus()
        assertEquals(10uL, queue["accepted"])
        assertEquals("the rest stays on the phone for the next run", 5uL, queue.getValue("queued") + queue.getValue("sent"))
        // A stop is not a refusal: home has nothing to explain.
        assertNull(core.lastSyncProblem())
    }
}
