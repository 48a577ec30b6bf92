package id.perisai.field.logic

import id.perisai.ffi.AgentAppInterface
import id.perisai.ffi.FieldDef
import id.perisai.ffi.FieldKind
import id.perisai.ffi.FormDefinition
import id.perisai.ffi.InputMode
import id.perisai.ffi.Issue
import id.perisai.ffi.PerisaiException
import id.perisai.ffi.Submitted
import id.perisai.ffi.ValidationReport
import id.perisai.ffi.parseWholeNumber
import kotlinx.serialization.json.Json
import kotlinx.serialization.json.JsonArray
import kotlinx.serialization.json.JsonElement
import kotlinx.serialization.json.JsonObject
import kotlinx.serialization.json.JsonPrimitive
import kotlinx.serialization.json.booleanOrNull
import kotlinx.serialization.json.buildJsonObject
import kotlinx.serialization.json.contentOrNull
import kotlinx.serialization.json.doubleOrNull

/**
 * The enrollment form's state, rendered from the core's [FormDefinition].
 *
 * Nothing here knows a field by name: the fields, their order, labels, hints, options and limits
 * all come from the core, so a new field is a core change. The form only keeps what the agent
 * typed or picked, turns it into the enrollment JSON object, and shows the core's validation
 * report beside each field. Validation, tariffs, sealing and queue rules stay in the core:
 * [check] and [submit] ask it.
 *
 * Use it from a background thread (every method that says "core" blocks on the library):
 * ```
 * val form = EnrollmentForm.new(app, Lang.ID)
 * form.setText("nik", "3201 1555 0190 0002"); …
 * when (val result = form.submit()) {
 *     is SubmitResult.Done -> showReceipt(result.submitted.id)
 *     is SubmitResult.ConfirmWarnings -> askAgent(result.warnings) // then form.submit(acceptWarnings = true)
 *     is SubmitResult.FixErrors -> Unit // the fields now show their errors
 *     is SubmitResult.Refused -> showProblem(result.problem)
 * }
 * ```
 */
