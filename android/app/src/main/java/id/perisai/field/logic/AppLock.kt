package id.perisai.field.logic

import java.security.MessageDigest
import java.security.SecureRandom
import javax.crypto.SecretKeyFactory
import javax.crypto.spec.PBEKeySpec

/**
 * The app lock's PIN: set, check, and slow down guessing. Biometric unlock is the platform's
 * (Android BiometricPrompt, iOS LocalAuthentication); this is the PIN behind it.
 *
 * The lock is a door, not the safe: the records are sealed by the core with a data key that only
 * the platform keystore can unwrap. So the PIN is stored as a salted PBKDF2 hash, and wrong tries
 * cost a growing wait (30 s after 5 wrong tries, doubling, at most 15 minutes) rather than a
 * lockout that would stop an agent in the field for good.
 *
 * [store] keeps the hash and the failure count (Android: a private file; tests: memory); [now]
 * is the clock in milliseconds.
 */
class AppLock(private val store: Store, private val now: () -> Long = System::currentTimeMillis) {

    /** What is persisted: never the PIN itself. */
    data class Saved(val salt: ByteArray, val hash: ByteArray, val failures: Int, val lockedUntil: Long)

    interface Store {
        fun load(): Saved?
        fun save(saved: Saved)
        fun clear()
    }

    sealed interface Result {
        data object Unlocked : Result
        data class Wrong(val triesBeforeWait: Int) : Result
        data class Wait(val seconds: Long) : Result
    }

    val hasPin: Boolean get() = store.load() != null

    /** A PIN is 6 digits: enough against a glance, easy to type with one hand at a stall. */
    fun isAcceptable(pin: String): Boolean = pin.length == PIN_LENGTH && pin.all { it in '0'..'9' }

    fun setPin(pin: String) {
        require(isAcceptable(pin)) { "PIN must be $PIN_LENGTH digits" }
        val salt = ByteArray(16).also { SecureRandom().nextBytes(it) }
        store.save(Saved(salt, hash(pin, salt), failures = 0, lockedUntil = 0))
    }

    /**
     * Forgets the PIN, after the branch let this device in again (re-activation with a new code):
     * the agent then sets a new one. The records are not touched.
     */
    fun forgetPin() = store.clear()

    fun unlock(pin: String): Result {
        val saved = store.load() ?: return Result.Unlocked
        val t = now()
        if (t < saved.lockedUntil) return Result.Wait((saved.lockedUntil - t + 999) / 1000)
        if (MessageDigest.isEqual(hash(pin, saved.salt), saved.hash)) {
            store.save(saved.copy(failures = 0, lockedUntil = 0))
            return Result.Unlocked
        }
        val failures = saved.failures + 1
        val wait = waitAfter(failures)
        store.save(saved.copy(failures = failures, lockedUntil = if (wait > 0) t + wait else 0))
        return if (wait > 0) Result.Wait(wait / 1000) else Result.Wrong(FREE_TRIES - failures)
    }

    private fun waitAfter(failures: Int): Long {
        if (failures < FREE_TRIES) return 0
        val doublings = (failures - FREE_TRIES).coerceAtMost(5)
        return (FIRST_WAIT_MS shl doublings).coerceAtMost(MAX_WAIT_MS)
    }

    private fun hash(pin: String, salt: ByteArray): ByteArray {
        // PBKDF2WithHmacSHA1 exists on every Android version from minSdk 24 and on every JVM.
        val spec = PBEKeySpec(pin.toCharArray(), salt, ITERATIONS, 256)
        return try {
            SecretKeyFactory.getInstance("PBKDF2WithHmacSHA1").generateSecret(spec).encoded
        } finally {
            spec.clearPassword()
        }
    }

    companion object {
        const val PIN_LENGTH = 6
        const val FREE_TRIES = 5
        private const val ITERATIONS = 20_000
        private const val FIRST_WAIT_MS = 30_000L
        private const val MAX_WAIT_MS = 15 * 60_000L
    }
}
