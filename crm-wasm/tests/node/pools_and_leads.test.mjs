// Public pools, claims, recycling, leads and allocation through the methods of the package:
// refusals are CrmErrors with typed details, instants are Dates, and the keys of data maps
// (customer levels, rep ids, custom field names) keep their spelling.
import test from "node:test";
import assert from "node:assert/strict";
import { Crm } from "../../pkg/node.js";
import { refusal } from "./refusal.mjs";

const DAY = 864e5;
const HOUR = 36e5;

function organisation(settings) {
  const crm = new Crm({ now: "2026-03-02T01:00:00Z" });
  const admin = crm.bootstrap("Ada", settings);
  const team = crm.createTeam(admin.id, "East");
  const li = crm.createUser(admin.id, { name: "Li Lei", role: "rep", teamId: team.id });
  const han = crm.createUser(admin.id, { name: "Han Meimei", role: "rep", teamId: team.id });
  return { crm, admin, team, li, han };
}

test("claims: waiting period, ALREADY_OWNED as a CrmError, all-or-nothing batches, cool-down", () => {
  const { crm, admin, team, li, han } = organisation({
    timezone: "Asia/Shanghai",
    duplicates: { onCreate: "warn", nameThreshold: 0.85 },
    claims: { dailyLimit: 5, caps: [{ scope: { type: "team", teamId: "t-1" }, maxOwned: 10 }] },
    version: 0,
  });
  const settings = crm.settings();
  assert.deepEqual(settings.claims, { dailyLimit: 5, caps: [{ scope: { type: "team", teamId: team.id }, maxOwned: 10, countWon: false }] });
  assert.deepEqual(settings.locks, { maxLocked: null, maxDays: null });
  assert.equal(settings.defaultPoolId, null);

  const pool = crm.createPool(admin.id, { name: "East pool", memberTeamIds: [team.id], rules: { waitingHours: 2, coolDownDays: 7 } });
  assert.ok(pool.createdAt instanceof Date);
  assert.deepEqual(pool.rules, { coolDownDays: 7, waitingHours: 2, recycle: [], exemptWon: true, exemptOpenOpportunity: true, warnDays: 0 });
  assert.deepEqual(crm.pools(li.id).map((p) => p.id), [pool.id]);

  const alpha = crm.createCustomer(admin.id, { name: "Alpha Foods", poolId: pool.id }).customer;
  assert.equal(alpha.ownerId, null);
  assert.ok(alpha.pooledAt instanceof Date);
  assert.equal(alpha.lockedUntil, null);
  assert.equal(alpha.openOpportunities, 0);

  const waiting = refusal(() => crm.claimCustomer(li.id, alpha.id), "WAITING_PERIOD");
  assert.equal(waiting.details.customerId, alpha.id);
  assert.ok(waiting.details.until instanceof Date);
  assert.equal(waiting.details.until.getTime(), alpha.pooledAt.getTime() + 2 * HOUR);

  crm.setNow("2026-03-02T03:00:00Z");
  const claimed = crm.claimCustomer(li.id, alpha.id);
  assert.equal(claimed.ownerId, li.id);
  assert.equal(claimed.ownedSince.toISOString(), "2026-03-02T03:00:00.000Z");

  const owned = refusal(() => crm.claimCustomer(han.id, alpha.id), "ALREADY_OWNED");
  assert.deepEqual(owned.details, { customerId: alpha.id, ownerId: li.id });
  assert.match(owned.message, /already owned/);
  assert.deepEqual(crm.customer(admin.id, alpha.id), claimed, "a refused claim changes nothing");

  // A batch with one refusal claims nothing.
  const beta = crm.createCustomer(admin.id, { name: "Beta Steel", poolId: pool.id }).customer;
  crm.setNow("2026-03-02T05:00:00Z");
  refusal(() => crm.claimCustomers(han.id, [beta.id, alpha.id]), "ALREADY_OWNED");
  assert.deepEqual(crm.poolCustomers(han.id, pool.id).map((c) => c.id), [beta.id]);
  assert.deepEqual(crm.claimCustomers(han.id, [beta.id]).map((c) => c.ownerId), [han.id]);

  // Released customers go back to the pool; the previous owner waits out the cool-down.
  const released = crm.releaseCustomer(li.id, alpha.id, "not a fit");
  assert.equal(released.ownerId, null);
  assert.equal(released.previousOwnerId, li.id);
  crm.setNow("2026-03-02T08:00:00Z");
  const coolDown = refusal(() => crm.claimCustomer(li.id, alpha.id), "COOL_DOWN");
  assert.equal(coolDown.details.userId, li.id);
  assert.equal(coolDown.details.until.getTime(), released.pooledAt.getTime() + 7 * DAY);
  assert.equal(crm.claimCustomer(han.id, alpha.id).ownerId, han.id);

  const history = crm.ownershipHistory(admin.id, alpha.id).map((h) => [h.fromOwnerId, h.toOwnerId, h.cause]);
  assert.deepEqual(history, [[null, li.id, "claimed"], [li.id, null, "released"], [null, han.id, "claimed"]]);
});

