package id.perisai.field.ui

import android.os.Bundle
import android.view.WindowManager
import androidx.activity.compose.setContent
import androidx.fragment.app.FragmentActivity
import id.perisai.field.PerisaiApplication
import id.perisai.field.sync.SyncWorker
import id.perisai.field.ui.theme.PerisaiTheme

/**
 * The one activity. A FragmentActivity because BiometricPrompt needs one. Screens are Compose
 * ([PerisaiApp]); every core call they make runs off the main thread, in their ViewModels.
 *
 * The app lock sees the agent leave (onStop) and come back (every onResume): after five minutes
 * away it locks again ([id.perisai.field.logic.LockGate]).
 */
class MainActivity : FragmentActivity() {
    private val core get() = (application as PerisaiApplication).core

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        // Personal data on screen: no screenshots, no thumbnail in the recent apps.
        window.setFlags(WindowManager.LayoutParams.FLAG_SECURE, WindowManager.LayoutParams.FLAG_SECURE)
        SyncWorker.schedulePeriodic(this)
        setContent {
            PerisaiTheme {
                PerisaiApp(core)
            }
        }
    }

    override fun onResume() {
        super.onResume()
        core.lock.returned()
    }

    override fun onStop() {
        super.onStop()
        // Not a rotation (the activity comes straight back): the agent left the app.
        if (!isChangingConfigurations) core.lock.left()
    }
}
