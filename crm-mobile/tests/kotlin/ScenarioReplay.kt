// Replays every parity scenario (tests/scenarios/*.json) through the generated Kotlin API, the way
// an Android app calls it: typed records in, typed records out, typed exceptions. Results are turned
// back into the files' snake_case JSON shape by reflection over the generated classes, then matched
// as the scenario README says. Usage: ScenarioReplayKt SCENARIO_DIR
package scenarios

import dev.crm.*
import java.io.File
import java.lang.reflect.Modifier
import java.math.BigDecimal
import java.time.Instant

// ---- a small JSON reader: objects are LinkedHashMaps, numbers BigDecimals ----

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
            '{' -> obj()
            '[' -> arr()
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
            val c = s[i++]
            when (c) {
                '"' -> return b.toString()
                '\\' -> {
                    val e = s[i++]
                    when (e) {
                        'n' -> b.append('\n')
                        't' -> b.append('\t')
                        'r' -> b.append('\r')
                        'b' -> b.append('\b')
                        'f' -> b.append('\u000c')
                        'u' -> {
                            b.append(s.substring(i, i + 4).toInt(16).toChar())
                            i += 4
                        }
                        else -> b.append(e)
                    }
                }
                else -> b.append(c)
            }
        }
    }

    private fun arr(): List<Any?> {
        i++
        val out = ArrayList<Any?>()
        ws()
        if (s[i] == ']') { i++; return out }
        while (true) {
            out.add(value())
            ws()
            when (s[i++]) {
                ',' -> continue
                ']' -> return out
                else -> fail("expected , or ]")
            }
        }
    }

    private fun obj(): Map<String, Any?> {
        i++
        val out = LinkedHashMap<String, Any?>()
        ws()
        if (s[i] == '}') { i++; return out }
        while (true) {
            ws()
            val k = str()
            ws()
            if (s[i++] != ':') fail("expected :")
            out[k] = value()
            ws()
            when (s[i++]) {
                ',' -> continue
                '}' -> return out
                else -> fail("expected , or }")
            }
        }
    }
}

// ---- typed arguments from the files' JSON ----

typealias Args = Map<String, Any?>

@Suppress("UNCHECKED_CAST")
fun Args.obj(k: String): Args = this[k] as Args
fun Args.str(k: String): String = this[k] as String
fun Args.optStr(k: String): String? = this[k] as String?
fun Args.long(k: String): Long = (this[k] as BigDecimal).longValueExact()
fun Args.instant(k: String): Instant = Instant.parse(str(k))
fun Args.optInstant(k: String): Instant? = optStr(k)?.let(Instant::parse)
@Suppress("UNCHECKED_CAST")
fun Args.strings(k: String): List<String> = (this[k] as List<String>?) ?: emptyList()
@Suppress("UNCHECKED_CAST")
fun Args.optStrings(k: String): List<String>? = this[k] as List<String>?
@Suppress("UNCHECKED_CAST")
fun Args.objs(k: String): List<Args> = (this[k] as List<Args>?) ?: emptyList()
@Suppress("UNCHECKED_CAST")
fun Args.optObj(k: String): Args? = this[k] as Args?
fun Args.optULong(k: String): ULong? = (this[k] as BigDecimal?)?.longValueExact()?.toULong()
fun Args.optUInt(k: String): UInt? = (this[k] as BigDecimal?)?.intValueExact()?.toUInt()
fun Args.optBool(k: String): Boolean? = this[k] as Boolean?

/// An enum constant from its snake_case spelling (`first_response` -> FIRST_RESPONSE).
inline fun <reified E : Enum<E>> enumOf(v: Any?): E? =
    (v as String?)?.let { name -> enumValues<E>().first { it.name == name.uppercase() } }

fun fieldValue(v: Any?): FieldValue? {
    @Suppress("UNCHECKED_CAST")
    val o = v as Args? ?: return null
    return when (val type = o.str("type")) {
        "text" -> FieldValue.Text(o.str("value"))
        "number" -> FieldValue.Number(o.str("value"))
        "bool" -> FieldValue.Bool(o["value"] as Boolean)
        "date" -> FieldValue.Date(o.str("value"))
        else -> throw IllegalArgumentException("unknown field type $type")
    }
}

