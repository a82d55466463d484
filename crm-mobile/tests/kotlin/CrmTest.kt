// The Kotlin surface as an Android app would use it: typed records, Instants, typed exceptions,
// and failed calls that change nothing. Compiled with the generated bindings and run on the JVM.
import dev.crm.*
import java.nio.file.Files
import java.time.Instant

var passed = 0
var failed = 0

fun check(name: String, body: () -> Unit) {
    try {
        body()
        passed++
        println("ok   $name")
    } catch (e: Throwable) {
        failed++
        println("FAIL $name: $e")
    }
}

fun expect(condition: Boolean, message: () -> String) {
    if (!condition) throw AssertionError(message())
}

inline fun <reified E : CrmException> expectThrows(body: () -> Unit): E {
    try {
        body()
    } catch (e: CrmException) {
        if (e is E) return e
        throw AssertionError("expected ${E::class.simpleName}, got $e")
    }
    throw AssertionError("expected ${E::class.simpleName}, nothing was thrown")
}

val start: Instant = Instant.parse("2026-03-02T01:00:00Z")

fun organisation(crm: Crm): Triple<User, User, User> {
    val admin = crm.bootstrap("Ada", null)
    val team = crm.createTeam(admin.id, "East")
    val rep = crm.createUser(admin.id, NewUser(name = "Li Lei", role = Role.REP, teamId = team.id))
    val other = crm.createUser(admin.id, NewUser(name = "Han Meimei", role = Role.REP, teamId = team.id))
    return Triple(admin, rep, other)
}

