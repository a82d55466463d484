// Pipelines, contracts and commission through the package: typed errors for refused moves, dates
// as "YYYY-MM-DD" text, instants as Dates, decimals as strings, one call per commission batch.
import test from "node:test";
import assert from "node:assert/strict";
import { Crm, commissionStatement } from "../../pkg/node.js";
import { refusal } from "./refusal.mjs";

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
  const guard = refusal(() => crm.moveOpportunity(rep.id, o.id, o.version, "proposal"), "REQUIRED_FIELDS_MISSING");
  assert.deepEqual(guard.details, { opportunityId: o.id, stage: "proposal", fields: ["expected_close"] });
  assert.deepEqual(crm.opportunity(rep.id, o.id), o, "a refused move changes nothing");
  const dated = crm.updateOpportunity(rep.id, o.id, o.version, { expectedClose: "2026-04-30", fields: { po_number: "PO-1" } });
  assert.deepEqual(dated.fields, { po_number: "PO-1" }, "custom field names keep their spelling");
  assert.equal(dated.expectedClose, "2026-04-30");
  const proposal = crm.moveOpportunity(rep.id, o.id, dated.version, "proposal");
  assert.equal(proposal.history.at(-1).probability, "50");
  refusal(() => crm.moveOpportunity(rep.id, o.id, proposal.version, "lost"), "INVALID_INPUT");
  const lost = crm.moveOpportunity(rep.id, o.id, proposal.version, "lost", "price");
  assert.equal(lost.status, "lost");
  assert.ok(lost.closedAt instanceof Date);
  const reopen = refusal(() => crm.moveOpportunity(rep.id, o.id, lost.version, "qualify"), "TRANSITION_NOT_ALLOWED");
  assert.equal(reopen.details.toStage, "qualify");
  assert.equal(reopen.details.fromStage, "lost");
  assert.equal(crm.moveOpportunity(admin.id, o.id, lost.version, "qualify").status, "open");
  const rows = crm.forecast(admin.id, "month");
  assert.deepEqual(rows.map((r) => [r.period, r.open, r.weighted]), [["2026-04", 1, "100.00"]]);
  assert.equal(crm.stageConversion(admin.id, "default")[0].fromStage, "qualify");
  assert.equal(crm.pipelines(rep.id)[0].id, "default");
});

test("a contract collects payments matched to instalments and lists what is overdue", () => {
  const { crm, admin, rep, customer } = org();
  const o = crm.createOpportunity(rep.id, customer.id, { name: "ERP", amount: "900" });
  crm.closeOpportunity(rep.id, o.id, true);
  const k = crm.createContract(rep.id, o.id, {
    signedOn: "2026-03-02",
    instalments: [{ dueDate: "2026-03-10", amount: "300" }, { dueDate: new Date("2026-04-10T00:00:00Z"), amount: "600" }],
  });
  assert.equal(k.status, "active");
  assert.deepEqual(k.instalments.map((i) => i.dueDate), ["2026-03-10", "2026-04-10"]);
  const paid = crm.recordPayment(rep.id, k.id, k.version, { receivedOn: "2026-03-02", amount: "400" });
  assert.deepEqual(paid.payments[0].allocations, [{ seq: 1, amount: "300" }, { seq: 2, amount: "100" }]);
  refusal(() => crm.recordPayment(rep.id, k.id, paid.version, { receivedOn: "2026-03-02", amount: "501" }), "INVALID_INPUT");
  const future = refusal(() => crm.recordPayment(rep.id, k.id, paid.version, { receivedOn: "2027-01-01", amount: "1" }), "INVALID_INPUT");
  assert.equal(future.details.field, "receivedOn");
  refusal(() => crm.recordPayment(rep.id, k.id, k.version, { receivedOn: "2026-03-02", amount: "1" }), "VERSION_CONFLICT");
  crm.setNow("2026-04-20T09:00:00+08:00");
  const overdue = crm.overdueInstalments(admin.id);
  assert.deepEqual(overdue.map((x) => [x.seq, x.open, x.daysOverdue]), [[2, "500", 10]]);
  assert.deepEqual(crm.outstandingBalances(admin.id, "rep").map((r) => [r.key, r.outstanding]), [[rep.id, "500"]]);
  const toml = 'name = "p"\nbase = "collected"\nperiod = "month"\n[rates]\ntype = "flat"\nrate = "10"';
  assert.equal(crm.commissionStatements(admin.id, "2026-03", undefined, toml)[0].total, "40.00");
});

test("commission statements from credits in one call, with typed refusals", () => {
  const plan = { name: "tiers", base: "booked", period: "month", rates: { type: "graduated", tiers: [{ lower: "0", upper: "5000", rate: "2" }, { lower: "5000", rate: "4" }] } };
  const credits = [
    { kind: "won", dealId: "d1", repId: "a", split: "60", date: new Date("2026-03-02T00:00:00Z"), amount: "10000" },
    { kind: "won", dealId: "d1", repId: "b", split: "40", date: "2026-03-02", amount: "10000" },
  ];
  const [a, b] = commissionStatement(credits, "2026-03", plan);
  assert.deepEqual([a.repId, a.total, b.total], ["a", "140.00", "80.00"]);
  assert.deepEqual(a.lines.map((l) => [l.tier, l.amount]), [[1, "100.00"], [2, "40.00"]]);
  const split = refusal(() => commissionStatement(credits.slice(0, 1), "2026-03", plan), "INVALID_INPUT");
  assert.match(split.details.field, /split/);
  assert.equal(commissionStatement(credits, "2026-03", plan, undefined, "b").length, 1);
});