@Suppress("UNCHECKED_CAST")
fun customFields(v: Any?): Map<String, FieldValue> =
    ((v as Args?) ?: emptyMap()).mapValues { fieldValue(it.value)!! }

fun settings(s: Args): OrgSettings {
    val d = s.obj("duplicates")
    val claims = s.optObj("claims")
    val locks = s.optObj("locks")
    return OrgSettings(
        timezone = s.str("timezone"),
        duplicates = DuplicatePolicy(enumOf<DuplicateMode>(d["on_create"])!!, (d["name_threshold"] as BigDecimal).toDouble()),
        claims = ClaimPolicy(
            dailyLimit = claims?.optULong("daily_limit"),
            caps = claims?.objs("caps").orEmpty().map { OwnershipCap(capScope(it.obj("scope")), it.long("max_owned").toULong(), it.optBool("count_won") ?: false) },
        ),
        locks = LockPolicy(maxLocked = locks?.optULong("max_locked"), maxDays = locks?.optUInt("max_days")),
        defaultPoolId = s.optStr("default_pool_id"),
        version = s.long("version").toULong(),
    )
}

fun capScope(s: Args): CapScope = when (val type = s.str("type")) {
    "everyone" -> CapScope.Everyone
    "team" -> CapScope.Team(s.str("team_id"))
    "rep" -> CapScope.Rep(s.str("user_id"))
    else -> throw IllegalArgumentException("unknown cap scope $type")
}

/// The file's rules over the defaults of the generated record (absent keys keep them).
fun poolRules(r: Args?): PoolRules {
    val d = PoolRules()
    if (r == null) return d
    return PoolRules(
        coolDownDays = r.optUInt("cool_down_days") ?: d.coolDownDays,
        waitingHours = r.optUInt("waiting_hours") ?: d.waitingHours,
        recycle = r.objs("recycle").map { x ->
            RecycleRule(
                kind = enumOf<RecycleKind>(x["kind"])!!,
                days = x.long("days").toUInt(),
                daysByLevel = x.optObj("days_by_level").orEmpty().mapValues { (it.value as BigDecimal).intValueExact().toUInt() },
            )
        },
        exemptWon = r.optBool("exempt_won") ?: d.exemptWon,
        exemptOpenOpportunity = r.optBool("exempt_open_opportunity") ?: d.exemptOpenOpportunity,
        warnDays = r.optUInt("warn_days") ?: d.warnDays,
    )
}

fun newPool(a: Args) = NewPool(
    name = a.str("name"),
    memberIds = a.strings("member_ids"),
    memberTeamIds = a.strings("member_team_ids"),
    adminIds = a.strings("admin_ids"),
    rules = poolRules(a.optObj("rules")),
)

fun strategy(s: Args): Strategy = when (val type = s.str("type")) {
    "round_robin" -> Strategy.RoundRobin
    "weighted" -> Strategy.Weighted
    "least_loaded" -> Strategy.LeastLoaded
    "capacity" -> Strategy.Capacity
    "rules" -> Strategy.Rules(s.objs("rules").map(::rule), ruleTarget(s.obj("default")))
    else -> throw IllegalArgumentException("unknown strategy $type")
}

fun ruleTarget(t: Args): RuleTarget = when (val type = t.str("type")) {
    "reps" -> RuleTarget.Reps(t.strings("rep_ids"), enumOf<RepStrategy>(t.obj("strategy")["type"])!!)
    "pool" -> RuleTarget.Pool(t.str("pool_id"))
    else -> throw IllegalArgumentException("unknown rule target $type")
}

fun rule(r: Args) = Rule(
    name = r.str("name"),
    conditions = r.objs("conditions").map { Condition(it.str("field"), it.strings("one_of")) },
    target = ruleTarget(r.obj("target")),
)

fun newAllocator(a: Args) = NewAllocator(
    name = a.str("name"),
    strategy = strategy(a.obj("strategy")),
    reps = a.objs("reps").map { AllocatorRep(it.str("rep_id"), it.optUInt("weight") ?: 1u, it.optULong("daily_cap"), it.optULong("total_cap")) },
)