fun main() {
    check("records, Instants and decimal strings round-trip") {
        val crm = Crm.inMemory(start)
        val (_, rep, _) = organisation(crm)
        val created = crm.createCustomer(rep.id, NewCustomer(
            name = "Acme Trading Co., Ltd.",
            phones = listOf("+86 139 1234 5678"),
            customFields = mapOf("budget" to FieldValue.Number("125000.50")),
        ))
        val c = created.customer
        expect(c.id == "c-1" && c.ownerId == rep.id) { "owner: $c" }
        expect(c.createdAt == start) { "createdAt ${c.createdAt}" }
        expect(c.customFields["budget"] == FieldValue.Number("125000.50")) { "fields ${c.customFields}" }
        expect(c.kind == CustomerKind.COMPANY && c.status == CustomerStatus.ACTIVE) { "enums" }
        val next = start.plusSeconds(86_400)
        val f = crm.recordFollowUp(rep.id, c.id, NewFollowUp(channel = Channel.CALL, note = "intro", nextFollowUpAt = next))
        expect(f.at == start && f.nextFollowUpAt == next) { "follow-up times $f" }
        crm.setNow(start.plusSeconds(2 * 86_400))
        val overdue = crm.overdueFollowUps(rep.id, null)
        expect(overdue.single().dueAt == next) { "overdue $overdue" }
    }

    check("typed exceptions, caught by subclass and by base class") {
        val crm = Crm.inMemory(start)
        val (admin, rep, other) = organisation(crm)
        val c = crm.createCustomer(rep.id, NewCustomer(name = "Acme")).customer
        expectThrows<CrmException.NotFound> { crm.customer(rep.id, "c-404") }
        expectThrows<CrmException.OutOfScope> { crm.customer(other.id, c.id) }
        expectThrows<CrmException.PermissionDenied> { crm.createTeam(rep.id, "Mine") }
        expectThrows<CrmException.InvalidPhone> { crm.createCustomer(rep.id, NewCustomer(name = "X", phones = listOf("12"))) }
        expectThrows<CrmException.InvalidEmail> { crm.createCustomer(rep.id, NewCustomer(name = "X", emails = listOf("nope"))) }
        expectThrows<CrmException.InvalidInput> { crm.createCustomer(rep.id, NewCustomer(name = " ")) }
        expectThrows<CrmException.InvalidState> { Crm.inMemory(null).setNow(start) }
        val conflict = expectThrows<CrmException.VersionConflict> {
            crm.updateCustomer(rep.id, c.id, 7u, CustomerPatch(level = "A"))
        }
        expect(conflict.code == "VERSION_CONFLICT" && conflict.expected == 7uL && conflict.actual == 1uL) { "$conflict" }
        expect(conflict.kind == EntityKind.CUSTOMER && conflict.id == c.id) { "$conflict" }
        expect(conflict.description == "customer c-1 was changed by someone else: expected version 7, found 1") { conflict.description }
        val missing = expectThrows<CrmException.NotFound> { crm.customer(rep.id, "c-404") }
        expect(missing.kind == EntityKind.CUSTOMER && missing.id == "c-404" && missing.code == "NOT_FOUND") { "$missing" }
        val denied = expectThrows<CrmException.PermissionDenied> { crm.createTeam(rep.id, "Mine") }
        expect(denied.actor == rep.id && denied.action == "create teams") { "$denied" }
        val scope = expectThrows<CrmException.OutOfScope> { crm.customer(other.id, c.id) }
        expect(scope.actor == other.id && scope.id == c.id) { "$scope" }
        try {
            crm.user(admin.id, "u-404")
            throw AssertionError("no exception")
        } catch (e: CrmException) {
            expect(e is CrmException.NotFound) { "$e" }
        }
    }

    check("Instants keep their nanoseconds; out-of-range Instants are typed errors") {
        val precise = Instant.parse("2026-03-02T01:00:00.123456789Z")
        val crm = Crm.inMemory(precise)
        expect(crm.now() == precise) { "now ${crm.now()}" }
        val (_, rep, _) = organisation(crm)
        expect(rep.createdAt == precise) { "createdAt ${rep.createdAt}" }
        val before = Instant.parse("1969-07-20T20:17:40.5Z")
        crm.setNow(before)
        expect(crm.now() == before) { "before the epoch: ${crm.now()}" }
        val e = expectThrows<CrmException.InvalidInput> { crm.setNow(Instant.MAX) }
        expect(e.field == "now") { "$e" }
        expect(crm.now() == before) { "a rejected instant moved the clock" }
        expectThrows<CrmException.InvalidInput> { Crm.inMemory(Instant.MIN) }
        val c = crm.createCustomer(rep.id, NewCustomer(name = "Acme")).customer
        crm.setNow(precise)
        expectThrows<CrmException.InvalidInput> {
            crm.recordFollowUp(rep.id, c.id, NewFollowUp(channel = Channel.CALL, nextFollowUpAt = Instant.MAX))
        }
        expect(crm.followUps(rep.id, c.id).isEmpty()) { "a follow-up was written" }
    }

    check("failed calls change nothing") {
        val crm = Crm.inMemory(start)
        val (admin, rep, other) = organisation(crm)
        val c = crm.createCustomer(rep.id, NewCustomer(name = "Acme", phones = listOf("13800138000"))).customer
        val events = crm.events(admin.id, 0u, null).size
        expectThrows<CrmException.InvalidPhone> { crm.updateCustomer(rep.id, c.id, c.version, CustomerPatch(phones = listOf("bad phone"))) }
        expectThrows<CrmException.OutOfScope> { crm.updateCustomer(other.id, c.id, c.version, CustomerPatch(name = "Stolen")) }
        expectThrows<CrmException.VersionConflict> { crm.updateCustomer(rep.id, c.id, c.version + 1u, CustomerPatch(name = "Later")) }
        expectThrows<CrmException.InvalidInput> {
            crm.updateCustomer(rep.id, c.id, c.version, CustomerPatch(customFields = mapOf("budget" to FieldValue.Number("lots"))))
        }
        expectThrows<CrmException.InactiveUser> {
            crm.deactivateUser(admin.id, other.id, "left")
            crm.createCustomer(other.id, NewCustomer(name = "After leaving"))
        }
        expect(crm.customer(rep.id, c.id) == c) { "customer changed" }
        expect(crm.events(admin.id, 0u, null).size == events + 1) { "only the deactivation was recorded" }
        expect(crm.customers(admin.id).map { it.id } == listOf(c.id)) { "a customer was created" }
    }

    check("blocked duplicates carry their matches") {
        val crm = Crm.inMemory(start)
        val (admin, rep, other) = organisation(crm)
        crm.createCustomer(rep.id, NewCustomer(name = "北京星辰科技有限公司", phones = listOf("+86 138-0013-8000")))
        val s = crm.settings()
        crm.updateSettings(admin.id, s.copy(duplicates = DuplicatePolicy(DuplicateMode.BLOCK, 0.85)))
        val e = expectThrows<CrmException.DuplicateFound> {
            crm.createCustomer(other.id, NewCustomer(name = "Other", phones = listOf("13800138000")))
        }
        expect(e.matches.single().ownerId == rep.id && e.matches.single().matchedOn == MatchField.PHONE) { "${e.matches}" }
    }

    check("events are a sealed class; history explains ownership") {
        val crm = Crm.inMemory(start)
        val (admin, rep, other) = organisation(crm)
        val c = crm.createCustomer(rep.id, NewCustomer(name = "Acme")).customer
        crm.handover(admin.id, rep.id, other.id, "leaving")
        val kinds = crm.customerEvents(admin.id, c.id).map { it.kind }
        val handover = kinds.filterIsInstance<EventKind.OwnerChanged>().last()
        expect(handover.fromOwner == rep.id && handover.toOwner == other.id && handover.cause == OwnershipReason.HANDOVER) { "$handover" }
        val history = crm.ownershipHistory(admin.id, c.id)
        expect(history.map { it.cause } == listOf(OwnershipReason.CREATED, OwnershipReason.HANDOVER)) { "$history" }
    }

    check("a SQLite file keeps its data") {
        val dir = Files.createTempDirectory("crm-kotlin")
        val path = dir.resolve("crm.db").toString()
        val crm = Crm.open(path, start)
        val admin = crm.bootstrap("Ada", null)
        crm.createCustomer(admin.id, NewCustomer(name = "Acme"))
        crm.close()
        val again = Crm.open(path, null)
        expect(again.customers(admin.id).map { it.name } == listOf("Acme")) { "reopened" }
        expectThrows<CrmException.Storage> { Crm.open(dir.resolve("missing/x.db").toString(), null) }
    }

    check("SLA due times and ticket clocks on a business calendar") {
        val calendar = "timezone = \"Asia/Shanghai\"\n[week]\nmon = [\"09:00-12:00\", \"13:30-18:00\"]\n"
        val start = Instant.parse("2026-09-14T03:00:00Z") // Monday 11:00 in Shanghai
        expect(slaDue(calendar, start, 120) == Instant.parse("2026-09-14T06:30:00Z")) { "due after lunch" }
        expect(slaElapsedMs(calendar, start, Instant.parse("2026-09-14T06:30:00Z")) == 7_200_000L) { "elapsed" }
        expect(slaDueBatch(calendar, listOf(start, start), listOf(60L, 120L)).last() == Instant.parse("2026-09-14T06:30:00Z")) { "batch" }
        expectThrows<CrmException.InvalidInput> { slaDue(calendar.replace("18:00", "28:00"), start, 5) }
        val policy = SlaPolicy(
            name = "support",
            targets = listOf(PriorityTarget("urgent", Metric.FIRST_RESPONSE, Target(60, TimeBasis.BUSINESS)),
                             PriorityTarget("urgent", Metric.RESOLUTION, Target(480, TimeBasis.BUSINESS))),
            warnAtPercent = 75u,
            pauseStatuses = listOf("waiting"),
        )
        val history = listOf(
            TicketEntry(start, TicketAction.Open("urgent", "open")),
            TicketEntry(Instant.parse("2026-09-14T03:50:00Z"), TicketAction.Respond),
        )
        val statuses = slaTicketStatus(calendar, policy, history, Instant.parse("2026-09-14T07:00:00Z"))
        val first = statuses.first { it.metric == Metric.FIRST_RESPONSE }
        expect(first.state == ClockState.MET && first.elapsedMs == 3_000_000L) { "$first" }
        val resolution = statuses.first { it.metric == Metric.RESOLUTION }
        expect(resolution.state == ClockState.RUNNING && resolution.dueAt != null) { "$resolution" }
    }

    println("kotlin: $passed passed, $failed failed")
    if (failed > 0) kotlin.system.exitProcess(1)
}
