// Hand-written beside the generated bindings (uniffi exports methods, not properties, on an
// error): compiled into the JAR by package-jar.sh and copied into the Android module by
// build-android.sh.
package dev.crm.core

/**
 * The stable code every surface shares (`"VERSION_CONFLICT"`, `"NOT_FOUND"`), as a property:
 * `catch (e: CrmException) { when (e.code) { ... } }`. The same as `code()`.
 */
val CrmException.code: String
    get() = code()
