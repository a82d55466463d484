// Replays every parity scenario through the JavaScript API of the Node build, and checks the
// error classes and that failing calls change nothing.
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const {
  Crm, CrmError, slaDue, slaDueBatch, slaElapsed, slaTicketStatus, slaWorkingAt,
  rfmScore, rfmMovements, rfmFlows, rfmChurnWarnings, performance, leaderboard, commissionStatement,
} = require("../../pkg/node/crm_wasm.js");

const dir = path.join(__dirname, "..", "..", "..", "tests", "scenarios");
const files = fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort();

const camel = (k) => k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
// Maps keyed by data: custom field names, customer levels, rep ids (`current` only under `state`).
const isDataMap = (parent, k) => ["custom_fields", "days_by_level", "usage", "fields"].includes(k) || (parent === "state" && k === "current") || (parent === "quota" && k === "reps");
// Keys to camelCase, except the keys of data maps and SLA target tables (performance targets are a
// list of records, converted like any other).
function toJs(value, data = false, parent = null) {
  if (Array.isArray(value)) return value.map((v) => toJs(v));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => {
        if (data) return [k, toJs(v)];
        if (k === "targets" && v && typeof v === "object" && !Array.isArray(v)) return [k, v];
        return [camel(k), toJs(v, isDataMap(parent, k), k)];
      }),
    );
  }
  return value;
}

const isInstant = (s) => typeof s === "string" && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(s);

function match(expected, actual, at = "$") {
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual) && actual.length === expected.length, `at ${at}: expected ${expected.length} items, got ${JSON.stringify(actual)}`);
    expected.forEach((e, i) => match(e, actual[i], `${at}[${i}]`));
  } else if (expected && typeof expected === "object") {
    assert.ok(actual && typeof actual === "object", `at ${at}: expected an object, got ${JSON.stringify(actual)}`);
    for (const [k, e] of Object.entries(expected)) match(e, actual[k], `${at}.${k}`);
  } else if (actual instanceof Date) {
    assert.ok(isInstant(expected), `at ${at}: got a Date, expected ${expected}`);
    assert.equal(actual.getTime(), new Date(expected).getTime(), `at ${at}`);
  } else if (expected === null) {
    assert.ok(actual === null || actual === undefined, `at ${at}: expected null, got ${JSON.stringify(actual)}`);
  } else {
    assert.equal(actual, expected, `at ${at}`);
  }
}

