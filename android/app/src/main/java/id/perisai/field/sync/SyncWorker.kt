package id.perisai.field.sync

import android.content.Context
import android.content.pm.ServiceInfo
import android.os.Build
import androidx.core.app.NotificationChannelCompat
import androidx.core.app.NotificationCompat
import androidx.core.app.NotificationManagerCompat
import androidx.work.BackoffPolicy
import androidx.work.Constraints
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.ExistingWorkPolicy
import androidx.work.ForegroundInfo
import androidx.work.NetworkType
import androidx.work.OneTimeWorkRequestBuilder
import androidx.work.OutOfQuotaPolicy
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.Worker
import androidx.work.WorkerParameters
import id.perisai.ffi.SyncCancel
import id.perisai.field.logic.DeviceSync
import id.perisai.field.PerisaiApplication
import id.perisai.field.R
import java.util.concurrent.TimeUnit

/**
 * Sends the queue and brings back decisions, payment codes and statements: one call to the core's
 * `sync` (through [DeviceSync]), which does the batching, signing, retries within the run and
 * acknowledgements.
 *
 * WorkManager adds what the core cannot: it runs only with a network (so a save made offline is
 * sent when the network returns), retries a failed run with exponential backoff, survives
 * reboots, and runs right away (expedited) after a save or when the agent taps "Kirim". A
 * `sync.network` failure is a retry; a refusal retrying cannot fix (device revoked, app too
 * old…) stops, and is kept for the home screen to say in words until a sync goes through.
 *
 * When WorkManager stops the worker (the network went, the expedited quota ran out, the work was
 * replaced), [onStopped] cancels the running sync: the core ends it at its next check (at once
 * while it waits to retry) with `sync.cancelled`, everything unsent still queued, and the worker
 * reports a retry. A plain [Worker]: the core call blocks on WorkManager's background thread.
 */
class SyncWorker(context: Context, params: WorkerParameters) : Worker(context, params) {
    /** The handle of this run's sync; [onStopped] cancels it from WorkManager's thread. */
    private val running = SyncCancel()

    override fun doWork(): Result {
        val core = (applicationContext as PerisaiApplication).core
        return when (val result = core.sync(running)) {
            is DeviceSync.Result.Done -> {
                core.syncOutcome.cleared()
                Result.success()
            }
            is DeviceSync.Result.RetryLater -> Result.retry()
            // The core already erased the data as the server's signed command said.
            is DeviceSync.Result.Revoked -> {
                core.forgetSigningKey()
                core.syncOutcome.stopped(result.problem)
                Result.failure()
            }
            is DeviceSync.Result.Stopped -> {
                core.syncOutcome.stopped(result.problem)
                Result.failure()
            }
        }
    }

    /** WorkManager stops this run: the sync ends early, and [doWork] reports a retry. */
    override fun onStopped() {
        running.cancel()
    }

    /** Expedited work runs as a foreground service before Android 12: it needs a notification. */
    override fun getForegroundInfo(): ForegroundInfo {
        // The compat manager creates the channel where channels exist (API 26+) and does nothing before.
        NotificationManagerCompat.from(applicationContext).createNotificationChannel(
            NotificationChannelCompat.Builder(CHANNEL, NotificationManagerCompat.IMPORTANCE_LOW)
                .setName(applicationContext.getString(R.string.sync_channel))
                .build(),
        )
        val notification = NotificationCompat.Builder(applicationContext, CHANNEL)
            .setSmallIcon(R.drawable.ic_perisai)
            .setContentTitle(applicationContext.getString(R.string.sync_running))
            .setOngoing(true)
            .build()
        return if (Build.VERSION.SDK_INT >= 29) {
            ForegroundInfo(NOTIFICATION_ID, notification, ServiceInfo.FOREGROUND_SERVICE_TYPE_DATA_SYNC)
        } else {
            ForegroundInfo(NOTIFICATION_ID, notification)
        }
    }

    companion object {
        private const val CHANNEL = "sync"
        private const val NOTIFICATION_ID = 7
        private const val PERIODIC = "perisai-sync-periodic"

        /** The unique work of a sync asked for now (the home screen watches it). */
        const val NOW = "perisai-sync-now"

        private val network = Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build()

        /** Every few hours when a network is there (called at start-up; keeps an existing schedule). */
        fun schedulePeriodic(context: Context) {
            val request = PeriodicWorkRequestBuilder<SyncWorker>(3, TimeUnit.HOURS)
                .setConstraints(network)
                .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, 30, TimeUnit.SECONDS)
                .build()
            WorkManager.getInstance(context).enqueueUniquePeriodicWork(PERIODIC, ExistingPeriodicWorkPolicy.KEEP, request)
        }

        /** After a save or "Kirim": now if there is a network, else as soon as there is one. */
        fun sendNow(context: Context) {
            val request = OneTimeWorkRequestBuilder<SyncWorker>()
                .setConstraints(network)
                .setExpedited(OutOfQuotaPolicy.RUN_AS_NON_EXPEDITED_WORK_REQUEST)
                .setBackoffCriteria(BackoffPolicy.EXPONENTIAL, 30, TimeUnit.SECONDS)
                .build()
            WorkManager.getInstance(context).enqueueUniqueWork(NOW, ExistingWorkPolicy.REPLACE, request)
        }
    }
}
