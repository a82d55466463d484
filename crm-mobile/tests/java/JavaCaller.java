// The Kotlin bindings as a Java program sees them (a Java Android app, a JVM service): every
// public method callable by its plain name (Kotlin mangles the names of functions taking its
// unsigned types, which crm-mobile/bindgen/kotlin.rs replaces by signed ones), every record
// constructible, and the API used from Java with `long` versions and typed exceptions.
// Usage: java -cp ... JavaCaller crm-mobile.jar
import dev.crm.Crm;
import dev.crm.core.CrmException;
import dev.crm.core.CrmExceptionCodeKt;
import dev.crm.core.Customer;
import dev.crm.core.CustomerPatch;
import dev.crm.core.Event;
import dev.crm.core.NewCustomer;
import dev.crm.core.NewUser;
import dev.crm.core.Role;
import dev.crm.core.Team;
import dev.crm.core.User;
import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.jar.JarFile;

public final class JavaCaller {
    static void expect(boolean condition, String message) {
        if (!condition) throw new AssertionError(message);
    }

    /** Public methods whose JVM name Java cannot write, and records Java cannot construct. */
    static List<String> unreachable(String jar) throws Exception {
        List<String> problems = new ArrayList<>();
        int classes = 0, methods = 0;
        try (JarFile file = new JarFile(jar)) {
            for (String name : Collections.list(file.entries()).stream().map(e -> e.getName()).toList()) {
                if (!name.startsWith("dev/crm/") || !name.endsWith(".class")) continue;
                Class<?> cls = Class.forName(name.replace('/', '.').replaceAll("\\.class$", ""), false,
                        JavaCaller.class.getClassLoader());
                // uniffi's plumbing (value converters, buffers) is public for the generated code
                // only, and keeps its unsigned sizes: no app calls it.
                String simple = cls.getName().substring(cls.getName().lastIndexOf('.') + 1);
                if (!Modifier.isPublic(cls.getModifiers()) || simple.startsWith("FfiConverter")
                        || simple.startsWith("RustBuffer")) continue;
                classes++;
                int components = 0;
                for (Method m : cls.getDeclaredMethods()) {
                    if (!Modifier.isPublic(m.getModifiers()) || m.isSynthetic() || m.isBridge()) continue;
                    methods++;
                    if (m.getName().contains("-")) problems.add(cls.getName() + "." + m.getName());
                    if (m.getName().matches("component\\d+")) components++;
                }
                if (components > 0) { // a Kotlin data class: its whole constructor must be public
                    boolean constructible = false;
                    for (Constructor<?> c : cls.getConstructors()) {
                        constructible |= !c.isSynthetic() && c.getParameterCount() == components;
                    }
                    if (!constructible) problems.add(cls.getName() + " has no public constructor");
                }
            }
        }
        System.out.println("Java reaches " + methods + " public methods of " + classes + " classes");
        if (classes < 300 || methods < 3000) problems.add("too few classes or methods read: " + classes + ", " + methods);
        return problems;
    }

    public static void main(String[] args) throws Exception {
        List<String> problems = unreachable(args[0]);
        expect(problems.isEmpty(), "unreachable from Java: " + problems.subList(0, Math.min(10, problems.size())));

        try (Crm crm = Crm.Companion.inMemory(Instant.parse("2026-03-02T01:00:00Z"))) {
            User admin = crm.bootstrap("Ada", null);
            Team team = crm.createTeam(admin.getId(), "East");
            User rep = crm.createUser(admin.getId(), new NewUser("Li Lei", Role.REP, null, team.getId()));
            Customer c = crm.createCustomer(rep.getId(), new NewCustomer("Acme", null, null, List.of(), null,
                    null, null, List.of("+86 139 1234 5678"), List.of(), null, null, java.util.Map.of(),
                    List.of(), null)).getCustomer();
            long version = c.getVersion();
            CustomerPatch patch = new CustomerPatch(null, null, "A", false, List.of(), List.of(), null, null, null,
                    null, null, java.util.Map.of(), null);
            Customer changed = crm.updateCustomer(rep.getId(), c.getId(), version, patch);
            expect(changed.getVersion() == version + 1 && "A".equals(changed.getLevel()), "updated: " + changed);
            try {
                crm.updateCustomer(rep.getId(), c.getId(), version, patch);
                throw new AssertionError("a stale version was accepted");
            } catch (CrmException.VersionConflict e) {
                expect(e.getExpected() == version && e.getActual() == version + 1, "conflict: " + e);
                expect(CrmExceptionCodeKt.getCode(e).equals("VERSION_CONFLICT") && e.code().equals("VERSION_CONFLICT"),
                        "code: " + e.code());
            }
            try {
                crm.updateCustomer(rep.getId(), c.getId(), -1L, patch);
                throw new AssertionError("a negative version was accepted");
            } catch (CrmException.InvalidInput e) {
                expect(e.getField().equals("number"), "negative: " + e);
            }
            List<Event> events = crm.events(admin.getId(), 0L, 100L);
            expect(events.size() >= 3, "events: " + events.size());
            System.out.println("ok   Java calls with long versions, limits and typed exceptions");
        }
    }
}
