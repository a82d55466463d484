// A TypeScript user's view of the installed package: test.sh type-checks this file under --strict
// with `moduleResolution: bundler` and with `nodenext`, against the packed tarball and without
// DOM or Node typings (the package's declarations stand on their own). Each `@ts-expect-error`
// line must fail to type-check: the types are as strict as the engine.
import init, {
  Crm,
  CrmError,
  RemoteCrm,
  Replica,
  memoryStorage,
  buildRequest,
  readResponse,
  leaderboard,
  rfmScore,
  rfmScoreColumns,
  slaDue,
  slaTicketStatus,
  type Customer,
  type CrmErrorCode,
  type Event,
  type LeadAllocation,
  type PoolRulesPatch,
  type RfmColumns,
  type SlaClockStatus,
  type SlaPolicy,
  type ApiToken,
  type RemoteCrmError,
  type RemoteRequest,
  type DeviceOp,
  type Rejection,
  type SyncSummary,
} from "crm-wasm";

declare function show(...values: unknown[]): void;

await init();

const crm = new Crm({ now: new Date("2026-03-02T01:00:00Z") });
const admin = crm.bootstrap("Ada");
const rep = crm.createUser(admin.id, { name: "Li Lei", role: "rep" });
// @ts-expect-error: a role the core does not have
crm.createUser(admin.id, { name: "Boss", role: "boss" });
const { customer, duplicates } = crm.createCustomer(rep.id, {
  name: "Acme Trading Co., Ltd.",
  phones: ["+86 139 1234 5678"],
  customFields: { budget: { type: "number", value: "125000.50" } },
});
const created: Date = customer.createdAt;
const owner: string | null = customer.ownerId;
// @ts-expect-error: instants come out as Dates
const text: string = customer.createdAt;
show(created, owner, text, duplicates.length);

const updated: Customer = crm.updateCustomer(rep.id, customer.id, customer.version, { addTags: ["key"], clearLevel: true });
// @ts-expect-error: the expected version is required and comes before the patch
crm.updateCustomer(rep.id, customer.id, { name: "x" });
crm.recordFollowUp(rep.id, updated.id, { channel: "call", note: "intro", nextFollowUpAt: new Date("2026-03-04T01:00:00Z") });
const opportunity = crm.createOpportunity(rep.id, customer.id, { name: "ERP", amount: "1000.00", expectedClose: "2026-04-30" });
// @ts-expect-error: money is decimal text, never a number
crm.createOpportunity(rep.id, customer.id, { name: "ERP", amount: 1000 });
const close: string | null = opportunity.expectedClose;
show(close);

const history: Event[] = crm.customerEvents(rep.id, customer.id);
for (const e of history) {
  if (e.kind.type === "owner_changed") show(e.kind.toOwnerId, e.kind.cause);
}

try {
  crm.claimCustomer(rep.id, customer.id);
} catch (e) {
  if (e instanceof CrmError) {
    const code: CrmErrorCode = e.code;
    if (e.code === "ALREADY_OWNED") show(e.details.ownerId, code);
    if (e.code === "COOL_DOWN") {
      const until: Date = e.details.until;
      show(until);
    }
    if (e.code === "INVALID_INPUT") {
      // @ts-expect-error: INVALID_INPUT details have no ownerId
      show(e.details.ownerId);
    }
  }
}

const pool = crm.createPool(admin.id, { name: "East", memberIds: [rep.id], rules: { waitingHours: 24 } });
const patch: PoolRulesPatch = { recycle: [{ kind: "no_follow_up", days: 30, daysByLevel: { A: 60 } }] };
crm.updatePoolRules(admin.id, pool.id, pool.version, patch);
const report = crm.sweepPools(admin.id);
const dueAt: Date = report.at;
show(dueAt, report.recycled.map((r) => r.due.dueAt.getTime()));
const placed: LeadAllocation[] = crm.allocateLeads(admin.id, "a-1", ["l-1"], false);
for (const p of placed) if (p.placement.type === "rep") show(p.placement.repId);
crm.deletePool(admin.id, pool.id);

