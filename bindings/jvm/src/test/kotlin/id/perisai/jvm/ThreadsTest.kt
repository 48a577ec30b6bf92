package id.perisai.jvm

import id.perisai.ffi.RecordState
import id.perisai.ffi.checkDeviceSigner
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import java.util.Collections
import java.util.concurrent.CountDownLatch
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit

/** One AgentApp serves every thread of the app (workers, UI coroutines, the sync worker). */
class ThreadsTest {
    private val dir = Fixtures.tempDir()

    @AfterEach
    fun cleanup() = Fixtures.delete(dir)

    @Test
    @Timeout(120)
    fun `eight threads submit, read and validate at once with gap-free receipt numbers`() {
        val threads = 8
        val perThread = 25
        val signer = Fixtures.kotlinSigner()
        Fixtures.open(dir).use { app ->
            val pool = Executors.newFixedThreadPool(threads)
            val start = CountDownLatch(1)
            val receiptNos = Collections.synchronizedList(mutableListOf<ULong>())
            val failures = Collections.synchronizedList(mutableListOf<Throwable>())
            repeat(threads) { t ->
                pool.execute {
                    try {
                        start.await()
                        repeat(perThread) { i ->
                            val n = t * perThread + i
                            val done = app.submit(Fixtures.enrollment(nik = Fixtures.nik(n)), false)
                            receiptNos += done.receiptNo
                            check(app.receipt(done.id).reference == done.reference)
                            check(app.validate(Fixtures.enrollment(nik = "1")).errors.isNotEmpty())
                            check(app.queueStatus().getValue("queued") >= 1uL)
                            // Kotlin callbacks run on Rust's side from many threads too.
                            if (i % 5 == 0) check(checkDeviceSigner(signer))
                        }
                    } catch (e: Throwable) {
                        failures += e
                    }
                }
            }
            start.countDown()
            pool.shutdown()
            assertTrue(pool.awaitTermination(100, TimeUnit.SECONDS), "threads finished")
            assertTrue(failures.isEmpty(), failures.joinToString { it.toString() })

            val total = threads * perThread
            assertEquals((1..total).map { it.toULong() }, receiptNos.sorted())
            assertEquals(total.toULong(), app.queueStatus()["queued"])
            assertEquals(total, app.list(RecordState.QUEUED).size)
        }
    }
}
