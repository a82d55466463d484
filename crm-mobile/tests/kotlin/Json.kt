// A small JSON reader for the tests (objects are LinkedHashMaps, numbers BigDecimals, so nothing is
// rounded), and the one naming rule between the files and Kotlin: snake_case <-> camelCase.
package crmtest

import java.io.File
import java.math.BigDecimal

class Json(private val s: String) {
    private var i = 0

    fun read(): Any? {
        val v = value()
        ws()
        if (i != s.length) fail("trailing text")
        return v
    }

    private fun fail(what: String): Nothing = throw IllegalArgumentException("JSON: $what at offset $i")

    private fun ws() {
        while (i < s.length && s[i].isWhitespace()) i++
    }

    private fun value(): Any? {
        ws()
        if (i >= s.length) fail("unexpected end")
        return when (val c = s[i]) {
            '{' -> items('}') { k -> k }
            '[' -> items(']', null)
            '"' -> str()
            't' -> word("true", true)
            'f' -> word("false", false)
            'n' -> word("null", null)
            else -> if (c == '-' || c.isDigit()) num() else fail("unexpected '$c'")
        }
    }

    private fun word(w: String, v: Any?): Any? {
        if (!s.startsWith(w, i)) fail("expected $w")
        i += w.length
        return v
    }

    private fun num(): BigDecimal {
        val start = i
        while (i < s.length && (s[i].isDigit() || s[i] in "+-.eE")) i++
        return BigDecimal(s.substring(start, i))
    }

    private fun str(): String {
        i++
        val b = StringBuilder()
        while (true) {
            if (i >= s.length) fail("unterminated string")
            when (val c = s[i++]) {
                '"' -> return b.toString()
                '\\' -> when (val e = s[i++]) {
                    'n' -> b.append('\n')
                    't' -> b.append('\t')
                    'r' -> b.append('\r')
                    'b' -> b.append('\b')
                    'f' -> b.append('\u000c')
                    'u' -> { b.append(s.substring(i, i + 4).toInt(16).toChar()); i += 4 }
                    else -> b.append(e)
                }
                else -> b.append(c)
            }
        }
    }

    /** An array (`key` null) or an object (`key` reads each key). */
    private fun items(close: Char, key: ((String) -> String)?): Any {
        i++
        val list = ArrayList<Any?>()
        val map = LinkedHashMap<String, Any?>()
        ws()
        if (s[i] == close) { i++; return if (key == null) list else map }
        while (true) {
            if (key == null) list.add(value()) else {
                ws()
                val k = str()
                ws()
                if (s[i++] != ':') fail("expected :")
                map[k] = value()
            }
            ws()
            when (s[i++]) {
                ',' -> continue
                close -> return if (key == null) list else map
                else -> fail("expected , or $close")
            }
        }
    }

    companion object {
        @Suppress("UNCHECKED_CAST")
        fun file(path: File): Map<String, Any?> = Json(path.readText()).read() as Map<String, Any?>

        /** A value this reader gives (maps, lists, strings, BigDecimals, booleans, null) as JSON text. */
        fun write(v: Any?): String = when (v) {
            null -> "null"
            is String -> buildString {
                append('"')
                for (c in v) when {
                    c == '"' -> append("\\\"")
                    c == '\\' -> append("\\\\")
                    c < ' ' -> append("\\u%04x".format(c.code))
                    else -> append(c)
                }
                append('"')
            }
            is Boolean -> v.toString()
            is BigDecimal -> v.toPlainString()
            is Number -> v.toString()
            is Map<*, *> -> v.entries.joinToString(",", "{", "}") { (k, x) -> write(k.toString()) + ":" + write(x) }
            is List<*> -> v.joinToString(",", "[", "]") { write(it) }
            else -> throw IllegalArgumentException("JSON: cannot write a ${v::class.simpleName}")
        }
    }
}

fun snake(name: String): String = name.replace(Regex("(?<=[a-z0-9])(?=[A-Z])"), "_").lowercase()

fun camel(name: String): String {
    val parts = name.split('_')
    return parts.first() + parts.drop(1).joinToString("") { it.replaceFirstChar(Char::uppercase) }
}

/** `round_robin` / `NOT_FOUND` -> `RoundRobin` / `NotFound`: a variant's class name. */
fun pascal(tag: String): String = tag.lowercase().split('_').joinToString("") { it.replaceFirstChar(Char::uppercase) }

@Suppress("UNCHECKED_CAST")
fun Any?.obj(): Map<String, Any?> = this as Map<String, Any?>

@Suppress("UNCHECKED_CAST")
fun Any?.list(): List<Any?> = this as List<Any?>
