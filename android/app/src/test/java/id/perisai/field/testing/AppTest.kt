package id.perisai.field.testing

import android.app.Application
import android.graphics.Bitmap
import android.graphics.Canvas
import android.view.View
import androidx.compose.ui.test.SemanticsNodeInteraction
import androidx.compose.ui.test.hasAnyAncestor
import androidx.compose.ui.test.hasSetTextAction
import androidx.compose.ui.test.hasTestTag
import androidx.compose.ui.test.isDialog
import androidx.compose.ui.test.isEnabled
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.junit4.AndroidComposeTestRule
import androidx.compose.ui.test.junit4.createAndroidComposeRule
import androidx.compose.ui.test.onNodeWithContentDescription
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollTo
import androidx.compose.ui.test.performScrollToNode
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.test.performTextReplacement
import androidx.test.core.app.ApplicationProvider
import androidx.test.ext.junit.rules.ActivityScenarioRule
import androidx.work.Configuration
import androidx.work.testing.SynchronousExecutor
import androidx.work.testing.WorkManagerTestInitHelper
import id.perisai.field.PerisaiApplication
import id.perisai.field.platform.Core
import id.perisai.field.ui.MainActivity
import org.junit.Rule
import org.junit.rules.ExternalResource
import org.junit.rules.RuleChain
import org.junit.rules.TestWatcher
import org.junit.runner.Description
import androidx.compose.ui.test.printToLog
import androidx.compose.ui.semantics.SemanticsNode
import org.junit.runner.RunWith
import org.robolectric.RobolectricTestRunner
import org.robolectric.annotation.GraphicsMode
import java.io.File

/**
 * A UI test of the whole app on Robolectric (Android 15): a fresh phone each test (no keys, no
 * data, WorkManager's test driver instead of its scheduler), [MainActivity] launched, the real
 * core library behind it. Helpers drive it as an agent does: by the words on screen.
 */
@RunWith(RobolectricTestRunner::class)
@GraphicsMode(GraphicsMode.Mode.NATIVE)
abstract class AppTest {
    /** Runs before the activity starts: a phone that never ran the app. */
    private class FreshPhone : ExternalResource() {
        override fun before() {
            JvmKeys.forget()
            val context = ApplicationProvider.getApplicationContext<Application>()
            WorkManagerTestInitHelper.initializeTestWorkManager(
                context,
                Configuration.Builder().setExecutor(SynchronousExecutor()).build(),
            )
        }
    }

    val rule: AndroidComposeTestRule<ActivityScenarioRule<MainActivity>, MainActivity> =
        createAndroidComposeRule<MainActivity>()

    /** On a failure: the screen as a PNG and its semantics tree, beside the Surefire reports. */
    private val onFailure = object : TestWatcher() {
        override fun failed(e: Throwable?, description: Description) {
            runCatching {
                val dir = File(System.getProperty("perisai.failures") ?: "build/failures").apply { mkdirs() }
                val name = description.methodName.replace(Regex("[^A-Za-z0-9]+"), "_").take(80)
                rule.onAllNodes(androidx.compose.ui.test.isRoot()).fetchSemanticsNodes().forEachIndexed { i, _ ->
                    rule.onAllNodes(androidx.compose.ui.test.isRoot())[i].printToLog("FAILED")
                }
                File(dir, "$name.txt").writeText(
                    rule.onAllNodes(androidx.compose.ui.test.isRoot()).fetchSemanticsNodes()
                        .joinToString("\n\n") { it.printTree() },
                )
                val view = rule.activity.window.decorView
                val bitmap = Bitmap.createBitmap(view.width, view.height, Bitmap.Config.ARGB_8888)
                view.draw(Canvas(bitmap))
                File(dir, "$name.png").outputStream().use { bitmap.compress(Bitmap.CompressFormat.PNG, 100, it) }
            }
        }
    }

    @get:Rule
    val chain: RuleChain = RuleChain.outerRule(FreshPhone()).around(rule).around(onFailure)

    val app: PerisaiApplication get() = ApplicationProvider.getApplicationContext()

    /** The process's core (the tests arrange data through it as the screens would). */
    val core: Core get() = app.core

    /** Waits (at most [WAIT_MS]) for [text] on screen. */
    fun waitFor(text: String, substring: Boolean = false) {
        rule.waitUntil(WAIT_MS) { rule.onAllNodes(hasText(text, substring = substring)).fetchSemanticsNodes().isNotEmpty() }
    }

    fun waitForTag(tag: String) {
        rule.waitUntil(WAIT_MS) { rule.onAllNodes(hasTestTag(tag)).fetchSemanticsNodes().isNotEmpty() }
    }

    fun gone(text: String, substring: Boolean = false) {
        rule.waitUntil(WAIT_MS) { rule.onAllNodes(hasText(text, substring = substring)).fetchSemanticsNodes().isEmpty() }
    }

    fun tap(text: String, substring: Boolean = false) {
        // A button is tapped once it is enabled (screens enable theirs when the core answered).
        val target = hasText(text, substring = substring) and isEnabled()
        rule.waitUntil(WAIT_MS) { rule.onAllNodes(target).fetchSemanticsNodes().isNotEmpty() }
        val node = rule.onNode(target)
        // Below the fold of a scrolling screen: scrolled into view first, as a thumb would.
        runCatching { node.performScrollTo() }
        node.performClick()
        rule.waitForIdle()
    }

    fun type(tag: String, text: String) {
        waitForTag(tag)
        rule.onNodeWithTag(tag).performTextReplacement(text)
        rule.waitForIdle()
    }

