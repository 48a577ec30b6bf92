package id.perisai.field.logic

import id.perisai.ffi.AgentAppInterface
import id.perisai.ffi.Receipt

/**
 * The participant's receipt (bukti pendaftaran), as the screen shows it and as it is shared by
 * SMS, WhatsApp or the share sheet (that text is the core's, `receiptShareText`).
 *
 * Every value comes from the core's [Receipt], already formatted there: the amount (`Rp50.400`),
 * the dates (`20/11/2026`), the masked NIK and the payment status, which reads `BELUM DIBAYAR`
 * until the server confirmed a payment. The app never decides that something is paid.
 */
class ReceiptView(
    val receipt: Receipt,
    val lang: Lang,
    /** The text sent to the participant (SMS, WhatsApp, share sheet): the core's words. */
    val shareText: String,
) {
    /** True only once the server confirmed the payment (the core says so). */
    val paid: Boolean get() = receipt.paid

    /** `BELUM DIBAYAR` / `SUDAH DIBAYAR`: the core's words, shown as they are in both languages. */
    val paymentStatus: String get() = receipt.paymentStatus

    /** Label and value pairs, in order; absent values (erased after retention) are left out. */
    val lines: List<Pair<String, String>>
        get() = buildList {
            add(L.receiptNo.of(lang) to receipt.receiptNo.toString())
            add(L.reference.of(lang) to receipt.reference)
            receipt.fullName?.let { add(L.name.of(lang) to it) }
            receipt.nikMasked?.let { add(L.nik.of(lang) to it) }
            if (receipt.programs.isNotEmpty()) add(L.programs.of(lang) to receipt.programs.joinToString(", "))
            receipt.totalFormatted?.let { total ->
                val months = receipt.paymentMonths?.let { " " + L.forMonths.of(lang).format(it.toInt()) }.orEmpty()
                add(L.contribution.of(lang) to total + months)
            }
            receipt.enrolledOn?.let { add(L.enrolledOn.of(lang) to it) }
            add(L.payment.of(lang) to receipt.paymentStatus)
            receipt.paymentCode?.let { add(L.paymentCode.of(lang) to it) }
            receipt.nextDueMonth?.let { add(L.nextDue.of(lang) to CalendarText.month(it, lang)) }
        }

    /** The participant's number (E.164) the receipt goes to, while the core still has it. */
    val phone: String? get() = receipt.phone

    private object L {
        val receiptNo = Text("No. bukti", "Receipt no.")
        val reference = Text("Referensi", "Reference")
        val name = Text("Nama", "Name")
        val nik = Text("NIK", "NIK")
        val programs = Text("Program", "Programs")
        val contribution = Text("Iuran", "Contribution")
        val forMonths = Text("untuk %d bulan", "for %d months")
        val enrolledOn = Text("Tanggal daftar", "Enrolled on")
        val payment = Text("Status pembayaran", "Payment status")
        val paymentCode = Text("Kode iuran", "Payment code")
        val nextDue = Text("Iuran berikutnya", "Next contribution due")
    }

    companion object {
        /** Core: the receipt of record [id] and its share text (a draft has none: `record.not_allowed`). */
        fun load(app: AgentAppInterface, id: String, lang: Lang): ReceiptView =
            ReceiptView(app.receipt(id), lang, app.receiptShareText(id).text(lang))
    }
}