fun newLead(a: Args) = NewLead(
    name = a.str("name"),
    kind = enumOf<CustomerKind>(a["kind"]),
    phones = a.strings("phones"),
    emails = a.strings("emails"),
    source = a.optStr("source"),
    region = a.optStr("region"),
    industry = a.optStr("industry"),
    level = a.optStr("level"),
    customFields = customFields(a["custom_fields"]),
    weight = a.optULong("weight"),
    ownerId = a.optStr("owner_id"),
)

@Suppress("UNCHECKED_CAST")
fun newOpportunity(o: Args) = NewOpportunity(
    name = o.str("name"),
    amount = o.str("amount"),
    pipelineId = o.optStr("pipeline_id"),
    stage = o.optStr("stage"),
    expectedClose = o.optStr("expected_close"),
    probabilityOverride = o.optStr("probability_override"),
    fields = (o["fields"] as Map<String, String>?) ?: emptyMap(),
)

@Suppress("UNCHECKED_CAST")
fun opportunityPatch(p: Args) = OpportunityPatch(
    name = p.optStr("name"),
    amount = p.optStr("amount"),
    expectedClose = p.optStr("expected_close"),
    probabilityOverride = p.optStr("probability_override"),
    clearProbabilityOverride = p.containsKey("probability_override") && p["probability_override"] == null,
    fields = (p["fields"] as Map<String, String>?) ?: emptyMap(),
)

fun stage(s: Args) = Stage(
    key = s.str("key"),
    name = s.str("name"),
    kind = enumOf<StageKind>(s["kind"]) ?: StageKind.OPEN,
    probability = s.str("probability"),
    category = enumOf<ForecastCategory>(s["category"])!!,
    requiredFields = s.strings("required_fields"),
    rotDays = s.optUInt("rot_days"),
)

fun pipeline(p: Args) = Pipeline(
    id = p.str("id"),
    name = p.str("name"),
    stages = p.objs("stages").map(::stage),
    transitions = p.objs("transitions").map { Transition(it.str("from"), it.str("to")) },
    lostReasons = p.strings("lost_reasons"),
    reopenRoles = p.optStrings("reopen_roles")?.map { enumOf<Role>(it)!! } ?: listOf(Role.MANAGER, Role.ADMIN),
    version = p.optULong("version") ?: 0uL,
)

fun newContract(c: Args) = NewContract(
    signedOn = c.str("signed_on"),
    instalments = c.objs("instalments").map { NewInstalment(it.str("due_date"), it.str("amount")) },
    amount = c.optStr("amount"),
)

fun newPayment(p: Args) = NewPayment(p.str("received_on"), p.str("amount"), p.optUInt("instalment"), p.optStr("note"))

fun credit(c: Args) = Credit(
    kind = enumOf<CreditKind>(c["kind"])!!,
    dealId = c.str("deal_id"),
    date = c.str("date"),
    amount = c.optStr("amount") ?: "0",
    repId = c.optStr("rep_id"),
    split = c.optStr("split"),
    contractTotal = c.optStr("contract_total"),
)

fun newCustomer(a: Args) = NewCustomer(
    name = a.str("name"),
    kind = enumOf<CustomerKind>(a["kind"]),
    level = a.optStr("level"),
    tags = a.strings("tags"),
    source = a.optStr("source"),
    industry = a.optStr("industry"),
    region = a.optStr("region"),
    phones = a.strings("phones"),
    emails = a.strings("emails"),
    ownerId = a.optStr("owner_id"),
    poolId = a.optStr("pool_id"),
    customFields = customFields(a["custom_fields"]),
)

@Suppress("UNCHECKED_CAST")
fun patch(p: Args): CustomerPatch {
    val known = setOf("name", "kind", "level", "add_tags", "remove_tags", "source", "industry", "region", "phones", "emails", "custom_fields")
    require(known.containsAll(p.keys)) { "unknown patch keys ${p.keys - known}" }
    return CustomerPatch(
        name = p.optStr("name"),
        kind = enumOf<CustomerKind>(p["kind"]),
        level = p.optStr("level"),
        clearLevel = p.containsKey("level") && p["level"] == null,
        addTags = p.strings("add_tags"),
        removeTags = p.strings("remove_tags"),
        source = p.optStr("source"),
        industry = p.optStr("industry"),
        region = p.optStr("region"),
        phones = p.optStrings("phones"),
        emails = p.optStrings("emails"),
        customFields = ((p["custom_fields"] as Args?) ?: emptyMap()).mapValues { fieldValue(it.value) },
    )
}

