package id.perisai.field.logic.keys

import id.perisai.ffi.KeyVault
import id.perisai.ffi.PerisaiException
import javax.crypto.Cipher
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec

/**
 * [KeyVault] over an AES key held by the platform: it wraps the store's 32-byte data key with
 * AES-256-GCM as `version ‖ nonce (12) ‖ ciphertext+tag`.
 *
 * Only `javax.crypto` is used, so the same class runs on Android (the key is an Android Keystore
 * key that never leaves it, see `AndroidKeys`) and on the JVM tests (a key from `KeyGenerator`).
 * The nonce is made by the cipher itself, as the Android Keystore requires.
 *
 * [key] is asked for on each call, so a keystore key can be loaded lazily (and a locked keystore
 * fails the call, which the core reports as `store.key` without touching the store).
 */
class GcmKeyVault(private val key: () -> SecretKey) : KeyVault {

    override fun wrapKey(key: ByteArray): ByteArray = guarded("keystore.wrap") {
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(Cipher.ENCRYPT_MODE, this.key())
        cipher.updateAAD(AAD)
        val nonce = cipher.iv
        check(nonce.size == NONCE_BYTES) { "unexpected nonce size" }
        byteArrayOf(VERSION) + nonce + cipher.doFinal(key)
    }

    override fun unwrapKey(wrapped: ByteArray): ByteArray = guarded("keystore.unwrap") {
        require(wrapped.size > 1 + NONCE_BYTES + TAG_BYTES && wrapped[0] == VERSION) { "not a wrapped key" }
        val cipher = Cipher.getInstance(TRANSFORMATION)
        cipher.init(
            Cipher.DECRYPT_MODE,
            key(),
            GCMParameterSpec(TAG_BYTES * 8, wrapped, 1, NONCE_BYTES),
        )
        cipher.updateAAD(AAD)
        cipher.doFinal(wrapped, 1 + NONCE_BYTES, wrapped.size - 1 - NONCE_BYTES)
    }

    /** Any platform failure becomes a typed error without the platform's text (it may say anything). */
    private inline fun guarded(code: String, block: () -> ByteArray): ByteArray =
        try {
            block()
        } catch (e: PerisaiException) {
            throw e
        } catch (e: Exception) {
            throw PerisaiException.Failed(
                code,
                "Kunci perangkat tidak dapat dipakai.",
                "The device key cannot be used.",
                null,
            )
        }

    companion object {
        const val TRANSFORMATION = "AES/GCM/NoPadding"
        private const val VERSION: Byte = 1
        private const val NONCE_BYTES = 12
        private const val TAG_BYTES = 16
        private val AAD = "perisai/keyvault/v1".toByteArray()
    }
}
