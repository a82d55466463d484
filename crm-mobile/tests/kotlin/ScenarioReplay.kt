// Replays every parity scenario (tests/scenarios/*.json) through the generated Kotlin API: each
// step's arguments become the generated records (by reflection over their constructors: a key is the
// snake_case of a Kotlin property, a tagged union's `type` names its subclass), the method or
// function named by the operation runs, and its typed result is turned back into the files' shape
// the same way and matched as tests/scenarios/README.md says. No rename table: names are one per
// concept. First it checks that the API has exactly the operations of tests/records.json, with the
// same arguments in the same order.
// Usage: ScenarioReplayKt RECORDS_JSON SCENARIO_DIR
package crmtest.replay

import crmtest.Json
import crmtest.camel
import crmtest.list
import crmtest.obj
import crmtest.pascal
import crmtest.snake
import dev.crm.Crm
import dev.crm.core.StageKind
import dev.crm.core.OnPriorityChange
import dev.crm.core.ImportMode
import dev.crm.core.InFileDuplicates
import dev.crm.defaultChurnRule
import dev.crm.standardPipeline
import dev.crm.core.CrmException
import java.io.File
import java.lang.reflect.InvocationTargetException
import java.math.BigDecimal
import java.time.Instant
import java.time.LocalDate
import kotlin.reflect.KClass
import kotlin.reflect.KFunction
import kotlin.reflect.KParameter
import kotlin.reflect.KType
import kotlin.reflect.full.declaredMemberFunctions
import kotlin.reflect.full.memberProperties
import kotlin.reflect.full.primaryConstructor
import kotlin.reflect.jvm.kotlinFunction

/** A value the typed API cannot take (a JSON number for a decimal, a malformed day, an unknown key):
 *  an app could not compile such a call. The step must expect INVALID_INPUT, the core's answer to
 *  the same value in JSON. */
class NotExpressible(message: String) : Exception(message)

class Mismatch(message: String) : Exception(message)

// ---- the operations ----

class Operation(val name: String, val actor: Boolean, val record: Boolean, val fn: KFunction<*>)

/** The API's function for every operation of records.json, checked against its signature. */
fun operations(records: Map<String, Any?>): Map<String, Operation> {
    val members = Crm::class.declaredMemberFunctions.associateBy { it.name }
    val topLevel = Class.forName("dev.crm.Crm_mobileKt").declaredMethods
        .mapNotNull { it.kotlinFunction }.associateBy { it.name }
    val problems = mutableListOf<String>()
    val ops = records["operations"].list().map { it.obj() }.mapNotNull { op ->
        val name = op["op"] as String
        val isRecord = op["args"] is String
        val fn = members[camel(name)] ?: topLevel[camel(name)]
        if (fn == null) {
            problems += "$name is missing"
            return@mapNotNull null
        }
        val params = fn.parameters.filter { it.kind == KParameter.Kind.VALUE }.map { snake(it.name!!) }
        val actor = op["actor"] == true
        // An operation taking one input record names it as the API likes; the others name each argument.
        val named = if (isRecord) params.takeLast(1) else op["args"].list().map { it.list()[0] as String }
        val wanted = (if (actor) listOf("actor") else emptyList()) + named
        if (params != wanted || (actor && fn !in members.values)) {
            problems += "$name takes $params, the table says $wanted"
        } else if (!isRecord) {
            val values = fn.parameters.filter { it.kind == KParameter.Kind.VALUE }.takeLast(named.size)
            for ((p, a) in values.zip(op["args"].list().map { it.list() })) {
                if (p.isOptional != (a[2] == "optional")) problems += "$name.${a[0]} is ${a[2]} in the table"
            }
        }
        Operation(name, actor, isRecord, fn)
    }
    if (problems.isNotEmpty()) throw Mismatch("the API differs from tests/records.json: ${problems.joinToString("; ")}")
    return ops.associateBy { it.name }
}

// ---- the files' JSON to typed values ----

val unions = mutableMapOf<String, Map<String, Any?>>()