fun newFollowUp(f: Args) = NewFollowUp(
    channel = enumOf<Channel>(f["channel"])!!,
    note = f.optStr("note") ?: "",
    at = f.optInstant("at"),
    nextFollowUpAt = f.optInstant("next_follow_up_at"),
)

fun policy(p: Args): SlaPolicy {
    val targets = p.obj("targets").flatMap { (priority, metrics) ->
        @Suppress("UNCHECKED_CAST")
        (metrics as Args).map { (metric, t) ->
            val target = t as Args
            PriorityTarget(priority, enumOf<Metric>(metric)!!, Target(target.long("minutes"), enumOf<TimeBasis>(target["basis"])!!))
        }
    }
    return SlaPolicy(
        name = p.str("name"),
        targets = targets,
        warnAtPercent = p.long("warn_at_percent").toUInt(),
        pauseStatuses = p.strings("pause_statuses"),
        onPriorityChange = enumOf<OnPriorityChange>(p["on_priority_change"]),
    )
}

@Suppress("UNCHECKED_CAST")
fun history(entries: Any?): List<TicketEntry> = (entries as List<Args>).map { e ->
    val action = when (val type = e.str("type")) {
        "open" -> TicketAction.Open(e.str("priority"), e.str("status"))
        "status" -> TicketAction.Status(e.str("status"))
        "respond" -> TicketAction.Respond
        "customer_replied" -> TicketAction.CustomerReplied
        "resolve" -> TicketAction.Resolve
        "reopen" -> TicketAction.Reopen
        "priority" -> TicketAction.Priority(e.str("priority"))
        else -> throw IllegalArgumentException("unknown ticket action $type")
    }
    TicketEntry(e.instant("at"), action)
}

/// A value the typed API cannot take, such as a JSON number where it takes a decimal string: an app
/// could not even compile such a call. The replay refuses it before the call and reports it; the
/// step must expect INVALID_INPUT (the core's answer to the same value in JSON).
class NotExpressible(message: String) : Exception(message)

fun Args.decimal(k: String): String = when (val v = this[k]) {
    is String -> v
    else -> throw NotExpressible("$k is $v, not a decimal string")
}

fun Args.ubyte(k: String): UByte {
    val v = (this[k] as BigDecimal).intValueExact()
    require(v in 0..255) { "$k = $v does not fit a UByte" }
    return v.toUByte()
}

fun rfmOrders(a: Args): List<RfmOrder> =
    a.objs("orders").map { RfmOrder(it.str("customer_id"), it.str("date"), it.decimal("amount")) }

fun rfmRows(a: Args, k: String): List<RfmRow> = a.objs(k).map {
    RfmRow(
        customerId = it.str("customer_id"),
        recencyDays = it.long("recency_days"),
        frequency = it.long("frequency").toULong(),
        monetary = it.decimal("monetary"),
        r = it.ubyte("r"),
        f = it.ubyte("f"),
        m = it.ubyte("m"),
        score = it.decimal("score"),
        level = it.optStr("level"),
        segment = it.str("segment"),
    )
}

/// The file's rule over the defaults of the generated record (absent keys keep them).
fun churnRule(r: Args?): ChurnRule? = r?.let {
    ChurnRule(
        valuable = it.optStrings("valuable"),
        cooling = it.optStrings("cooling"),
        rDrop = if (it.containsKey("r_drop")) it.ubyte("r_drop") else ChurnRule().rDrop,
    )
}

fun subject(s: Args): Subject = when (val type = s.str("type")) {
    "rep" -> Subject.Rep(s.str("user_id"))
    "team" -> Subject.Team(s.str("team_id"))
    else -> throw IllegalArgumentException("unknown subject $type")
}

