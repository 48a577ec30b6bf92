package id.perisai.field

import android.app.Application
import androidx.work.Configuration
import id.perisai.field.platform.Core

/**
 * The process: owns the one [Core] (the Rust `AgentApp` and the platform keys) that every screen
 * and the sync worker share. Nothing is opened here: the store opens on first use, off the main
 * thread.
 */
class PerisaiApplication : Application(), Configuration.Provider {
    val core: Core by lazy { Core(this) }

    override val workManagerConfiguration: Configuration
        get() = Configuration.Builder().setMinimumLoggingLevel(android.util.Log.WARN).build()
}
