package id.perisai.jvm

import id.perisai.ffi.AgentApp
import id.perisai.ffi.DeviceSigner
import id.perisai.ffi.KeyVault
import id.perisai.ffi.PerisaiException
import id.perisai.ffi.checkDeviceSigner
import id.perisai.ffi.softwareSigner
import id.perisai.ffi.verifySignature
import id.perisai.field.logic.keys.EcDeviceSigner
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNotEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import java.math.BigInteger
import java.security.KeyFactory
import java.security.Signature
import java.security.spec.ECPoint
import java.security.spec.ECPublicKeySpec
import java.security.interfaces.ECPublicKey

/**
 * A KeyVault and a DeviceSigner implemented in Kotlin (javax.crypto / java.security, the same
 * classes the Android app runs over its Keystore) and used by Rust.
 */
class KeysTest {
    private val dir = Fixtures.tempDir()

    @AfterEach
    fun cleanup() = Fixtures.delete(dir)

    @Test
    fun `the Rust store is sealed with a data key wrapped by the Kotlin vault`() {
        val key = Fixtures.aesKey()
        val id = Fixtures.open(dir, Fixtures.kotlinVault(key)).use { app ->
            app.submit(Fixtures.enrollment(), false).id
        }
        // Reopened with the same platform key (a new vault object): the records are readable.
        Fixtures.open(dir, Fixtures.kotlinVault(key)).use { app ->
            assertEquals("SITI AMINAH", app.receipt(id).fullName)
        }
        // Another key cannot unwrap the data key: the store refuses to open, unchanged.
        val e = assertThrows<PerisaiException.Failed> { Fixtures.open(dir, Fixtures.kotlinVault()) }
        assertEquals("store.key", e.code)
        Fixtures.open(dir, Fixtures.kotlinVault(key)).use { app ->
            assertEquals(1, app.list(null).size)
        }
    }

    @Test
    fun `a vault that throws a platform exception is a typed error, not a crash`() {
        val locked = object : KeyVault {
            override fun wrapKey(key: ByteArray): ByteArray = throw IllegalStateException("KeyStore locked for Siti")
            override fun unwrapKey(wrapped: ByteArray): ByteArray = throw IllegalStateException("locked")
        }
        val e = assertThrows<PerisaiException.Failed> { Fixtures.open(dir, locked) }
        assertEquals("store.key", e.code)
        assertFalse(e.messageEn.contains("Siti"))
    }

    @Test
    fun `the Kotlin vault refuses bytes it did not wrap`() {
        val vault = Fixtures.kotlinVault()
        val wrapped = vault.wrapKey(ByteArray(32) { it.toByte() })
        assertEquals(1 + 12 + 32 + 16, wrapped.size)
        assertArrayEquals(ByteArray(32) { it.toByte() }, vault.unwrapKey(wrapped))
        wrapped[20] = (wrapped[20].toInt() xor 1).toByte()
        assertEquals("keystore.unwrap", assertThrows<PerisaiException.Failed> { vault.unwrapKey(wrapped) }.code)
        assertThrows<PerisaiException.Failed> { Fixtures.kotlinVault().unwrapKey(vault.wrapKey(ByteArray(32))) }
    }

    @Test
    fun `the Kotlin signer passes the core's self-test and its signatures verify in Rust`() {
        val signer = Fixtures.kotlinSigner()
        assertTrue(checkDeviceSigner(signer))
        val publicKey = signer.publicKey()
        assertEquals(65, publicKey.size)
        assertEquals(4.toByte(), publicKey[0])
        repeat(20) { i ->
            val message = "batch header $i".toByteArray()
            val signature = signer.sign(message)
            assertEquals(0x30.toByte(), signature[0], "DER SEQUENCE")
            assertTrue(verifySignature(publicKey, message, signature))
            assertFalse(verifySignature(publicKey, "other".toByteArray(), signature))
        }
        assertFalse(verifySignature(Fixtures.kotlinSigner().publicKey(), "m".toByteArray(), signer.sign("m".toByteArray())))
    }

    @Test
    fun `a signer with the wrong encoding fails the self-test, and a throwing one is a typed error`() {
        val pair = Fixtures.kotlinSignerPair()
        val good = EcDeviceSigner({ pair.private }, { pair.public as ECPublicKey })
        assertTrue(checkDeviceSigner(good))
        // The same key, but IEEE P1363 (raw r ‖ s), what some platforms return instead of DER.
        val raw = object : DeviceSigner {
            override fun publicKey(): ByteArray = good.publicKey()
            override fun sign(message: ByteArray): ByteArray =
                Signature.getInstance("SHA256withECDSAinP1363Format").run {
                    initSign(pair.private)
                    update(message)
                    sign()
                }
        }
        assertEquals(64, raw.sign("m".toByteArray()).size)
        assertFalse(checkDeviceSigner(raw))

        val broken = object : DeviceSigner {
            override fun publicKey(): ByteArray = good.publicKey()
            override fun sign(message: ByteArray): ByteArray = throw java.security.ProviderException("StrongBox busy")
        }
        val e = assertThrows<PerisaiException.Failed> { checkDeviceSigner(broken) }
        assertTrue(e.code.isNotBlank())
        assertFalse(e.messageEn.contains("StrongBox busy"))
    }

    @Test
    fun `a Rust signature verifies in Java from the 65-byte public key`() {
        softwareSigner(dir.resolve("signing.key").toString()).closing { rust ->
            val point = rust.publicKey()
            val message = "perisai".toByteArray()
            val signature = rust.sign(message)
            val javaKey = publicKeyFromPoint(point)
            val verifier = Signature.getInstance(EcDeviceSigner.ALGORITHM)
            verifier.initVerify(javaKey)
            verifier.update(message)
            assertTrue(verifier.verify(signature))
            assertArrayEquals(point, EcDeviceSigner.uncompressedPoint(javaKey))
        }
        // Same file, same key.
        val a = softwareSigner(dir.resolve("signing.key").toString())
        val b = softwareSigner(dir.resolve("other.key").toString())
        assertNotEquals(a.publicKey().toList(), b.publicKey().toList())
    }

    /** The Java key for a 65-byte point, on the named curve P-256. */
    private fun publicKeyFromPoint(point: ByteArray): ECPublicKey {
        val params = (Fixtures.kotlinSignerPair().public as ECPublicKey).params
        val x = BigInteger(1, point.copyOfRange(1, 33))
        val y = BigInteger(1, point.copyOfRange(33, 65))
        return KeyFactory.getInstance("EC").generatePublic(ECPublicKeySpec(ECPoint(x, y), params)) as ECPublicKey
    }
}