class EnrollmentForm private constructor(
    private val app: AgentAppInterface,
    val definition: FormDefinition,
    val lang: Lang,
    /** The record this form corrects (a "has issues" or rejected one), if any. */
    val correcting: String?,
) {
    /** The draft this form is saved in, once saved. */
    var draftId: String? = null
        private set

    private val inputs: List<FieldDef> = definition.fields.filter { !it.deviceManaged }
    private val text = mutableMapOf<String, String>()
    private val picked = mutableMapOf<String, Set<Int>>()
    private val checked = mutableMapOf<String, Boolean>()
    private val locations = mutableMapOf<String, Location>()
    private var report: ValidationReport? = null

    /** A GPS fix for a location field. */
    data class Location(val lat: Double, val lon: Double, val accuracyM: Double)

    /** The fields to render, in the core's order, with what was entered and the core's issues. */
    val fields: List<FieldUi>
        get() = inputs.map { render(it) }

    /** Problems the core reported on no visible field (e.g. on a device-managed one). */
    val generalIssues: List<IssueUi>
        get() {
            val visible = inputs.map { it.key }.toSet()
            val r = report ?: return emptyList()
            return (r.errors.map { it.ui(lang, IssueUi.Kind.ERROR) } +
                r.warnings.map { it.ui(lang, IssueUi.Kind.WARNING) })
                .filter { it.field !in visible }
        }

    fun field(key: String): FieldUi = render(def(key))

    /** Text, integer and date fields: exactly what the agent typed (cut at the core's max length). */
    fun setText(key: String, value: String) {
        val def = def(key)
        val max = def.constraints.maxLength?.toInt()
        text[key] = if (max != null && value.length > max) value.take(max) else value
        forget(key)
    }

    /**
     * Choice fields: picks option [index]. For a multiple choice whose options are single values
     * it toggles the option; when its options are whole sets (the core's program packages), it
     * picks that set.
     */
    fun select(key: String, index: Int) {
        val def = def(key)
        require(index in def.options.indices) { "no option $index for $key" }
        val now = picked[key].orEmpty()
        picked[key] = when {
            def.kind == FieldKind.MULTI_CHOICE && !optionsAreSets(def) ->
                if (index in now) now - index else now + index
            else -> setOf(index)
        }
        forget(key)
    }

    fun setChecked(key: String, value: Boolean) {
        def(key)
        checked[key] = value
        forget(key)
    }

    fun setLocation(key: String, location: Location?) {
        def(key)
        if (location == null) locations.remove(key) else locations[key] = location
        forget(key)
    }

    /** The enrollment as the JSON object the core takes (empty fields left out). */
    fun toJson(): String = buildJsonObject {
        for (def in inputs) {
            val value = valueOf(def) ?: continue
            put(def.key, value)
        }
    }.toString()

    /** Core: validates without saving; every field then shows its errors and warnings. */
    fun check(): ValidationReport {
        val r = app.validate(toJson())
        report = r
        return r
    }

    /**
     * Core: validates, seals and queues the enrollment (or the correction of [correcting]).
     * Warnings are only accepted when the agent confirmed them: pass [acceptWarnings] after showing
     * [SubmitResult.ConfirmWarnings]. A saved draft is submitted under its own id.
     */
    fun submit(acceptWarnings: Boolean = false): SubmitResult {
        val json = toJson()
        return try {
            val done: Submitted = when {
                correcting != null -> app.correct(correcting, json, acceptWarnings)
                draftId != null -> {
                    app.saveDraft(draftId, json)
                    app.submitDraft(draftId!!, acceptWarnings)
                }
                else -> app.submit(json, acceptWarnings)
            }
            report = null
            SubmitResult.Done(done)
        } catch (e: PerisaiException.Invalid) {
            report = e.report
            if (e.report.errors.isNotEmpty()) {
                SubmitResult.FixErrors(e.report.errors.map { it.ui(lang, IssueUi.Kind.ERROR) })
            } else {
                SubmitResult.ConfirmWarnings(e.report.warnings.map { it.ui(lang, IssueUi.Kind.WARNING) })
            }
        } catch (e: PerisaiException) {
            SubmitResult.Refused(e.toProblem(lang))
        }
    }

    /** Core: saves what was entered as a draft (not validated); returns the draft's id. */
    fun saveDraft(): String {
        val id = app.saveDraft(draftId, toJson())
        draftId = id
        return id
    }

    /**
     * Core: prices the contribution for what is entered so far (the core reads the income,
     * package, months, occupation and date from the form's JSON, and takes the agent's today when
     * no date was typed), or null while there is nothing to price yet.
     */
    fun quote(): QuoteUi? {
        val quote = try {
            app.quoteForm(toJson())
        } catch (e: PerisaiException) {
            null
        } ?: return null
        return QuoteUi(quote.totalDue, Rupiah.format(quote.totalDue), quote.months.size)
    }

    // --- the JSON value of each field -------------------------------------------------------

    private fun valueOf(def: FieldDef): JsonElement? = when (def.kind) {
        FieldKind.TEXT, FieldKind.DATE -> text[def.key]?.takeIf { it.isNotBlank() }?.let { JsonPrimitive(it) }
        // What the core reads as a number (`2.000.000`) is one; anything else goes as typed, and
        // the core answers with its `type` error.
        FieldKind.INTEGER -> text[def.key]?.trim()?.takeIf { it.isNotEmpty() }?.let { typed ->
            parseWholeNumber(typed)?.let { JsonPrimitive(it) } ?: JsonPrimitive(typed)
        }
        FieldKind.CHOICE -> picked[def.key]?.firstOrNull()?.let { parse(def.options[it].valueJson) }
        FieldKind.MULTI_CHOICE -> picked[def.key]?.takeIf { it.isNotEmpty() }?.let { chosen ->
            if (optionsAreSets(def)) {
                parse(def.options[chosen.first()].valueJson)
            } else {
                JsonArray(chosen.sorted().map { parse(def.options[it].valueJson) })
            }
        }
        FieldKind.BOOLEAN -> checked[def.key]?.let { JsonPrimitive(it) }
        FieldKind.LOCATION -> locations[def.key]?.let {
            buildJsonObject {
                put("lat", JsonPrimitive(it.lat))
                put("lon", JsonPrimitive(it.lon))
                put("accuracy_m", JsonPrimitive(it.accuracyM))
            }
        }
    }

    /** Fills the form from a saved JSON object (a draft): the inverse of [valueOf]. */
    private fun fill(json: JsonObject) {
        for (def in inputs) {
            val value = json[def.key] ?: continue
            when (def.kind) {
                FieldKind.TEXT, FieldKind.DATE, FieldKind.INTEGER ->
                    (value as? JsonPrimitive)?.contentOrNull?.let { text[def.key] = it }
                FieldKind.CHOICE -> indexOf(def, value)?.let { picked[def.key] = setOf(it) }
                FieldKind.MULTI_CHOICE -> {
                    val chosen = if (optionsAreSets(def)) {
                        setOfNotNull(indexOf(def, value))
                    } else {
                        (value as? JsonArray)?.mapNotNull { indexOf(def, it) }?.toSet().orEmpty()
                    }
                    if (chosen.isNotEmpty()) picked[def.key] = chosen
                }
                FieldKind.BOOLEAN -> (value as? JsonPrimitive)?.booleanOrNull?.let { checked[def.key] = it }
                FieldKind.LOCATION -> (value as? JsonObject)?.let { o ->
                    val lat = (o["lat"] as? JsonPrimitive)?.doubleOrNull
                    val lon = (o["lon"] as? JsonPrimitive)?.doubleOrNull
                    val acc = (o["accuracy_m"] as? JsonPrimitive)?.doubleOrNull ?: 0.0
                    if (lat != null && lon != null) locations[def.key] = Location(lat, lon, acc)
                }
            }
        }
    }

    private fun indexOf(def: FieldDef, value: JsonElement): Int? =
        def.options.indexOfFirst { sameJson(parse(it.valueJson), value) }.takeIf { it >= 0 }

    /** `["JKK","JKM"]` and `["JKM","JKK"]` are the same package. */
    private fun sameJson(a: JsonElement, b: JsonElement): Boolean =
        if (a is JsonArray && b is JsonArray) a.toSet() == b.toSet() && a.size == b.size else a == b

    private fun optionsAreSets(def: FieldDef): Boolean =
        def.options.isNotEmpty() && def.options.all { parse(it.valueJson) is JsonArray }

    private fun parse(valueJson: String): JsonElement = Json.parseToJsonElement(valueJson)

    // --- rendering --------------------------------------------------------------------------

    private fun def(key: String): FieldDef =
        inputs.firstOrNull { it.key == key } ?: throw IllegalArgumentException("no input field $key")

    /** An edited field no longer shows the issues of its old value. */
    private fun forget(key: String) {
        val r = report ?: return
        report = r.copy(
            errors = r.errors.filter { it.field != key },
            warnings = r.warnings.filter { it.field != key },
        )
    }

    private fun render(def: FieldDef): FieldUi {
        val r = report
        return FieldUi(
            key = def.key,
            kind = def.kind,
            input = def.input,
            label = def.label.text(lang),
            hint = def.hint.text(lang),
            required = def.required,
            maxLength = def.constraints.maxLength?.toInt(),
            options = def.options.mapIndexed { i, o -> OptionUi(i, o.label.text(lang)) },
            singlePick = def.kind == FieldKind.CHOICE || optionsAreSets(def),
            text = text[def.key].orEmpty(),
            selected = picked[def.key].orEmpty(),
            checked = checked[def.key] ?: false,
            location = locations[def.key],
            errors = r?.errors.orEmpty().filter { it.field == def.key }.map { it.message.text(lang) },
            warnings = r?.warnings.orEmpty().filter { it.field == def.key }.map { it.message.text(lang) },
        )
    }

    companion object {
        /** Core: a new, empty form with today's rule set. */
        fun new(app: AgentAppInterface, lang: Lang): EnrollmentForm =
            EnrollmentForm(app, app.form(), lang, correcting = null)

        /**
         * Core: the form as it was, from its JSON ([toJson]) kept across a process death, with
         * the draft it is saved in and the record it corrects.
         */
        fun restore(app: AgentAppInterface, lang: Lang, json: String, draftId: String?, correcting: String?): EnrollmentForm {
            val form = EnrollmentForm(app, app.form(), lang, correcting)
            form.fill(Json.parseToJsonElement(json) as? JsonObject ?: JsonObject(emptyMap()))
            form.draftId = draftId
            return form
        }

        /** Core: the form filled from a saved draft. */
        fun fromDraft(app: AgentAppInterface, lang: Lang, draftId: String): EnrollmentForm {
            val form = EnrollmentForm(app, app.form(), lang, correcting = null)
            form.fill(Json.parseToJsonElement(app.loadDraft(draftId)) as? JsonObject ?: JsonObject(emptyMap()))
            form.draftId = draftId
            return form
        }

        /**
         * Core: a form that corrects record [recordId] (a "has issues" or rejected one); submitting
         * it queues a new record that supersedes the old one. It is filled with [previousJson]
         * when given, else with the record's enrollment as the core keeps it (`enrollmentJson`);
         * empty when the core no longer has the content (erased).
         */
        fun correction(
            app: AgentAppInterface,
            lang: Lang,
            recordId: String,
            previousJson: String? = null,
        ): EnrollmentForm {
            val form = EnrollmentForm(app, app.form(), lang, correcting = recordId)
            val json = previousJson ?: try {
                app.enrollmentJson(recordId)
            } catch (e: PerisaiException) {
                null
            }
            json?.let { form.fill(Json.parseToJsonElement(it) as? JsonObject ?: JsonObject(emptyMap())) }
            return form
        }
    }
}

