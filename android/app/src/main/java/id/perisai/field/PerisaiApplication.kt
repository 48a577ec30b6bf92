package id.perisai.field

import android.app.Application
import androidx.work.Configuration
import id.perisai.field.platform.AndroidKeys
import id.perisai.field.platform.Core
import id.perisai.field.platform.DeviceKeys

/**
 * The process: owns the one [Core] (the Rust `AgentApp` and the platform keys) that every screen
 * and the sync worker share. Nothing is opened here: the store opens on first use, off the main
 * thread.
 */
open class PerisaiApplication : Application(), Configuration.Provider {
    val core: Core by lazy { Core(this, deviceKeys()) }

    /** The Android Keystore's keys (the JVM tests, which have no Keystore, give JVM-made ones). */
    protected open fun deviceKeys(): DeviceKeys = AndroidKeys(this)

    override val workManagerConfiguration: Configuration
        get() = Configuration.Builder().setMinimumLoggingLevel(android.util.Log.WARN).build()
}
