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

// Public pools: claims with typed refusals, locks, recycling sweeps and warnings.
import type {
  Allocation, Allocator, CrmErrorCode, Lead, LeadConversion, NewAllocator, Opportunity, OrgSettings, Placement,
  Pool, PoolRulesInput, RecycleWarning, RuleTarget, Strategy, SweepReport,
} from "../../pkg/node/crm_wasm.js";

const org = new Crm();
const boss = org.bootstrap("Ada", {
  timezone: "Asia/Shanghai",
  duplicates: { onCreate: "warn", nameThreshold: 0.85 },
  claims: { dailyLimit: 20, caps: [{ scope: { type: "everyone" }, maxOwned: 200 }, { scope: { type: "team", teamId: "t-1" }, maxOwned: 150, countWon: true }] },
  locks: { maxLocked: 10, maxDays: 30 },
  version: 0,
});
const current: OrgSettings = org.settings();
const daily: number | null = current.claims.dailyLimit;
const capScopes: string[] = current.claims.caps.map((c) => (c.scope.type === "team" ? c.scope.teamId : c.scope.type));
org.updateSettings(boss.id, { ...current, locks: { maxLocked: 5 } });
const li = org.createUser(boss.id, { name: "Li Lei", role: "rep" });
const rules: PoolRulesInput = {
  waitingHours: 24,
  coolDownDays: 7,
  warnDays: 3,
  recycle: [{ kind: "no_follow_up", days: 30, daysByLevel: { A: 60, Key_Account: 90 } }, { kind: "no_won_deal", days: 90 }],
};
const pool: Pool = org.createPool(boss.id, { name: "East pool", memberIds: [li.id], rules });
const levelDays: Record<string, number> = pool.rules.recycle[0].daysByLevel;
const rePooled: Pool = org.updatePoolRules(boss.id, pool.id, pool.version, { ...pool.rules, exemptWon: false });
const waitingCustomer = org.createCustomer(boss.id, { name: "Alpha Foods", poolId: pool.id }).customer;
const pooledAt: Date | null = waitingCustomer.pooledAt;
try {
  org.claimCustomer(li.id, waitingCustomer.id);
} catch (e) {
  if (e instanceof CrmError) {
    const code: CrmErrorCode = e.code;
    switch (e.code) {
      case "ALREADY_OWNED": {
        const owner: string = e.details.ownerId;
        void owner;
        break;
      }
      case "WAITING_PERIOD":
      case "COOL_DOWN": {
        const until: Date = e.details.until;
        void until;
        break;
      }
      case "DAILY_LIMIT_REACHED": {
        const day: string = e.details.date;
        void day;
        break;
      }
      case "OWNERSHIP_CAP_REACHED": {
        const cap: "everyone" | "team" | "rep" = e.details.cap;
        const left: number = e.details.limit - e.details.owned;
        void [cap, left];
        break;
      }
    }
    const anyDetails: Record<string, unknown> = e.details;
    void [code, anyDetails];
  }
}
const claimedAll = org.claimCustomers(li.id, [waitingCustomer.id]);
const lockedCustomer = org.lockCustomer(li.id, waitingCustomer.id);
const openOpps: number = org.unlockCustomer(li.id, waitingCustomer.id).openOpportunities;
const lockedFor30 = org.lockCustomer(li.id, waitingCustomer.id, 30);
const lockEnds: Date | null = lockedFor30.lockedUntil;
const lastWon: Date | null = lockedCustomer.lastWonAt;
org.unlockCustomer(li.id, waitingCustomer.id);
org.releaseCustomer(li.id, waitingCustomer.id, "not a fit");
org.moveToPool(boss.id, waitingCustomer.id, pool.id, "tidy up");
const inPool = org.poolCustomers(li.id, pool.id);
const warnings: RecycleWarning[] = org.recycleWarnings(li.id);
const mine: RecycleWarning[] = org.recycleWarnings(boss.id, li.id);
const dueDates: Date[] = warnings.map((w) => w.due.dueAt);
const sweep: SweepReport = org.sweepPools(boss.id);
const recycledStarts: Date[] = sweep.recycled.map((r) => r.due.clockStart);
const gone: undefined = org.deletePool(boss.id, pool.id);
for (const e of org.events(boss.id, 0)) {
  if (e.kind.type === "customer_recycled") {
    const start: Date = e.kind.clockStart;
    void start;
  } else if (e.kind.type === "customer_locked") {
    const until: Date | null = e.kind.until;
    void until;
  }
}
void [daily, capScopes, levelDays, rePooled, pooledAt, claimedAll, lockEnds, lastWon, openOpps, inPool, mine, dueDates, recycledStarts, gone];

