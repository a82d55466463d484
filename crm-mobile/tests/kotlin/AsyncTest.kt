// AsyncCrm from coroutines: suspend calls answer as the blocking ones do, never hold their caller's
// thread, and a call waiting for SQLite's write lock can be cancelled (job.cancel, withTimeout)
// without waiting for it, changing nothing. Part of CrmTest's run (CrmTest.kt's main calls it).
import dev.crm.*
import dev.crm.core.*
import java.math.BigDecimal
import java.nio.file.Files
import java.time.LocalDate
import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit
import kotlinx.coroutines.*

/** Holds SQLite's write lock on `path` from another process (python3's sqlite3) until closed. */
class WriteLock(path: String) : AutoCloseable {
    private val process = ProcessBuilder(
        "python3", "-c",
        "import sqlite3, sys\n" +
            "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n" +
            "c.execute('BEGIN IMMEDIATE')\n" +
            "print('locked', flush=True)\n" +
            "sys.stdin.readline()\n" +
            "c.execute('ROLLBACK')\n",
        path,
    ).redirectError(ProcessBuilder.Redirect.INHERIT).start()

    init {
        val line = process.inputStream.bufferedReader().readLine()
        expect(line == "locked") { "python3 could not lock $path: $line" }
    }

    override fun close() {
        process.outputStream.apply { write('\n'.code); flush() }
        expect(process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0) { "the lock holder failed" }
    }
}

fun millisSince(started: Long) = (System.nanoTime() - started) / 1_000_000

fun coroutineChecks() {
    check("suspend calls: the blocking API's answers and typed exceptions") {
        val crm = Crm.inMemory(start)
        val (_, rep, other) = organisation(crm)
        val twin = AsyncCrm(crm)
        runBlocking {
            val created = twin.createCustomer(rep.id, NewCustomer(name = "Acme", level = "B"))
            expect(twin.customer(rep.id, created.customer.id) == crm.customer(rep.id, created.customer.id)) { "read" }
            val conflict = expectThrows<CrmException.VersionConflict> {
                twin.updateCustomer(rep.id, created.customer.id, 7, CustomerPatch(level = "A"))
            }
            expect(conflict.code() == "VERSION_CONFLICT" && conflict.actual == 1L) { "$conflict" }
            expectThrows<CrmException.OutOfScope> { twin.customer(other.id, created.customer.id) }
            expect(twin.overdueFollowUps(rep.id).isEmpty()) { "defaults apply to suspend functions too" }
            expect(twin.blocking().customers(rep.id).single().level == "B") { "the failed update changed nothing" }
        }
    }

    check("AsyncRules: the pure rules as suspend functions, the blocking answers, typed exceptions") {
        val rules = AsyncRules()
        val orders = (1..2_000).map { i ->
            RfmOrder(customerId = "c-${i % 300}", date = LocalDate.parse("2026-01-01").plusDays((i % 90).toLong()), amount = BigDecimal(i))
        }
        val asOf = LocalDate.parse("2026-04-01")
        val one = Executors.newSingleThreadExecutor()
        try {
            runBlocking(one.asCoroutineDispatcher()) {
                // Two scorings in flight from one thread: neither holds it.
                val a = async { rules.rfmScore(orders, asOf) }
                val b = async { rules.rfmScore(orders, asOf) }
                expect(a.await() == rfmScore(orders, asOf) && b.await() == a.await()) { "the blocking answer" }
                val bad = expectThrows<CrmException.InvalidInput> { rules.slaDue("not toml [", start, 60) }
                expect(bad.code == "INVALID_INPUT") { "$bad" }
                expect(rules.rfmChurnWarnings(a.await(), a.await()).isEmpty()) { "defaults apply" }
            }
        } finally {
            one.shutdown()
        }
    }

    check("suspend calls leave their thread free: 50 concurrent creates from one thread") {
        val crm = Crm.inMemory(start)
        val (_, rep, _) = organisation(crm)
        val twin = AsyncCrm(crm)
        val one = Executors.newSingleThreadExecutor()
        try {
            val ids = runBlocking(one.asCoroutineDispatcher()) {
                (1..50).map { i -> async { twin.createCustomer(rep.id, NewCustomer(name = "Customer $i")).customer.id } }.awaitAll()
            }
            expect(ids.toSet().size == 50 && crm.customers(rep.id).size == 50) { "$ids" }
        } finally {
            one.shutdown()
        }
    }

    check("a call waiting for the write lock: reads go on, cancel and withTimeout return at once, nothing changes") {
        val dir = Files.createTempDirectory("crm-async")
        val path = dir.resolve("crm.db").toString()
        val crm = Crm.open(path, start)
        val (_, rep, _) = organisation(crm)
        val twin = AsyncCrm(crm)
        crm.createCustomer(rep.id, NewCustomer(name = "Before"))
        WriteLock(path).use {
            runBlocking {
                // Each of these waits on SQLite's busy timeout (2 s) on a worker thread.
                var started = System.nanoTime()
                val waiting = launch { twin.createCustomer(rep.id, NewCustomer(name = "Cancelled")) }
                delay(200)
                expect(waiting.isActive) { "the write should be waiting for the lock" }
                expect(twin.customers(rep.id).map { it.name } == listOf("Before")) { "a read while a write waits" }
                waiting.cancelAndJoin()
                expect(waiting.isCancelled && millisSince(started) < 1500) { "cancel took ${millisSince(started)} ms" }

                started = System.nanoTime()
                val timedOut = runCatching { withTimeout(300) { twin.createCustomer(rep.id, NewCustomer(name = "Timed out")) } }
                expect(timedOut.exceptionOrNull() is TimeoutCancellationException) { "withTimeout: $timedOut" }
                expect(millisSince(started) < 1500) { "withTimeout took ${millisSince(started)} ms" }

                started = System.nanoTime()
                val busy = expectThrows<CrmException.StorageBusy> { twin.createCustomer(rep.id, NewCustomer(name = "Busy")) }
                expect(busy.code() == "STORAGE_BUSY" && millisSince(started) >= 1500) { "$busy after ${millisSince(started)} ms" }
                delay(300) // margin: the abandoned calls' deadlines passed before this one's
            }
        }
        // The abandoned calls ran into the busy timeout on their workers (before the awaited one did).
        val names = crm.customers(rep.id).map { it.name }
        expect(names == listOf("Before")) { "cancelled or refused writes changed nothing: $names" }
        runBlocking { twin.createCustomer(rep.id, NewCustomer(name = "After")) }
        expect(crm.customers(rep.id).size == 2) { "writes work again once the lock is gone" }
        dir.toFile().deleteRecursively()
    }
}
