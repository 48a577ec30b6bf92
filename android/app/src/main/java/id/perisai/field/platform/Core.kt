package id.perisai.field.platform

import android.content.Context
import id.perisai.ffi.AgentApp
import id.perisai.ffi.DeviceSigner
import id.perisai.field.logic.DeviceSync
import id.perisai.field.logic.Lang
import java.io.File
import java.util.Locale
import java.util.TimeZone

/**
 * The app's one [AgentApp], opened on first use with the Android Keystore keys.
 *
 * The store lives in `noBackupFilesDir` (never in a backup, and allowBackup is off anyway). The
 * agent's time zone is the phone's (WIB 420, WITA 480, WIT 540 minutes east of UTC): the core uses
 * it for "today" in every rule. All calls block: use them from Dispatchers.IO or a worker.
 */
class Core(context: Context, private val keys: DeviceKeys) {
    private val appContext = context.applicationContext

    /** Opens (on first use creates) the sealed store; blocks. */
    val app: AgentApp by lazy {
        val dir = File(appContext.noBackupFilesDir, "perisai")
        val offsetMinutes = TimeZone.getDefault().getOffset(System.currentTimeMillis()) / 60_000
        AgentApp.open(dir.path, offsetMinutes, keys.keyVault())
    }

    /** The device's P-256 signing key (StrongBox when the phone has one). */
    val signer: DeviceSigner get() = keys.signer()

    /** Called after the server revoked this device: the core erased its data, the key goes too. */
    fun forgetSigningKey() = keys.deleteSigningKey()

    val lang: Lang get() = Lang.fromTag(Locale.getDefault().toLanguageTag())

    /** Activation and sync over this app and the Keystore signer. */
    val deviceSync: DeviceSync by lazy { DeviceSync(app, signer, lang) }
}