const office = 'timezone = "Asia/Shanghai"\n[week]\nmon = ["09:00-12:00", "13:30-18:00"]\n';
const due: Date = slaDue(office, new Date("2026-09-14T03:00:00Z"), 120).dueAt;
const policy: SlaPolicy = {
  name: "support",
  targets: { urgent: { first_response: { minutes: 60, basis: "business" }, resolution: { minutes: 480, basis: "business" } } },
  warnAtPercent: 75,
  pauseStatuses: ["waiting_on_customer"],
};
const clocks: SlaClockStatus[] = slaTicketStatus(office, policy, [
  { at: new Date("2026-09-14T03:00:00Z"), type: "open", priority: "urgent", status: "open" },
  { at: "2026-09-14T03:30:00Z", type: "respond" },
], new Date("2026-09-14T04:00:00Z"));
show(due, clocks.some((c) => c.state === "breached" && c.remainingMinutes < 0));

const rows = rfmScore([{ customerId: "c-1", date: "2026-06-10", amount: "5000.00" }], "2026-06-30");
const columns: RfmColumns = rfmScoreColumns(
  { customerIds: Uint32Array.of(1, 2), dates: Int32Array.of(20614, 20615), amounts: Float64Array.of(19.99, 5) },
  new Date("2026-06-30T00:00:00Z"),
);
show(rows[0].segment, columns.monetary[0], columns.r[0]);
const board = leaderboard(
  [{ subject: { type: "rep", userId: "u-1" }, period: "2026-Q4", amount: "100000" }],
  [{ repId: "u-1", date: "2026-10-05", amount: "60000", basis: "won" }],
  "won",
  "2026-Q4",
);
show(board[0].ratio);
crm.free();

// crm-server over HTTP: the same methods and parameters, each answering a Promise.
const remote = new RemoteCrm("http://127.0.0.1:8080", "crm1.org.tk-1.secret", { timeoutMs: 5000 });
const me = await remote.me();
const remoteCustomer: Customer = (await remote.createCustomer(me.id, { name: "Acme" })).customer;
const remoteCreated: Date = remoteCustomer.createdAt;
await remote.recordFollowUp(undefined, remoteCustomer.id, { channel: "call", note: "intro", nextFollowUpAt: new Date() });
// @ts-expect-error: a remote result is a promise
const notYet: Customer = remote.customer(me.id, remoteCustomer.id);
// @ts-expect-error: the same parameters as Crm: the expected version comes before the patch
remote.updateCustomer(me.id, remoteCustomer.id, { name: "x" });
const issued = await remote.issueToken(me.id, "laptop");
const tokens: ApiToken[] = await remote.tokens();
const revokedAt: Date | null = (await remote.revokeToken(issued.token.id, issued.token.version)).revokedAt;
show(remoteCreated, notYet, tokens.length, revokedAt, issued.credential);
try {
  await remote.claimCustomer(undefined, remoteCustomer.id);
} catch (e) {
  if (e instanceof CrmError) {
    const err = e as RemoteCrmError;
    if (err.code === "UNREACHABLE") show(err.details.url, err.cause);
    if (err.code === "OVERLOADED") show(err.message);
    if (err.code === "ALREADY_OWNED") show(err.details.ownerId);
  }
}
/** Code written once for both: `await` takes a result or its promise. */
async function customerCount(crm: Crm | RemoteCrm, actor: string): Promise<number> {
  return (await crm.customers(actor)).length;
}
show(await customerCount(crm, rep.id), await customerCount(remote, me.id));
const request: RemoteRequest = buildRequest("createCustomer", [{ name: "Acme" }], { baseUrl: "http://127.0.0.1:8080", credential: "crm1.x" });
const read: Customer = readResponse("customer", 200, "{}");
const opaque: unknown = readResponse("whoami", 200, "{}");
show(request.url, request.body, read, opaque);

// A replica: the same methods as Crm, synchronous, offline; sync through a RemoteCrm.
const phone: Replica = await Replica.open({ userId: rep.id, deviceId: "phone", storage: memoryStorage() });
const claimed: Customer = phone.claimCustomer("", remoteCustomer.id);
const queued: DeviceOp[] = phone.outbox();
const summary: SyncSummary = await phone.sync(remote);
const refused: Rejection[] = phone.rejections();
const refusedAt: Date = refused[0].at;
const cursor: number | undefined = phone.cursor;
// @ts-expect-error: Replica.open takes the user and the device
await Replica.open({ userId: rep.id });
show(claimed, queued[0].opId, summary.applied, refusedAt, cursor, await phone.flush());
