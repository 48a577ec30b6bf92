package id.perisai.field.ui

import android.os.Bundle
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.performTextInput
import androidx.lifecycle.Lifecycle
import id.perisai.field.testing.AppTest
import org.junit.Assert.assertEquals
import org.junit.Test
import org.robolectric.Robolectric
import org.robolectric.shadows.ShadowSystemClock
import java.time.Duration

/** The app lock: set, enter, wrong tries, relock after five minutes away and after a process death. */
class LockTest : AppTest() {
    @Test
    fun `first start sets a PIN twice and opens home, a different second PIN starts over`() {
        waitFor("Buat PIN 6 angka untuk mengunci aplikasi")
        rule.onNodeWithTag("pin").performTextInput("111111")
        tap("Buka")
        waitFor("Ulangi PIN")
        rule.onNodeWithTag("pin").performTextInput("222222")
        tap("Buka")
        waitFor("PIN tidak sama. Coba lagi.")
        setPin()
        waitFor("Menunggu dikirim")
    }

    @Test
    fun `a wrong PIN is counted, and the right one opens`() {
        setPin()
        core.lock.left()
        ShadowSystemClock.advanceBy(Duration.ofMinutes(6))
        rule.activityRule.scenario.moveToState(Lifecycle.State.CREATED)
        rule.activityRule.scenario.moveToState(Lifecycle.State.RESUMED)
        waitFor("Masukkan PIN 6 angka")
        rule.onNodeWithTag("pin").performTextInput("000000")
        tap("Buka")
        waitFor("PIN salah. Sisa 4 kali sebelum harus menunggu.")
        unlock()
        waitFor("Beranda")
    }

    @Test
    fun `the app locks again after five minutes in the background, not after one`() {
        setPin()
        val scenario = rule.activityRule.scenario
        scenario.moveToState(Lifecycle.State.CREATED) // the agent switches to another app
        ShadowSystemClock.advanceBy(Duration.ofMinutes(1))
        scenario.moveToState(Lifecycle.State.RESUMED)
        waitFor("Beranda")
        assertEquals(false, core.lock.locked)

        scenario.moveToState(Lifecycle.State.CREATED)
        ShadowSystemClock.advanceBy(Duration.ofMinutes(5))
        scenario.moveToState(Lifecycle.State.RESUMED)
        waitFor("Masukkan PIN 6 angka")
        gone("Beranda")
        unlock()
        waitFor("Beranda")
    }

    @Test
    fun `after a process death the restored screen opens behind the lock, and comes back after it`() {
        rule.activityRule.scenario.moveToState(Lifecycle.State.DESTROYED)
        val first = Robolectric.buildActivity(MainActivity::class.java).setup()
        setPin()
        tap("Pendaftaran baru")
        waitFor("Pendaftaran peserta BPU")
        // The OS kills the process with the app in the background: the activity's state is
        // saved, the process (its Application, its lock) is gone, a new one restores the activity.
        val saved = Bundle()
        first.pause().stop().saveInstanceState(saved).destroy()
        app.onCreate() // what a new process runs: a new Core, locked
        assertEquals(true, core.lock.locked)
        val restored = Robolectric.buildActivity(MainActivity::class.java).setup(saved)
        waitFor("Masukkan PIN 6 angka")
        gone("Pendaftaran peserta BPU")
        unlock()
        // Behind the lock was the screen the agent was on.
        waitFor("Pendaftaran peserta BPU")
        restored.pause().stop().destroy()
    }
}
