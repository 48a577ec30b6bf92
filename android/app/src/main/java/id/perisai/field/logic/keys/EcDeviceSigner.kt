package id.perisai.field.logic.keys

import id.perisai.ffi.DeviceSigner
import id.perisai.ffi.PerisaiException
import java.math.BigInteger
import java.security.PrivateKey
import java.security.Signature
import java.security.interfaces.ECPublicKey

/**
 * [DeviceSigner] over a P-256 key pair held by the platform: `SHA256withECDSA`, whose output is
 * the DER signature the protocol wants, and the public key as the 65-byte uncompressed point.
 *
 * Only `java.security` is used, so the same class signs with an Android Keystore (StrongBox) key
 * on the phone and with a `KeyPairGenerator` key in the JVM tests, where the real server checks
 * its signatures. `checkDeviceSigner(signer)` (exported by the core) proves the encodings.
 */
class EcDeviceSigner(
    private val privateKeyOf: () -> PrivateKey,
    private val publicKeyOf: () -> ECPublicKey,
) : DeviceSigner {

    override fun publicKey(): ByteArray = guarded { uncompressedPoint(publicKeyOf()) }

    override fun sign(message: ByteArray): ByteArray = guarded {
        val signature = Signature.getInstance(ALGORITHM)
        signature.initSign(privateKeyOf())
        signature.update(message)
        signature.sign()
    }

    private inline fun guarded(block: () -> ByteArray): ByteArray =
        try {
            block()
        } catch (e: PerisaiException) {
            throw e
        } catch (e: Exception) {
            throw PerisaiException.Failed(
                "keystore.sign",
                "Kunci tanda tangan perangkat tidak dapat dipakai.",
                "The device signing key cannot be used.",
                null,
            )
        }

    companion object {
        const val ALGORITHM = "SHA256withECDSA"

        /** `0x04 ‖ X ‖ Y`, each coordinate left-padded to 32 bytes. */
        fun uncompressedPoint(key: ECPublicKey): ByteArray {
            require(key.params.curve.field.fieldSize == 256) { "not a P-256 key" }
            return byteArrayOf(4) + fixed32(key.w.affineX) + fixed32(key.w.affineY)
        }

        private fun fixed32(n: BigInteger): ByteArray {
            val bytes = n.toByteArray() // big-endian, maybe with a leading sign byte
            return when {
                bytes.size == 32 -> bytes
                bytes.size == 33 && bytes[0] == 0.toByte() -> bytes.copyOfRange(1, 33)
                bytes.size < 32 -> ByteArray(32 - bytes.size) + bytes
                else -> throw IllegalArgumentException("coordinate too large")
            }
        }
    }
}