fun performanceTargets(a: Args): List<PerformanceTarget> =
    a.objs("targets").map { PerformanceTarget(subject(it.obj("subject")), it.str("period"), it.decimal("amount")) }

fun achievements(a: Args): List<Achievement> = a.objs("achievements").map {
    Achievement(it.str("rep_id"), it.optStr("team_id"), it.str("date"), it.decimal("amount"), enumOf<Basis>(it["basis"])!!)
}

@Suppress("UNCHECKED_CAST")
val OPS: Map<String, (Crm, String, Args) -> Any?> = mapOf(
    "bootstrap" to { c, _, a -> c.bootstrap(a.str("admin_name"), (a["settings"] as Args?)?.let(::settings)) },
    "settings" to { c, _, _ -> c.settings() },
    "update_settings" to { c, u, a -> c.updateSettings(u, settings(a.obj("settings"))) },
    "create_team" to { c, u, a -> c.createTeam(u, a.str("name")) },
    "teams" to { c, u, _ -> c.teams(u) },
    "create_user" to { c, u, a ->
        c.createUser(u, NewUser(a.str("name"), enumOf<Role>(a["role"])!!, enumOf<DataScope>(a["scope"]), a.optStr("team_id")))
    },
    "user" to { c, u, a -> c.user(u, a.str("id")) },
    "users" to { c, u, _ -> c.users(u) },
    "deactivate_user" to { c, u, a -> c.deactivateUser(u, a.str("id"), a.str("reason")) },
    "create_customer" to { c, u, a -> c.createCustomer(u, newCustomer(a)) },
    "customer" to { c, u, a -> c.customer(u, a.str("id")) },
    "customers" to { c, u, _ -> c.customers(u) },
    "update_customer" to { c, u, a -> c.updateCustomer(u, a.str("id"), a.long("expected_version").toULong(), patch(a.obj("patch"))) },
    "transfer_customer" to { c, u, a ->
        c.transferCustomer(u, a.str("id"), a.long("expected_version").toULong(), a.str("to"), a.str("reason"))
    },
    "add_contact" to { c, u, a ->
        val ct = a.obj("contact")
        c.addContact(u, a.str("customer_id"), NewContact(ct.str("name"), ct.strings("phones"), ct.strings("emails"), ct.optStr("role")))
    },
    "contacts" to { c, u, a -> c.contacts(u, a.str("customer_id")) },
    "record_follow_up" to { c, u, a -> c.recordFollowUp(u, a.str("customer_id"), newFollowUp(a.obj("follow_up"))) },
    "follow_ups" to { c, u, a -> c.followUps(u, a.str("customer_id")) },
    "overdue_follow_ups" to { c, u, a -> c.overdueFollowUps(u, a.optStr("rep_id")) },
    "find_duplicates" to { c, u, a -> c.findDuplicates(u, DuplicateProbe(a.optStr("name"), a.strings("phones"), a.strings("emails"))) },
    "duplicates_of" to { c, u, a -> c.duplicatesOf(u, a.str("customer_id")) },
    "merge_customers" to { c, u, a -> c.mergeCustomers(u, a.str("survivor_id"), a.str("merged_id")) },
    "handover" to { c, u, a -> c.handover(u, a.str("from"), a.str("to"), a.str("reason")) },
    "ownership_history" to { c, u, a -> c.ownershipHistory(u, a.str("customer_id")) },
    "customer_events" to { c, u, a -> c.customerEvents(u, a.str("customer_id")) },
    "events" to { c, u, a -> c.events(u, a.long("after").toULong(), (a["limit"] as BigDecimal?)?.longValueExact()?.toULong()) },
    "create_pool" to { c, u, a -> c.createPool(u, newPool(a)) },
    "pools" to { c, u, _ -> c.pools(u) },
    "update_pool_rules" to { c, u, a -> c.updatePoolRules(u, a.str("pool_id"), a.long("expected_version").toULong(), poolRules(a.obj("rules"))) },
    "delete_pool" to { c, u, a -> c.deletePool(u, a.str("pool_id")) },
    "pool_customers" to { c, u, a -> c.poolCustomers(u, a.str("pool_id")) },
    "claim_customer" to { c, u, a -> c.claimCustomer(u, a.str("customer_id")) },
    "claim_customers" to { c, u, a -> c.claimCustomers(u, a.strings("customer_ids")) },
    "release_customer" to { c, u, a -> c.releaseCustomer(u, a.str("customer_id"), a.str("reason")) },
    "move_to_pool" to { c, u, a -> c.moveToPool(u, a.str("customer_id"), a.str("pool_id"), a.str("reason")) },
    "lock_customer" to { c, u, a -> c.lockCustomer(u, a.str("customer_id"), a.optUInt("days")) },
    "unlock_customer" to { c, u, a -> c.unlockCustomer(u, a.str("customer_id")) },
    "sweep_pools" to { c, u, _ -> c.sweepPools(u) },
    "recycle_warnings" to { c, u, a -> c.recycleWarnings(u, a.optStr("owner_id")) },
    "create_allocator" to { c, u, a -> c.createAllocator(u, newAllocator(a)) },
    "allocators" to { c, u, _ -> c.allocators(u) },
    "capture_lead" to { c, u, a -> c.captureLead(u, newLead(a)) },
    "lead" to { c, u, a -> c.lead(u, a.str("id")) },
    "leads" to { c, u, _ -> c.leads(u) },
    "allocate_leads" to { c, u, a -> c.allocateLeads(u, a.str("allocator_id"), a.strings("lead_ids"), a.optBool("reassign_owned") ?: false) },
    "convert_lead" to { c, u, a -> c.convertLead(u, a.str("lead_id"), Conversion(a.optObj("opportunity")?.let(::newOpportunity))) },
    "create_opportunity" to { c, u, a -> c.createOpportunity(u, a.str("customer_id"), newOpportunity(a.obj("opportunity"))) },
    "close_opportunity" to { c, u, a -> c.closeOpportunity(u, a.str("opportunity_id"), a["won"] as Boolean, a.optStr("lost_reason")) },
    "opportunities" to { c, u, a -> c.opportunities(u, a.str("customer_id")) },
    "opportunity" to { c, u, a -> c.opportunity(u, a.str("id")) },
    "all_opportunities" to { c, u, _ -> c.allOpportunities(u) },
    "save_pipeline" to { c, u, a -> c.savePipeline(u, pipeline(a.obj("pipeline"))) },
    "pipelines" to { c, u, _ -> c.pipelines(u) },
    "move_opportunity" to { c, u, a ->
        c.moveOpportunity(u, a.str("opportunity_id"), a.str("stage"), a.optStr("lost_reason"), a.optULong("expected_version"))
    },
    "update_opportunity" to { c, u, a ->
        c.updateOpportunity(u, a.str("opportunity_id"), a.optULong("expected_version")!!, opportunityPatch(a.obj("patch")))
    },
    "record_opportunity_activity" to { c, u, a -> c.recordOpportunityActivity(u, a.str("opportunity_id"), a.str("note")) },
    "forecast" to { c, u, a -> c.forecast(u, a.str("period_kind"), a.optInstant("as_of")) },
    "stage_conversion" to { c, u, a -> c.stageConversion(u, a.str("pipeline_id")) },
    "time_in_stage" to { c, u, a -> c.timeInStage(u, a.str("pipeline_id")) },
    "sales_velocity" to { c, u, a -> c.salesVelocity(u, a.instant("from"), a.instant("to")) },
    "rotting_opportunities" to { c, u, _ -> c.rottingOpportunities(u) },
    "create_contract" to { c, u, a -> c.createContract(u, a.str("opportunity_id"), newContract(a.obj("contract"))) },
    "contract" to { c, u, a -> c.contract(u, a.str("id")) },
    "contracts" to { c, u, _ -> c.contracts(u) },
    "record_payment" to { c, u, a -> c.recordPayment(u, a.str("contract_id"), newPayment(a.obj("payment")), a.optULong("expected_version")) },
    "record_refund" to { c, u, a -> c.recordRefund(u, a.str("contract_id"), newPayment(a.obj("refund")), a.optULong("expected_version")) },
    "cancel_contract" to { c, u, a -> c.cancelContract(u, a.str("contract_id"), a.str("reason")) },
    "overdue_instalments" to { c, u, _ -> c.overdueInstalments(u) },
    "outstanding_balances" to { c, u, a -> c.outstandingBalances(u, enumOf<OutstandingBy>(a["by"])!!) },
    "commission_statements" to { c, u, a -> c.commissionStatements(u, a.str("plan_toml"), a.str("period")) },
    "commission_statement" to { _, _, a -> commissionStatement(a.str("plan_toml"), a.objs("credits").map(::credit), a.str("period"), a.optStr("rep_id")) },
    "sla_due" to { _, _, a -> mapOf("due_at" to slaDue(a.str("calendar"), a.instant("start"), a.long("minutes"))) },
    "sla_due_batch" to { _, _, a ->
        slaDueBatch(a.str("calendar"), a.strings("starts").map(Instant::parse), (a["minutes"] as List<BigDecimal>).map { it.longValueExact() })
    },
    "sla_elapsed" to { _, _, a -> mapOf("elapsed_ms" to slaElapsedMs(a.str("calendar"), a.instant("from"), a.instant("to"))) },
    "sla_working_at" to { _, _, a -> slaWorkingAt(a.str("calendar"), a.instant("at")) },
    "sla_ticket_status" to { _, _, a -> slaTicketStatus(a.str("calendar"), policy(a.obj("policy")), history(a["history"]), a.instant("now")) },
    "rfm_score" to { _, _, a -> rfmScore(rfmOrders(a), a.str("as_of"), a.optStr("config")) },
    "rfm_movements" to { _, _, a -> rfmMovements(rfmRows(a, "before"), rfmRows(a, "after")) },
    "rfm_flows" to { _, _, a -> rfmFlows(rfmRows(a, "before"), rfmRows(a, "after")) },
    "rfm_churn_warnings" to { _, _, a -> rfmChurnWarnings(rfmRows(a, "before"), rfmRows(a, "after"), churnRule(a.optObj("rule"))) },
    "performance" to { _, _, a -> performance(performanceTargets(a), achievements(a), enumOf<Basis>(a["basis"])!!) },
    "leaderboard" to { _, _, a ->
        leaderboard(performanceTargets(a), achievements(a), enumOf<Basis>(a["basis"])!!, a.str("period"), a.optBool("teams") ?: false)
    },
)

