package id.perisai.field.platform

import android.content.Context
import android.os.SystemClock
import id.perisai.ffi.AgentApp
import id.perisai.ffi.DeviceSigner
import id.perisai.ffi.SyncCancel
import id.perisai.field.logic.AppLock
import id.perisai.field.logic.DeviceSync
import id.perisai.field.logic.Lang
import id.perisai.field.logic.LockGate
import id.perisai.field.logic.Outcome
import id.perisai.field.logic.coreCall
import id.perisai.field.logic.Problem
import id.perisai.field.sync.SyncWorker
import java.io.File
import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import java.util.Locale
import java.util.TimeZone

/**
 * What every screen and the sync worker share, for the life of the process: the one [AgentApp]
 * (opened on first use with the device's keys), the app lock, and the way to ask for a sync.
 *
 * The store lives in `noBackupFilesDir` (never in a backup, and allowBackup is off anyway). The
 * agent's time zone is the phone's (WIB 420, WITA 480, WIT 540 minutes east of UTC): the core uses
 * it for "today" in every rule. Core calls block: make them from Dispatchers.IO or a worker.
 */
class Core(context: Context, private val keys: DeviceKeys) {
    private val appContext = context.applicationContext

    /** Opens (on first use creates) the sealed store; blocks. Throws the core's error when the
     * store cannot be opened (e.g. `store.key`: the Keystore key is gone): every caller shows it. */
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

    /** Activation and sync over this app and the device's signer. */
    val deviceSync: DeviceSync get() = DeviceSync(app, signer, lang)

    /**
     * One sync (blocks); a store that cannot be opened stops it with the core's problem.
     * [cancel] (from the worker's stop) ends it early as a retry, everything unsent still queued.
     */
    fun sync(cancel: SyncCancel? = null): DeviceSync.Result =
        when (val opened = coreCall(lang) { deviceSync }) {
            is Outcome.Ok -> opened.value.sync(cancel = cancel)
            is Outcome.Refused -> DeviceSync.Result.Stopped(opened.problem)
        }

    /** Where screens make their (blocking) core calls. */
    val io: CoroutineDispatcher = Dispatchers.IO

    /** The PIN behind the lock (a private file: salt and hash, never the PIN). */
    val pin: AppLock by lazy { AppLock(PinFile(appContext)) }

    /** Locked from the start of the process; see [LockGate]. */
    val lock = LockGate(SystemClock::elapsedRealtime)

    /** Why the last sync stopped (device revoked, app too old…), until a sync goes through. */
    val syncOutcome = SyncOutcomeFile(appContext)

    /** A sync now, or as soon as there is a network (after a save, or the agent's "Kirim"). */
    fun requestSync() = SyncWorker.sendNow(appContext)

    /** The problem the last sync stopped on, in the agent's language, if it stopped on one. */
    fun lastSyncProblem(): Problem? = syncOutcome.load()
}
