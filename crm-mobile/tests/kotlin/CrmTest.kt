// The Kotlin surface as an Android app would use it: the core's records, Instants, LocalDates and
// BigDecimals, typed exceptions, and failed calls that change nothing. Compiled with the generated
// bindings and run on the JVM.
import dev.crm.*
import dev.crm.core.*
import java.math.BigDecimal
import java.nio.file.Files
import java.time.Instant
import java.time.LocalDate

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

fun d(text: String) = BigDecimal(text)
fun day(text: String): LocalDate = LocalDate.parse(text)

val start: Instant = Instant.parse("2026-03-02T01:00:00Z")

fun organisation(crm: Crm): Triple<User, User, User> {
    val admin = crm.bootstrap("Ada")
    val team = crm.createTeam(admin.id, "East")
    val rep = crm.createUser(admin.id, NewUser(name = "Li Lei", role = Role.REP, teamId = team.id))
    val other = crm.createUser(admin.id, NewUser(name = "Han Meimei", role = Role.REP, teamId = team.id))
    return Triple(admin, rep, other)
}

fun main() {
    check("the core's records, Instants and exact decimals round-trip") {
        val crm = Crm.inMemory(start)
        val (_, rep, _) = organisation(crm)
        val created = crm.createCustomer(rep.id, NewCustomer(
            name = "Acme Trading Co., Ltd.",
            phones = listOf("+86 139 1234 5678"),
            tags = listOf("vip", "north"),
            customFields = mapOf("budget" to FieldValue.Number(d("125000.50")), "since" to FieldValue.Date(day("2019-05-01"))),
        ))
        val c = created.customer
        expect(c.id == "c-1" && c.ownerId == rep.id && c.tags == setOf("north", "vip")) { "customer: $c" }
        expect(c.createdAt == start) { "createdAt ${c.createdAt}" }
        val budget = c.customFields["budget"] as FieldValue.Number
        expect(budget.v1.toPlainString() == "125000.50") { "the scale is kept: ${c.customFields}" }
        expect(c.customFields["since"] == FieldValue.Date(day("2019-05-01"))) { "days: ${c.customFields}" }
        expect(c.kind == CustomerKind.COMPANY && c.status == CustomerStatus.ACTIVE) { "enums" }
        expect(crm.customer(rep.id, c.id) == c) { "read back" }
        val next = start.plusSeconds(86_400)
        val f = crm.recordFollowUp(rep.id, c.id, NewFollowUp(channel = Channel.CALL, note = "intro", nextFollowUpAt = next))
        expect(f.at == start && f.nextFollowUpAt == next) { "follow-up times $f" }
        crm.setNow(start.plusSeconds(2 * 86_400))
        expect(crm.overdueFollowUps(rep.id).single().dueAt == next) { "overdue" }
    }

    check("typed exceptions: subclass per code, code(), the core's text, typed fields") {
        val crm = Crm.inMemory(start)
        val (admin, rep, other) = organisation(crm)
        val c = crm.createCustomer(rep.id, NewCustomer(name = "Acme")).customer
        expectThrows<CrmException.InvalidPhone> { crm.createCustomer(rep.id, NewCustomer(name = "X", phones = listOf("12"))) }
        expectThrows<CrmException.InvalidEmail> { crm.createCustomer(rep.id, NewCustomer(name = "X", emails = listOf("nope"))) }
        expectThrows<CrmException.InvalidInput> { crm.createCustomer(rep.id, NewCustomer(name = " ")) }
        expectThrows<CrmException.InvalidState> { Crm.inMemory().setNow(start) }
        val conflict = expectThrows<CrmException.VersionConflict> {
            crm.updateCustomer(rep.id, c.id, 7, CustomerPatch(level = "A"))
        }
        expect(conflict.code() == "VERSION_CONFLICT" && conflict.expected == 7L && conflict.actual == 1L) { "$conflict" }
        expect(conflict.kind == EntityKind.CUSTOMER && conflict.id == c.id) { "$conflict" }
        expect(conflict.toString() == "customer c-1 was changed by someone else: expected version 7, found 1") { "$conflict" }
        // Numbers are signed Kotlin types (Java can call every method); a negative one is refused
        // before the call, naming the range, and changes nothing.
        val negative = expectThrows<CrmException.InvalidInput> { crm.updateCustomer(rep.id, c.id, -1, CustomerPatch(level = "A")) }
        expect(negative.field == "number" && negative.reason.contains("from 0 to 9223372036854775807 (got -1)")) { "$negative" }
        expectThrows<CrmException.InvalidInput> { crm.lockCustomer(rep.id, c.id, -5) }
        expect(crm.customer(rep.id, c.id) == c) { "refused numbers changed nothing" }
        val missing = expectThrows<CrmException.NotFound> { crm.customer(rep.id, "c-404") }
        expect(missing.kind == EntityKind.CUSTOMER && missing.id == "c-404" && missing.code() == "NOT_FOUND") { "$missing" }
        // The code as a property too, on the base class: what a `when` over codes reads.
        val asBase: CrmException = missing
        expect(asBase.code == "NOT_FOUND" && conflict.code == "VERSION_CONFLICT") { "${asBase.code}" }
        val denied = expectThrows<CrmException.PermissionDenied> { crm.createTeam(rep.id, "Mine") }
        expect(denied.actor == rep.id && denied.action == "create teams") { "$denied" }
        val scope = expectThrows<CrmException.OutOfScope> { crm.customer(other.id, c.id) }
        expect(scope.actor == other.id && scope.id == c.id) { "$scope" }
        try {
            crm.user(admin.id, "u-404")
            throw AssertionError("no exception")
        } catch (e: CrmException) {
            expect(e is CrmException.NotFound && e.code() == "NOT_FOUND") { "caught by the base class: $e" }
        }
    }

    check("values the core cannot hold are InvalidInput before the call, never a crash") {
        val precise = Instant.parse("2026-03-02T01:00:00.123456789Z")
        val crm = Crm.inMemory(precise)
        expect(crm.now() == precise) { "nanoseconds kept: ${crm.now()}" }
        val (_, rep, _) = organisation(crm)
        val before = Instant.parse("1969-07-20T20:17:40.5Z")
        crm.setNow(before)
        expect(crm.now() == before) { "before the epoch: ${crm.now()}" }
        val far = expectThrows<CrmException.InvalidInput> { crm.setNow(Instant.MAX) }
        expect(far.field == "instant") { "$far" }
        expect(crm.now() == before) { "a rejected instant moved the clock" }
        expectThrows<CrmException.InvalidInput> { Crm.inMemory(Instant.MIN) }
        val c = crm.createCustomer(rep.id, NewCustomer(name = "Acme")).customer
        expectThrows<CrmException.InvalidInput> {
            crm.recordFollowUp(rep.id, c.id, NewFollowUp(channel = Channel.CALL, nextFollowUpAt = Instant.MAX))
        }
        expect(crm.followUps(rep.id, c.id).isEmpty()) { "a follow-up was written" }
        val digits = expectThrows<CrmException.InvalidInput> {
            crm.updateCustomer(rep.id, c.id, c.version, CustomerPatch(customFields = mapOf("x" to FieldValue.Number(d("1.00000000000000000000000000001")))))
        }
        expect(digits.field == "decimal" && digits.reason.contains("1.00000000000000000000000000001")) { "$digits" }
        val huge = expectThrows<CrmException.InvalidInput> { rfmScore(emptyList(), LocalDate.of(300_000, 1, 1)) }
        expect(huge.field == "date") { "$huge" }
        expect(crm.customer(rep.id, c.id) == c) { "nothing changed" }
    }

    check("failed calls change nothing") {
        val crm = Crm.inMemory(start)
        val (admin, rep, other) = organisation(crm)
        val c = crm.createCustomer(rep.id, NewCustomer(name = "Acme", phones = listOf("13800138000"))).customer
        val events = crm.events(admin.id, 0).size
        expectThrows<CrmException.InvalidPhone> { crm.updateCustomer(rep.id, c.id, c.version, CustomerPatch(phones = listOf("bad phone"))) }
        expectThrows<CrmException.OutOfScope> { crm.updateCustomer(other.id, c.id, c.version, CustomerPatch(name = "Stolen")) }
        expectThrows<CrmException.VersionConflict> { crm.updateCustomer(rep.id, c.id, c.version + 1, CustomerPatch(name = "Later")) }
        expectThrows<CrmException.InactiveUser> {
            crm.deactivateUser(admin.id, other.id, "left")
            crm.createCustomer(other.id, NewCustomer(name = "After leaving"))
        }
        expect(crm.customer(rep.id, c.id) == c) { "customer changed" }
        expect(crm.events(admin.id, 0).size == events + 1) { "only the deactivation was recorded" }
        expect(crm.events(admin.id, 0, limit = 1).size == 1) { "the limit holds" }
        expect(crm.customers(admin.id).map { it.id } == listOf(c.id)) { "a customer was created" }
    }

    check("settings are patched; blocked duplicates carry their matches") {
        val crm = Crm.inMemory(start)
        val (admin, rep, other) = organisation(crm)
        crm.createCustomer(rep.id, NewCustomer(name = "北京星辰科技有限公司", phones = listOf("+86 138-0013-8000")))
        val s = crm.settings()
        val patched = crm.updateSettings(admin.id, s.version, SettingsPatch(duplicates = DuplicatePolicy(DuplicateMode.BLOCK, 0.85)))
        expect(patched.timezone == s.timezone && patched.version == s.version + 1) { "only the patch changes: $patched" }
        expectThrows<CrmException.VersionConflict> { crm.updateSettings(admin.id, s.version, SettingsPatch(timezone = "UTC")) }
        val e = expectThrows<CrmException.DuplicateFound> {
            crm.createCustomer(other.id, NewCustomer(name = "Other", phones = listOf("13800138000")))
        }
        expect(e.matches.single().ownerId == rep.id && e.matches.single().matchedOn == MatchField.PHONE) { "${e.matches}" }
    }

    check("events are a sealed class; history explains ownership") {
        val crm = Crm.inMemory(start)
        val (admin, rep, other) = organisation(crm)
        val c = crm.createCustomer(rep.id, NewCustomer(name = "Acme")).customer
        expect(crm.handover(admin.id, rep.id, other.id, "leaving") == listOf(c.id)) { "handed over" }
        val handover = crm.customerEvents(admin.id, c.id).map { it.kind }.filterIsInstance<EventKind.OwnerChanged>().last()
        expect(handover.fromOwnerId == rep.id && handover.toOwnerId == other.id && handover.cause == OwnershipReason.HANDOVER) { "$handover" }
        val history = crm.ownershipHistory(admin.id, c.id)
        expect(history.map { it.cause } == listOf(OwnershipReason.CREATED, OwnershipReason.HANDOVER)) { "$history" }
    }

    check("a SQLite file keeps its data") {
        val dir = Files.createTempDirectory("crm-kotlin")
        val path = dir.resolve("crm.db").toString()
        val crm = Crm.open(path, start)
        val admin = crm.bootstrap("Ada")
        crm.createCustomer(admin.id, NewCustomer(name = "Acme"))
        crm.close()
        val again = Crm.open(path)
        expect(again.customers(admin.id).map { it.name } == listOf("Acme")) { "reopened" }
        val e = expectThrows<CrmException.Storage> { Crm.open(dir.resolve("missing/x.db").toString()) }
        expect(e.code() == "STORAGE" && e.reason.isNotEmpty()) { "$e" }
    }

    check("SLA due times and ticket clocks on a business calendar, batches in one call") {
        val calendar = "timezone = \"Asia/Shanghai\"\n[week]\nmon = [\"09:00-12:00\", \"13:30-18:00\"]\n"
        val monday = Instant.parse("2026-09-14T03:00:00Z") // 11:00 in Shanghai
        val due = Instant.parse("2026-09-14T06:30:00Z")
        expect(slaDue(calendar, monday, 120).dueAt == due) { "due after lunch" }
        expect(slaElapsed(calendar, monday, due).elapsedMinutes == 120L) { "elapsed" }
        expect(slaDueBatch(calendar, listOf(monday, monday), listOf(60L, 120L)).last() == due) { "batch" }
        val lunch = slaWorkingAt(calendar, Instant.parse("2026-09-14T04:30:00Z"))
        expect(!lunch.working && lunch.nextWorkingAt == Instant.parse("2026-09-14T05:30:00Z")) { "$lunch" }
        expectThrows<CrmException.InvalidInput> { slaDue(calendar.replace("18:00", "28:00"), monday, 5) }
        val business = { minutes: Long -> SlaTarget(minutes, SlaTimeBasis.BUSINESS) }
        val policy = SlaPolicy(
            name = "support",
            targets = mapOf("urgent" to mapOf(SlaMetric.FIRST_RESPONSE to business(60), SlaMetric.RESOLUTION to business(480))),
            warnAtPercent = 75,
            pauseStatuses = setOf("waiting"),
            onPriorityChange = OnPriorityChange.RECOMPUTE,
        )
        val history = listOf(
            SlaHistoryEntry.Open(monday, "urgent", "open"),
            SlaHistoryEntry.Respond(Instant.parse("2026-09-14T03:50:00Z")),
        )
        val statuses = slaTicketStatus(calendar, policy, history, Instant.parse("2026-09-14T07:00:00Z"))
        val first = statuses.first { it.metric == SlaMetric.FIRST_RESPONSE }
        expect(first.state == SlaClockState.MET && first.elapsedMinutes == 50L) { "$first" }
        val resolution = statuses.first { it.metric == SlaMetric.RESOLUTION }
        expect(resolution.state == SlaClockState.RUNNING && resolution.dueAt != null) { "$resolution" }
        expectThrows<CrmException.InvalidInput> { slaTicketStatus(calendar, policy.copy(warnAtPercent = 0), history, monday) }
    }

    val rfmConfig = """
        method = "thresholds"
        [weights]
        r = 4
        f = 8
        m = 8
        [thresholds]
        recency = [[30, 5], [90, 4], [180, 3], [365, 2]]
        frequency = [[5, 5], [4, 4], [3, 3], [2, 2]]
        monetary = [["50000", 5], ["20000", 4], ["5000", 3]]
        [[levels]]
        min_score = 80
        name = "VIP1"
        [[levels]]
        min_score = 60
        name = "VIP2"
    """.trimIndent()
    val orders = listOf("2026-03-01", "2026-04-01", "2026-05-01", "2026-06-10").map { RfmOrder("c1", day(it), d("5000.00")) } +
        listOf(RfmOrder("c2", day("2026-01-15"), d("800.50")), RfmOrder("c3", day("2026-07-02"), d("1.00")))

    check("RFM: the seed example scores 84 and reaches VIP1, in one batch") {
        val rows = rfmScore(orders, day("2026-06-30"), rfmConfig)
        expect(rows.map { it.customerId } == listOf("c1", "c2")) { "c3 ordered after the as-of date: $rows" }
        val c1 = rows[0]
        expect(c1.recencyDays == 20L && c1.frequency == 4L && c1.monetary == d("20000.00")) { "figures $c1" }
        expect(c1.r.toInt() == 5 && c1.f.toInt() == 4 && c1.m.toInt() == 4) { "points $c1" }
        expect(c1.score == d("84") && c1.level == "VIP1" && c1.segment == "Champions") { "score $c1" }
        expect(rows[1].score == d("28") && rows[1].level == null && rows[1].segment == "New") { "c2 ${rows[1]}" }
        val plain = rfmScore(orders, day("2026-06-30"))
        expect(plain[0].score == d("9") && plain[1].segment == "Lost" && plain.all { it.level == null }) { "defaults $plain" }
        val buckets = expectThrows<CrmException.InvalidInput> { rfmScore(orders, day("2026-06-30"), "buckets = 12") }
        expect(buckets.field == "buckets") { "$buckets" }
    }

    check("RFM: segment movements, flows and churn warnings between two scorings") {
        val june = rfmScore(orders, day("2026-06-30"), rfmConfig)
        val december = rfmScore(orders, day("2026-12-31"), rfmConfig)
        expect(december.map { it.segment } == listOf("At risk", "Hibernating", "Hibernating")) { "$december" }
        val moved = rfmMovements(june, december).map { Triple(it.customerId, it.fromSegment, it.toSegment) }
        expect(moved == listOf(Triple("c1", "Champions", "At risk"), Triple("c2", "New", "Hibernating"), Triple("c3", null, "Hibernating"))) { "$moved" }
        val flows = rfmFlows(june, december)
        expect(flows.first() == RfmFlow(null, "Hibernating", 1L) && flows.sumOf { it.customers.toInt() } == 3) { "$flows" }
        val warned = rfmChurnWarnings(june, december).single()
        expect(warned.customerId == "c1" && warned.rBefore.toInt() == 5 && warned.rAfter.toInt() == 2) { "$warned" }
        expect(warned.reason == "moved from Champions to At risk; recency score fell from 5 to 2") { warned.reason }
        val custom = rfmChurnWarnings(june, december, ChurnRule(valuable = listOf("New"), cooling = listOf("Hibernating"), rDrop = 0))
        expect(custom.map { it.customerId } == listOf("c2")) { "$custom" }
        expect(rfmChurnWarnings(december, december).isEmpty()) { "no change, no warning" }
    }

    check("performance: attainment on won or collected amounts, leaderboards with shared ranks") {
        val rep = { id: String -> PerformanceSubject.Rep(id) }
        val targets = listOf(
            PerformanceTarget(rep("u-2"), "2026-11", d("80000")),
            PerformanceTarget(rep("u-3"), "2026-11", d("60000")),
            PerformanceTarget(rep("u-4"), "2026-11", d("30000")),
            PerformanceTarget(PerformanceSubject.Team("t-1"), "2026-11", d("150000")),
        )
        val won = PerformanceBasis.WON
        val achievements = listOf(
            Achievement("u-2", "t-1", day("2026-11-03"), d("40000"), won),
            Achievement("u-2", "t-1", day("2026-11-30"), d("20000"), won),
            Achievement("u-2", "t-1", day("2026-11-15"), d("10000"), PerformanceBasis.COLLECTED),
            Achievement("u-2", "t-1", day("2026-12-01"), d("99999"), won),
            Achievement("u-3", "t-1", day("2026-11-10"), d("45000"), won),
            Achievement(repId = "u-4", date = day("2026-11-11"), amount = d("30000"), basis = won),
        )
        val rows = performance(targets, achievements, won)
        expect(rows.map { Triple(it.achieved, it.ratio, it.rank) } == listOf(
            Triple(d("60000"), d("0.75"), 2), Triple(d("45000"), d("0.75"), 3), Triple(d("30000"), d("1"), 1), Triple(d("105000"), d("0.7"), 1),
        )) { "$rows" }
        val collected = leaderboard(targets, achievements, PerformanceBasis.COLLECTED, "2026-11")
        expect(collected.map { it.subject to it.rank } == listOf(rep("u-2") to 1, rep("u-3") to 2, rep("u-4") to 2)) { "$collected" }
        val teams = leaderboard(targets, achievements, won, "2026-11", teams = true)
        expect(teams.single().subject == PerformanceSubject.Team("t-1") && teams.single().target == d("150000")) { "$teams" }
        val period = expectThrows<CrmException.InvalidInput> {
            performance(listOf(PerformanceTarget(rep("u-2"), "November", d("1"))), emptyList(), won)
        }
        expect(period.field == "period") { "$period" }
    }

    check("claims: typed refusals, all-or-nothing batches, locks") {
        val crm = Crm.inMemory(start)
        val admin = crm.bootstrap("Ada")
        crm.updateSettings(admin.id, crm.settings().version, SettingsPatch(
            claims = ClaimPolicy(dailyLimit = 2, caps = listOf(OwnershipCap(CapScope.Everyone, maxOwned = 5))),
            locks = LockPolicy(maxLocked = 1, maxDays = 30),
        ))
        val team = crm.createTeam(admin.id, "East")
        val rep = crm.createUser(admin.id, NewUser(name = "Li Lei", role = Role.REP, teamId = team.id))
        val other = crm.createUser(admin.id, NewUser(name = "Han Meimei", role = Role.REP, teamId = team.id))
        val pool = crm.createPool(admin.id, NewPool(name = "East pool", memberTeamIds = listOf(team.id), rules = PoolRules(waitingHours = 24)))
        expect(pool.rules.exemptWon && pool.rules.coolDownDays == 0) { "the record's defaults are the core's: ${pool.rules}" }
        val (a, b, c) = listOf("Alpha Foods", "Beta Steel", "Gamma Textiles").map {
            crm.createCustomer(admin.id, NewCustomer(name = it, poolId = pool.id)).customer
        }
        expect(a.ownerId == null && a.poolId == pool.id && a.pooledAt == start) { "pooled $a" }
        val waiting = expectThrows<CrmException.WaitingPeriod> { crm.claimCustomer(rep.id, a.id) }
        expect(waiting.customerId == a.id && waiting.until == start.plusSeconds(24 * 3600)) { "$waiting" }
        val dayTwo = start.plusSeconds(25 * 3600)
        crm.setNow(dayTwo)
        val claimed = crm.claimCustomer(rep.id, a.id)
        expect(claimed.ownerId == rep.id && claimed.ownedSince == dayTwo) { "claimed $claimed" }
        val taken = expectThrows<CrmException.AlreadyOwned> { crm.claimCustomer(other.id, a.id) }
        expect(taken.customerId == a.id && taken.ownerId == rep.id) { "$taken" }
        expect(taken.toString() == "customer ${a.id} is already owned by ${rep.id}") { "$taken" }
        val limit = expectThrows<CrmException.DailyLimitReached> { crm.claimCustomers(rep.id, listOf(b.id, c.id)) }
        expect(limit.limit == 2L && limit.date == day("2026-03-03") && limit.userId == rep.id) { "$limit" }
        expect(crm.customer(admin.id, b.id) == b) { "the batch is all or nothing" }
        expect(crm.claimCustomers(other.id, listOf(b.id, c.id)).map { it.ownerId } == listOf(other.id, other.id)) { "batch" }
        val locked = crm.lockCustomer(rep.id, a.id, 90)
        expect(locked.locked && locked.lockedUntil == dayTwo.plusSeconds(30L * 86_400)) { "capped at 30 days: $locked" }
        expect(crm.lockCustomer(other.id, b.id).lockedUntil == dayTwo.plusSeconds(30L * 86_400)) { "the policy's maximum" }
        val lockLimit = expectThrows<CrmException.LockLimitReached> { crm.lockCustomer(other.id, c.id, 5) }
        expect(lockLimit.limit == 1L && lockLimit.userId == other.id) { "$lockLimit" }
        val patched = crm.updatePoolRules(admin.id, pool.id, pool.version, PoolRulesPatch(warnDays = 3))
        expect(patched.rules == pool.rules.copy(warnDays = 3) && patched.version == pool.version + 1) { "a patch: ${patched.rules}" }
    }

    check("a sweep recycles by rule, with its figures, once") {
        val crm = Crm.inMemory(start)
        val (admin, rep, other) = organisation(crm)
        val pool = crm.createPool(admin.id, NewPool(
            name = "East pool",
            memberIds = listOf(rep.id, other.id),
            rules = PoolRules(
                coolDownDays = 7,
                warnDays = 3,
                recycle = listOf(RecycleRule(RecycleKind.NO_FOLLOW_UP, days = 30, daysByLevel = mapOf("A" to 60))),
            ),
        ))
        val kept = crm.createCustomer(admin.id, NewCustomer(name = "Keeper", level = "A", ownerId = rep.id, poolId = pool.id)).customer
        val lapsed = crm.createCustomer(admin.id, NewCustomer(name = "Lapsed", level = "B", ownerId = rep.id, poolId = pool.id)).customer
        crm.setNow(start.plusSeconds(28L * 86_400))
        val warnings = crm.recycleWarnings(rep.id)
        expect(warnings.map { it.customerId } == listOf(lapsed.id)) { "$warnings" }
        expect(warnings.single().due.dueAt == start.plusSeconds(30L * 86_400)) { "${warnings.single().due}" }
        expectThrows<CrmException.PermissionDenied> { crm.sweepPools(rep.id) }
        val sweptAt = start.plusSeconds(31L * 86_400)
        crm.setNow(sweptAt)
        val report = crm.sweepPools(admin.id)
        val recycled = report.recycled.single()
        expect(report.at == sweptAt && recycled.customerId == lapsed.id && recycled.poolId == pool.id) { "$report" }
        val due = recycled.due
        expect(due.rule == RecycleKind.NO_FOLLOW_UP && due.days == 30 && due.level == "B" && due.clockStart == start) { "$due" }
        expect(crm.sweepPools(admin.id).recycled.isEmpty()) { "a second sweep at the same instant changes nothing" }
        expect(crm.customer(admin.id, kept.id).ownerId == rep.id) { "level A waits 60 days" }
        val event = crm.customerEvents(admin.id, lapsed.id).map { it.kind }.filterIsInstance<EventKind.CustomerRecycled>().single()
        expect(event.rule == RecycleKind.NO_FOLLOW_UP && event.poolId == pool.id && event.dueAt == due.dueAt) { "$event" }
        val coolDown = expectThrows<CrmException.CoolDown> { crm.claimCustomer(rep.id, lapsed.id) }
        expect(coolDown.userId == rep.id && coolDown.until == sweptAt.plusSeconds(7L * 86_400)) { "$coolDown" }
        expect(crm.claimCustomer(other.id, lapsed.id).ownerId == other.id) { "another rep may claim it" }
    }

    check("leads: rule allocation, typed placements, conversion with an opportunity") {
        val crm = Crm.inMemory(start)
        val (admin, rep, other) = organisation(crm)
        val spam = crm.createPool(admin.id, NewPool(name = "Lead pool"))
        val allocator = crm.createAllocator(admin.id, NewAllocator(
            name = "Inbound",
            strategy = AllocationStrategy.Rules(
                rules = listOf(
                    AllocationRule("VIPs to Han", listOf(RuleCondition("level", listOf("VIP"))), RuleTarget.Reps(listOf(other.id), AllocationStrategy.LeastLoaded)),
                    AllocationRule("spam to the pool", listOf(RuleCondition("source", listOf("spam"))), RuleTarget.Pool(spam.id)),
                ),
                default = RuleTarget.Reps(listOf(rep.id, other.id), AllocationStrategy.RoundRobin),
            ),
            reps = listOf(AllocatorRep(rep.id, dailyCap = 5), AllocatorRep(other.id)),
        ))
        expect(allocator.reps.last().weight == 1) { "weight defaults to 1" }
        val captured = crm.captureLead(admin.id, NewLead(name = "Lead One", phones = listOf("13800000001"), source = "web"))
        expect(captured.lead.status == LeadStatus.OPEN && captured.lead.weight == 1L && captured.duplicates.isEmpty()) { "$captured" }
        val vip = crm.captureLead(admin.id, NewLead(name = "Big Fish", level = "VIP")).lead
        val junk = crm.captureLead(admin.id, NewLead(name = "Free Money", source = "spam")).lead
        val placed = crm.allocateLeads(admin.id, allocator.id, listOf(captured.lead.id, vip.id, junk.id))
        expect(placed.map { it.placement } == listOf(Placement.Rep(rep.id), Placement.Rep(other.id), Placement.Pool(spam.id))) { "$placed" }
        val again = crm.allocateLeads(admin.id, allocator.id, listOf(captured.lead.id)).single().placement
        expect(again is Placement.Kept && again.ownerId == rep.id) { "owned leads are kept: $again" }
        val stored = crm.allocators(admin.id).single()
        expect(stored.state.pointer == rep.id && stored.usage[rep.id]?.day == day("2026-03-02")) { "$stored" }
        val capped = crm.createAllocator(admin.id, NewAllocator("Full", AllocationStrategy.Capacity, listOf(AllocatorRep(rep.id, dailyCap = 0))))
        val late = crm.captureLead(admin.id, NewLead(name = "Late")).lead
        val none = expectThrows<CrmException.NoEligibleRep> { crm.allocateLeads(admin.id, capped.id, listOf(late.id)) }
        expect(none.leadId == late.id) { "$none" }
        expect(crm.lead(admin.id, late.id) == late) { "a refused batch changes nothing" }
        val conversion = crm.convertLead(rep.id, captured.lead.id, NewOpportunity("First order", d("5000.00")))
        expect(conversion.lead.status == LeadStatus.CONVERTED && conversion.customer.ownerId == rep.id) { "$conversion" }
        val opportunity = conversion.opportunity!!
        expect(opportunity.amount == d("5000.00") && opportunity.status == OpportunityStatus.OPEN) { "$opportunity" }
        expectThrows<CrmException.InvalidState> { crm.convertLead(rep.id, captured.lead.id) }
        val noReason = expectThrows<CrmException.InvalidInput> { crm.closeOpportunity(rep.id, opportunity.id, false) }
        expect(noReason.field == "lost_reason") { "$noReason" }
        val won = crm.closeOpportunity(rep.id, opportunity.id, true)
        expect(won.status == OpportunityStatus.WON && won.closedAt == start) { "$won" }
        expect(crm.customer(rep.id, conversion.customer.id).dealStatus == DealStatus.WON) { "the customer is won" }
    }

    check("pipelines: guards, loss reasons, reopening, forecast") {
        val crm = Crm.inMemory(start)
        val (admin, rep, _) = organisation(crm)
        val acme = crm.createCustomer(rep.id, NewCustomer(name = "Acme")).customer
        val deal = crm.createOpportunity(rep.id, acme.id, NewOpportunity("ERP", d("1000.00")))
        expect(deal.stage == "qualify" && deal.history.single().enteredAt == start) { "$deal" }
        val missing = expectThrows<CrmException.RequiredFieldsMissing> { crm.moveOpportunity(rep.id, deal.id, deal.version, "proposal") }
        expect(missing.fields == listOf("expected_close")) { "$missing" }
        expect(crm.opportunity(rep.id, deal.id) == deal) { "a refused move changes nothing" }
        val dated = crm.updateOpportunity(rep.id, deal.id, deal.version, OpportunityPatch(expectedClose = day("2026-04-30"), fields = mapOf("po_number" to "PO-1")))
        expect(dated.fields == mapOf("po_number" to "PO-1") && dated.expectedClose == day("2026-04-30")) { "$dated" }
        val proposal = crm.moveOpportunity(rep.id, deal.id, dated.version, "proposal")
        expect(proposal.history.last().category == ForecastCategory.BEST_CASE) { "$proposal" }
        expectThrows<CrmException.VersionConflict> { crm.moveOpportunity(rep.id, deal.id, dated.version, "negotiation") }
        expectThrows<CrmException.InvalidInput> { crm.moveOpportunity(rep.id, deal.id, proposal.version, "lost") }
        val lost = crm.moveOpportunity(rep.id, deal.id, proposal.version, "lost", lostReason = "price")
        expect(lost.status == OpportunityStatus.LOST && lost.lostReason == "price") { "$lost" }
        val refused = expectThrows<CrmException.TransitionNotAllowed> { crm.moveOpportunity(rep.id, deal.id, lost.version, "qualify") }
        expect(refused.fromStage == "lost" && refused.toStage == "qualify") { "$refused" }
        expect(crm.moveOpportunity(admin.id, deal.id, lost.version, "qualify").status == OpportunityStatus.OPEN) { "reopened" }
        val rows = crm.forecast(admin.id, PeriodKind.MONTH)
        expect(rows.map { Triple(it.period, it.open, it.weighted) } == listOf(Triple("2026-04", 1, d("100.00")))) { "$rows" }
        val moved = crm.events(admin.id, 0).map { it.kind }.filterIsInstance<EventKind.OpportunityMoved>()
        expect(moved.map { it.transition } == listOf(StageMove.FORWARD, StageMove.LOSE, StageMove.REOPEN)) { "$moved" }
    }

    check("contracts: payments matched to instalments, overdue lists, commission") {
        val crm = Crm.inMemory(start)
        val (admin, rep, _) = organisation(crm)
        val acme = crm.createCustomer(rep.id, NewCustomer(name = "Acme")).customer
        val deal = crm.createOpportunity(rep.id, acme.id, NewOpportunity("ERP", d("900")))
        crm.closeOpportunity(rep.id, deal.id, true)
        val k = crm.createContract(rep.id, deal.id, NewContract(signedOn = day("2026-03-02"), instalments = listOf(NewInstalment(day("2026-03-10"), d("300")), NewInstalment(day("2026-04-10"), d("600")))))
        expect(k.status == ContractStatus.ACTIVE && k.instalments.size == 2) { "$k" }
        val paid = crm.recordPayment(rep.id, k.id, k.version, NewPayment(day("2026-03-02"), d("400")))
        expect(paid.payments.single().allocations == listOf(PaymentAllocation(1, d("300")), PaymentAllocation(2, d("100")))) { "$paid" }
        expectThrows<CrmException.InvalidInput> { crm.recordPayment(rep.id, k.id, paid.version, NewPayment(day("2026-03-02"), d("501"))) }
        crm.setNow(Instant.parse("2026-04-20T01:00:00Z"))
        val overdue = crm.overdueInstalments(admin.id).map { Triple(it.seq, it.open, it.daysOverdue) }
        expect(overdue == listOf(Triple(2, d("500"), 10L))) { "$overdue" }
        val plan = CommissionPlan(
            name = "p", base = CommissionBase.BOOKED, period = CommissionPeriod.MONTH, rates = CommissionRates.Flat(d("10")),
            boundary = TierBoundary.LOWER, rounding = CommissionRounding(mode = RoundingMode.HALF_EVEN),
        )
        val statements = crm.commissionStatements(admin.id, "2026-03", plan = plan)
        expect(statements.map { it.repId to it.total } == listOf(rep.id to d("90.00"))) { "$statements" }
        val toml = "name = \"s\"\nbase = \"booked\"\nperiod = \"month\"\n[rates]\ntype = \"flat\"\nrate = \"5\""
        val credit = { repId: String, split: String ->
            CommissionCredit(CommissionCreditKind.WON, "d1", repId, d(split), day("2026-03-02"), d("10000"))
        }
        val split = commissionStatement(listOf(credit("a", "60"), credit("b", "40")), "2026-03", planToml = toml)
        expect(split.map { it.total } == listOf(d("300.00"), d("200.00"))) { "$split" }
        val both = expectThrows<CrmException.InvalidInput> { commissionStatement(emptyList(), "2026-03", plan, toml) }
        expect(both.field == "plan") { "$both" }
    }

    check("service desk: routed tickets, replies, solving, ratings, typed refusals") {
        val crm = Crm.inMemory(start)
        val admin = crm.bootstrap("Ada")
        val support = crm.createTeam(admin.id, "Support")
        val agent = crm.createUser(admin.id, NewUser(name = "Wang Fang", role = Role.REP, teamId = support.id))
        val allDay = "timezone = \"Asia/Shanghai\"\n[week]\n" +
            listOf("mon", "tue", "wed", "thu", "fri", "sat", "sun").joinToString("") { "$it = [\"00:00-24:00\"]\n" }
        val minutes = { n: Long -> SlaTarget(n, SlaTimeBasis.CALENDAR) }
        val policy = DeskPolicy(
            name = "standard",
            calendar = allDay,
            targets = mapOf("normal" to mapOf(SlaMetric.FIRST_RESPONSE to minutes(60), SlaMetric.RESOLUTION to minutes(480))),
            onPriorityChange = OnPriorityChange.RECOMPUTE,
        )
        val desk = crm.updateServiceDesk(admin.id, crm.serviceDesk(admin.id).version, ServiceDeskPatch(
            agents = listOf(Agent(userId = agent.id, groupId = support.id)),
            routes = listOf(DeskRoute(name = "everything", groupId = support.id, strategy = RouteStrategy.ROUND_ROBIN)),
            policies = listOf(policy),
        ))
        expect(desk.policies.single().warnAtPercent == 75 && desk.agents.single().userId == agent.id) { "$desk" }
        val acme = crm.createCustomer(admin.id, NewCustomer(name = "Acme")).customer
        val ticket = crm.createTicket(admin.id, NewTicket(customerId = acme.id, subject = "Printer jam"))
        expect(ticket.assigneeId == agent.id && ticket.groupId == support.id) { "routed: $ticket" }
        expect(ticket.status == "new" && ticket.category == StatusCategory.OPEN && ticket.policy == "standard") { "$ticket" }
        crm.setNow(start.plusSeconds(600))
        val reply = crm.addTicketComment(agent.id, ticket.id, NewTicketComment(body = "We are on it."))
        expect(reply.comment.public && reply.comment.author == CommentAuthor.Agent(agent.id)) { "${reply.comment}" }
        expect(reply.ticket.status == "open" && reply.ticket.firstRespondedAt == start.plusSeconds(600)) { "${reply.ticket}" }
        val unsolved = expectThrows<CrmException.InvalidState> { crm.rateTicket(agent.id, ticket.id, NewCsat(score = 5)) }
        expect(unsolved.code() == "INVALID_STATE") { "$unsolved" }
        val solved = crm.setTicketStatus(agent.id, ticket.id, reply.ticket.version, "solved")
        expect(solved.status == "solved" && solved.category == StatusCategory.RESOLVED && solved.solvedAt == start.plusSeconds(600)) { "$solved" }
        val rated = crm.rateTicket(agent.id, ticket.id, NewCsat(score = 5))
        val rating = rated.ratings.single()
        expect(rating.rating == CsatRating.GOOD && rating.score == 5.toByte() && rating.cycle == 0) { "$rating" }
        expect(crm.ticket(admin.id, ticket.id) == rated) { "read back" }
        val late = policy.copy(name = "late", targets = mapOf("normal" to mapOf(SlaMetric.FIRST_RESPONSE to minutes(600), SlaMetric.RESOLUTION to minutes(480))))
        val refused = expectThrows<CrmException.InvalidInput> {
            crm.updateServiceDesk(admin.id, desk.version, ServiceDeskPatch(policies = listOf(policy, late)))
        }
        expect(refused.field == "policies[late].targets") { "$refused" }
        expect(crm.serviceDesk(admin.id) == desk) { "a refused configuration changes nothing" }
    }

    check("import: columns in, row errors, E.164 phones, dates, revert, quality report") {
        val crm = Crm.inMemory(start)
        val admin = crm.bootstrap("Ada", null)
        val mapping = ImportMapping(
            kind = ImportKind.CUSTOMERS,
            columns = mapOf("客户名称" to "name", "phone_number" to "phones", "生日" to "custom.birthday:date", "省" to "province", "区" to "district"),
            mode = ImportMode.UPSERT,
            matchOn = listOf(MatchKey.PHONE),
            inFileDuplicates = InFileDuplicates.MERGE,
        )
        val columns = listOf(
            ImportColumn("客户名称", listOf("华为技术有限公司", "阿里巴巴", "华为技术")),
            ImportColumn("phone_number", listOf("+86 138-0013-8000", "12345", "13800138000")),
            ImportColumn("生日", listOf("1987年6月5日", "2026-02-30", null)),
            ImportColumn("省", listOf("上海", "浙江", null)),
            ImportColumn("区", listOf("浦东", "浦东新区", null)),
        )
        val dry = crm.importColumns(admin.id, ImportOptions(mapping = mapping, dryRun = true), columns)
        expect(dry.job == null && crm.customers(admin.id).isEmpty()) { "a dry run writes nothing" }
        val result = crm.importColumns(admin.id, ImportOptions(mapping = mapping), columns)
        expect(result.outcomes == dry.outcomes) { "the dry run said what happens" }
        expect(result.outcomes.map { it.action } == listOf(RowAction.CREATED, RowAction.FAILED, RowAction.UPDATED)) { "${result.outcomes}" }
        expect(result.outcomes[1].errors.map { it.field to it.code } == listOf(
            "phone_number" to "INVALID_PHONE", "生日" to "INVALID_DATE", "区" to "DISTRICT_NOT_IN_CITY")) { "${result.outcomes[1]}" }
        val huawei = crm.customer(admin.id, result.outcomes[0].recordId!!)
        expect(huawei.phones == listOf("+8613800138000")) { "${huawei.phones}" }
        expect(huawei.customFields["birthday"] == FieldValue.Date(day("1987-06-05"))) { "${huawei.customFields}" }
        val job = result.job!!
        expect(job.state == ImportState.COMPLETED && job.counts.failed == 1L) { "$job" }
        expect(crm.importRejectsCsv(admin.id, job.id).lines().first() == "客户名称,phone_number,生日,省,区,error") { "rejects header" }
        val quality = crm.qualityReport(admin.id, QualityOptions())
        expect(quality.customers == 1L && quality.fields.first { it.field == "custom_fields.birthday" }.completeness == d("100.0")) { "$quality" }
        val reverted = crm.revertImport(admin.id, job.id)
        expect(reverted.deleted == listOf(huawei.id) && crm.customers(admin.id).isEmpty()) { "$reverted" }
        expectThrows<CrmException.InvalidState> { crm.revertImport(admin.id, job.id) }
        expectThrows<CrmException.InvalidInput> {
            crm.importCsv(admin.id, ImportOptions(mapping = mapping.copy(columns = mapOf("名称" to "name"))), "客户名称\n甲\n")
        }
    }

    packagingChecks()
    coroutineChecks()
    remoteChecks()

    println("kotlin: $passed passed, $failed failed")
    if (failed > 0 || passed == 0) kotlin.system.exitProcess(1)
}
