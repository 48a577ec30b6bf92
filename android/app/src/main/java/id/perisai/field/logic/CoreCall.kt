package id.perisai.field.logic

import id.perisai.ffi.PerisaiException

/**
 * A refused or failed core call, as a screen shows it: the stable code (to match on), the core's
 * message in the agent's language, and the request parameter at fault when the core names one
 * (`amount`, `months`, `month`…), so a form can show the message beside that input. Core messages
 * never hold personal data, so they may be logged as they are.
 */
data class Problem(val code: String, val message: String, val field: String? = null)

/** The core's error as a [Problem]. */
fun PerisaiException.toProblem(lang: Lang): Problem = when (this) {
    is PerisaiException.Failed -> Problem(code, if (lang == Lang.ID) messageId else messageEn, field)
    is PerisaiException.Invalid -> Problem(code, if (lang == Lang.ID) messageId else messageEn)
}

/** The result of a core call made by a screen: a value, or the problem to show. */
sealed interface Outcome<out T> {
    data class Ok<T>(val value: T) : Outcome<T>
    data class Refused(val problem: Problem) : Outcome<Nothing>
}

/** Runs a core call, turning a [PerisaiException] into [Outcome.Refused]. */
inline fun <T> coreCall(lang: Lang, call: () -> T): Outcome<T> =
    try {
        Outcome.Ok(call())
    } catch (e: PerisaiException) {
        Outcome.Refused(e.toProblem(lang))
    }
