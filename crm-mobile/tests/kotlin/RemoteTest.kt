// RemoteCrm against a real server (`crm serve`, the binary test.sh passes in CRM_BIN), with the HTTP
// done by Kotlin (java.net.http.HttpClient) through the HttpTransport interface: the same generated
// records and typed exceptions as the in-process Crm. Part of CrmTest's run (CrmTest.kt's main
// calls it).
import dev.crm.*
import dev.crm.core.*
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.nio.file.Files
import java.time.Duration
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlin.concurrent.thread
import kotlinx.coroutines.runBlocking

/** The host's HTTP client as an app would write it; counts the requests it sends. */
class JavaHttpTransport : HttpTransport {
    val calls = AtomicInteger()
    private val client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()

    override fun post(url: String, authorization: String, body: String): HttpResponse =
        send(
            HttpRequest.newBuilder(URI.create(url)).header("Authorization", authorization)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)),
        )

    override fun get(url: String, authorization: String): HttpResponse =
        send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", authorization).GET())

    private fun send(request: HttpRequest.Builder): HttpResponse {
        calls.incrementAndGet()
        try {
            val response = client.send(
                request.timeout(Duration.ofSeconds(30)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString(),
            )
            return HttpResponse(response.statusCode().toShort(), response.body())
        } catch (e: java.io.IOException) {
            throw TransportException.Failed(e.toString())
        }
    }
}

/** `crm serve` on a free port; its stderr (a line per call) is drained until it exits. */
class CrmServer(crm: String, db: String) : AutoCloseable {
    private val process = ProcessBuilder(crm, "serve", "--db", db, "--listen", "127.0.0.1:0")
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start()
    val url: String

    init {
        val found = CompletableFuture<String>()
        thread(isDaemon = true) {
            try {
                process.errorStream.bufferedReader().forEachLine { line ->
                    Regex("http://127\\.0\\.0\\.1:[0-9]+").find(line)?.let { found.complete(it.value) }
                }
            } catch (e: java.io.IOException) {
                // The stream closes when close() stops the server.
            }
            found.completeExceptionally(IllegalStateException("crm serve exited: ${process.waitFor()}"))
        }
        url = found.get(60, TimeUnit.SECONDS)
    }

    override fun close() {
        process.destroy()
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly()
    }
}

fun runCommand(vararg command: String): String {
    val process = ProcessBuilder(*command).redirectError(ProcessBuilder.Redirect.INHERIT).start()
    val out = process.inputStream.bufferedReader().readText()
    expect(process.waitFor() == 0) { "${command.toList()} failed: $out" }
    return out
}

/** Issues a token with a plain request (a route of the server, not an operation). */
fun issueToken(url: String, adminCredential: String, userId: String): String {
    val response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("$url/v1/tokens")).header("Authorization", "Bearer $adminCredential")
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"user_id\": \"$userId\", \"label\": \"phone\"}")).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString(),
    )
    expect(response.statusCode() == 200) { "POST /v1/tokens: ${response.statusCode()} ${response.body()}" }
    return Regex("\"credential\"\\s*:\\s*\"([^\"]+)\"").find(response.body())?.groupValues?.get(1)
        ?: throw AssertionError("no credential in ${response.body()}")
}

