package id.perisai.field.platform

import android.content.Context
import android.content.pm.PackageManager
import android.os.Build
import android.security.keystore.KeyGenParameterSpec
import android.security.keystore.KeyProperties
import id.perisai.ffi.DeviceSigner
import id.perisai.ffi.KeyVault
import id.perisai.field.logic.keys.EcDeviceSigner
import id.perisai.field.logic.keys.GcmKeyVault
import java.security.KeyPairGenerator
import java.security.KeyStore
import java.security.PrivateKey
import java.security.ProviderException
import java.security.interfaces.ECPublicKey
import java.security.spec.ECGenParameterSpec
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey

/**
 * The two platform keys, in the Android Keystore, in StrongBox when the phone has one:
 * - an AES-256-GCM key that wraps the store's data key ([keyVault]);
 * - the device's P-256 signing key ([signer]), bound to the agent at activation.
 *
 * Neither key ever leaves the keystore. The crypto around them ([GcmKeyVault], [EcDeviceSigner])
 * is plain javax.crypto / java.security and is tested on the JVM against the real core; only the
 * key generation below is Android's.
 */
class AndroidKeys(private val context: Context) : DeviceKeys {
    private val keyStore: KeyStore by lazy { KeyStore.getInstance(PROVIDER).apply { load(null) } }

    override fun keyVault(): KeyVault = GcmKeyVault { wrapKey() }

    override fun signer(): DeviceSigner = EcDeviceSigner({ signingPrivateKey() }, { signingPublicKey() })

    override fun deleteSigningKey() {
        if (keyStore.containsAlias(SIGNING_ALIAS)) keyStore.deleteEntry(SIGNING_ALIAS)
    }

    @Synchronized
    private fun wrapKey(): SecretKey {
        (keyStore.getKey(WRAP_ALIAS, null) as? SecretKey)?.let { return it }
        return withStrongBoxFallback { strongBox ->
            val spec = KeyGenParameterSpec.Builder(
                WRAP_ALIAS,
                KeyProperties.PURPOSE_ENCRYPT or KeyProperties.PURPOSE_DECRYPT,
            )
                .setKeySize(256)
                .setBlockModes(KeyProperties.BLOCK_MODE_GCM)
                .setEncryptionPaddings(KeyProperties.ENCRYPTION_PADDING_NONE)
                .setRandomizedEncryptionRequired(true)
                .apply { if (strongBox && Build.VERSION.SDK_INT >= 28) setIsStrongBoxBacked(true) }
                .build()
            KeyGenerator.getInstance(KeyProperties.KEY_ALGORITHM_AES, PROVIDER)
                .apply { init(spec) }
                .generateKey()
        }
    }

    @Synchronized
    private fun signingPrivateKey(): PrivateKey {
        ensureSigningKey()
        return keyStore.getKey(SIGNING_ALIAS, null) as PrivateKey
    }

    @Synchronized
    private fun signingPublicKey(): ECPublicKey {
        ensureSigningKey()
        return keyStore.getCertificate(SIGNING_ALIAS).publicKey as ECPublicKey
    }

    private fun ensureSigningKey() {
        if (keyStore.containsAlias(SIGNING_ALIAS)) return
        withStrongBoxFallback { strongBox ->
            val spec = KeyGenParameterSpec.Builder(SIGNING_ALIAS, KeyProperties.PURPOSE_SIGN)
                .setAlgorithmParameterSpec(ECGenParameterSpec("secp256r1"))
                .setDigests(KeyProperties.DIGEST_SHA256)
                .apply { if (strongBox && Build.VERSION.SDK_INT >= 28) setIsStrongBoxBacked(true) }
                .build()
            KeyPairGenerator.getInstance(KeyProperties.KEY_ALGORITHM_EC, PROVIDER)
                .apply { initialize(spec) }
                .generateKeyPair()
        }
    }

    /** StrongBox when the phone declares it; if it refuses the key anyway, the TEE keystore. */
    private fun <T> withStrongBoxFallback(generate: (strongBox: Boolean) -> T): T {
        val hasStrongBox = Build.VERSION.SDK_INT >= 28 &&
            context.packageManager.hasSystemFeature(PackageManager.FEATURE_STRONGBOX_KEYSTORE)
        if (!hasStrongBox) return generate(false)
        return try {
            generate(true)
        } catch (e: ProviderException) {
            // StrongBoxUnavailableException (API 28+) is a ProviderException.
            generate(false)
        }
    }

    companion object {
        private const val PROVIDER = "AndroidKeyStore"
        private const val WRAP_ALIAS = "perisai.store.wrap"
        private const val SIGNING_ALIAS = "perisai.device.signing"
    }
}
