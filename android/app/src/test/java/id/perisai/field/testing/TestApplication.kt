package id.perisai.field.testing

import id.perisai.ffi.DeviceSigner
import id.perisai.ffi.KeyVault
import id.perisai.field.PerisaiApplication
import id.perisai.field.logic.keys.EcDeviceSigner
import id.perisai.field.logic.keys.GcmKeyVault
import id.perisai.field.platform.DeviceKeys
import java.security.KeyPair
import java.security.KeyPairGenerator
import java.security.interfaces.ECPublicKey
import java.security.spec.ECGenParameterSpec
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey

/**
 * The app as it runs on the phone, except for where its keys live: Robolectric has no Android
 * Keystore, so the same [GcmKeyVault] and [EcDeviceSigner] the app uses run over keys the JVM
 * makes. The keys outlive the Application object (a "process death" in a test keeps them, as the
 * Keystore does), and [JvmKeys.forget] drops them, as a wiped Keystore would.
 */
class TestApplication : PerisaiApplication() {
    override fun deviceKeys(): DeviceKeys = JvmKeys
}

object JvmKeys : DeviceKeys {
    private var wrap: SecretKey? = null
    private var signing: KeyPair? = null

    @Synchronized
    private fun wrapKey(): SecretKey = wrap ?: KeyGenerator.getInstance("AES").apply { init(256) }.generateKey().also { wrap = it }

    @Synchronized
    private fun signingPair(): KeyPair =
        signing ?: KeyPairGenerator.getInstance("EC").apply { initialize(ECGenParameterSpec("secp256r1")) }
            .generateKeyPair().also { signing = it }

    override fun keyVault(): KeyVault = GcmKeyVault { wrapKey() }

    override fun signer(): DeviceSigner = EcDeviceSigner({ signingPair().private }, { signingPair().public as ECPublicKey })

    @Synchronized
    override fun deleteSigningKey() {
        signing = null
    }

    /** A fresh device: no keys (each test starts as a phone that never ran the app). */
    @Synchronized
    fun forget() {
        wrap = null
        signing = null
    }

    /** The store's wrapping key replaced: the store can no longer be opened (`store.key`). */
    @Synchronized
    fun replaceWrapKey() {
        wrap = KeyGenerator.getInstance("AES").apply { init(256) }.generateKey()
    }
}