    /** The agent leaves the app and comes straight back: every screen reloads from the core. */
    fun comeBack() {
        rule.activityRule.scenario.moveToState(androidx.lifecycle.Lifecycle.State.CREATED)
        rule.activityRule.scenario.moveToState(androidx.lifecycle.Lifecycle.State.RESUMED)
        rule.waitForIdle()
    }

    /** Activates this phone with [server] (as the activation screen does) and returns the agent. */
    fun activate(server: id.perisai.jvm.RealServer): String {
        val (agent, code) = server.agentWithCode()
        val done = core.deviceSync.activate(id.perisai.field.logic.ActivationRequest(server.url, code, null))
        check(done is id.perisai.field.logic.Outcome.Ok) { done.toString() }
        return agent
    }

    /** A sync run to its end, as the worker runs it. */
    fun syncNow() {
        val result = core.sync()
        check(result is id.perisai.field.logic.DeviceSync.Result.Done) { result.toString() }
    }

    /** The back arrow of the screen's top bar. */
    fun back() {
        rule.onNodeWithContentDescription("Kembali").performClick()
        rule.waitForIdle()
    }

    /** First start: the 6-digit PIN set twice; the app opens. */
    fun setPin(pin: String = PIN) {
        waitFor("Buat PIN 6 angka untuk mengunci aplikasi")
        rule.onNodeWithTag("pin").performTextInput(pin)
        tap("Buka")
        waitFor("Ulangi PIN")
        rule.onNodeWithTag("pin").performTextInput(pin)
        tap("Buka")
        waitFor("Beranda")
    }

    fun unlock(pin: String = PIN) {
        waitFor("Masukkan PIN 6 angka")
        rule.onNodeWithTag("pin").performTextInput(pin)
        tap("Buka")
        gone("Masukkan PIN 6 angka")
    }

    /** Scrolls the form to the node with [tag] and returns it. */
    fun formNode(tag: String): SemanticsNodeInteraction {
        rule.onNodeWithTag("form").performScrollToNode(hasTestTag(tag))
        return rule.onNodeWithTag(tag)
    }

    /**
     * Scrolls the form to [text] once the form shows it. What the core answers (the report after
     * "Periksa", say) arrives from a background lane a moment after the tap, and a lazy list holds
     * only the rows on screen, so the scroll is tried again until it finds the text.
     */
    fun scrollFormToWhenShown(text: String) {
        rule.waitUntil(WAIT_MS) {
            runCatching { rule.onNodeWithTag("form").performScrollToNode(hasText(text)) }.isSuccess
        }
    }

    /** Scrolls the form to the option or box labelled [text] and taps it. */
    fun tapInForm(text: String) {
        rule.onNodeWithTag("form").performScrollToNode(hasText(text))
        rule.onNodeWithText(text).performClick()
        rule.waitForIdle()
    }

    /** Opens the date picker of [tag] and types the date as the agent reads it (`15011990`). */
    fun pickDate(tag: String, ddMMyyyy: String) {
        formNode(tag).performClick()
        rule.waitUntil(WAIT_MS) { rule.onAllNodes(hasSetTextAction() and hasAnyAncestor(isDialog())).fetchSemanticsNodes().isNotEmpty() }
        rule.onNode(hasSetTextAction() and hasAnyAncestor(isDialog())).performTextInput(ddMMyyyy)
        tap("OK")
    }

    /** Fills every required field as an agent does, with the keyboard, the picker and the lists. */
    fun fillForm(nik: String, name: String, birth: String = "15011990") {
        waitForTag("input-nik")
        formNode("input-nik").performTextReplacement(nik)
        formNode("input-full_name").performTextReplacement(name)
        formNode("input-birth_place").performTextReplacement("Bogor")
        pickDate("input-birth_date", birth)
        tapInForm("Perempuan")
        formNode("input-phone").performTextReplacement("0812 3456 7890")
        formNode("input-address").performTextReplacement("Pasar Anyar Blok C No. 12, Bogor")
        formNode("input-occupation").performClick()
        tap("Pedagang")
        formNode("input-monthly_income").performTextReplacement("2.000.000")
        tapInForm("JKK + JKM (Kecelakaan Kerja, Kematian)")
        tapInForm("3 bulan")
        tapInForm("Persetujuan peserta (wajib)")
    }

    /** "Simpan & antre" at the bottom of the form. */
    fun submitForm() = tapInForm("Simpan & antre")

    /** What the phone shows now (the activity's window), as a PNG in docs/screenshots/android. */
    fun screenshot(name: String, view: View = rule.activity.window.decorView) {
        rule.waitForIdle()
        val bitmap = Bitmap.createBitmap(view.width, view.height, Bitmap.Config.ARGB_8888)
        view.draw(Canvas(bitmap))
        val dir = File(System.getProperty("perisai.screenshots") ?: "build/screenshots")
        dir.mkdirs()
        File(dir, "$name.png").outputStream().use { bitmap.compress(Bitmap.CompressFormat.PNG, 100, it) }
    }

    companion object {
        const val PIN = "135790"

        /**
         * How long a step may take before the test gives up: core calls and the server run on
         * other threads, on a CI machine that may be busy. A ceiling, not a timing assertion.
         */
        const val WAIT_MS = 45_000L

        private fun SemanticsNode.printTree(indent: String = ""): String =
            indent + config.toString() + "\n" + children.joinToString("") { it.printTree("$indent  ") }
    }
}