// Scenario steps to typed method calls.
const ops = {
  bootstrap: (c, _, a) => c.bootstrap(a.adminName, a.settings),
  settings: (c) => c.settings(),
  update_settings: (c, u, a) => c.updateSettings(u, a.settings),
  create_team: (c, u, a) => c.createTeam(u, a.name),
  teams: (c, u) => c.teams(u),
  create_user: (c, u, a) => c.createUser(u, a),
  user: (c, u, a) => c.user(u, a.id),
  users: (c, u) => c.users(u),
  deactivate_user: (c, u, a) => c.deactivateUser(u, a.id, a.reason),
  create_customer: (c, u, a) => c.createCustomer(u, a),
  customer: (c, u, a) => c.customer(u, a.id),
  customers: (c, u) => c.customers(u),
  update_customer: (c, u, a) => c.updateCustomer(u, a.id, a.expectedVersion, a.patch),
  transfer_customer: (c, u, a) => c.transferCustomer(u, a.id, a.expectedVersion, a.to, a.reason),
  add_contact: (c, u, a) => c.addContact(u, a.customerId, a.contact),
  contacts: (c, u, a) => c.contacts(u, a.customerId),
  record_follow_up: (c, u, a) => c.recordFollowUp(u, a.customerId, {
    ...a.followUp,
    ...(a.followUp.at ? { at: new Date(a.followUp.at) } : {}),
    ...(a.followUp.nextFollowUpAt ? { nextFollowUpAt: new Date(a.followUp.nextFollowUpAt) } : {}),
  }),
  follow_ups: (c, u, a) => c.followUps(u, a.customerId),
  overdue_follow_ups: (c, u, a) => c.overdueFollowUps(u, a.repId),
  find_duplicates: (c, u, a) => c.findDuplicates(u, a),
  duplicates_of: (c, u, a) => c.duplicatesOf(u, a.customerId),
  merge_customers: (c, u, a) => c.mergeCustomers(u, a.survivorId, a.mergedId),
  handover: (c, u, a) => c.handover(u, a.from, a.to, a.reason),
  ownership_history: (c, u, a) => c.ownershipHistory(u, a.customerId),
  customer_events: (c, u, a) => c.customerEvents(u, a.customerId),
  events: (c, u, a) => c.events(u, a.after, a.limit),
  create_pool: (c, u, a) => c.createPool(u, a),
  pools: (c, u) => c.pools(u),
  update_pool_rules: (c, u, a) => c.updatePoolRules(u, a.poolId, a.expectedVersion, a.rules),
  delete_pool: (c, u, a) => c.deletePool(u, a.poolId),
  pool_customers: (c, u, a) => c.poolCustomers(u, a.poolId),
  claim_customer: (c, u, a) => c.claimCustomer(u, a.customerId),
  claim_customers: (c, u, a) => c.claimCustomers(u, a.customerIds),
  release_customer: (c, u, a) => c.releaseCustomer(u, a.customerId, a.reason),
  move_to_pool: (c, u, a) => c.moveToPool(u, a.customerId, a.poolId, a.reason),
  lock_customer: (c, u, a) => c.lockCustomer(u, a.customerId, a.days),
  unlock_customer: (c, u, a) => c.unlockCustomer(u, a.customerId),
  sweep_pools: (c, u) => c.sweepPools(u),
  recycle_warnings: (c, u, a) => c.recycleWarnings(u, a.ownerId),
  create_allocator: (c, u, a) => c.createAllocator(u, a),
  allocators: (c, u) => c.allocators(u),
  capture_lead: (c, u, a) => c.captureLead(u, a),
  lead: (c, u, a) => c.lead(u, a.id),
  leads: (c, u) => c.leads(u),
  allocate_leads: (c, u, a) => c.allocateLeads(u, a.allocatorId, a.leadIds, { reassignOwned: a.reassignOwned }),
  convert_lead: (c, u, a) => c.convertLead(u, a.leadId, { opportunity: a.opportunity }),
  create_opportunity: (c, u, a) => c.createOpportunity(u, a.customerId, a.opportunity),
  close_opportunity: (c, u, a) => c.closeOpportunity(u, a.opportunityId, { won: a.won, lostReason: a.lostReason }),
  opportunities: (c, u, a) => c.opportunities(u, a.customerId),
  save_pipeline: (c, u, a) => c.savePipeline(u, a.pipeline),
  pipelines: (c, u) => c.pipelines(u),
  opportunity: (c, u, a) => c.opportunity(u, a.id),
  all_opportunities: (c, u) => c.allOpportunities(u),
  move_opportunity: (c, u, a) => c.moveOpportunity(u, a.opportunityId, a.stage, { lostReason: a.lostReason, expectedVersion: a.expectedVersion }),
  update_opportunity: (c, u, a) => c.updateOpportunity(u, a.opportunityId, a.expectedVersion, a.patch),
  record_opportunity_activity: (c, u, a) => c.recordOpportunityActivity(u, a.opportunityId, a.note),
  forecast: (c, u, a) => c.forecast(u, a.periodKind, a.asOf === undefined ? undefined : new Date(a.asOf)),
  stage_conversion: (c, u, a) => c.stageConversion(u, a.pipelineId),
  time_in_stage: (c, u, a) => c.timeInStage(u, a.pipelineId),
  sales_velocity: (c, u, a) => c.salesVelocity(u, new Date(a.from), new Date(a.to)),
  rotting_opportunities: (c, u) => c.rottingOpportunities(u),
  create_contract: (c, u, a) => c.createContract(u, a.opportunityId, a.contract),
  contract: (c, u, a) => c.contract(u, a.id),
  contracts: (c, u) => c.contracts(u),
  record_payment: (c, u, a) => c.recordPayment(u, a.contractId, a.payment, a.expectedVersion),
  record_refund: (c, u, a) => c.recordRefund(u, a.contractId, a.refund, a.expectedVersion),
  cancel_contract: (c, u, a) => c.cancelContract(u, a.contractId, a.reason),
  overdue_instalments: (c, u) => c.overdueInstalments(u),
  outstanding_balances: (c, u, a) => c.outstandingBalances(u, a.by),
  commission_statements: (c, u, a) => c.commissionStatements(u, a.period, a.planToml === undefined ? { plan: a.plan } : { planToml: a.planToml }),
  sla_due: (_, __, a) => ({ dueAt: slaDue(a.calendar, a.start, a.minutes) }),
  sla_due_batch: (_, __, a) => Array.from(
    slaDueBatch(a.calendar, Float64Array.from(a.starts, (s) => Date.parse(s)), Float64Array.from(a.minutes)),
    (ms) => new Date(ms),
  ),
  sla_elapsed: (_, __, a) => ({ elapsedMs: slaElapsed(a.calendar, new Date(a.from), a.to) }),
  sla_working_at: (_, __, a) => slaWorkingAt(a.calendar, new Date(a.at)),
  sla_ticket_status: (_, __, a) => slaTicketStatus(a.calendar, a.policy, a.history, new Date(a.now)),
  rfm_score: (_, __, a) => rfmScore(a.orders, a.asOf, a.config),
  rfm_movements: (_, __, a) => rfmMovements(a.before, a.after),
  rfm_flows: (_, __, a) => rfmFlows(a.before, a.after),
  rfm_churn_warnings: (_, __, a) => rfmChurnWarnings(a.before, a.after, a.rule),
  performance: (_, __, a) => performance(a.targets, a.achievements, a.basis),
  leaderboard: (_, __, a) => leaderboard(a.targets, a.achievements, a.basis, a.period, a.teams),
  commission_statement: (_, __, a) => commissionStatement(a),
};

