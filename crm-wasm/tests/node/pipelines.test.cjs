// Pipelines, contracts and commission through the JavaScript API: typed errors for refused moves,
// dates as Date objects, decimals as strings, one call per commission batch.
const test = require("node:test");
const assert = require("node:assert/strict");
const { Crm, CrmError, commissionStatement } = require("../../pkg/node/crm_wasm.js");

function org() {
  const crm = new Crm({ now: "2026-03-02T09:00:00+08:00" });
  const admin = crm.bootstrap("Ada");
  const rep = crm.createUser(admin.id, { name: "Li", role: "rep" });
  const { customer } = crm.createCustomer(rep.id, { name: "Acme" });
  return { crm, admin, rep, customer };
}

test("a deal moves through the pipeline with guards, a loss reason and the reopen permission", () => {
  const { crm, admin, rep, customer } = org();
  const o = crm.createOpportunity(rep.id, customer.id, { name: "ERP", amount: "1000.00" });
  assert.equal(o.stage, "qualify");
  assert.ok(o.history[0].enteredAt instanceof Date);
  let caught;
  try { crm.moveOpportunity(rep.id, o.id, "proposal"); } catch (e) { caught = e; }
  assert.ok(caught instanceof CrmError);
  assert.equal(caught.code, "REQUIRED_FIELDS_MISSING");
  assert.deepEqual(caught.details.fields, ["expected_close"]);
  assert.deepEqual(crm.opportunity(rep.id, o.id), o, "a refused move changes nothing");
  const dated = crm.updateOpportunity(rep.id, o.id, o.version, { expectedClose: "2026-04-30", fields: { po_number: "PO-1" } });
  assert.deepEqual(dated.fields, { po_number: "PO-1" }, "custom field names keep their spelling");
  const proposal = crm.moveOpportunity(rep.id, o.id, "proposal", { expectedVersion: dated.version });
  assert.equal(proposal.history.at(-1).probability, "50");
  assert.throws(() => crm.moveOpportunity(rep.id, o.id, "lost"), (e) => e.code === "INVALID_INPUT");
  const lost = crm.moveOpportunity(rep.id, o.id, "lost", { lostReason: "price" });
  assert.equal(lost.status, "lost");
  assert.ok(lost.closedAt instanceof Date);
  assert.throws(() => crm.moveOpportunity(rep.id, o.id, "qualify"), (e) => e.code === "TRANSITION_NOT_ALLOWED" && e.details.to === "qualify");
  assert.equal(crm.moveOpportunity(admin.id, o.id, "qualify").status, "open");
  const rows = crm.forecast(admin.id, "month");
  assert.deepEqual(rows.map((r) => [r.period, r.open, r.weighted]), [["2026-04", 1, "100.00"]]);
  assert.equal(crm.stageConversion(admin.id, "default")[0].from, "qualify");
  assert.equal(crm.pipelines(rep.id)[0].id, "default");
});

test("a contract collects payments matched to instalments and lists what is overdue", () => {
  const { crm, admin, rep, customer } = org();
  const o = crm.createOpportunity(rep.id, customer.id, { name: "ERP", amount: "900" });
  crm.closeOpportunity(rep.id, o.id, { won: true });
  const k = crm.createContract(rep.id, o.id, {
    signedOn: "2026-03-02",
    instalments: [{ dueDate: "2026-03-10", amount: "300" }, { dueDate: "2026-04-10", amount: "600" }],
  });
  assert.equal(k.status, "active");
  const paid = crm.recordPayment(rep.id, k.id, { receivedOn: "2026-03-02", amount: "400" }, k.version);
  assert.deepEqual(paid.payments[0].allocations, [{ seq: 1, amount: "300" }, { seq: 2, amount: "100" }]);
  assert.throws(() => crm.recordPayment(rep.id, k.id, { receivedOn: "2026-03-02", amount: "501" }), (e) => e.code === "INVALID_INPUT");
  crm.setNow("2026-04-20T09:00:00+08:00");
  const overdue = crm.overdueInstalments(admin.id);
  assert.deepEqual(overdue.map((x) => [x.seq, x.open, x.daysOverdue]), [[2, "500", 10]]);
  assert.deepEqual(crm.outstandingBalances(admin.id, "rep").map((r) => [r.key, r.outstanding]), [[rep.id, "500"]]);
  const statements = crm.commissionStatements(admin.id, "2026-03", { planToml: 'name = "p"\nbase = "collected"\nperiod = "month"\n[rates]\ntype = "flat"\nrate = "10"' });
  assert.equal(statements[0].total, "40.00");
});

test("commission statements from credits in one call, with typed refusals", () => {
  const plan = { name: "tiers", base: "booked", period: "month", rates: { type: "graduated", tiers: [{ from: "0", to: "5000", rate: "2" }, { from: "5000", rate: "4" }] } };
  const credits = [
    { kind: "won", dealId: "d1", repId: "a", split: "60", date: new Date("2026-03-02T00:00:00Z"), amount: "10000" },
    { kind: "won", dealId: "d1", repId: "b", split: "40", date: "2026-03-02", amount: "10000" },
  ];
  const [a, b] = commissionStatement({ plan, credits, period: "2026-03" });
  assert.deepEqual([a.repId, a.total, b.total], ["a", "140.00", "80.00"]);
  assert.deepEqual(a.lines.map((l) => [l.tier, l.amount]), [[1, "100.00"], [2, "40.00"]]);
  assert.throws(() => commissionStatement({ plan, credits: credits.slice(0, 1), period: "2026-03" }), (e) => e instanceof CrmError && e.code === "INVALID_INPUT" && /split/.test(e.details.field));
});
