// RemoteCrm against a real crm-server: `crm serve` (the binary test.sh builds, $CRM_BIN) on a
// temporary SQLite file with a bootstrapped administrator, on a free loopback port. A story told
// through RemoteCrm gives results spelled exactly as the in-process Crm gives them for the same
// calls (camelCase fields, Dates, decimal text, data-map keys as given), errors are the same
// CrmErrors, the actor is checked before anything is sent, and the sans-I/O halves
// (buildRequest, readResponse) work on their own.
import test, { after, before } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { Crm, CrmError, RemoteCrm, buildRequest, readResponse } from "../../pkg/node.js";
import { TYPES } from "../../pkg/generated/facts.js";
import { mismatches } from "../js/replay.js";
import { rejection } from "./refusal.mjs";
import { skip, startServer } from "./serve.mjs";

let running;
let url;
let adminCredential;

before(async () => {
  if (skip) return;
  running = await startServer("crm-remote-", ["--max-body", "100000"]);
  ({ url, adminCredential } = running);
});

after(async () => {
  await running?.stop();
});

/** A value with its instants replaced by a marker: what two clocks cannot agree on. */
function timeless(v) {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? "Invalid Date" : "<Date>";
  if (Array.isArray(v)) return v.map(timeless);
  if (v !== null && typeof v === "object") {
    assert.equal(Object.getPrototypeOf(v), Object.prototype, "a plain object");
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, timeless(x)]));
  }
  return v;
}

/** A fetch that records what it is asked, then passes it on. */
function recording() {
  const calls = [];
  const f = (input, init) => {
    calls.push({ url: String(input), method: init?.method });
    return fetch(input, init);
  };
  return { fetch: f, calls };
}

