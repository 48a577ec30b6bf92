package id.perisai.field.testing

import android.app.Application
import androidx.test.core.app.ApplicationProvider
import androidx.work.WorkInfo
import androidx.work.WorkManager
import androidx.work.testing.WorkManagerTestInitHelper
import id.perisai.field.sync.SyncWorker
import id.perisai.jvm.RealServer
import org.junit.rules.ExternalResource
import java.nio.file.Files
import java.nio.file.Path
import java.time.OffsetDateTime
import java.time.ZoneOffset
import java.time.format.DateTimeFormatter
import java.util.concurrent.TimeUnit

/** A real perisai-server for one test, on a loopback port, stopped after it; [serveArgs] go to `serve`. */
class ServerRule(private vararg val serveArgs: String) : ExternalResource() {
    private lateinit var dir: Path
    lateinit var server: RealServer
        private set

    val url: String get() = server.url

    /** The payment channel confirms [month] of the participant with [paymentCode], paid a minute ago. */
    fun paymentConfirmed(paymentCode: String, month: String, amount: Long) {
        val paidAt = OffsetDateTime.now(ZoneOffset.ofHours(7)).minusMinutes(1)
            .format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX"))
        val csv = dir.resolve("payments-$paymentCode-$month.csv").toFile()
        csv.writeText("payment_ref,nik,contribution_month,amount,paid_at\nPAY-$paymentCode-$month,$paymentCode,$month,$amount,$paidAt\n")
        server.admin("import-payments", "--file", csv.path)
    }

    override fun before() {
        dir = Files.createTempDirectory("perisai-android")
        server = RealServer.start(dir, *serveArgs)
    }

    override fun after() {
        server.close()
        dir.toFile().deleteRecursively()
    }
}

/**
 * The sync WorkManager would run: the test driver holds it until its network constraint is met
 * ("the network returns"), then it runs the real worker against the real server.
 */
object SyncRuns {
    private val context: Application get() = ApplicationProvider.getApplicationContext()

    /** The sync asked for now (after a save or "Kirim"), or null when none was asked for. */
    fun pending(): WorkInfo? =
        WorkManager.getInstance(context).getWorkInfosForUniqueWork(SyncWorker.NOW).get(10, TimeUnit.SECONDS)
            .firstOrNull { !it.state.isFinished }

    /** The network returns: the pending sync runs to its end; returns how it ended. */
    fun networkReturns(wait: (() -> Boolean) -> Unit): WorkInfo {
        val work = checkNotNull(pending()) { "no sync was asked for" }
        check(work.state == WorkInfo.State.ENQUEUED) { "the sync ran before the network was there: ${work.state}" }
        checkNotNull(WorkManagerTestInitHelper.getTestDriver(context)).setAllConstraintsMet(work.id)
        var done: WorkInfo? = null
        wait {
            done = WorkManager.getInstance(context).getWorkInfoById(work.id).get(10, TimeUnit.SECONDS)
            done?.state?.isFinished == true
        }
        return checkNotNull(done)
    }
}
