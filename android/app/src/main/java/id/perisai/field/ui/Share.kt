package id.perisai.field.ui

import android.content.ActivityNotFoundException
import android.content.ClipData
import android.content.ClipboardManager
import android.content.Context
import android.content.Intent
import android.net.Uri
import androidx.core.content.ContextCompat

/**
 * Reaching a participant from the phone: SMS or WhatsApp to their number, a call, or the share
 * sheet. Each returns how it went, so the screen can say it in words; nothing here throws when
 * the phone has no app for it (a cheap phone may have no WhatsApp, a tablet no SMS).
 */
object Share {
    enum class Result {
        /** The app opened with the number and the text. */
        OPENED,

        /** No app for that: the share sheet opened instead. */
        SHEET,

        /** No app at all: the text was copied, to paste anywhere. */
        COPIED,
    }

    /** SMS to [phone] (E.164) with [text]; else the share sheet; else the clipboard. */
    fun sms(context: Context, phone: String?, text: String): Result {
        val to = phone?.let { Uri.encode(it) }.orEmpty()
        val sms = Intent(Intent.ACTION_SENDTO, Uri.parse("smsto:$to")).putExtra("sms_body", text)
        return open(context, sms) ?: sheet(context, text)
    }

    /** WhatsApp chat with [phone] (E.164) and [text]; else the share sheet; else the clipboard. */
    fun whatsApp(context: Context, phone: String?, text: String?): Result {
        val digits = phone?.filter(Char::isDigit).orEmpty()
        val query = text?.let { "?text=" + Uri.encode(it) }.orEmpty()
        val chat = Intent(Intent.ACTION_VIEW, Uri.parse("https://wa.me/$digits$query"))
        return open(context, chat) ?: sheet(context, text.orEmpty())
    }

    /** The phone's dialer with [phone] filled in (the agent presses call). */
    fun call(context: Context, phone: String): Result =
        open(context, Intent(Intent.ACTION_DIAL, Uri.parse("tel:" + Uri.encode(phone)))) ?: copy(context, phone)

    /** Any app that takes text; else the clipboard. */
    fun sheet(context: Context, text: String): Result {
        val send = Intent(Intent.ACTION_SEND).setType("text/plain").putExtra(Intent.EXTRA_TEXT, text)
        return if (open(context, Intent.createChooser(send, null)) != null) Result.SHEET else copy(context, text)
    }

    private fun open(context: Context, intent: Intent): Result? =
        try {
            context.startActivity(intent.addFlags(if (context is android.app.Activity) 0 else Intent.FLAG_ACTIVITY_NEW_TASK))
            Result.OPENED
        } catch (e: ActivityNotFoundException) {
            null
        }

    private fun copy(context: Context, text: String): Result {
        ContextCompat.getSystemService(context, ClipboardManager::class.java)
            ?.setPrimaryClip(ClipData.newPlainText("Perisai", text))
        return Result.COPIED
    }
}
