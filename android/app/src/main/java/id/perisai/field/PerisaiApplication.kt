package id.perisai.field

import android.app.Application
import androidx.work.Configuration
import id.perisai.field.platform.AndroidKeys
import id.perisai.field.platform.Core
import id.perisai.field.platform.DeviceKeys

/**
 * The process: owns the one [Core] (the Rust `AgentApp`, the platform keys, the app lock) that
 * every screen and the sync worker share. Nothing is opened here: the store opens on first use,
 * off the main thread. A new process (the OS killed the app and brings it back) gets a new
 * [Core], locked.
 */
open class PerisaiApplication : Application(), Configuration.Provider {
    lateinit var core: Core
        private set

    override fun onCreate() {
        super.onCreate()
        core = Core(this, deviceKeys())
    }

    /** The Android Keystore's keys (the JVM tests, which have no Keystore, give JVM-made ones). */
    protected open fun deviceKeys(): DeviceKeys = AndroidKeys(this)

    override val workManagerConfiguration: Configuration
        get() = Configuration.Builder().setMinimumLoggingLevel(android.util.Log.WARN).build()
}