fun remoteChecks() {
    val crm = System.getenv("CRM_BIN") ?: throw AssertionError("CRM_BIN (the crm binary) is not set")
    val dir = Files.createTempDirectory("crm-remote")
    val db = dir.resolve("org.db").toString()
    val adminCredential = runCommand(crm, "token", "bootstrap", "--db", db, "--admin-name", "Ada")
        .lines().first { it.startsWith("crm1.") }
    CrmServer(crm, db).use { server ->
        val transport = JavaHttpTransport()
        check("RemoteCrm: the server's operations through the host's HTTP, as the token's user") {
            val admin = RemoteCrm(server.url, adminCredential, transport)
            val me = admin.whoami()
            expect(me.name == "Ada" && me.role == Role.ADMIN) { "$me" }
            val team = admin.createTeam(me.id, "East")
            val rep = admin.createUser(me.id, NewUser(name = "Li Lei", role = Role.REP, teamId = team.id))
            val other = admin.createUser(me.id, NewUser(name = "Han Meimei", role = Role.REP, teamId = team.id))
            val repCrm = RemoteCrm(server.url, issueToken(server.url, adminCredential, rep.id), transport)
            val otherCrm = RemoteCrm(server.url, issueToken(server.url, adminCredential, other.id), transport)

            val created = repCrm.createCustomer(rep.id, NewCustomer(name = "Acme", phones = listOf("13800138000")))
            val read: Customer = repCrm.customer(rep.id, created.customer.id)
            expect(read == created.customer && read.ownerId == rep.id) { "$read vs $created" }
            expect(repCrm.customers(rep.id).map { it.id } == listOf(read.id)) { "customers" }
            expect(admin.settings().version >= 0L) { "settings" }
            // Defaults as on Crm: `events(actor, after)` without `limit`.
            expect(admin.events(me.id, 0L).isNotEmpty()) { "events" }

            val theirs = otherCrm.createCustomer(other.id, NewCustomer(name = "Globex")).customer
            val hidden = expectThrows<CrmException.NotFound> { repCrm.customer(rep.id, theirs.id) }
            expect(hidden.code() == "NOT_FOUND") { "$hidden" }
            val stale = expectThrows<CrmException.VersionConflict> {
                repCrm.updateCustomer(rep.id, read.id, read.version + 5L, CustomerPatch(name = "Acme Ltd"))
            }
            expect(stale.actual == read.version) { "$stale" }

            val sent = transport.calls.get()
            val wrong = expectThrows<CrmException.InvalidInput> { repCrm.customers(other.id) }
            expect(wrong.field == "actor") { "$wrong" }
            expect(transport.calls.get() == sent) { "a request was sent for another actor" }

            // The suspend twin: same records and exceptions, the transport called on a worker thread.
            runBlocking {
                val async = AsyncRemoteCrm(repCrm)
                expect(async.customer(rep.id, read.id) == read) { "async read" }
                expect(async.whoami().id == rep.id) { "async whoami" }
                expectThrows<CrmException.NotFound> { async.customer(rep.id, theirs.id) }
            }

            // The organisation has its administrator: the server refuses a second bootstrap.
            expectThrows<CrmException.InvalidState> { admin.bootstrap("Eve") }
        }
        check("Replica: two phones claim the same customer offline; the server's rules decide") {
            val admin = RemoteCrm(server.url, adminCredential, transport)
            val me = admin.whoami().id
            val li = admin.createUser(me, NewUser(name = "Li Sync", role = Role.REP))
            val han = admin.createUser(me, NewUser(name = "Han Sync", role = Role.REP))
            val pool = admin.createPool(me, NewPool(name = "公海", memberIds = listOf(li.id, han.id), adminIds = listOf(me)))
            val target = admin.createCustomer(me, NewCustomer(name = "Pooled for Kotlin", poolId = pool.id)).customer
            val liRemote = RemoteCrm(server.url, issueToken(server.url, adminCredential, li.id), transport)
            val hanRemote = RemoteCrm(server.url, issueToken(server.url, adminCredential, han.id), transport)
            val file = dir.resolve("li-phone.db").toString()
            val liPhone = Replica.open(file, li.id, "li-phone")
            val hanPhone = Replica.open(null, han.id, "han-phone")
            expect(liPhone.sync(liRemote).snapshot) { "first sync" }
            hanPhone.sync(hanRemote)

            // Offline: both claims pass the local rules, typed as on Crm.
            val mine: Customer = liPhone.claimCustomer(li.id, target.id)
            expect(mine.ownerId == li.id) { "$mine" }
            hanPhone.claimCustomer("", target.id)
            val offline = liPhone.createCustomer(li.id, NewCustomer(name = "离线客户")).customer
            expect(offline.id.startsWith("c-1000000000")) { offline.id }
            liPhone.recordFollowUp(li.id, offline.id, NewFollowUp(channel = Channel.VISIT, note = "met"))
            expect(liPhone.outbox().map { it.op } == listOf("claim_customer", "create_customer", "record_follow_up")) { "outbox" }
            expectThrows<CrmException.InvalidState> { liPhone.createTeam(li.id, "needs the server") }

            // The suspend twin, as an app calls it from a coroutine.
            val pushed = runBlocking { liPhone.syncAsync(liRemote) }
            expect(pushed.applied == 3L && pushed.rejected == 0L) { "$pushed" }
            val refused = hanPhone.sync(hanRemote)
            expect(refused.rejected == 1L) { "$refused" }
            val rejection = hanPhone.rejections().single()
            expect(rejection.code == "ALREADY_OWNED" && rejection.op == "claim_customer") { "$rejection" }
            expect(admin.customer(me, target.id).ownerId == li.id) { "owner" }
            expectThrows<CrmException> { hanPhone.customer(han.id, target.id) }

            // The app restarts: the file holds the server's records, with their ids.
            val reopened = Replica.open(file, li.id, "ignored")
            val names = reopened.customers("").map { it.name }
            expect(names == listOf("Pooled for Kotlin", "离线客户")) { "$names" }
            val real = reopened.customers("")[1].id
            expect(!real.startsWith("c-1000000000") && reopened.followUps("", real).size == 1) { real }
            expect(reopened.deviceId() == "li-phone" && reopened.outbox().isEmpty()) { "reopened" }
        }
        check("RemoteCrm: a bad credential, an unreachable server") {
            expectThrows<CrmException.Unauthenticated> { RemoteCrm(server.url, "crm1.nope", transport).settings() }
            val down = expectThrows<CrmException.Storage> {
                RemoteCrm("http://127.0.0.1:1", adminCredential, transport).settings()
            }
            expect(down.toString().contains("did not answer")) { "$down" }
        }
    }
    dir.toFile().deleteRecursively()
}
