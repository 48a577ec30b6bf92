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
 * (see [PerisaiNavHost]); every core call they make runs on Dispatchers.IO.
 */
class MainActivity : FragmentActivity() {
    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        // Personal data on screen: no screenshots, no thumbnail in the recent apps.
        window.setFlags(WindowManager.LayoutParams.FLAG_SECURE, WindowManager.LayoutParams.FLAG_SECURE)
        val core = (application as PerisaiApplication).core
        SyncWorker.schedulePeriodic(this)
        setContent {
            PerisaiTheme {
                PerisaiNavHost(core = core, activity = this)
            }
        }
    }
}