// ---- generated values back to the files' JSON shape ----

val RENAMES = mapOf(
    "from_owner" to "from", "to_owner" to "to", "from_pool" to "from", "to_pool" to "to", "default_target" to "default",
    "from_segment" to "from", "to_segment" to "to", "from_stage" to "from", "to_stage" to "to",
)

fun snake(name: String): String = name.replace(Regex("(?<=[a-z0-9])(?=[A-Z])"), "_").lowercase()

fun fieldsOf(v: Any): Map<String, Any?> = v.javaClass.declaredFields
    .filter { !Modifier.isStatic(it.modifiers) }
    .associate { f ->
        f.isAccessible = true
        val key = snake(f.name)
        (RENAMES[key] ?: key) to plain(f.get(v))
    }

fun plain(v: Any?): Any? = when (v) {
    null, is String, is Boolean, is Instant -> v
    is Unit -> null
    is Int, is Long, is Short, is Byte -> BigDecimal.valueOf((v as Number).toLong())
    is Double, is Float -> BigDecimal((v as Number).toString())
    is UInt, is ULong, is UShort, is UByte -> BigDecimal(v.toString())
    is RepStrategy -> mapOf("type" to v.name.lowercase()) // the core's `{"type": ...}` form
    is Enum<*> -> v.name.lowercase()
    is List<*> -> v.map(::plain)
    is Map<*, *> -> v.entries.associate { (k, x) -> k.toString() to plain(x) }
    is FieldValue -> mapOf("type" to snake(v.javaClass.simpleName), "value" to plain(fieldsOf(v)["v1"]))
    else -> {
        val outer = v.javaClass.enclosingClass
        if (outer != null && outer.isAssignableFrom(v.javaClass)) {
            // A variant of an enum with fields (a sealed class), in the core's `{type, ...}` form.
            mapOf("type" to snake(v.javaClass.simpleName)) + fieldsOf(v)
        } else {
            require(v.javaClass.packageName == "dev.crm") { "unexpected value ${v.javaClass}" }
            fieldsOf(v)
        }
    }
}

