package id.perisai.field.logic

import id.perisai.ffi.formatRupiah

/**
 * Rupiah as Indonesians write it: `Rp16.800`, `Rp1.050.050`, `-Rp800`.
 *
 * The core formats every amount it hands out ready to print (the receipt's `totalFormatted`, the
 * cash record's `amountFormatted`); this is for amounts the facade gives as numbers (a quote
 * before submitting, the sums of a commission statement). It is the core's one formatter
 * (`format_rupiah`, exported by the facade), so the app holds no copy of the rule.
 */
object Rupiah {
    fun format(amount: Long): String = formatRupiah(amount)
}
