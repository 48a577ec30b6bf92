package id.perisai.jvm

import id.perisai.ffi.AgentApp
import id.perisai.ffi.checkDeviceSigner
import id.perisai.ffi.softwareKeyVault
import id.perisai.ffi.softwareSigner
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.api.assertThrows
import java.io.File

/**
 * Thousands of objects created and closed: no crash, no leaked native handle. A leaked AgentApp
 * keeps its SQLite files open, so the process's open file descriptors are the leak detector.
 */
class LifecycleTest {
    private val dir = Fixtures.tempDir()

    @AfterEach
    fun cleanup() = Fixtures.delete(dir)

    private fun openFds(): Int = File("/proc/self/fd").list()?.size ?: -1

    @Test
    @Timeout(300)
    fun `five thousand objects are created and closed without leaks or crashes`() {
        val key = Fixtures.aesKey()
        val data = dir.resolve("data").toString()
        val vaultPath = dir.resolve("device.key").toString()
        val signerPath = dir.resolve("signing.key").toString()
        // Warm up: the library, JNA, the store and every kind of object exist once before counting.
        Fixtures.open(dir, Fixtures.kotlinVault(key)).use { it.submit(Fixtures.enrollment(), false) }
        softwareKeyVault(vaultPath).closing { }
        softwareSigner(signerPath).closing { }
        check(checkDeviceSigner(Fixtures.kotlinSigner()))
        System.gc()
        val fdsBefore = openFds()

        var created = 0
        // 1,000 apps over one store, each with a new Kotlin vault (a callback object per open).
        repeat(1_000) {
            AgentApp.open(data, Fixtures.WIB, Fixtures.kotlinVault(key)).use { app ->
                check(app.queueStatus().getValue("queued") == 1uL)
            }
            created += 2
        }
        // 1,500 Rust-made key vaults and signers, closed explicitly.
        repeat(1_500) {
            softwareKeyVault(vaultPath).closing { v -> check(v.unwrapKey(v.wrapKey(ByteArray(32))).size == 32) }
            softwareSigner(signerPath).closing { s -> check(s.publicKey().size == 65) }
            created += 2
        }
        // 1,000 Kotlin signers handed to Rust and dropped there.
        repeat(1_000) {
            check(checkDeviceSigner(Fixtures.kotlinSigner()))
            created += 1
        }
        assertTrue(created >= 5_000, "$created objects")

        System.gc()
        val fdsAfter = openFds()
        // Each open AgentApp holds its SQLite files: 1,000 leaked apps would be 2,000 more.
        assertTrue(fdsAfter <= fdsBefore + 8, "open files before $fdsBefore, after $fdsAfter")
    }

    @Test
    fun `a closed object refuses calls instead of crashing`() {
        val app = Fixtures.open(dir)
        app.close()
        app.close() // twice is harmless
        assertThrows<IllegalStateException> { app.queueStatus() }
    }

    @Test
    fun `objects left to the garbage collector do not crash the process`() {
        val key = Fixtures.aesKey()
        repeat(300) { softwareKeyVault(dir.resolve("device.key").toString()) }
        repeat(20) { Fixtures.open(dir, Fixtures.kotlinVault(key)) }
        System.gc()
        Thread.sleep(200)
        Fixtures.open(dir, Fixtures.kotlinVault(key)).use { assertEquals(0uL, it.queueStatus().getValue("queued")) }
    }
}