test("a sweep recycles by rule and level, with Dates and figures; locks protect; a second sweep does nothing", () => {
  const { crm, admin, li } = organisation(undefined);
  const t0 = crm.now().getTime();
  const pool = crm.createPool(admin.id, {
    name: "Key accounts",
    memberIds: [li.id],
    rules: { warnDays: 3, recycle: [{ kind: "no_follow_up", days: 30, daysByLevel: { Key_Account: 10, vip_gold: 20 } }] },
  });
  // Level names are data: they keep their spelling both ways.
  assert.deepEqual(pool.rules.recycle[0].daysByLevel, { Key_Account: 10, vip_gold: 20 });
  assert.deepEqual(crm.pools(admin.id)[0].rules.recycle[0].daysByLevel, { Key_Account: 10, vip_gold: 20 });

  const owned = (name, level) => crm.createCustomer(admin.id, { name, level, ownerId: li.id, poolId: pool.id }).customer;
  const key = owned("Key Account Co", "Key_Account");
  const gold = owned("Gold Co", "vip_gold");
  const plain = owned("Plain Co");
  const locked = crm.lockCustomer(li.id, owned("Locked Co", "Key_Account").id, 30);
  assert.ok(locked.locked && locked.lockedUntil instanceof Date);
  assert.equal(locked.lockedUntil.getTime(), t0 + 30 * DAY);

  crm.setNow(new Date(t0 + 8 * DAY));
  const warnings = crm.recycleWarnings(li.id);
  assert.deepEqual(warnings.map((w) => w.customerId), [key.id]);
  const [warning] = warnings;
  assert.equal(warning.ownerId, li.id);
  assert.equal(warning.poolId, pool.id);
  assert.deepEqual(warning.due, { rule: "no_follow_up", days: 10, level: "Key_Account", clockStart: new Date(t0), dueAt: new Date(t0 + 10 * DAY), lockedUntil: null });
  assert.deepEqual(crm.recycleWarnings(admin.id, li.id), warnings);
  assert.deepEqual(crm.recycleWarnings(admin.id, admin.id), []);

  crm.setNow(new Date(t0 + 10 * DAY));
  refusal(() => crm.sweepPools(li.id), "PERMISSION_DENIED");
  const report = crm.sweepPools(admin.id);
  assert.ok(report.at instanceof Date && report.at.getTime() === t0 + 10 * DAY);
  assert.deepEqual(report.recycled.map((r) => [r.customerId, r.customerName, r.ownerId, r.poolId]), [[key.id, "Key Account Co", li.id, pool.id]]);
  assert.ok(report.recycled[0].due.clockStart instanceof Date && report.recycled[0].due.dueAt instanceof Date);
  assert.deepEqual(crm.sweepPools(admin.id).recycled, [], "a second sweep at the same instant changes nothing");

  const back = crm.customer(admin.id, key.id);
  assert.equal(back.ownerId, null);
  assert.equal(back.previousOwnerId, li.id);
  assert.equal(back.pooledAt.getTime(), t0 + 10 * DAY);
  const event = crm.customerEvents(admin.id, key.id).map((e) => e.kind).find((k) => k.type === "customer_recycled");
  assert.ok(event, "a customer_recycled event");
  assert.equal(event.days, 10);
  assert.equal(event.rule, "no_follow_up");
  assert.ok(event.clockStart instanceof Date && event.dueAt instanceof Date);

  // Gold's level waits 20 days, the plain customer 30; the lock holds until it ends.
  crm.setNow(new Date(t0 + 20 * DAY));
  assert.deepEqual(crm.sweepPools(admin.id).recycled.map((r) => [r.customerId, r.due.days]), [[gold.id, 20]]);
  crm.setNow(new Date(t0 + 30 * DAY));
  const last = crm.sweepPools(admin.id).recycled;
  assert.deepEqual(last.map((r) => r.customerId).sort(), [plain.id, locked.id].sort());
  const held = last.find((r) => r.customerId === locked.id).due;
  assert.equal(held.dueAt.getTime(), t0 + 10 * DAY);
  assert.ok(held.lockedUntil instanceof Date && held.lockedUntil.getTime() === t0 + 30 * DAY, "the lock held it past its due time");
});

