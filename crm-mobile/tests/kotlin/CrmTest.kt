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
    val orders = listOf("2026-03-01", "2026-04-01", "2026-05-01", "2026-06-10").map { RfmOrder("c1", it, "5000.00") } +
        listOf(RfmOrder("c2", "2026-01-15", "800.50"), RfmOrder("c3", "2026-07-02", "1.00"))

    check("RFM: the seed example scores 84 and reaches VIP1, in one batch") {
        val rows = rfmScore(orders, "2026-06-30", rfmConfig)
        expect(rows.map { it.customerId } == listOf("c1", "c2")) { "c3 ordered after the as-of date: $rows" }
        val c1 = rows[0]
        expect(c1.recencyDays == 20L && c1.frequency == 4uL && c1.monetary == "20000.00") { "figures $c1" }
        expect(c1.r.toInt() == 5 && c1.f.toInt() == 4 && c1.m.toInt() == 4) { "points $c1" }
        expect(c1.score == "84" && c1.level == "VIP1" && c1.segment == "Champions") { "score $c1" }
        expect(rows[1].score == "28" && rows[1].level == null && rows[1].segment == "New") { "c2 ${rows[1]}" }
        // Without a configuration: quantile, 5 buckets, weights 1, 1, 1.
        val plain = rfmScore(orders, "2026-06-30")
        expect(plain[0].score == "9" && plain[1].segment == "Lost" && plain.all { it.level == null }) { "defaults $plain" }
    }

    check("RFM: a bad configuration or order is a typed InvalidInput") {
        val buckets = expectThrows<CrmException.InvalidInput> { rfmScore(orders, "2026-06-30", "buckets = 12") }
        expect(buckets.field == "buckets" && buckets.code == "INVALID_INPUT") { "$buckets" }
        val method = expectThrows<CrmException.InvalidInput> { rfmScore(orders, "2026-06-30", "method = \"median\"") }
        expect(method.field == "rfm config" && method.description.contains("median")) { "$method" }
        val amount = expectThrows<CrmException.InvalidInput> { rfmScore(listOf(RfmOrder("x", "2026-06-01", "lots")), "2026-06-30") }
        expect(amount.field == "orders") { "$amount" }
        val asOf = expectThrows<CrmException.InvalidInput> { rfmScore(orders, "30/06/2026") }
        expect(asOf.field == "as_of") { "$asOf" }
    }

    check("RFM: segment movements, flows and churn warnings between two scorings") {
        val june = rfmScore(orders, "2026-06-30", rfmConfig)
        val december = rfmScore(orders, "2026-12-31", rfmConfig)
        expect(december.map { it.segment } == listOf("At risk", "Hibernating", "Hibernating")) { "$december" }
        val moved = rfmMovements(june, december).map { Triple(it.customerId, it.fromSegment, it.toSegment) }
        expect(moved == listOf(Triple("c1", "Champions", "At risk"), Triple("c2", "New", "Hibernating"), Triple("c3", null, "Hibernating"))) { "$moved" }
        val flows = rfmFlows(june, december)
        expect(flows.first() == RfmFlow(null, "Hibernating", 1uL) && flows.sumOf { it.customers.toInt() } == 3) { "$flows" }
        val warned = rfmChurnWarnings(june, december).single()
        expect(warned.customerId == "c1" && warned.rBefore.toInt() == 5 && warned.rAfter.toInt() == 2) { "$warned" }
        expect(warned.reason == "moved from Champions to At risk; recency score fell from 5 to 2") { warned.reason }
        val bySegment = rfmChurnWarnings(june, december, ChurnRule(rDrop = 0u)).single()
        expect(bySegment.reason == "moved from Champions to At risk") { bySegment.reason }
        val custom = rfmChurnWarnings(june, december, ChurnRule(valuable = listOf("New"), cooling = listOf("Hibernating"), rDrop = 0u))
        expect(custom.map { it.customerId } == listOf("c2")) { "$custom" }
        expect(rfmChurnWarnings(december, december).isEmpty()) { "no change, no warning" }
    }

    check("performance: attainment on won or collected amounts, leaderboards with shared ranks") {
        val targets = listOf(
            PerformanceTarget(Subject.Rep("u-2"), "2026-11", "80000"),
            PerformanceTarget(Subject.Rep("u-3"), "2026-11", "60000"),
            PerformanceTarget(Subject.Rep("u-4"), "2026-11", "30000"),
            PerformanceTarget(Subject.Team("t-1"), "2026-11", "150000"),
        )
        val achievements = listOf(
            Achievement("u-2", "t-1", "2026-11-03", "40000", Basis.WON),
            Achievement("u-2", "t-1", "2026-11-30", "20000", Basis.WON),
            Achievement("u-2", "t-1", "2026-11-15", "10000", Basis.COLLECTED),
            Achievement("u-2", "t-1", "2026-12-01", "99999", Basis.WON),
            Achievement("u-3", "t-1", "2026-11-10", "45000", Basis.WON),
            Achievement(repId = "u-4", date = "2026-11-11", amount = "30000", basis = Basis.WON),
        )
        val won = performance(targets, achievements, Basis.WON)
        expect(won.map { Triple(it.achieved, it.ratio, it.rank) } == listOf(
            Triple("60000", "0.75", 2u), Triple("45000", "0.75", 3u), Triple("30000", "1", 1u), Triple("105000", "0.7", 1u),
        )) { "$won" }
        val collected = leaderboard(targets, achievements, Basis.COLLECTED, "2026-11")
        expect(collected.map { it.subject to it.rank } == listOf(Subject.Rep("u-2") to 1u, Subject.Rep("u-3") to 2u, Subject.Rep("u-4") to 2u)) { "$collected" }
        expect(collected[0].ratio == "0.125" && collected[1].achieved == "0" && collected[2].achieved == "0") { "$collected" }
        val teams = leaderboard(targets, achievements, Basis.WON, "2026-11", teams = true)
        expect(teams.single().subject == Subject.Team("t-1") && teams.single().target == "150000") { "$teams" }
        expect(leaderboard(targets, achievements, Basis.WON, "2026-12").isEmpty()) { "no targets in December" }
        val period = expectThrows<CrmException.InvalidInput> {
            performance(listOf(PerformanceTarget(Subject.Rep("u-2"), "November", "1")), emptyList(), Basis.WON)
        }
        expect(period.field == "period") { "$period" }
        val twice = expectThrows<CrmException.InvalidInput> { performance(targets + targets[0], achievements, Basis.WON) }
        expect(twice.field == "targets") { "$twice" }
    }

    check("claims: typed refusals, all-or-nothing batches, locks") {
        val crm = Crm.inMemory(start)
        val admin = crm.bootstrap("Ada", null)
        crm.updateSettings(admin.id, crm.settings().copy(
            claims = ClaimPolicy(dailyLimit = 2u, caps = listOf(OwnershipCap(CapScope.Everyone, maxOwned = 5u))),
            locks = LockPolicy(maxLocked = 1u, maxDays = 30u),
        ))
        val team = crm.createTeam(admin.id, "East")
        val rep = crm.createUser(admin.id, NewUser(name = "Li Lei", role = Role.REP, teamId = team.id))
        val other = crm.createUser(admin.id, NewUser(name = "Han Meimei", role = Role.REP, teamId = team.id))
        val pool = crm.createPool(admin.id, NewPool(name = "East pool", memberTeamIds = listOf(team.id), rules = PoolRules(waitingHours = 24u)))
        expect(pool.rules.exemptWon && pool.rules.coolDownDays == 0u) { "the record's defaults are the core's: ${pool.rules}" }
        val (a, b, c) = listOf("Alpha Foods", "Beta Steel", "Gamma Textiles").map {
            crm.createCustomer(admin.id, NewCustomer(name = it, poolId = pool.id)).customer
        }
        expect(a.ownerId == null && a.poolId == pool.id && a.pooledAt == start) { "pooled $a" }
        val waiting = expectThrows<CrmException.WaitingPeriod> { crm.claimCustomer(rep.id, a.id) }
        expect(waiting.customerId == a.id && waiting.until == start.plusSeconds(24 * 3600)) { "$waiting" }
        expect(waiting.code == "WAITING_PERIOD") { waiting.code }

        val dayTwo = start.plusSeconds(25 * 3600)
        crm.setNow(dayTwo)
        val claimed = crm.claimCustomer(rep.id, a.id)
        expect(claimed.ownerId == rep.id && claimed.ownedSince == dayTwo) { "claimed $claimed" }
        val taken = expectThrows<CrmException.AlreadyOwned> { crm.claimCustomer(other.id, a.id) }
        expect(taken.code == "ALREADY_OWNED" && taken.customerId == a.id && taken.ownerId == rep.id) { "$taken" }
        expect(taken.description == "customer ${a.id} is already owned by ${rep.id}") { taken.description }
        try {
            crm.claimCustomer(other.id, a.id)
            throw AssertionError("no exception")
        } catch (e: CrmException) {
            expect(e is CrmException.AlreadyOwned) { "caught by the base class: $e" }
        }

        val limit = expectThrows<CrmException.DailyLimitReached> { crm.claimCustomers(rep.id, listOf(b.id, c.id)) }
        expect(limit.limit == 2uL && limit.date == "2026-03-03" && limit.userId == rep.id) { "$limit" }
        expect(crm.customer(admin.id, b.id) == b) { "the batch is all or nothing" }
        expect(crm.claimCustomers(other.id, listOf(b.id, c.id)).map { it.ownerId } == listOf(other.id, other.id)) { "batch" }

        val locked = crm.lockCustomer(rep.id, a.id, 90u)
        expect(locked.locked && locked.lockedUntil == dayTwo.plusSeconds(30L * 86_400)) { "capped at 30 days: $locked" }
        expect(crm.lockCustomer(other.id, b.id).lockedUntil == dayTwo.plusSeconds(30L * 86_400)) { "the policy's maximum" }
        val lockLimit = expectThrows<CrmException.LockLimitReached> { crm.lockCustomer(other.id, c.id, 5u) }
        expect(lockLimit.limit == 1uL && lockLimit.userId == other.id) { "$lockLimit" }
        expect(!crm.customer(other.id, c.id).locked) { "a refused lock changes nothing" }
        val events = crm.customerEvents(admin.id, a.id).map { it.kind }
        val lock = events.filterIsInstance<EventKind.CustomerLocked>().single()
        expect(lock.until == dayTwo.plusSeconds(30L * 86_400)) { "$lock" }
    }

    check("a sweep recycles by rule, with its figures, once") {
        val crm = Crm.inMemory(start)
        val (admin, rep, other) = organisation(crm)
        val pool = crm.createPool(admin.id, NewPool(
            name = "East pool",
            memberIds = listOf(rep.id, other.id),
            rules = PoolRules(
                coolDownDays = 7u,
                warnDays = 3u,
                recycle = listOf(RecycleRule(RecycleKind.NO_FOLLOW_UP, days = 30u, daysByLevel = mapOf("A" to 60u))),
            ),
        ))
        val kept = crm.createCustomer(admin.id, NewCustomer(name = "Keeper", level = "A", ownerId = rep.id, poolId = pool.id)).customer
        val lapsed = crm.createCustomer(admin.id, NewCustomer(name = "Lapsed", level = "B", ownerId = rep.id, poolId = pool.id)).customer
        expect(lapsed.ownerId == rep.id && lapsed.poolId == pool.id) { "owned, recycled into its pool: $lapsed" }

        crm.setNow(start.plusSeconds(28L * 86_400))
        val warnings = crm.recycleWarnings(rep.id)
        expect(warnings.map { it.customerId } == listOf(lapsed.id)) { "$warnings" }
        expect(warnings.single().due.dueAt == start.plusSeconds(30L * 86_400)) { "${warnings.single().due}" }
        expectThrows<CrmException.PermissionDenied> { crm.sweepPools(rep.id) }

        val sweptAt = start.plusSeconds(31L * 86_400)
        crm.setNow(sweptAt)
        val report = crm.sweepPools(admin.id)
        expect(report.at == sweptAt) { "at ${report.at}" }
        val recycled = report.recycled.single()
        expect(recycled.customerId == lapsed.id && recycled.ownerId == rep.id && recycled.poolId == pool.id) { "$recycled" }
        expect(recycled.customerName == "Lapsed") { recycled.customerName }
        val due = recycled.due
        expect(due.rule == RecycleKind.NO_FOLLOW_UP && due.days == 30u && due.level == "B") { "$due" }
        expect(due.clockStart == start && due.dueAt == start.plusSeconds(30L * 86_400) && due.lockedUntil == null) { "$due" }
        expect(crm.sweepPools(admin.id).recycled.isEmpty()) { "a second sweep at the same instant changes nothing" }

        val back = crm.customer(admin.id, lapsed.id)
        expect(back.ownerId == null && back.previousOwnerId == rep.id && back.pooledAt == sweptAt) { "$back" }
        expect(crm.customer(admin.id, kept.id).ownerId == rep.id) { "level A waits 60 days" }
        val event = crm.customerEvents(admin.id, lapsed.id).map { it.kind }.filterIsInstance<EventKind.CustomerRecycled>().single()
        expect(event.rule == RecycleKind.NO_FOLLOW_UP && event.poolId == pool.id && event.dueAt == due.dueAt) { "$event" }
        expect(crm.ownershipHistory(admin.id, lapsed.id).last().cause == OwnershipReason.RECYCLED) { "history" }

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
            strategy = Strategy.Rules(
                rules = listOf(
                    Rule("VIPs to Han", listOf(Condition("level", listOf("VIP"))), RuleTarget.Reps(listOf(other.id), RepStrategy.LEAST_LOADED)),
                    Rule("spam to the pool", listOf(Condition("source", listOf("spam"))), RuleTarget.Pool(spam.id)),
                ),
                defaultTarget = RuleTarget.Reps(listOf(rep.id, other.id), RepStrategy.ROUND_ROBIN),
            ),
            reps = listOf(AllocatorRep(rep.id, dailyCap = 5u), AllocatorRep(other.id)),
        ))
        expect(allocator.reps.last().weight == 1u) { "weight defaults to 1" }
        val captured = crm.captureLead(admin.id, NewLead(name = "Lead One", phones = listOf("13800000001"), source = "web"))
        expect(captured.lead.status == LeadStatus.OPEN && captured.lead.weight == 1uL && captured.duplicates.isEmpty()) { "$captured" }
        val vip = crm.captureLead(admin.id, NewLead(name = "Big Fish", level = "VIP")).lead
        val junk = crm.captureLead(admin.id, NewLead(name = "Free Money", source = "spam")).lead

        expectThrows<CrmException.PermissionDenied> { crm.allocateLeads(rep.id, allocator.id, listOf(vip.id)) }
        val placed = crm.allocateLeads(admin.id, allocator.id, listOf(captured.lead.id, vip.id, junk.id))
        expect(placed.map { it.placement } == listOf(
            Placement.Rep(rep.id), Placement.Rep(other.id), Placement.Pool(spam.id),
        )) { "$placed" }
        expect(placed[1].reason.contains("VIPs to Han")) { placed[1].reason }
        val again = crm.allocateLeads(admin.id, allocator.id, listOf(captured.lead.id)).single().placement
        expect(again is Placement.Kept && again.ownerId == rep.id) { "owned leads are kept: $again" }
        val stored = crm.allocators(admin.id).single()
        expect(stored.state.pointer == rep.id && stored.usage[rep.id]?.today == 1uL && stored.usage[rep.id]?.day == "2026-03-02") { "$stored" }
        expect(crm.leads(rep.id).map { it.id } == listOf(captured.lead.id)) { "a rep sees their leads" }
        expectThrows<CrmException.OutOfScope> { crm.lead(other.id, captured.lead.id) }

        val capped = crm.createAllocator(admin.id, NewAllocator("Full", Strategy.Capacity, listOf(AllocatorRep(rep.id, dailyCap = 0u))))
        val late = crm.captureLead(admin.id, NewLead(name = "Late")).lead
        val none = expectThrows<CrmException.NoEligibleRep> { crm.allocateLeads(admin.id, capped.id, listOf(late.id)) }
        expect(none.leadId == late.id && none.code == "NO_ELIGIBLE_REP") { "$none" }
        expect(crm.lead(admin.id, late.id) == late) { "a refused batch changes nothing" }

        val conversion = crm.convertLead(rep.id, captured.lead.id, Conversion(NewOpportunity("First order", "5000.00")))
        expect(conversion.lead.status == LeadStatus.CONVERTED && conversion.lead.customerId == conversion.customer.id) { "${conversion.lead}" }
        expect(conversion.customer.ownerId == rep.id && conversion.customer.source == "web" && conversion.customer.openOpportunities == 1u) { "${conversion.customer}" }
        val opportunity = conversion.opportunity!!
        expect(opportunity.amount == "5000.00" && opportunity.status == OpportunityStatus.OPEN) { "$opportunity" }
        expectThrows<CrmException.InvalidState> { crm.convertLead(rep.id, captured.lead.id) }
        expectThrows<CrmException.InvalidInput> { crm.createOpportunity(rep.id, conversion.customer.id, NewOpportunity("More", "lots")) }
        val noReason = expectThrows<CrmException.InvalidInput> { crm.closeOpportunity(rep.id, opportunity.id, false) }
        expect(noReason.field == "lost_reason") { "$noReason" }
        val won = crm.closeOpportunity(rep.id, opportunity.id, true)
        expect(won.status == OpportunityStatus.WON && won.closedAt == start) { "$won" }
        val customer = crm.customer(rep.id, conversion.customer.id)
        expect(customer.dealStatus == DealStatus.WON && customer.lastWonAt == start && customer.openOpportunities == 0u) { "$customer" }
        expect(crm.opportunities(rep.id, customer.id) == listOf(won)) { "opportunities" }
        val converted = crm.events(admin.id, 0u, null).map { it.kind }.filterIsInstance<EventKind.LeadConverted>().single()
        expect(converted.customerId == customer.id && converted.opportunityId == opportunity.id) { "$converted" }
    }

    check("pipelines: guards, loss reasons, reopening, forecast") {
        val crm = Crm.inMemory(start)
        val (admin, rep, _) = organisation(crm)
        val acme = crm.createCustomer(rep.id, NewCustomer(name = "Acme")).customer
        val deal = crm.createOpportunity(rep.id, acme.id, NewOpportunity("ERP", "1000.00"))
        expect(deal.stage == "qualify" && deal.history.single().enteredAt == start) { "$deal" }
        val missing = expectThrows<CrmException.RequiredFieldsMissing> { crm.moveOpportunity(rep.id, deal.id, "proposal") }
        expect(missing.fields == listOf("expected_close") && missing.code == "REQUIRED_FIELDS_MISSING") { "$missing" }
        expect(crm.opportunity(rep.id, deal.id) == deal) { "a refused move changes nothing" }
        val dated = crm.updateOpportunity(rep.id, deal.id, deal.version, OpportunityPatch(expectedClose = "2026-04-30", fields = mapOf("po_number" to "PO-1")))
        expect(dated.fields == mapOf("po_number" to "PO-1")) { "$dated" }
        val proposal = crm.moveOpportunity(rep.id, deal.id, "proposal", expectedVersion = dated.version)
        expect(proposal.history.last().category == ForecastCategory.BEST_CASE) { "$proposal" }
        expectThrows<CrmException.InvalidInput> { crm.moveOpportunity(rep.id, deal.id, "lost") }
        val lost = crm.moveOpportunity(rep.id, deal.id, "lost", lostReason = "price")
        expect(lost.status == OpportunityStatus.LOST && lost.lostReason == "price") { "$lost" }
        val refused = expectThrows<CrmException.TransitionNotAllowed> { crm.moveOpportunity(rep.id, deal.id, "qualify") }
        expect(refused.fromStage == "lost" && refused.toStage == "qualify") { "$refused" }
        expect(crm.moveOpportunity(admin.id, deal.id, "qualify").status == OpportunityStatus.OPEN) { "reopened" }
        val rows = crm.forecast(admin.id, "month")
        expect(rows.map { Triple(it.period, it.open, it.weighted) } == listOf(Triple("2026-04", 1u, "100.00"))) { "$rows" }
        val moved = crm.events(admin.id, 0u, null).map { it.kind }.filterIsInstance<EventKind.OpportunityMoved>()
        expect(moved.map { it.transition } == listOf(Move.FORWARD, Move.LOSE, Move.REOPEN)) { "$moved" }
    }

    check("contracts: payments matched to instalments, overdue lists, commission") {
        val crm = Crm.inMemory(start)
        val (admin, rep, _) = organisation(crm)
        val acme = crm.createCustomer(rep.id, NewCustomer(name = "Acme")).customer
        val deal = crm.createOpportunity(rep.id, acme.id, NewOpportunity("ERP", "900"))
        crm.closeOpportunity(rep.id, deal.id, true)
        val k = crm.createContract(rep.id, deal.id, NewContract("2026-03-02", listOf(NewInstalment("2026-03-10", "300"), NewInstalment("2026-04-10", "600"))))
        expect(k.status == ContractStatus.ACTIVE && k.instalments.size == 2) { "$k" }
        val paid = crm.recordPayment(rep.id, k.id, NewPayment("2026-03-02", "400"), k.version)
        expect(paid.payments.single().allocations == listOf(PaymentAllocation(1u, "300"), PaymentAllocation(2u, "100"))) { "$paid" }
        expectThrows<CrmException.InvalidInput> { crm.recordPayment(rep.id, k.id, NewPayment("2026-03-02", "501")) }
        crm.setNow(Instant.parse("2026-04-20T01:00:00Z"))
        val overdue = crm.overdueInstalments(admin.id)
        expect(overdue.map { Triple(it.seq, it.open, it.daysOverdue) } == listOf(Triple(2u, "500", 10L))) { "$overdue" }
        val statements = crm.commissionStatements(admin.id, "name = \"p\"\nbase = \"booked\"\nperiod = \"month\"\n[rates]\ntype = \"flat\"\nrate = \"10\"", "2026-03")
        expect(statements.map { it.repId to it.total } == listOf(rep.id to "90.00")) { "$statements" }
        val split = commissionStatement(
            "name = \"s\"\nbase = \"booked\"\nperiod = \"month\"\n[rates]\ntype = \"flat\"\nrate = \"5\"",
            listOf(Credit(CreditKind.WON, "d1", "2026-03-02", "10000", repId = "a", split = "60"), Credit(CreditKind.WON, "d1", "2026-03-02", "10000", repId = "b", split = "40")),
            "2026-03",
        )
        expect(split.map { it.total } == listOf("300.00", "200.00")) { "$split" }
        expectThrows<CrmException.InvalidInput> { commissionStatement("name = \"x\"", emptyList(), "2026-03") }
    }

    println("kotlin: $passed passed, $failed failed")
    if (failed > 0) kotlin.system.exitProcess(1)
}