// Leads: allocation by tagged strategies and rule targets, conversion, opportunities.
const roundRobin: Strategy = { type: "round_robin" };
const toPool: RuleTarget = { type: "pool", poolId: "p-1" };
const allocatorInput: NewAllocator = {
  name: "Inbound",
  strategy: {
    type: "rules",
    rules: [
      { name: "VIPs", conditions: [{ field: "level", oneOf: ["VIP"] }], target: { type: "reps", repIds: [li.id], strategy: { type: "least_loaded" } } },
      { name: "spam", conditions: [{ field: "source", oneOf: ["spam"] }], target: toPool },
    ],
    default: { type: "reps", repIds: [li.id], strategy: roundRobin },
  },
  reps: [{ repId: li.id, weight: 2, dailyCap: 50 }],
};
const allocator: Allocator = org.createAllocator(boss.id, allocatorInput);
const usedToday: number = allocator.usage[li.id]?.today ?? 0;
const pointer: string | null = org.allocators(boss.id)[0].state.pointer;
const { lead, duplicates: leadDuplicates } = org.captureLead(boss.id, {
  name: "Lead One", phones: ["13800000001"], source: "web", weight: 2, customFields: { deal_size: { type: "text", value: "large" } },
});
const placed: Allocation[] = org.allocateLeads(boss.id, allocator.id, [lead.id]);
const again: Allocation[] = org.allocateLeads(boss.id, allocator.id, [lead.id], { reassignOwned: true });
function where(p: Placement): string {
  switch (p.type) {
    case "rep": return `rep ${p.repId}`;
    case "pool": return `pool ${p.poolId}`;
    case "kept": return `kept by ${p.ownerId}`;
    default: {
      const never: never = p;
      return never;
    }
  }
}
const places: string[] = placed.concat(again).map((a) => where(a.placement));
const leads: Lead[] = org.leads(li.id);
const converted: LeadConversion = org.convertLead(li.id, lead.id, { opportunity: { name: "First order", amount: "5000.00" } });
const plain: LeadConversion = org.convertLead(li.id, org.lead(li.id, lead.id).id);
const firstOrder: Opportunity | null = converted.opportunity;
const next: Opportunity = org.createOpportunity(li.id, converted.customer.id, { name: "Second order", amount: "120.50" });
const lost: Opportunity = org.closeOpportunity(li.id, next.id, { won: false, lostReason: "budget cut" });
const closedAt: Date | null = lost.closedAt;
const amount: string = lost.amount;
org.closeOpportunity(li.id, next.id, { won: true });
const all: Opportunity[] = org.opportunities(li.id, converted.customer.id);
void [usedToday, pointer, leadDuplicates, places, leads, plain, firstOrder, closedAt, amount, all];

// What the types refuse.
// @ts-expect-error a lost opportunity needs a reason
org.closeOpportunity(li.id, next.id, { won: false });
// @ts-expect-error amounts are decimal strings
org.createOpportunity(li.id, converted.customer.id, { name: "Third", amount: 12 });
// @ts-expect-error rule targets use rep strategies: rules do not nest
const nested: RuleTarget = { type: "reps", repIds: [], strategy: { type: "rules", rules: [], default: toPool } };
// @ts-expect-error a team cap names its team
const noTeam: OrgSettings["claims"]["caps"][number]["scope"] = { type: "team" };
// @ts-expect-error not an error code
const unknownCode: CrmErrorCode = "ALREADY_CLAIMED";
void [nested, noTeam, unknownCode];

// Analytics: RFM scoring from orders or columns, segment movement, churn warnings, performance.
import {
  leaderboard, performance, rfmChurnWarnings, rfmFlows, rfmMovements, rfmScore,
  type Achievement, type Attainment, type ChurnRule, type ChurnWarning, type PerformanceSubject, type PerformanceTarget,
  type RfmFlow, type RfmMovement, type RfmOrder, type RfmOrderColumns, type RfmRow,
} from "../../pkg/node/crm_wasm.js";

const rfmConfig = 'method = "thresholds"\n[thresholds]\nrecency = [[30, 5]]\nfrequency = [[4, 4]]\nmonetary = [["20000", 4]]\n';
const orderList: RfmOrder[] = [
  { customerId: "c-1", date: "2026-06-02", amount: "5000.00" },
  { customerId: "c-1", date: new Date(Date.UTC(2026, 5, 10)), amount: "15000.00" },
];
const scored: RfmRow[] = rfmScore(orderList, "2026-06-30", rfmConfig);
const orderColumns: RfmOrderColumns = {
  customerIds: ["c-1", "c-2"],
  dates: Int32Array.of(Date.UTC(2026, 5, 2) / 864e5, Date.UTC(2026, 5, 3) / 864e5),
  amounts: ["5000.00", "12.50"],
};
const fromColumns: RfmRow[] = rfmScore(orderColumns, new Date(), undefined);
const byDefault: RfmRow[] = rfmScore({ ...orderColumns, dates: ["2026-06-02", "2026-06-03"] }, "2026-06-30");
const topLevel: string | null = scored[0].level;
const total: string = scored[0].score;
const points: number = scored[0].r + scored[0].f + scored[0].m;
const moved: RfmMovement[] = rfmMovements(scored, fromColumns);
const cameFrom: (string | null)[] = moved.map((m) => m.from);
const matrix: RfmFlow[] = rfmFlows(scored, fromColumns);
const counted: number = matrix.reduce((sum, f) => sum + f.customers, 0);
const churnRule: ChurnRule = { rDrop: 3 };
const churning: ChurnWarning[] = rfmChurnWarnings(scored, fromColumns, churnRule);
const churnDefault: ChurnWarning[] = rfmChurnWarnings(scored, fromColumns);
const churnReasons: string[] = churning.concat(churnDefault).map((w) => `${w.customerId}: ${w.reason} (R ${w.rBefore} -> ${w.rAfter})`);

