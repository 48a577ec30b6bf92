package id.perisai.field.platform

import android.content.Context
import id.perisai.field.logic.Problem
import java.io.File

/**
 * The refusal the last sync stopped on (`device.revoked`, `app.too_old`, `sync.fork`…), kept in a
 * private file so the home screen can say it in words after the worker ended: the code and the
 * core's message (core messages never hold personal data). Cleared when a sync goes through.
 */
class SyncOutcomeFile(context: Context) {
    private val file = File(context.noBackupFilesDir, "sync-outcome")

    fun load(): Problem? {
        if (!file.exists()) return null
        val lines = file.readText().split('\n', limit = 2)
        if (lines.size != 2) return null
        return Problem(lines[0], lines[1])
    }

    fun stopped(problem: Problem) {
        val tmp = File(file.path + ".tmp")
        tmp.writeText(problem.code + "\n" + problem.message)
        tmp.renameTo(file)
    }

    fun cleared() {
        file.delete()
    }
}