test("leads are allocated by rules in one batch; usage is keyed by rep id; conversion opens an opportunity", () => {
  const { crm, admin, team, li, han } = organisation(undefined);
  const manager = crm.createUser(admin.id, { name: "Mgr", role: "manager", teamId: team.id });
  const allocator = crm.createAllocator(admin.id, {
    name: "Inbound",
    strategy: {
      type: "rules",
      rules: [{ name: "large deals to Han", conditions: [{ field: "deal_size", oneOf: ["large"] }], target: { type: "reps", repIds: [han.id], strategy: { type: "least_loaded" } } }],
      default: { type: "reps", repIds: [li.id, han.id], strategy: { type: "weighted" } },
    },
    reps: [{ repId: li.id, weight: 2 }, { repId: han.id, dailyCap: 2 }],
  });
  assert.deepEqual(allocator.reps, [
    { repId: li.id, weight: 2, dailyCap: null, totalCap: null },
    { repId: han.id, weight: 1, dailyCap: 2, totalCap: null },
  ]);
  assert.equal(allocator.strategy.type, "rules");

  const large = { deal_size: { type: "text", value: "large" } };
  const captured = crm.captureLead(admin.id, { name: "Big Lead", customFields: large, phones: ["13800000001"] });
  assert.equal(captured.lead.status, "open");
  assert.deepEqual(captured.lead.customFields, large, "custom field names keep their spelling");
  assert.ok(captured.lead.createdAt instanceof Date);
  const l2 = crm.captureLead(admin.id, { name: "Lead Two", source: "web" }).lead;
  const l3 = crm.captureLead(admin.id, { name: "Lead Three", source: "web" }).lead;

  refusal(() => crm.allocateLeads(li.id, allocator.id, [l2.id]), "PERMISSION_DENIED");
  const placed = crm.allocateLeads(manager.id, allocator.id, [captured.lead.id, l2.id, l3.id]);
  assert.deepEqual(placed.map((a) => [a.leadId, a.placement]), [
    [captured.lead.id, { type: "rep", repId: han.id }],
    [l2.id, { type: "rep", repId: li.id }],
    [l3.id, { type: "rep", repId: han.id }],
  ]);
  assert.match(placed[0].reason, /large deals to Han/);

  const [stored] = crm.allocators(manager.id);
  assert.deepEqual(Object.keys(stored.usage).sort(), [han.id, li.id].sort());
  assert.deepEqual(stored.usage[han.id], { day: "2026-03-02", today: 2, total: 2 });
  assert.deepEqual(stored.usage[li.id], { day: "2026-03-02", today: 1, total: 1 });
  assert.deepEqual(Object.keys(stored.state.current).sort(), [han.id, li.id].sort());

  // Han is at his daily cap: the whole batch fails and nothing changes.
  const l4 = crm.captureLead(admin.id, { name: "Another Big One", customFields: large }).lead;
  const full = refusal(() => crm.allocateLeads(manager.id, allocator.id, [l4.id]), "NO_ELIGIBLE_REP");
  assert.equal(full.details.leadId, l4.id);
  assert.equal(typeof full.details.reason, "string");
  assert.equal(crm.lead(admin.id, l4.id).ownerId, null);
  assert.deepEqual(crm.allocators(manager.id)[0], stored);
  // Owned leads are kept unless reassigned.
  assert.deepEqual(crm.allocateLeads(manager.id, allocator.id, [l2.id])[0].placement, { type: "kept", ownerId: li.id });
  assert.deepEqual(crm.leads(li.id).map((l) => l.id), [l2.id]);

  const conversion = crm.convertLead(li.id, l2.id, { name: "First order", amount: "1250.50" });
  assert.equal(conversion.lead.status, "converted");
  assert.equal(conversion.lead.customerId, conversion.customer.id);
  assert.equal(conversion.customer.ownerId, li.id);
  assert.equal(conversion.customer.openOpportunities, 1);
  const opportunity = conversion.opportunity;
  assert.equal(opportunity.amount, "1250.50");
  assert.equal(opportunity.status, "open");
  assert.ok(opportunity.createdAt instanceof Date);
  assert.equal(opportunity.closedAt, null);
  refusal(() => crm.convertLead(li.id, l2.id), "INVALID_STATE");

  // A lost opportunity needs a reason (TypeScript says so too; plain JavaScript hears it here).
  refusal(() => crm.closeOpportunity(li.id, opportunity.id, false), "INVALID_INPUT");
  const lost = crm.closeOpportunity(li.id, opportunity.id, false, "budget cut");
  assert.equal(lost.status, "lost");
  assert.equal(lost.lostReason, "budget cut");
  assert.ok(lost.closedAt instanceof Date);
  const second = crm.createOpportunity(li.id, conversion.customer.id, { name: "Second order", amount: "80" });
  const won = crm.closeOpportunity(li.id, second.id, true);
  assert.equal(won.status, "won");
  const customer = crm.customer(li.id, conversion.customer.id);
  assert.equal(customer.dealStatus, "won");
  assert.equal(customer.openOpportunities, 0);
  assert.ok(customer.lastWonAt instanceof Date);
  assert.deepEqual(crm.opportunities(li.id, customer.id).map((o) => o.status), ["lost", "won"]);
});