const salesTargets: PerformanceTarget[] = [
  { subject: { type: "rep", userId: "u-2" }, period: "2026-Q4", amount: "80000" },
  { subject: { type: "team", teamId: "t-1" }, period: "2026", amount: "1000000" },
];
const booked: Achievement[] = [
  { repId: "u-2", teamId: "t-1", date: "2026-11-03", amount: "40000", basis: "won" },
  { repId: "u-2", date: new Date(Date.UTC(2026, 10, 15)), amount: "10000", basis: "collected" },
];
const attainments: Attainment[] = performance(salesTargets, booked, "won");
const reps: Attainment[] = leaderboard(salesTargets, booked, "collected", "2026-Q4");
const teamBoard: Attainment[] = leaderboard(salesTargets, booked, "won", "2026", true);
function subjectName(s: PerformanceSubject): string {
  switch (s.type) {
    case "rep": return s.userId;
    case "team": return s.teamId;
    default: {
      const never: never = s;
      return never;
    }
  }
}
const standings: string[] = attainments.concat(reps, teamBoard).map((a) => `${a.rank}. ${subjectName(a.subject)} ${a.achieved}/${a.target} (${a.ratio ?? "no target"})`);
try {
  rfmScore(orderList, "2026-06-30", "buckets = 12");
} catch (e) {
  if (e instanceof CrmError && e.code === "INVALID_INPUT") {
    const badField: string = e.details.field;
    void badField;
  }
}
void [topLevel, total, points, cameFrom, counted, churnReasons, byDefault, standings];

// @ts-expect-error amounts are decimal strings
rfmScore([{ customerId: "c-1", date: "2026-06-02", amount: 5000 }], "2026-06-30");
// @ts-expect-error column dates are an Int32Array of days or strings, not Dates
rfmScore({ customerIds: ["c-1"], dates: [new Date()], amounts: ["1"] }, "2026-06-30");
// @ts-expect-error a rep subject names its user
const noUser: PerformanceSubject = { type: "rep", teamId: "t-1" };
// @ts-expect-error not a basis
performance(salesTargets, booked, "booked");
void noUser;

// Pipelines, contracts and commission.
import {
  commissionStatement, type CommissionStatement, type Contract, type ForecastRow, type Pipeline,
  type StageEntry,
} from "../../pkg/node/crm_wasm.js";
const sales = new Crm({ now: "2026-03-02T01:00:00Z" });
const salesBoss = sales.bootstrap("Boss");
const seller = sales.createUser(salesBoss.id, { name: "Seller", role: "rep" });
const acme = sales.createCustomer(seller.id, { name: "Acme" }).customer;
const deal = sales.createOpportunity(seller.id, acme.id, { name: "ERP", amount: "1000", expectedClose: "2026-04-30" });
const entry: StageEntry = deal.history[0];
const entered: Date = entry.enteredAt;
try {
  sales.moveOpportunity(seller.id, deal.id, "won");
} catch (e) {
  if (e instanceof CrmError && e.code === "TRANSITION_NOT_ALLOWED") {
    const to: string = e.details.to;
    void to;
  }
  if (e instanceof CrmError && e.code === "REQUIRED_FIELDS_MISSING") {
    const missing: string[] = e.details.fields;
    void missing;
  }
}
const pipes: Pipeline[] = sales.pipelines(seller.id);
const rows: ForecastRow[] = sales.forecast(salesBoss.id, "quarter", new Date());
const wonDeal = sales.moveOpportunity(seller.id, deal.id, "won");
const contract: Contract = sales.createContract(seller.id, wonDeal.id, { signedOn: "2026-03-02", instalments: [{ dueDate: "2026-04-01", amount: "1000" }] });
sales.recordPayment(seller.id, contract.id, { receivedOn: "2026-03-02", amount: "250" });
const earned: CommissionStatement[] = commissionStatement({
  plan: { name: "flat", base: "booked", period: "month", rates: { type: "flat", rate: "5" } },
  credits: [{ kind: "won", dealId: "d1", repId: "a", date: "2026-03-02", amount: "100" }],
  period: "2026-03",
});
const fromStore: CommissionStatement[] = sales.commissionStatements(salesBoss.id, "2026-03", { planToml: "name = \"x\"" });
void [entered, pipes, rows, earned, fromStore];
// @ts-expect-error a forecast period kind is month, quarter or year
sales.forecast(salesBoss.id, "week");
// @ts-expect-error payments are decimal strings
sales.recordPayment(seller.id, contract.id, { receivedOn: "2026-03-02", amount: 250 });
