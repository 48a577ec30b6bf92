package id.perisai.field.logic

import id.perisai.ffi.Message

/**
 * The language the agent reads: Indonesian first, English second. The core sends every text in
 * both ([Message]); the app only picks one.
 */
enum class Lang {
    ID,
    EN;

    companion object {
        /** `in`/`id` (Android still reports Indonesian as `in`) → [ID]; anything else → [EN]. */
        fun fromTag(tag: String): Lang =
            if (tag.startsWith("id") || tag.startsWith("in")) ID else EN
    }
}

/** The core's bilingual text in [lang]. */
fun Message.text(lang: Lang): String = if (lang == Lang.ID) id else en

/** A UI text of this module, in both languages (for texts the core does not provide). */
internal data class Text(val id: String, val en: String) {
    fun of(lang: Lang): String = if (lang == Lang.ID) id else en
}
