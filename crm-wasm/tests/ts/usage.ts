// A TypeScript user's view of the package: this file must type-check under --strict.
import { Crm, CrmError, type Customer, type CrmEvent, type DuplicateMatch } from "../../pkg/node/crm_wasm.js";

const crm = new Crm({ now: new Date("2026-03-02T01:00:00Z") });
const admin = crm.bootstrap("Ada", undefined);
const rep = crm.createUser(admin.id, { name: "Li Lei", role: "rep" });
const created = crm.createCustomer(rep.id, {
  name: "Acme Trading Co., Ltd.",
  phones: ["+86 139 1234 5678"],
  customFields: { budget: { type: "number", value: "125000.50" } },
});
const customer: Customer = created.customer;
const duplicates: DuplicateMatch[] = created.duplicates;
const when: Date = customer.createdAt;
const updated = crm.updateCustomer(rep.id, customer.id, customer.version, { addTags: ["key"], level: null });
crm.recordFollowUp(rep.id, updated.id, { channel: "call", note: "intro", nextFollowUpAt: new Date("2026-03-04T01:00:00Z") });
const history: CrmEvent[] = crm.customerEvents(rep.id, customer.id);
for (const e of history) {
  if (e.kind.type === "owner_changed") {
    const to: string | null = e.kind.to;
    void to;
  }
}
try {
  crm.customer(rep.id, "c-404");
} catch (e) {
  if (e instanceof CrmError && e.code === "NOT_FOUND") {
    const details: Record<string, unknown> = e.details;
    void details;
  }
}
void duplicates;
void when;

// SLA timing: free functions over a calendar's TOML text.
import { slaDue, slaDueBatch, slaTicketStatus, type ClockStatus, type SlaPolicy } from "../../pkg/node/crm_wasm.js";

const office = 'timezone = "Asia/Shanghai"\n[week]\nmon = ["09:00-12:00", "13:30-18:00"]\n';
const due: Date = slaDue(office, new Date("2026-09-14T03:00:00Z"), 120);
const batch: Float64Array = slaDueBatch(office, new Float64Array([Date.parse("2026-09-14T03:00:00Z")]), new Float64Array([60]));
const policy: SlaPolicy = {
  name: "support",
  targets: { urgent: { first_response: { minutes: 60, basis: "business" } , resolution: { minutes: 480, basis: "business" } } },
  warnAtPercent: 75,
  pauseStatuses: ["waiting_on_customer"],
};
const clocks: ClockStatus[] = slaTicketStatus(office, policy, [
  { at: new Date("2026-09-14T03:00:00Z"), type: "open", priority: "urgent", status: "open" },
  { at: "2026-09-14T03:30:00Z", type: "respond" },
], new Date("2026-09-14T04:00:00Z"));
const late: boolean = clocks.some((c) => c.state === "breached" && c.remainingMs < 0);
void due;
void batch;
void late;