class Mismatch(message: String) : Exception(message)

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
        is String -> when (actual) {
            is Instant -> if (runCatching { Instant.parse(expected) }.getOrNull() != actual) fail()
            else -> if (actual != expected) fail()
        }
        else -> if (expected != actual) fail()
    }
}

// ---- the replay ----

fun replay(file: File) {
    @Suppress("UNCHECKED_CAST")
    val scenario = Json(file.readText()).read() as Args
    @Suppress("UNCHECKED_CAST")
    val steps = scenario["steps"] as List<Args>
    Crm.inMemory(scenario.instant("start")).use { crm ->
        steps.forEachIndexed { index, step ->
            val op = step.str("op")
            val where = "${file.name} step ${index + 1} ($op)"
            @Suppress("UNCHECKED_CAST")
            val args = (step["args"] as Args?) ?: emptyMap()
            if (op == "set_now") {
                crm.setNow(args.instant("now"))
                return@forEachIndexed
            }
            val call = OPS[op] ?: throw Mismatch("$where: unknown operation")
            val result = try {
                call(crm, step.optStr("actor") ?: "", args)
            } catch (e: NotExpressible) {
                if (step.optStr("error") != "INVALID_INPUT") throw Mismatch("$where: ${e.message}")
                println("note $where: ${e.message}; refused before the call (the scenario expects INVALID_INPUT)")
                return@forEachIndexed
            } catch (e: CrmException) {
                val code = crmCode(e)
                val wanted = step.optStr("error") ?: throw Mismatch("$where: unexpected $code: ${e.message}")
                if (wanted != code) throw Mismatch("$where: expected $wanted, got $code: ${e.message}")
                return@forEachIndexed
            }
            step.optStr("error")?.let { throw Mismatch("$where: expected $it, got success") }
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

/// The stable code every CrmException variant carries.
fun crmCode(e: CrmException): String = when (e) {
    is CrmException.NotFound -> e.code
    is CrmException.AlreadyExists -> e.code
    is CrmException.VersionConflict -> e.code
    is CrmException.OutOfScope -> e.code
    is CrmException.PermissionDenied -> e.code
    is CrmException.InactiveUser -> e.code
    is CrmException.InvalidPhone -> e.code
    is CrmException.InvalidEmail -> e.code
    is CrmException.InvalidInput -> e.code
    is CrmException.DuplicateFound -> e.code
    is CrmException.InvalidState -> e.code
    is CrmException.AlreadyOwned -> e.code
    is CrmException.DailyLimitReached -> e.code
    is CrmException.OwnershipCapReached -> e.code
    is CrmException.LockLimitReached -> e.code
    is CrmException.CoolDown -> e.code
    is CrmException.WaitingPeriod -> e.code
    is CrmException.NoEligibleRep -> e.code
    is CrmException.TransitionNotAllowed -> e.code
    is CrmException.RequiredFieldsMissing -> e.code
    is CrmException.Storage -> e.code
}

fun main(args: Array<String>) {
    val dir = File(args.getOrElse(0) { "tests/scenarios" })
    val every = (operations() + slaOperations() + analyticsOperations()).toSet()
    if (OPS.keys != every) {
        println("FAIL the replay must cover exactly the core's operations: missing ${every - OPS.keys}, unknown ${OPS.keys - every}")
        kotlin.system.exitProcess(1)
    }
    val files = dir.listFiles { f -> f.name.endsWith(".json") }.orEmpty().sortedBy { it.name }
    var passed = 0
    var failed = 0
    for (file in files) {
        try {
            replay(file)
            passed++
            println("ok   ${file.name}")
        } catch (e: Exception) {
            failed++
            println("FAIL ${e.message ?: e}")
        }
    }
    println("kotlin scenarios: $passed passed, $failed failed")
    if (failed > 0 || passed == 0) kotlin.system.exitProcess(1)
}
