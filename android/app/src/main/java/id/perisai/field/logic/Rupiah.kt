package id.perisai.field.logic

/**
 * Rupiah as Indonesians write it: `Rp16.800`, `Rp1.050.050`, `-Rp800`.
 *
 * The core formats every amount it hands out ready to print (the receipt's `totalFormatted`);
 * this is only for amounts the facade gives as numbers (a quote before submitting). It follows
 * `perisai-core`'s `message::format_rupiah` exactly, and the JVM tests check it against the
 * core's own output, so the two cannot drift apart.
 */
object Rupiah {
    fun format(amount: Long): String {
        val digits = if (amount == Long.MIN_VALUE) "9223372036854775808" else kotlin.math.abs(amount).toString()
        val grouped = StringBuilder()
        digits.forEachIndexed { i, c ->
            if (i > 0 && (digits.length - i) % 3 == 0) grouped.append('.')
            grouped.append(c)
        }
        return if (amount < 0) "-Rp$grouped" else "Rp$grouped"
    }
}