/** One field as a screen draws it. */
data class FieldUi(
    val key: String,
    val kind: FieldKind,
    /** The keyboard the core asks for (digits for a NIK, the phone pad…). */
    val input: InputMode,
    val label: String,
    val hint: String,
    val required: Boolean,
    val maxLength: Int?,
    val options: List<OptionUi>,
    /** Radio buttons (one answer) rather than check boxes. */
    val singlePick: Boolean,
    val text: String,
    val selected: Set<Int>,
    val checked: Boolean,
    val location: EnrollmentForm.Location?,
    /** The core's errors on this field: they block the submit. */
    val errors: List<String>,
    /** The core's warnings on this field: the agent confirms them before submitting. */
    val warnings: List<String>,
)

data class OptionUi(val index: Int, val label: String)

/** One problem of the core's report, in the agent's language. */
data class IssueUi(val field: String, val code: String, val message: String, val kind: Kind) {
    enum class Kind { ERROR, WARNING }
}

internal fun Issue.ui(lang: Lang, kind: IssueUi.Kind) = IssueUi(field, code, message.text(lang), kind)

/** The contribution the participant pays now. */
data class QuoteUi(val totalDue: Long, val totalFormatted: String, val months: Int)

sealed interface SubmitResult {
    /** Durably queued; show the receipt. */
    data class Done(val submitted: Submitted) : SubmitResult

    /** No errors, but warnings the agent must confirm (then submit with acceptWarnings). */
    data class ConfirmWarnings(val warnings: List<IssueUi>) : SubmitResult

    /** Errors block the submit; every field shows its own. */
    data class FixErrors(val errors: List<IssueUi>) : SubmitResult

    /** The core refused for another reason (store, key, not allowed…). */
    data class Refused(val problem: Problem) : SubmitResult
}
