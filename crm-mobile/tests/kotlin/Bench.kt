// Per-call cost from Kotlin through the packaged JAR (JNA, uniffi's lowering and lifting): a
// one-record read, 1,000 records back in one call, 1,000 records in, each blocking and suspending.
// Run by hand: CRM_MOBILE_BENCH=1 bash crm-mobile/test.sh (prints, never fails on speed).
package crmtest.bench

import dev.crm.*
import dev.crm.core.*
import java.math.BigDecimal
import java.time.Instant
import java.time.LocalDate
import kotlinx.coroutines.runBlocking

fun <T> timed(label: String, calls: Int, body: () -> T) {
    repeat(calls / 5 + 1) { body() } // warm-up: JIT, JNA's method tables
    val started = System.nanoTime()
    repeat(calls) { body() }
    val micros = (System.nanoTime() - started) / 1_000.0 / calls
    println("%-58s %10.2f us/call".format(label, micros))
}

fun main() {
    val crm = Crm.inMemory(Instant.parse("2026-03-02T01:00:00Z"))
    val admin = crm.bootstrap("Ada")
    val rep = crm.createUser(admin.id, NewUser(name = "Li Lei", role = Role.REP))
    val ids = (1..1000).map { i ->
        crm.createCustomer(rep.id, NewCustomer(name = "Customer $i", phones = listOf("+86 139 0000 %04d".format(i)), tags = listOf("bench"))).customer.id
    }
    val twin = AsyncCrm(crm)
    val orders = (1..1000).map { i -> RfmOrder("c-${i % 400}", LocalDate.parse("2026-01-01").plusDays((i % 180).toLong()), BigDecimal("${i}.50")) }
    val asOf = LocalDate.parse("2026-06-30")

    println("in-memory store, ${Runtime.getRuntime().availableProcessors()} processors")
    timed("customer(actor, id): one record, blocking", 20_000) { crm.customer(rep.id, ids[500]) }
    timed("customer(actor, id): one record, suspend (runBlocking)", 5_000) { runBlocking { twin.customer(rep.id, ids[500]) } }
    timed("customers(actor): 1,000 records back, blocking", 200) { crm.customers(rep.id) }
    timed("customers(actor): 1,000 records back, suspend", 200) { runBlocking { twin.customers(rep.id) } }
    timed("rfmScore(orders, asOf): 1,000 records in, blocking", 200) { rfmScore(orders, asOf) }
    timed("defaultChurnRule(): no arguments, a small record back", 20_000) { defaultChurnRule() }
}
