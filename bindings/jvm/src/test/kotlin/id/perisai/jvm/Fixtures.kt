package id.perisai.jvm

import id.perisai.ffi.AgentApp
import id.perisai.ffi.KeyVault
import id.perisai.field.logic.keys.EcDeviceSigner
import id.perisai.field.logic.keys.GcmKeyVault
import java.nio.file.Files
import java.nio.file.Path
import java.security.KeyPair
import java.security.KeyPairGenerator
import java.security.interfaces.ECPublicKey
import java.security.spec.ECGenParameterSpec
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey

/** Shared test data and the Kotlin keys the tests hand to Rust. */
object Fixtures {
    /** WIB, the agent's time zone in West Java. */
    const val WIB = 420

    /** A valid enrollment (DOMAIN.md §3): Siti Aminah, a trader at Pasar Anyar, Bogor. */
    fun enrollment(
        nik: String = "3201155501900002",
        name: String = "Siti Aminah",
        extra: String = "",
    ): String = """{"nik": "$nik", "full_name": "$name",
        "birth_place": "Bogor", "birth_date": "1990-01-15", "sex": "F",
        "phone": "0812 3456 7890", "address": "Pasar Anyar Blok C No. 12, Bogor",
        "occupation": "PEDAGANG", "monthly_income": 2000000, "programs": ["JKK", "JKM"],
        "payment_months": 3, "consent": true, "enrolled_on": "2026-11-20"$extra}"""

    /**
     * Distinct valid NIKs for women born 15/01/1990 in Kab. Bogor (3201 15 550190 ssss): the
     * serial (1000 and up) makes them unique, also against [enrollment]'s default NIK, so no
     * local-duplicate warning is raised between them.
     */
    fun nik(serial: Int): String = "320115550190" + "%04d".format(1000 + serial)

    fun tempDir(prefix: String = "perisai-jvm"): Path = Files.createTempDirectory(prefix)

    /** An AES-256 key as the Android Keystore would hold it (here in memory). */
    fun aesKey(): SecretKey = KeyGenerator.getInstance("AES").apply { init(256) }.generateKey()

    /** The Kotlin [KeyVault]: AES-GCM with a javax.crypto key. */
    fun kotlinVault(key: SecretKey = aesKey()): KeyVault = GcmKeyVault { key }

    /** The Kotlin DeviceSigner: EC secp256r1 from java.security, SHA256withECDSA (DER). */
    fun kotlinSigner(): EcDeviceSigner {
        val pair = kotlinSignerPair()
        return EcDeviceSigner({ pair.private }, { pair.public as ECPublicKey })
    }

    /** A P-256 key pair from java.security, as the Android Keystore makes one. */
    fun kotlinSignerPair(): KeyPair =
        KeyPairGenerator.getInstance("EC").apply { initialize(ECGenParameterSpec("secp256r1")) }.generateKeyPair()

    fun open(dir: Path, vault: KeyVault = kotlinVault()): AgentApp =
        AgentApp.open(dir.resolve("data").toString(), WIB, vault)

    /** Deletes a temp folder tree (best effort: tests must not fail on cleanup). */
    fun delete(dir: Path) {
        runCatching { dir.toFile().deleteRecursively() }
    }
}

/**
 * Uses a Rust-made object that the bindings type as its interface (`KeyVault`, `DeviceSigner`),
 * then closes it: its class (`KeyVaultImpl`…) is AutoCloseable, the interface is not.
 */
inline fun <T : Any, R> T.closing(block: (T) -> R): R =
    try {
        block(this)
    } finally {
        (this as? AutoCloseable)?.close()
    }