/** The record fields holding any JSON value (records.json `json`, `json?`, `map<json>`): Kotlin
 *  has them as JSON text (`JsonValue`), so the files' values are written as text going in and
 *  read back coming out. `Record.field` (camelCase) to the spelling. */
val jsonFields = mutableMapOf<String, String>()

/** A files' value as the JSON text field `spec` holds. */
fun jsonIn(spec: String, v: Any?): Any? = when {
    v == null -> null
    spec.startsWith("map<") -> v.obj().mapValues { (_, x) -> Json.write(x) }
    else -> Json.write(v)
}

/** A JSON text field's value back in the files' shape. */
fun jsonOut(spec: String, v: Any?): Any? = when {
    v == null -> null
    spec.startsWith("map<") -> (v as Map<*, *>).entries.associate { (k, x) -> k.toString() to Json(x as String).read() }
    else -> Json(v as String).read()
}

fun decode(type: KType, v: Any?, path: String): Any? {
    if (v == null) {
        if (type.isMarkedNullable) return null
        throw NotExpressible("$path is null")
    }
    val cls = type.classifier as KClass<*>
    fun <T> number(convert: (BigDecimal) -> T): T =
        (v as? BigDecimal)?.let { runCatching { convert(it) }.getOrNull() } ?: throw NotExpressible("$path: $v is no ${cls.simpleName}")
    fun text(): String = v as? String ?: throw NotExpressible("$path: $v is no string")
    return when {
        cls == String::class -> text()
        cls == Boolean::class -> v as? Boolean ?: throw NotExpressible("$path: $v is no boolean")
        cls == Long::class -> number { it.longValueExact() }
        cls == Int::class -> number { it.intValueExact() }
        cls == Double::class -> number { it.toDouble() }
        cls == Short::class -> number { it.shortValueExact() }
        cls == Byte::class -> number { it.byteValueExact() }
        cls == BigDecimal::class -> text().let { runCatching { BigDecimal(it) }.getOrNull() ?: throw NotExpressible("$path: $it is no decimal") }
        cls == Instant::class -> Instant.parse(text())
        cls == LocalDate::class -> runCatching { LocalDate.parse(text()) }.getOrNull() ?: throw NotExpressible("$path: $v is no day")
        cls == List::class -> v.list().mapIndexed { i, x -> decode(type.arguments[0].type!!, x, "$path[$i]") }
        cls == Set::class -> v.list().map { decode(type.arguments[0].type!!, it, path) }.toSet()
        cls == Map::class -> v.obj().entries.associate { (k, x) ->
            decode(type.arguments[0].type!!, k, "$path key") to decode(type.arguments[1].type!!, x, "$path.$k")
        }
        cls.java.isEnum -> cls.java.enumConstants.firstOrNull { (it as Enum<*>).name == text().uppercase() }
            ?: throw NotExpressible("$path: no ${cls.simpleName} ${text()}")
        cls.isSealed -> variant(cls, v.obj(), path)
        cls.isData -> construct(cls, v.obj(), path)
        else -> throw Mismatch("$path: cannot build a ${cls.qualifiedName}")
    }
}

/** A variant of a tagged union: the tag names the subclass, the rest (or the content key) its fields. */
fun variant(cls: KClass<*>, o: Map<String, Any?>, path: String): Any {
    val union = unions[cls.simpleName] ?: throw Mismatch("$path: ${cls.simpleName} is no union of records.json")
    val tag = o[union["tag"]] as? String ?: throw NotExpressible("$path has no ${union["tag"]}")
    val sub = cls.sealedSubclasses.firstOrNull { it.simpleName == pascal(tag) } ?: throw NotExpressible("$path: no ${cls.simpleName} $tag")
    sub.objectInstance?.let { return it }
    val content = union["content"] as String?
    val fields = if (content != null) mapOf("v1" to o[content]) else o - (union["tag"] as String)
    return construct(sub, fields, path)
}

/** The core's defaults of input fields that uniffi cannot make Kotlin defaults (enums, non-empty
 *  lists), for files that leave them out: read from the core's templates where it exports them. */