test("methods: optional arguments may be left out, inputs must be objects, deletePool gives undefined", () => {
  const { crm, admin, li } = organisation(undefined);
  const pool = crm.createPool(admin.id, { name: "Spare" });
  const input = refusal(() => crm.createPool(admin.id, "Spare"), "INVALID_INPUT");
  assert.equal(input.details.field, "input");
  refusal(() => crm.claimCustomers(li.id, []), "INVALID_INPUT");

  const { customer } = crm.createCustomer(li.id, { name: "Open Lock Co" });
  const locked = crm.lockCustomer(li.id, customer.id);
  assert.equal(locked.locked, true);
  assert.equal(locked.lockedUntil, null, "no days and no maximum: locked until unlocked");
  refusal(() => crm.lockCustomer(li.id, customer.id), "INVALID_STATE");
  const unlocked = crm.unlockCustomer(li.id, customer.id);
  assert.equal(unlocked.locked, false);
  const kinds = crm.customerEvents(li.id, customer.id).map((e) => e.kind);
  assert.deepEqual(kinds.filter((k) => k.type === "customer_locked"), [{ type: "customer_locked", customerId: customer.id, until: null }]);

  const lead = crm.captureLead(admin.id, { name: "Walk-in", ownerId: li.id }).lead;
  const conversion = crm.convertLead(li.id, lead.id);
  assert.equal(conversion.opportunity, null);

  assert.equal(crm.deletePool(admin.id, pool.id), undefined);
  assert.deepEqual(crm.pools(admin.id), []);
  refusal(() => crm.deletePool(admin.id, pool.id), "NOT_FOUND");
});
