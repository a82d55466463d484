// The tests run from the packaged JAR: the native library must come out of it (JNA extracts the
// resource `linux-x86-64/libcrm_mobile.so` to a temporary file), not from a build folder.
import dev.crm.*
import java.io.File

fun packagingChecks() {
    check("the native library is loaded from the JAR's resource, not from a build folder") {
        Crm.inMemory(null).now()
        expect(System.getProperty("jna.library.path") == null) { "jna.library.path is set" }
        val resource = Crm::class.java.classLoader.getResource("${com.sun.jna.Platform.RESOURCE_PREFIX}/libcrm_mobile.so")
        expect(resource?.protocol == "jar") { "the library resource is $resource" }
        val mapped = File("/proc/self/maps").readLines()
            .mapNotNull { it.split(Regex("\\s+"), 6).getOrNull(5)?.removeSuffix(" (deleted)") }.filter { it.startsWith("/") }.toSet()
        expect(mapped.none { it.endsWith("libcrm_mobile.so") }) { "loaded from a file on disk: ${mapped.filter { it.contains("crm") }}" }
        expect(mapped.any { Regex("/jna[0-9]+\\.tmp$").containsMatchIn(it) }) { "no library extracted by JNA is mapped: $mapped" }
    }
}