val coreDefaults: Map<String, () -> Any?> = mapOf(
    "ChurnRule.valuable" to { defaultChurnRule().valuable },
    "ChurnRule.cooling" to { defaultChurnRule().cooling },
    "Pipeline.reopenRoles" to { standardPipeline().reopenRoles },
    "Stage.kind" to { StageKind.OPEN }, // serde's `open()` default (crm-core/src/pipeline/mod.rs)
    "DeskPolicy.onPriorityChange" to { OnPriorityChange.RECOMPUTE }, // serde's default (crm-core/src/desk/config.rs)
    "ImportMapping.mode" to { ImportMode.CREATE }, // serde's default (crm-core/src/import/model.rs)
    "ImportMapping.inFileDuplicates" to { InFileDuplicates.MERGE }, // serde's default (same file)
)

/** Calls `fn` with the named arguments, each decoded to its parameter's type; left-out optional
 *  parameters keep the generated defaults (the core's). */
fun callWith(fn: KFunction<*>, fixed: Map<KParameter, Any?>, named: Map<String, Any?>, path: String): Any? {
    val params = fn.parameters.filter { it !in fixed }
    val owner = (fn.returnType.classifier as KClass<*>).simpleName
    val known = params.map { if (it.name == "v1") "v1" else snake(it.name!!) }
    (named.keys - known.toSet()).firstOrNull()?.let { throw NotExpressible("$path.$it is no argument") }
    val args = HashMap(fixed)
    for ((p, key) in params.zip(known)) {
        val present = key in named && !(named[key] == null && p.isOptional)
        when {
            present && "$owner.${p.name}" in jsonFields ->
                args[p] = decode(p.type, jsonIn(jsonFields.getValue("$owner.${p.name}"), named[key]), "$path.$key")
            present -> args[p] = decode(p.type, named[key], "$path.$key")
            p.isOptional -> {}
            p.type.isMarkedNullable -> args[p] = null
            "$owner.${p.name}" in coreDefaults -> args[p] = coreDefaults.getValue("$owner.${p.name}")()
            else -> throw NotExpressible("$path.$key is missing")
        }
    }
    return try {
        fn.callBy(args)
    } catch (e: InvocationTargetException) {
        throw e.targetException
    }
}

fun construct(cls: KClass<*>, o: Map<String, Any?>, path: String): Any =
    callWith(cls.primaryConstructor!!, emptyMap(), o, path)!!

// ---- typed results back to the files' shape ----

fun plain(v: Any?): Any? = when (v) {
    null, is String, is Boolean, is Instant -> v
    is Unit -> null
    is LocalDate -> v.toString()
    is BigDecimal -> v.toPlainString()
    is Int, is Long, is Short, is Byte -> BigDecimal.valueOf((v as Number).toLong())
    is Double -> BigDecimal(v.toString())
    is Enum<*> -> v.name.lowercase()
    is List<*> -> v.map(::plain)
    is Set<*> -> v.map(::plain).sortedBy { it.toString() } // the core's sets are ordered
    is Map<*, *> -> v.entries.associate { (k, x) -> plain(k).toString() to plain(x) }
    else -> {
        val cls = v::class
        val sealed = cls.supertypes.map { it.classifier as KClass<*> }.firstOrNull { it.isSealed }
        val union = sealed?.let { unions[it.simpleName] }
        val fields = cls.primaryConstructor?.parameters.orEmpty().associate { p ->
            val value = cls.memberProperties.first { it.name == p.name }.getter.call(v)
            val json = jsonFields["${cls.simpleName}.${p.name}"]
            (if (p.name == "v1") union?.get("content") as String else snake(p.name!!)) to
                if (json != null) jsonOut(json, value) else plain(value)
        }
        if (union != null) mapOf(union["tag"] as String to snake(cls.simpleName!!)) + fields else fields
    }
}

