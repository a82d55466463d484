// One-record reads through crm-wasm: `crm.customer(actor, id)` on an organisation of 10,000
// customers with custom fields, tags and follow-ups, in µs per call (median of 5 runs of 50,000
// reads of random customers). Needs the package built (bash crm-wasm/build.sh).
import { pkg } from "./pkg.mjs";

const { Crm } = await import(pkg("node.js"));

const crm = new Crm({ now: "2026-03-02T01:00:00Z" });
// Duplicate checks off: the organisation is filled quickly; reads do not check duplicates anyway.
const admin = crm.bootstrap("Ada", { timezone: "Asia/Shanghai", duplicates: { onCreate: "off", nameThreshold: 0.85 }, version: 0 });
const rep = crm.createUser(admin.id, { name: "Li Lei", role: "rep" });
const ids = [];
for (let i = 0; i < 10_000; i++) {
  const { customer } = crm.createCustomer(rep.id, {
    name: `Customer ${i} Trading Co., Ltd.`,
    level: "A",
    tags: ["manufacturing", "north"],
    phones: [`+86 138 ${String(10_000_000 + i).slice(0, 4)} ${String(i).padStart(4, "0")}`],
    emails: [`buyer${i}@example.com`],
    customFields: { budget: { type: "number", value: "125000.50" }, signed_nda: { type: "bool", value: true } },
  });
  ids.push(customer.id);
}
crm.recordFollowUp(rep.id, ids[0], { channel: "call", note: "intro", nextFollowUpAt: new Date("2026-03-09T01:00:00Z") });
let seed = 7;
const pick = () => ids[(seed = (seed * 48271) % 2147483647) % ids.length];
const runs = [];
for (let run = 0; run < 6; run++) {
  const n = 50_000;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) crm.customer(rep.id, pick());
  runs.push(((performance.now() - t0) * 1000) / n);
}
runs.shift(); // the first run warms up
runs.sort((a, b) => a - b);
console.log(JSON.stringify({ usPerCall: runs[2], runs }));