test("every core operation has a typed method", () => {
  assert.deepEqual(Object.keys(ops).sort(), Crm.operations().sort());
});

for (const file of files) {
  test(`scenario ${file}`, () => {
    const scenario = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8"));
    const crm = new Crm({ now: new Date(scenario.start) });
    scenario.steps.forEach((step, i) => {
      const where = `${file} step ${i + 1} (${step.op})`;
      const args = toJs(step.args ?? {});
      if (step.op === "set_now") return crm.setNow(args.now);
      let result;
      try {
        result = ops[step.op](crm, step.actor ?? "", args);
      } catch (e) {
        assert.ok(e instanceof CrmError && e instanceof Error, `${where}: not a CrmError: ${e}`);
        assert.ok(step.error, `${where}: unexpected ${e.code}: ${e.message}`);
        assert.equal(e.code, step.error, `${where}: ${e.message}`);
        return;
      }
      assert.ok(!step.error, `${where}: expected ${step.error}, got success`);
      if (step.expect !== undefined) match(toJs(step.expect), result, where);
    });
  });
}

test("the batch SLA path takes and returns typed arrays", () => {
  const cal = 'timezone = "Asia/Shanghai"\n[week]\nmon = ["09:00-12:00", "13:30-18:00"]\n';
  const start = Date.parse("2026-09-14T11:00:00+08:00");
  const due = slaDueBatch(cal, new Float64Array([start, start]), new Float64Array([60, 120]));
  assert.ok(due instanceof Float64Array);
  assert.deepEqual(Array.from(due), [Date.parse("2026-09-14T12:00:00+08:00"), Date.parse("2026-09-14T14:30:00+08:00")], "one hour from 11:00 runs out at noon, not after lunch");
  assert.throws(() => slaDue(cal.replace("18:00", "28:00"), new Date(start), 5), (e) => e instanceof CrmError && /line 3/.test(e.message));
  assert.throws(() => slaDue(cal, new Date(start), 1.5), (e) => e.code === "INVALID_INPUT");
});

test("errors are CrmError instances with codes and details, and change nothing", () => {
  const crm = new Crm({ now: "2026-03-02T09:00:00+08:00" });
  const admin = crm.bootstrap("Ada");
  const rep = crm.createUser(admin.id, { name: "Li", role: "rep" });
  const { customer } = crm.createCustomer(rep.id, { name: "Acme", phones: ["13800138000"] });
  assert.ok(customer.createdAt instanceof Date);
  const err = assert.throws(() => crm.updateCustomer(rep.id, customer.id, 9, { name: "Stale" }), CrmError);
  let caught;
  try { crm.updateCustomer(rep.id, customer.id, 9, { name: "Stale" }); } catch (e) { caught = e; }
  assert.equal(caught.code, "VERSION_CONFLICT");
  assert.equal(caught.name, "CrmError");
  assert.deepEqual([caught.details.expected, caught.details.actual], [9, 1]);
  assert.throws(() => crm.createCustomer(rep.id, { name: "X", phones: ["12"] }), (e) => e.code === "INVALID_PHONE");
  assert.throws(() => crm.customer(rep.id, "c-404"), (e) => e instanceof Error && e.code === "NOT_FOUND");
  assert.throws(() => crm.createCustomer(rep.id, { name: "Y", ownerId: 5 }), (e) => e.code === "INVALID_INPUT");
  assert.throws(() => new Crm().setNow(new Date()), (e) => e.code === "INVALID_STATE");
  assert.deepEqual(crm.customer(rep.id, customer.id), customer);
  assert.equal(crm.customers(admin.id).length, 1);
  void err;
});