fun match(expected: Any?, actual: Any?, path: String = "$") {
    fun fail(): Nothing = throw Mismatch("at $path: expected $expected, got $actual")
    when (expected) {
        null -> if (actual != null) fail()
        is Map<*, *> -> {
            if (actual !is Map<*, *>) fail()
            for ((k, e) in expected) match(e, actual[k], "$path.$k")
        }
        is List<*> -> {
            if (actual !is List<*> || actual.size != expected.size) fail()
            expected.indices.forEach { match(expected[it], actual[it], "$path[$it]") }
        }
        is BigDecimal -> if (actual !is BigDecimal || actual.compareTo(expected) != 0) fail()
        is String -> if (actual is Instant) {
            if (runCatching { Instant.parse(expected) }.getOrNull() != actual) fail()
        } else if (actual != expected) fail()
        else -> if (expected != actual) fail()
    }
}

// ---- the replay ----

fun replay(file: File, ops: Map<String, Operation>) {
    val scenario = Json.file(file)
    Crm.inMemory(Instant.parse(scenario["start"] as String)).use { crm ->
        scenario["steps"].list().map { it.obj() }.forEachIndexed { index, step ->
            val op = step["op"] as String
            val where = "${file.name} step ${index + 1} ($op)"
            val args = step["args"]?.obj() ?: emptyMap()
            val wanted = step["error"] as String?
            val result = try {
                if (op == "set_now") {
                    crm.setNow(Instant.parse(args["now"] as String))
                    return@forEachIndexed
                }
                val o = ops[op] ?: throw Mismatch("$where: unknown operation")
                val fixed = mutableMapOf<KParameter, Any?>()
                val values = o.fn.parameters.filter { it.kind == KParameter.Kind.VALUE }
                o.fn.parameters.firstOrNull { it.kind == KParameter.Kind.INSTANCE }?.let { fixed[it] = crm }
                if (o.actor) fixed[values[0]] = step["actor"] as String? ?: ""
                if (o.record) {
                    fixed[values.last()] = decode(values.last().type, args, "args")
                }
                callWith(o.fn, fixed, if (o.record) emptyMap() else args, "args")
            } catch (e: NotExpressible) {
                if (wanted != "INVALID_INPUT") throw Mismatch("$where: ${e.message}")
                println("note $where: ${e.message}; refused before the call (the scenario expects INVALID_INPUT)")
                return@forEachIndexed
            } catch (e: CrmException) {
                val code = e.code()
                if (wanted != code) throw Mismatch("$where: expected ${wanted ?: "success"}, got $code: $e")
                return@forEachIndexed
            }
            wanted?.let { throw Mismatch("$where: expected $it, got success") }
            if (step.containsKey("expect")) {
                try {
                    match(step["expect"], plain(result))
                } catch (e: Mismatch) {
                    throw Mismatch("$where: ${e.message}")
                }
            }
        }
    }
}

fun main(args: Array<String>) {
    val records = Json.file(File(args[0]))
    for ((name, def) in records["types"].obj()) {
        def.obj()["union"]?.let { unions[name] = it.obj() }
        def.obj()["record"]?.list()?.forEach { f ->
            val (field, spec) = f.list()
            if ((spec as String).removeSuffix("?").let { it == "json" || it == "map<json>" }) {
                jsonFields["$name.${camel(field as String)}"] = spec
            }
        }
    }
    val ops = try {
        operations(records)
    } catch (e: Mismatch) {
        println("FAIL ${e.message}")
        kotlin.system.exitProcess(1)
    }
    println("ok   the API has the ${ops.size} operations of records.json, with their arguments")
    val files = File(args[1]).listFiles { f -> f.name.endsWith(".json") }.orEmpty().sortedBy { it.name }
    var passed = 0
    var failed = 0
    for (file in files) {
        try {
            replay(file, ops)
            passed++
            println("ok   ${file.name}")
        } catch (e: Throwable) {
            failed++
            println("FAIL ${e.message ?: e}")
        }
    }
    println("kotlin scenarios: $passed passed, $failed failed")
    if (failed > 0 || passed == 0) kotlin.system.exitProcess(1)
}
