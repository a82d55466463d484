// How JavaScript sees the engine: camelCase fields, Dates for instants, text for decimals and
// dates, data-map keys as given, CrmError with typed details whose field paths are spelled as in
// JS; bad input is refused by name and a refused call changes nothing.
import test from "node:test";
import assert from "node:assert/strict";
import { Crm, CrmError, slaDue, commissionStatement } from "../../pkg/node.js";
import { TYPES } from "../../pkg/generated/facts.js";
import { mismatches } from "../js/replay.js";
import { refusal } from "./refusal.mjs";

function org() {
  const crm = new Crm({ now: "2026-03-02T01:00:00Z" });
  const admin = crm.bootstrap("Ada");
  const rep = crm.createUser(admin.id, { name: "Li", role: "rep" });
  return { crm, admin, rep };
}

test("results: camelCase fields, Dates, decimal text, and data-map keys as given", () => {
  const { crm, rep } = org();
  const fields = { po_number: { type: "text", value: "PO-1" }, Budget2026: { type: "number", value: "125000.50" }, "交付日期": { type: "date", value: "2026-05-01" } };
  const { customer, duplicates } = crm.createCustomer(rep.id, { name: "Acme", phones: ["13800138000"], customFields: fields });
  assert.deepEqual(duplicates, []);
  assert.deepEqual(customer.customFields, fields);
  assert.ok(customer.createdAt instanceof Date);
  assert.equal(customer.createdAt.toISOString(), "2026-03-02T01:00:00.000Z");
  assert.equal(customer.ownerId, rep.id);
  assert.equal(customer.lockedUntil, null);
  assert.deepEqual(mismatches(TYPES, "Customer", customer), []);
  assert.deepEqual(crm.customer(rep.id, customer.id), customer);
});

test("arguments: instants as Dates or text, dates as text or Dates (their UTC day)", () => {
  const { crm, rep } = org();
  const { customer } = crm.createCustomer(rep.id, { name: "Acme" });
  const next = new Date("2026-03-09T02:00:00Z");
  const f = crm.recordFollowUp(rep.id, customer.id, { channel: "call", note: "hi", nextFollowUpAt: next });
  assert.equal(f.nextFollowUpAt.getTime(), next.getTime());
  const g = crm.recordFollowUp(rep.id, customer.id, { channel: "visit", note: "again", nextFollowUpAt: "2026-03-10T10:00:00+08:00" });
  assert.equal(g.nextFollowUpAt.getTime(), Date.parse("2026-03-10T02:00:00Z"));
  const o = crm.createOpportunity(rep.id, customer.id, { name: "ERP", amount: "1000.00", expectedClose: new Date("2026-04-30T23:30:00-04:00") });
  assert.equal(o.expectedClose, "2026-05-01", "a Date counts on its UTC day");
  assert.equal(o.amount, "1000.00");
});

test("bad input is refused with the field as JS spells it, before or inside the engine", () => {
  const { crm, admin, rep } = org();
  const { customer } = crm.createCustomer(rep.id, { name: "Acme" });
  const field = (fn) => refusal(fn, "INVALID_INPUT").details.field;
  assert.equal(field(() => crm.updateCustomer(rep.id, customer.id, customer.version, { nmae: "x" })), "patch.nmae");
  assert.equal(field(() => crm.createOpportunity(rep.id, customer.id, { name: "ERP", amount: 1000 })), "opportunity.amount");
  assert.equal(field(() => crm.createOpportunity(rep.id, customer.id, { name: "ERP", amount: "1", expectedClose: new Date(NaN) })), "opportunity.expectedClose");
  assert.equal(field(() => crm.createCustomer(rep.id, { name: "X", customFields: { a: { type: "money", value: "1" } } })), "customFields.a.type");
  assert.equal(field(() => crm.createUser(admin.id, { name: "Y", role: "boss" })), "role");
  assert.equal(field(() => crm.createUser(admin.id, { role: "rep" })), "name");
  assert.equal(field(() => crm.customer(rep.id)), "id");
  assert.equal(field(() => crm.customer(7, customer.id)), "actor");
  // Checked by the engine, named as the core names them and spelled as JS does.
  assert.equal(field(() => crm.updateCustomer(rep.id, customer.id, -1, { name: "x" })), "expectedVersion");
  assert.equal(field(() => crm.claimCustomers(admin.id, [])), "customerIds");
  const credits = [{ kind: "won", dealId: " ", repId: "a", date: "2026-03-02", amount: "1" }];
  const e = refusal(() => commissionStatement(credits, "2026-03", undefined, 'name = "p"\nbase = "booked"\nperiod = "month"\n[rates]\ntype = "flat"\nrate = "5"'), "INVALID_INPUT");
  assert.equal(e.details.field, "dealId");
  assert.match(e.message, /^invalid dealId: /);
  assert.deepEqual(crm.customers(admin.id).map((c) => c.version), [customer.version], "refused calls change nothing");
});

test("errors: a CrmError per code with typed details", () => {
  const { crm, rep } = org();
  const { customer } = crm.createCustomer(rep.id, { name: "Acme" });
  const stale = refusal(() => crm.updateCustomer(rep.id, customer.id, 9, { name: "Stale" }), "VERSION_CONFLICT");
  assert.deepEqual(stale.details, { kind: "customer", id: customer.id, expected: 9, actual: customer.version });
  assert.match(stale.message, /expected version 9/);
  assert.deepEqual(mismatches(TYPES, "CrmError", { code: stale.code, details: stale.details }), []);
  const missing = refusal(() => crm.customer(rep.id, "c-404"), "NOT_FOUND");
  assert.deepEqual(missing.details, { kind: "customer", id: "c-404" });
  assert.ok(new CrmError("NOT_FOUND", "m", { kind: "user", id: "u" }) instanceof Error);
  refusal(() => slaDue("not toml", new Date(), 5), "INVALID_INPUT");
});

test("the clock: fixed and moved, or the JavaScript clock", () => {
  const { crm } = org();
  assert.equal(crm.now().toISOString(), "2026-03-02T01:00:00.000Z");
  crm.setNow(new Date("2026-03-03T00:00:00Z"));
  assert.equal(crm.now().toISOString(), "2026-03-03T00:00:00.000Z");
  refusal(() => crm.setNow("yesterday"), "INVALID_INPUT");
  const live = new Crm();
  assert.ok(Math.abs(live.now().getTime() - Date.now()) < 60_000);
  refusal(() => live.setNow(new Date()), "INVALID_STATE");
  live.free();
});

test("the types check finds a missing field, an extra one and a wrong kind", () => {
  const { crm, rep } = org();
  const { customer } = crm.createCustomer(rep.id, { name: "Acme" });
  const { version, ...missing } = customer;
  assert.match(mismatches(TYPES, "Customer", missing).join(), /facts say/);
  assert.match(mismatches(TYPES, "Customer", { ...customer, extra: 1 }).join(), /facts say/);
  assert.match(mismatches(TYPES, "Customer", { ...customer, createdAt: "2026-03-02T01:00:00Z" }).join(), /createdAt: expected a Date/);
  assert.match(mismatches(TYPES, "Customer", { ...customer, version: "1" }).join(), /version: expected a whole number/);
  assert.match(mismatches(TYPES, "Customer", { ...customer, status: "gone" }).join(), /status: expected one of/);
  void version;
});