/** A loopback port nothing listens on. */
async function deadPort() {
  const probe = createServer();
  await new Promise((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

const fields = { po_number: { type: "text", value: "PO-1" }, budget: { type: "number", value: "125000.50" }, "交付日期": { type: "date", value: "2026-05-01" } };
const nextAt = new Date("2030-03-09T02:00:00Z");

/** The same story, told to an in-process Crm or a RemoteCrm (whose calls answer promises). */
async function story(crm, rep) {
  const { customer, duplicates } = await crm.createCustomer(rep, { name: "Acme Trading", phones: ["13800138000"], customFields: fields });
  const followUp = await crm.recordFollowUp(rep, customer.id, { channel: "call", note: "intro", nextFollowUpAt: nextAt });
  const opportunity = await crm.createOpportunity(rep, customer.id, { name: "ERP", amount: "1000.50", expectedClose: "2030-04-30" });
  const read = await crm.customer(rep, customer.id);
  const follows = await crm.followUps(rep, customer.id);
  const opportunities = await crm.opportunities(rep, customer.id);
  const events = await crm.customerEvents(rep, customer.id);
  let conflict;
  try {
    await crm.updateCustomer(rep, customer.id, customer.version - 1, { level: "A" });
  } catch (e) {
    conflict = e;
  }
  let badDate;
  try {
    await crm.updateOpportunity(rep, opportunity.id, opportunity.version, { expectedClose: "2030-13-45" });
  } catch (e) {
    badDate = e;
  }
  return { customer, duplicates, followUp, opportunity, read, follows, opportunities, events, conflict, badDate };
}

const errorOf = (e) => (e instanceof CrmError ? { code: e.code, message: e.message, details: timeless(e.details) } : e);

let rep; // shared by the tests below: the rep's user, token and client
let other;

test("a story through RemoteCrm reads exactly as the in-process Crm tells it", { skip }, async () => {
  const admin = new RemoteCrm(url, adminCredential);
  const me = await admin.me();
  assert.equal(me.role, "admin");
  assert.ok(me.createdAt instanceof Date);
  assert.deepEqual(mismatches(TYPES, "User", me), []);

  const repUser = await admin.createUser(me.id, { name: "Li Lei", role: "rep" });
  const otherUser = await admin.createUser(undefined, { name: "Wang Fang", role: "rep" });
  const issued = await admin.issueToken(repUser.id, "Li's laptop");
  assert.equal(issued.token.userId, repUser.id);
  assert.equal(issued.token.label, "Li's laptop");
  assert.ok(issued.token.createdAt instanceof Date);
  assert.equal(issued.token.revokedAt, null);
  assert.match(issued.credential, /^crm1\./);
  const otherIssued = await admin.issueToken(otherUser.id);
  rep = { user: repUser, token: issued.token, credential: issued.credential };
  other = { user: otherUser, credential: otherIssued.credential };

  const remote = new RemoteCrm(url, issued.credential);
  assert.equal((await remote.me()).id, repUser.id);
  const there = await story(remote, repUser.id);

  // The same calls in process, on an organisation built the same way.
  const local = new Crm();
  const localAdmin = local.bootstrap("Ada");
  const localRep = local.createUser(localAdmin.id, { name: "Li Lei", role: "rep" });
  local.createUser(localAdmin.id, { name: "Wang Fang", role: "rep" });
  const here = await story(local, localRep.id);

  assert.deepEqual(timeless(repUser), timeless(localRep));
  for (const key of ["customer", "duplicates", "followUp", "opportunity", "read", "follows", "opportunities", "events"]) {
    assert.deepEqual(timeless(there[key]), timeless(here[key]), key);
  }
  // Errors: the same codes, messages and details (fields named as JS spells them).
  assert.ok(there.conflict instanceof CrmError && there.conflict.code === "VERSION_CONFLICT");
  assert.deepEqual(errorOf(there.conflict), errorOf(here.conflict));
  assert.ok(there.badDate instanceof CrmError && there.badDate.code === "INVALID_INPUT", String(there.badDate));
  assert.deepEqual(errorOf(there.badDate), errorOf(here.badDate));
  assert.match(there.badDate.details.field, /expectedClose/);

  // What the spelling means, checked on its own too.
  const c = there.read;
  assert.deepEqual(c.customFields, fields, "data-map keys as given (po_number stays)");
  assert.ok(c.createdAt instanceof Date && c.nextFollowUpAt instanceof Date);
  assert.equal(c.nextFollowUpAt.getTime(), nextAt.getTime());
  assert.equal(c.ownerId, repUser.id);
  assert.equal(there.opportunity.amount, "1000.50");
  assert.equal(there.opportunity.expectedClose, "2030-04-30");
  assert.deepEqual(mismatches(TYPES, "Customer", c), []);
  assert.deepEqual(mismatches(TYPES, ["list", "Event"], there.events), []);
  for (const e of there.events) assert.ok(e.at instanceof Date);
  local.free();
});

test("a record outside the caller's scope reads as not found", { skip }, async () => {
  const mine = await new RemoteCrm(url, rep.credential).customers();
  assert.ok(mine.length > 0);
  const nosy = new RemoteCrm(url, other.credential);
  const e = await rejection(nosy.customer(other.user.id, mine[0].id), "NOT_FOUND");
  assert.deepEqual(e.details, { kind: "customer", id: mine[0].id });
  assert.deepEqual(await nosy.customers(), []);
});

test("an actor other than the client's user is refused before anything is sent", { skip }, async () => {
  const { fetch, calls } = recording();
  const remote = new RemoteCrm(url, rep.credential, { fetch });
  // Not knowing its user yet, the client asks who it is, and nothing else.
  let e = await rejection(remote.customers(other.user.id), "INVALID_INPUT");
  assert.equal(e.details.field, "actor");
  assert.deepEqual(calls.map((c) => new URL(c.url).pathname), ["/v1/whoami"]);
  calls.length = 0;
  e = await rejection(remote.createCustomer("u-1", { name: "Sneaky" }), "INVALID_INPUT");
  assert.equal(e.details.field, "actor");
  await rejection(remote.customers(42), "INVALID_INPUT");
  assert.deepEqual(calls, [], "no request at all once the user is known");
  // Bad arguments are refused before sending too, named as JS spells them.
  e = await rejection(remote.createOpportunity(rep.user.id, "c-1", { name: "x", amount: 10 }), "INVALID_INPUT");
  assert.equal(e.details.field, "opportunity.amount");
  assert.deepEqual(calls, []);
  // Its own id, empty or left out: sent.
  const mine = await remote.customers(rep.user.id);
  assert.deepEqual(await remote.customers(""), mine);
  assert.deepEqual(await remote.customers(), mine);
  assert.equal(calls.length, 3);
  assert.ok(calls.every((c) => c.method === "POST" && new URL(c.url).pathname === "/v1/ops/customers"));
});

test("a revoked token is refused with UNAUTHENTICATED", { skip }, async () => {
  const admin = new RemoteCrm(url, adminCredential);
  const user = await admin.createUser(undefined, { name: "Temp", role: "rep" });
  const { token, credential } = await admin.issueToken(user.id, "short-lived");
  const remote = new RemoteCrm(url, credential);
  assert.deepEqual(await remote.customers(), []);
  const revoked = await admin.revokeToken(token.id, token.version);
  assert.ok(revoked.revokedAt instanceof Date);
  assert.equal(revoked.version, token.version + 1);
  const listed = (await admin.tokens()).find((t) => t.id === token.id);
  assert.deepEqual(listed, revoked);
  await rejection(remote.customers(), "UNAUTHENTICATED");
  await rejection(new RemoteCrm(url, "crm1.not-a-credential").me(), "UNAUTHENTICATED");
  // A stale version is the same VERSION_CONFLICT as anywhere.
  const e = await rejection(admin.revokeToken(token.id, token.version), "VERSION_CONFLICT");
  assert.equal(e.details.expected, token.version);
});

test("a custom fetch does the I/O: its answers are read like the server's", { skip }, async () => {
  const seen = [];
  const canned = async (input, init) => {
    seen.push({ url: input, ...init });
    const body = { id: "u-9", name: "Zoe", role: "rep", scope: "own", team_id: null, active: true, created_at: "2026-03-02T01:00:00Z", version: 1 };
    return new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
  };
  const remote = new RemoteCrm("https://crm.example.com/base/", "crm1.x.y.z", { fetch: canned });
  const me = await remote.me();
  assert.deepEqual(me, { id: "u-9", name: "Zoe", role: "rep", scope: "own", teamId: null, active: true, createdAt: new Date("2026-03-02T01:00:00Z"), version: 1 });
  assert.equal(seen[0].url, "https://crm.example.com/base/v1/whoami");
  assert.equal(seen[0].method, "GET");
  assert.equal(seen[0].headers.authorization, "Bearer crm1.x.y.z");
  await remote.me();
  assert.equal(seen.length, 1, "the user is asked once");
  // A timeout aborts the fetch and rejects with TIMEOUT.
  const hanging = (_, init) => new Promise((_, reject) => init.signal.addEventListener("abort", () => reject(init.signal.reason)));
  const e = await rejection(new RemoteCrm("http://127.0.0.1:9", "crm1.x.y.z", { fetch: hanging, timeoutMs: 30 }).settings(), "TIMEOUT");
  assert.equal(e.details.timeoutMs, 30);
  assert.ok(e.cause);
});

test("buildRequest and readResponse: the sans-I/O halves", { skip }, async () => {
  const request = buildRequest("createCustomer", [{ name: "Beta", ownerId: rep.user.id, customFields: { po_number: { type: "text", value: "7" } } }], { baseUrl: url, credential: rep.credential });
  assert.equal(request.method, "POST");
  assert.equal(request.url, `${url}/v1/ops/create_customer`);
  assert.deepEqual(request.headers, { authorization: `Bearer ${rep.credential}`, accept: "application/json", "content-type": "application/json" });
  assert.deepEqual(JSON.parse(request.body), { name: "Beta", owner_id: rep.user.id, custom_fields: { po_number: { type: "text", value: "7" } } });
  const follow = buildRequest("record_follow_up", ["c-1", { channel: "call", nextFollowUpAt: nextAt }], { baseUrl: url, credential: "c" });
  assert.deepEqual(JSON.parse(follow.body), { customer_id: "c-1", follow_up: { channel: "call", next_follow_up_at: nextAt.toISOString() } });
  assert.deepEqual(buildRequest("create_customer", [{ name: "Beta" }], { baseUrl: `${url}/`, credential: "c" }).url, `${url}/v1/ops/create_customer`);

  const response = await fetch(request.url, request);
  const { customer } = readResponse("create_customer", response.status, await response.text());
  assert.equal(customer.name, "Beta");
  assert.ok(customer.createdAt instanceof Date);
  assert.deepEqual(customer.customFields, { po_number: { type: "text", value: "7" } });

  // Errors in the server's form are the in-process CrmErrors, details in JS spelling.
  const e = (() => {
    try {
      readResponse("claim_customer", 409, JSON.stringify({ code: "COOL_DOWN", message: "cooling down", details: { customer_id: "c-1", user_id: "u-2", until: "2026-03-09T00:00:00Z" } }));
    } catch (err) {
      return err;
    }
  })();
  assert.ok(e instanceof CrmError);
  assert.deepEqual({ code: e.code, details: e.details }, { code: "COOL_DOWN", details: { customerId: "c-1", userId: "u-2", until: new Date("2026-03-09T00:00:00Z") } });
  assert.throws(
    () => readResponse("update_opportunity", 422, JSON.stringify({ code: "INVALID_INPUT", message: "invalid patch.expected_close: bad", details: { field: "patch.expected_close", reason: "bad" } })),
    (err) => err instanceof CrmError && err.message === "invalid patch.expectedClose: bad" && err.details.field === "patch.expectedClose",
  );
  assert.throws(() => readResponse("customers", 502, "<html>Bad Gateway</html>"), (err) => err instanceof CrmError && err.code === "UNEXPECTED_RESPONSE" && err.details.status === 502);
  assert.equal(readResponse("delete_pool", 200, "null"), undefined);
  assert.throws(() => buildRequest("customer", [42], { baseUrl: url, credential: "c" }), (err) => err instanceof CrmError && err.details.field === "id");
  assert.throws(() => buildRequest("no_such_op", [], { baseUrl: url, credential: "c" }), (err) => err instanceof CrmError && err.details.field === "op");
  assert.throws(() => buildRequest("customers", [], { baseUrl: "ftp://x", credential: "c" }), (err) => err instanceof CrmError && err.details.field === "baseUrl");
  const revoke = buildRequest("revoke_token", ["tk/1", 3], { baseUrl: url, credential: "c" });
  assert.deepEqual([revoke.method, revoke.url, revoke.body], ["POST", `${url}/v1/tokens/tk%2F1/revoke`, '{"expected_version":3}']);
  const whoami = buildRequest("whoami", [], { baseUrl: url, credential: "c" });
  assert.deepEqual([whoami.method, whoami.body, whoami.headers["content-type"]], ["GET", undefined, undefined]);

  // The server's own codes come back as CrmErrors too.
  for (const [path, method, code, status] of [["/v1/nothing", "GET", "UNKNOWN_ROUTE", 404], ["/v1/ops/customers", "GET", "METHOD_NOT_ALLOWED", 405]]) {
    const raw = await fetch(url + path, { method, headers: request.headers });
    const text = await raw.text();
    assert.equal(raw.status, status);
    assert.throws(() => readResponse("customers", raw.status, text), (err) => err instanceof CrmError && err.code === code && typeof err.message === "string");
  }
  const big = await rejection(new RemoteCrm(url, rep.credential).recordFollowUp(undefined, customer.id, { channel: "call", note: "x".repeat(200_000) }), "BODY_TOO_LARGE");
  assert.deepEqual(big.details, {});
});

test("a server that cannot be reached: UNREACHABLE, with the cause", async () => {
  const remote = new RemoteCrm(`http://127.0.0.1:${await deadPort()}`, "crm1.x.y.z");
  const e = await rejection(remote.me(), "UNREACHABLE");
  assert.ok(e.cause instanceof Error, "the fetch failure is the cause");
  assert.match(e.details.url, /\/v1\/whoami$/);
  const thrown = await rejection(new RemoteCrm("http://h.invalid", "c", { fetch: () => { throw new TypeError("offline"); } }).users(), "UNREACHABLE");
  assert.equal(thrown.cause.message, "offline");
});

test("RemoteCrm needs no engine: the browser entry works without init()", () => {
  const entry = new URL("../../pkg/index.js", import.meta.url).href;
  const script = `
    import { RemoteCrm, CrmError, Crm } from ${JSON.stringify(entry)};
    const fetch = async () => new Response(JSON.stringify([{ id: "t-1", name: "Sales", created_at: "2026-03-02T01:00:00Z", version: 1 }]), { status: 200 });
    const teams = await new RemoteCrm("http://127.0.0.1:1", "crm1.a.b.c", { fetch }).teams();
    let refused = "";
    try { new Crm(); } catch (e) { refused = e instanceof CrmError && e.code; }
    console.log(JSON.stringify({ at: teams[0].createdAt instanceof Date, refused }));`;
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  assert.equal(run.stderr, "");
  assert.deepEqual(JSON.parse(run.stdout), { at: true, refused: "INVALID_STATE" });
});
