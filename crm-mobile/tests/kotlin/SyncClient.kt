// A sales phone for the sync story (tests/e2e/sync_story.mjs): one JVM process per step, its
// replica in a SQLite file that outlives the process as an app's would. It prints one JSON line for
// the story to check.
//   claim URL TOKEN FILE DEVICE CUSTOMER   first sync, then claims CUSTOMER with no network
//   sync  URL TOKEN FILE DEVICE CUSTOMER   syncs; reports the refusals and CUSTOMER's owner here
import dev.crm.*
import dev.crm.core.*

object SyncClient {
    private fun quote(s: String?) = if (s == null) "null" else "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\""

    @JvmStatic
    fun main(args: Array<String>) {
        require(args.size == 6) { "usage: claim|sync URL TOKEN FILE DEVICE CUSTOMER" }
        val (step, url, token, file, device) = args
        val customer = args[5]
        val remote = RemoteCrm(url, token, JavaHttpTransport())
        val replica = Replica.open(file, remote.whoami().id, device)
        when (step) {
            "claim" -> {
                val first = replica.sync(remote)
                // From here on the phone has no network: the claim runs on the replica alone.
                val claimed = replica.claimCustomer("", customer)
                println(
                    "{\"snapshot\": ${first.snapshot}, \"owner\": ${quote(claimed.ownerId)}, " +
                        "\"outbox\": ${replica.outbox().map { quote(it.op) }}}",
                )
            }
            "sync" -> {
                val summary = replica.sync(remote)
                val owner = try {
                    replica.customer("", customer).ownerId
                } catch (e: CrmException) {
                    null
                }
                val refused = replica.rejections().map { "{\"op\": ${quote(it.op)}, \"code\": ${quote(it.code)}}" }
                println(
                    "{\"applied\": ${summary.applied}, \"rejected\": ${summary.rejected}, \"owner\": ${quote(owner)}, " +
                        "\"rejections\": $refused, \"outbox\": ${replica.outbox().size}}",
                )
            }
            else -> throw IllegalArgumentException("unknown step $step")
        }
    }
}
