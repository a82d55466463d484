// Every type of tests/records.json (written by crm-codegen from crm-core's types) against the
// generated Kotlin: a record's class has exactly its fields, camelCased, in order, with matching
// types and nullability, and no default where the core requires the field; a union's sealed class
// has its variants with their fields; an enum has its values. A field added to the core without
// regenerating the bindings fails here. The one Kotlin rename (a field named `message` would clash
// with Throwable.message) is read from the binding's own uniffi.toml.
// Usage: RecordFieldsKt RECORDS_JSON UNIFFI_TOML
package crmtest.records

import crmtest.Json
import crmtest.camel
import crmtest.list
import crmtest.obj
import crmtest.pascal
import java.io.File
import java.math.BigDecimal
import java.time.Instant
import java.time.LocalDate
import kotlin.reflect.KClass
import kotlin.reflect.KParameter
import kotlin.reflect.KType
import kotlin.reflect.full.primaryConstructor
import kotlin.reflect.full.withNullability

val INTEGERS = setOf(Long::class, Int::class, Short::class, Byte::class)

/** Whether Kotlin type `k` is records.json's `t` (`string`, `int?`, `list<Stage>`, `map<decimal>`,
 *  `map[a|b]<SlaTarget>`, a type name, ...). */
fun matches(k: KType, t: String): Boolean {
    if (t.endsWith("?")) return k.isMarkedNullable && matches(k.withNullability(false), t.dropLast(1))
    if (k.isMarkedNullable) return false
    val cls = k.classifier as KClass<*>
    val arg = { i: Int -> k.arguments[i].type!! }
    val inner = t.substringAfter('<').dropLast(1)
    return when {
        t.startsWith("list<") -> cls == List::class && matches(arg(0), inner)
        t.startsWith("set<") -> cls == Set::class && matches(arg(0), inner)
        t.startsWith("map<") -> cls == Map::class && arg(0).classifier == String::class && matches(arg(1), inner)
        t.startsWith("map[") -> cls == Map::class && (arg(1).let { matches(it, t.substringAfter("]<").dropLast(1)) }) &&
            (arg(0).classifier as KClass<*>).java.enumConstants?.map { (it as Enum<*>).name.lowercase() } ==
            t.substringAfter('[').substringBefore(']').split('|')
        else -> when (t) {
            "string" -> cls == String::class
            "bool" -> cls == Boolean::class
            "int" -> cls in INTEGERS
            "float" -> cls == Double::class || cls == Float::class
            "decimal" -> cls == BigDecimal::class
            "instant" -> cls == Instant::class
            "date" -> cls == LocalDate::class
            "json" -> cls == String::class // JsonValue: the JSON text
            else -> cls.simpleName == t.replace("CrmError", "CrmException")
        }
    }
}

fun kotlinClass(name: String): KClass<*>? =
    runCatching { Class.forName("dev.crm.core." + name.replace("CrmError", "CrmException")).kotlin }.getOrNull()

/** The fields of a record or a variant against a constructor's parameters. */
fun fields(where: String, params: List<KParameter>, fields: List<List<*>>, renames: Map<String, String>, content: String?): List<String> {
    val problems = mutableListOf<String>()
    val wanted = fields.map { f ->
        val name = f[0] as String
        renames["$where.$name"] ?: if (name == content) "v1" else camel(name)
    }
    val got = params.map { it.name!! }
    if (got != wanted) return listOf("$where has $got, the core $wanted")
    for ((p, f) in params.zip(fields)) {
        val t = f[1] as String
        if (!matches(p.type, t)) problems += "$where.${p.name} is ${p.type}, the core $t"
        if (p.isOptional && f[2] == "required") problems += "$where.${p.name} has a default the core does not"
    }
    return problems
}

fun check(name: String, def: Map<String, Any?>, renames: Map<String, String>): List<String> {
    val cls = kotlinClass(name) ?: return listOf("$name is not exported")
    def["record"]?.let { record ->
        if (!cls.isData) return listOf("$name is no data class")
        return fields(name, cls.primaryConstructor!!.parameters, record.list().map { it.list() }, renames, null)
    }
    def["enum"]?.let { values ->
        // As sets: the schema lists documented values apart from the others.
        val got = cls.java.enumConstants?.map { (it as Enum<*>).name }?.toSet()
        val wanted = values.list().map { (it as String).uppercase() }.toSet()
        return if (got == wanted) emptyList() else listOf("$name has $got, the core $wanted")
    }
    val union = def["union"].obj()
    if (!cls.isSealed) return listOf("$name is no sealed class")
    val variants = union["variants"].obj()
    val subs = cls.sealedSubclasses.associateBy { it.simpleName }
    if (subs.keys != variants.keys.map(::pascal).toSet()) return listOf("$name has ${subs.keys}, the core ${variants.keys}")
    return variants.flatMap { (tag, fs) ->
        val sub = subs.getValue(pascal(tag))
        val params = if (sub.objectInstance != null) emptyList() else sub.primaryConstructor!!.parameters
        fields("$name.${pascal(tag)}", params, fs.list().map { it.list() }, renames, union["content"] as String?)
    }
}

/** The `[crates.crm_core.bindings.kotlin.rename]` entries of uniffi.toml. */
fun renames(toml: File): Map<String, String> {
    var inside = false
    val entry = Regex("""^"(.+)"\s*=\s*"(.+)"$""")
    return toml.readLines().mapNotNull { line ->
        if (line.startsWith("[")) inside = line.trim() == "[crates.crm_core.bindings.kotlin.rename]"
        if (inside) entry.find(line.trim())?.destructured?.let { (from, to) -> from to to } else null
    }.toMap()
}

fun main(args: Array<String>) {
    val types = Json.file(File(args[0]))["types"].obj()
    val renames = renames(File(args[1]))
    var problems = 0
    for ((name, def) in types) {
        val found = check(name, def.obj(), renames)
        found.forEach { println("FAIL $it") }
        problems += found.size
    }
    println("record fields: ${types.size} types of records.json checked, $problems differences")
    if (problems > 0 || types.size < 100) kotlin.system.exitProcess(1)
}
