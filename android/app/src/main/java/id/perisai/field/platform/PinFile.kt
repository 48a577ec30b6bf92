package id.perisai.field.platform

import android.content.Context
import android.util.Base64
import id.perisai.field.logic.AppLock
import java.io.File

/**
 * [AppLock.Store] in a private file under noBackupFilesDir: salt, PBKDF2 hash, failure count and
 * the end of the current wait. Never the PIN.
 */
class PinFile(context: Context) : AppLock.Store {
    private val file = File(context.noBackupFilesDir, "lock")

    override fun load(): AppLock.Saved? {
        if (!file.exists()) return null
        val parts = file.readText().trim().split(' ')
        if (parts.size != 4) return null
        return AppLock.Saved(
            salt = Base64.decode(parts[0], Base64.NO_WRAP),
            hash = Base64.decode(parts[1], Base64.NO_WRAP),
            failures = parts[2].toIntOrNull() ?: 0,
            lockedUntil = parts[3].toLongOrNull() ?: 0L,
        )
    }

    override fun save(saved: AppLock.Saved) {
        val text = listOf(
            Base64.encodeToString(saved.salt, Base64.NO_WRAP),
            Base64.encodeToString(saved.hash, Base64.NO_WRAP),
            saved.failures.toString(),
            saved.lockedUntil.toString(),
        ).joinToString(" ")
        val tmp = File(file.path + ".tmp")
        tmp.writeText(text)
        tmp.renameTo(file)
    }

    override fun clear() {
        file.delete()
    }
}
