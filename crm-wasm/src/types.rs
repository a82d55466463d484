//! TypeScript types of everything the `Crm` class and the free functions take and return.

use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
export type Role = "rep" | "manager" | "admin";
export type DataScope = "own" | "team" | "all";
export type CustomerKind = "company" | "person";
export type CustomerStatus = "active" | "merged";
export type DealStatus = "none" | "won";
export type Channel = "call" | "visit" | "email" | "message" | "meeting" | "other";
export type MatchField = "phone" | "email" | "name";
export type DuplicateMode = "off" | "warn" | "block";
export type OwnershipReason = "created" | "claimed" | "assigned" | "transferred" | "recycled" | "released" | "merged" | "handover";
export type CrmErrorCode =
  | "NOT_FOUND" | "ALREADY_EXISTS" | "VERSION_CONFLICT" | "OUT_OF_SCOPE" | "PERMISSION_DENIED" | "INACTIVE_USER"
  | "INVALID_PHONE" | "INVALID_EMAIL" | "INVALID_INPUT" | "DUPLICATE_FOUND" | "INVALID_STATE"
  | "ALREADY_OWNED" | "DAILY_LIMIT_REACHED" | "OWNERSHIP_CAP_REACHED" | "LOCK_LIMIT_REACHED" | "COOL_DOWN"
  | "WAITING_PERIOD" | "NO_ELIGIBLE_REP" | "TRANSITION_NOT_ALLOWED" | "REQUIRED_FIELDS_MISSING" | "STORAGE";
/** Which kind of record an error is about. */
export type EntityKind =
  | "user" | "team" | "customer" | "contact" | "follow_up" | "settings" | "pool" | "lead" | "opportunity" | "allocator"
  | "pipeline" | "contract";

/** The `details` of a CrmError, by code. */
export interface CrmErrorDetails extends Record<CrmErrorCode, Record<string, unknown>> {
  NOT_FOUND: { kind: EntityKind; id: string };
  ALREADY_EXISTS: { kind: EntityKind; id: string };
  VERSION_CONFLICT: { kind: EntityKind; id: string; expected: number; actual: number };
  OUT_OF_SCOPE: { actor: string; kind: EntityKind; id: string };
  PERMISSION_DENIED: { actor: string; action: string };
  INACTIVE_USER: { id: string };
  INVALID_PHONE: { input: string; reason: string };
  INVALID_EMAIL: { input: string };
  INVALID_INPUT: { field: string; reason: string };
  DUPLICATE_FOUND: { matches: DuplicateMatch[] };
  INVALID_STATE: { reason: string };
  ALREADY_OWNED: { customerId: string; ownerId: string };
  /** `date`: the organisation's local day ("YYYY-MM-DD") the limit counts. */
  DAILY_LIMIT_REACHED: { userId: string; limit: number; date: string };
  /** `cap`: which cap refused (the strictest matching one); `owned`: what counts against it. */
  OWNERSHIP_CAP_REACHED: { userId: string; cap: CapScope["type"]; limit: number; owned: number };
  LOCK_LIMIT_REACHED: { userId: string; limit: number };
  /** The previous owner may claim the customer again from `until`. */
  COOL_DOWN: { customerId: string; userId: string; until: Date };
  /** The customer may be claimed from `until`. */
  WAITING_PERIOD: { customerId: string; until: Date };
  NO_ELIGIBLE_REP: { leadId: string; reason: string };
  /** The pipeline does not allow `from` -> `to` (or the actor may not reopen). */
  TRANSITION_NOT_ALLOWED: { opportunityId: string; from: string; to: string; reason: string };
  /** The guard fields of `stage` the opportunity leaves empty. */
  REQUIRED_FIELDS_MISSING: { opportunityId: string; stage: string; fields: string[] };
  STORAGE: { message: string };
}

/** A CrmError with a given code: `details` follow the code. */
export interface CrmErrorOf<C extends CrmErrorCode> extends Error {
  readonly name: "CrmError";
  readonly code: C;
  readonly details: CrmErrorDetails[C];
}
/**
 * Thrown by every method: a real Error with a stable code shared by all surfaces. After
 * `e instanceof CrmError`, checking `e.code` narrows `e.details` to that code's details.
 */
export type CrmError = { [C in CrmErrorCode]: CrmErrorOf<C> }[CrmErrorCode];
export declare const CrmError: {
  new <C extends CrmErrorCode>(code: C, message: string, details: CrmErrorDetails[C]): CrmErrorOf<C>;
  readonly prototype: CrmError;
};

/** A custom field value; numbers are decimal strings, dates "YYYY-MM-DD". */
export type FieldValue =
  | { type: "text"; value: string }
  | { type: "number"; value: string }
  | { type: "bool"; value: boolean }
  | { type: "date"; value: string };

export interface CrmOptions { now?: Date | string }
export interface DuplicatePolicy { onCreate: DuplicateMode; nameThreshold: number }
/** Whom an ownership cap applies to. */
export type CapScope = { type: "everyone" } | { type: "team"; teamId: string } | { type: "rep"; userId: string };
/** Each rep the scope matches may own at most `maxOwned` customers; the strictest matching cap applies. */
export interface OwnershipCap { scope: CapScope; maxOwned: number; countWon: boolean }
/** Claim limits of the public pools (null: no limit). */
export interface ClaimPolicy {
  /** Claims per rep per local day of the organisation, across all pools. */
  dailyLimit: number | null;
  caps: OwnershipCap[];
}
/** Protection (lock) limits (null: no limit). */
export interface LockPolicy { maxLocked: number | null; maxDays: number | null }
export interface OrgSettings {
  timezone: string; duplicates: DuplicatePolicy; claims: ClaimPolicy; locks: LockPolicy;
  /** Where customers without a pool of their own are recycled and released to. */
  defaultPoolId: string | null;
  version: number;
}
/** `countWon` (whether won customers count against the cap) defaults to false. */
export interface OwnershipCapInput { scope: CapScope; maxOwned: number; countWon?: boolean }
export interface ClaimPolicyInput { dailyLimit?: number | null; caps?: OwnershipCapInput[] }
export interface LockPolicyInput { maxLocked?: number | null; maxDays?: number | null }
/** Settings as `bootstrap` and `updateSettings` take them: limits and the default pool left out are none. */
export interface OrgSettingsInput {
  timezone: string; duplicates: DuplicatePolicy; claims?: ClaimPolicyInput; locks?: LockPolicyInput;
  defaultPoolId?: string | null; version: number;
}
export interface User {
  id: string; name: string; role: Role; scope: DataScope; teamId: string | null; active: boolean;
  createdAt: Date; version: number;
}
export interface NewUser { name: string; role: Role; scope?: DataScope; teamId?: string }
export interface Team { id: string; name: string; createdAt: Date; version: number }
export interface Customer {
  id: string; name: string; kind: CustomerKind; level: string | null; tags: string[];
  source: string | null; industry: string | null; region: string | null; phones: string[]; emails: string[];
  ownerId: string | null; previousOwnerId: string | null; poolId: string | null; pooledAt: Date | null;
  status: CustomerStatus; mergedInto: string | null; mergedFrom: string[];
  createdAt: Date; updatedAt: Date; ownedSince: Date | null; lastFollowUpAt: Date | null; nextFollowUpAt: Date | null;
  dealStatus: DealStatus;
  /** Protected from recycling (保护) until `lockedUntil` (null: until unlocked). */
  locked: boolean; lockedUntil: Date | null;
  /** The latest won deal, for the "no won deal" recycling rule. */
  lastWonAt: Date | null;
  openOpportunities: number;
  customFields: Record<string, FieldValue>; version: number;
}
export interface NewCustomer {
  name: string; kind?: CustomerKind; level?: string; tags?: string[]; source?: string; industry?: string;
  region?: string; phones?: string[]; emails?: string[];
  /** The owner; defaults to the acting user unless the customer goes into `poolId` unowned. */
  ownerId?: string;
  /** With no owner the customer enters this pool (公海) waiting to be claimed; with an owner it is
   * the pool recycling returns it to. */
  poolId?: string;
  customFields?: Record<string, FieldValue>;
}
/** Only what is given changes; `level: null` clears it; a custom field set to null is removed. */
export interface CustomerPatch {
  name?: string; kind?: CustomerKind; level?: string | null; addTags?: string[]; removeTags?: string[];
  source?: string; industry?: string; region?: string; phones?: string[]; emails?: string[];
  customFields?: Record<string, FieldValue | null>;
}
export interface DuplicateMatch {
  customerId: string; customerName: string; matchedOn: MatchField; matchedValue: string; similarity: number;
  ownerId: string | null; poolId: string | null; locked: boolean; dealStatus: DealStatus;
}
export interface CustomerCreated { customer: Customer; duplicates: DuplicateMatch[] }
export interface DuplicateProbe { name?: string; phones?: string[]; emails?: string[] }
export interface Contact {
  id: string; customerId: string; name: string; phones: string[]; emails: string[]; role: string | null;
  createdAt: Date; version: number;
}
export interface NewContact { name: string; phones?: string[]; emails?: string[]; role?: string }
export interface FollowUp {
  id: string; customerId: string; repId: string; channel: Channel; note: string; at: Date;
  nextFollowUpAt: Date | null; version: number;
}
export interface NewFollowUp { channel: Channel; note?: string; at?: Date | string; nextFollowUpAt?: Date | string }
export interface OverdueFollowUp { customerId: string; customerName: string; ownerId: string; dueAt: Date }
export interface OwnershipChange {
  seq: number; customerId: string; from: string | null; to: string | null; cause: OwnershipReason;
  actorId: string | null; at: Date; reason: string;
}
export type EventKind =
  | { type: "user_created"; userId: string }
  | { type: "user_deactivated"; userId: string }
  | { type: "team_created"; teamId: string }
  | { type: "settings_changed" }
  | { type: "customer_created"; customerId: string }
  | { type: "customer_updated"; customerId: string; fields: string[] }
  | { type: "owner_changed"; customerId: string; from: string | null; to: string | null; cause: OwnershipReason }
  | { type: "contact_added"; customerId: string; contactId: string }
  | { type: "follow_up_recorded"; customerId: string; followUpId: string }
  | { type: "customers_merged"; survivorId: string; mergedId: string }
  | { type: "pool_created"; poolId: string }
  | { type: "pool_updated"; poolId: string }
  | { type: "pool_deleted"; poolId: string }
  | { type: "customer_pool_changed"; customerId: string; from: string | null; to: string }
  | { type: "customer_recycled"; customerId: string; poolId: string; rule: RecycleKind; days: number; clockStart: Date; dueAt: Date }
  | { type: "customer_locked"; customerId: string; until: Date | null }
  | { type: "customer_unlocked"; customerId: string }
  | { type: "allocator_created"; allocatorId: string }
  | { type: "lead_captured"; leadId: string }
  | { type: "lead_allocated"; leadId: string; from: string | null; to: string | null; poolId: string | null }
  | { type: "lead_converted"; leadId: string; customerId: string; opportunityId: string | null }
  | { type: "opportunity_created"; opportunityId: string; customerId: string }
  | { type: "opportunity_moved"; opportunityId: string; customerId: string; from: string; to: string; transition: Move }
  | { type: "opportunity_updated"; opportunityId: string; customerId: string; fields: string[] }
  | { type: "opportunity_activity"; opportunityId: string; customerId: string }
  | { type: "pipeline_saved"; pipelineId: string }
  | { type: "contract_created"; contractId: string; customerId: string; opportunityId: string }
  | { type: "payment_recorded"; contractId: string; customerId: string; paymentId: string; kind: PaymentKind; amount: string }
  | { type: "contract_cancelled"; contractId: string; customerId: string };
export interface CrmEvent { seq: number; at: Date; actorId: string | null; kind: EventKind; reason: string }

/** What a recycling rule waits for: no follow-up (clock: the later of the last follow-up and the
 * start of ownership), no won deal or no open opportunity (clock: the start of ownership). */
export type RecycleKind = "no_follow_up" | "no_won_deal" | "no_open_opportunity";
export interface RecycleRule {
  kind: RecycleKind;
  /** Days of 24 hours after the rule's clock starts. */
  days: number;
  /** Days for customers of a level instead of `days`; keys are level names as spelled. */
  daysByLevel: Record<string, number>;
}
export interface PoolRules {
  /** The previous owner may not re-claim a recycled or released customer for this many days. */
  coolDownDays: number;
  /** A customer newly put into the pool cannot be claimed for this many hours. */
  waitingHours: number;
  /** Any one matching recycles. */
  recycle: RecycleRule[];
  /** Won customers are never recycled. */
  exemptWon: boolean;
  /** Customers with an open opportunity are never recycled. */
  exemptOpenOpportunity: boolean;
  /** Owners are warned this many days before a rule recycles a customer (0: no warnings). */
  warnDays: number;
}
export interface RecycleRuleInput { kind: RecycleKind; days: number; daysByLevel?: Record<string, number> }
/** Left out: no cool-down, no waiting, no rules, won customers and open opportunities exempt, no warnings. */
export interface PoolRulesInput {
  coolDownDays?: number; waitingHours?: number; recycle?: RecycleRuleInput[]; exemptWon?: boolean;
  exemptOpenOpportunity?: boolean; warnDays?: number;
}
export interface Pool {
  id: string; name: string;
  /** Users, and whole teams, who may claim from it. */
  memberIds: string[]; memberTeamIds: string[];
  /** Users who manage it (organisation admins always do). */
  adminIds: string[];
  rules: PoolRules; createdAt: Date; version: number;
}
export interface NewPool { name: string; memberIds?: string[]; memberTeamIds?: string[]; adminIds?: string[]; rules?: PoolRulesInput }
/** When a customer falls due under the first rule to run out, and the figures behind it. */
export interface Due {
  rule: RecycleKind; days: number; level: string | null;
  /** When the rule's clock started (last follow-up or start of ownership). */
  clockStart: Date;
  /** When the rule runs out. */
  dueAt: Date;
  /** A lock that holds the customer past `dueAt`: it is recycled when the lock ends. */
  lockedUntil: Date | null;
}
export interface Recycled { customerId: string; customerName: string; ownerId: string; poolId: string; due: Due }
export interface RecycleWarning { customerId: string; customerName: string; ownerId: string; poolId: string; due: Due }
export interface SweepReport {
  at: Date;
  /** Customers the index offered as possibly due. */
  examined: number;
  recycled: Recycled[];
}

export type LeadStatus = "open" | "converted";
export interface Lead {
  id: string; name: string; kind: CustomerKind; phones: string[]; emails: string[]; source: string | null;
  region: string | null; industry: string | null; level: string | null; customFields: Record<string, FieldValue>;
  /** Capacity the lead consumes when allocated. */
  weight: number;
  ownerId: string | null;
  /** Where allocation rules parked it, waiting for a rep. */
  poolId: string | null;
  status: LeadStatus; customerId: string | null; createdAt: Date; updatedAt: Date; version: number;
}
export interface NewLead {
  name: string; kind?: CustomerKind; phones?: string[]; emails?: string[]; source?: string; region?: string;
  industry?: string; level?: string; customFields?: Record<string, FieldValue>;
  /** Defaults to 1. */
  weight?: number;
  /** A rep to own it at once (one the actor manages); otherwise it waits for allocation. */
  ownerId?: string;
}
export interface LeadCaptured { lead: Lead; duplicates: DuplicateMatch[] }

export type OpportunityStatus = "open" | "won" | "lost";
/** One stay in a stage (or a change of figures during it), as it looked then. */
export interface StageEntry {
  stage: string; status: OpportunityStatus; enteredAt: Date; leftAt: Date | null;
  /** Decimal strings; `probability` in percent. */
  amount: string; probability: string; category: ForecastCategory;
  /** "YYYY-MM-DD". */
  expectedClose: string | null;
}
export interface Opportunity {
  id: string; customerId: string; name: string;
  /** A decimal string. */
  amount: string;
  ownerId: string | null; status: OpportunityStatus; lostReason: string | null; createdAt: Date;
  closedAt: Date | null; pipelineId: string; stage: string;
  /** Percent, a decimal string; cleared when the stage changes. */
  probabilityOverride: string | null;
  /** "YYYY-MM-DD". */
  expectedClose: string | null;
  /** Custom fields stage guards may require; keys are the user's own. */
  fields: Record<string, string>;
  history: StageEntry[]; lastActivityAt: Date | null; version: number;
}
/** `amount` is a decimal string ("5000.00"), not negative; it starts in `stage` (default: the
 * pipeline's first open stage) of `pipelineId` (default: "default"). */
export interface NewOpportunity {
  name: string; amount: string; pipelineId?: string; stage?: string; expectedClose?: string;
  probabilityOverride?: string; fields?: Record<string, string>;
}
/** Only what is given changes; `probabilityOverride: null` clears it; an empty field value
 * removes the field. */
export interface OpportunityPatch {
  name?: string; amount?: string; expectedClose?: string; probabilityOverride?: string | null;
  fields?: Record<string, string>;
}
export interface MoveOptions { lostReason?: string; expectedVersion?: number }

export type ForecastCategory = "pipeline" | "best_case" | "commit" | "closed" | "omitted";
export type StageKind = "open" | "won" | "lost";
export type Move = "forward" | "back" | "win" | "lose" | "reopen";
export interface Stage {
  key: string; name: string; kind: StageKind;
  /** Default win probability in percent, a decimal string. */
  probability: string; category: ForecastCategory;
  /** `amount`, `expectedClose`-as-`expected_close`, `name` or a custom field name. */
  requiredFields: string[];
  rotDays: number | null;
}
export interface Transition { from: string; to: string }
export interface Pipeline {
  id: string; name: string; stages: Stage[];
  /** Empty: forward, back among open stages, to won or lost from an open stage. */
  transitions: Transition[];
  /** Empty: any non-empty reason. */
  lostReasons: string[];
  reopenRoles: Role[]; version: number;
}
export interface PipelineInput {
  id: string; name: string; stages: (Omit<Stage, "kind" | "requiredFields" | "rotDays"> & Partial<Pick<Stage, "kind" | "requiredFields" | "rotDays">>)[];
  transitions?: Transition[]; lostReasons?: string[]; reopenRoles?: Role[];
  /** 0 creates; otherwise the version read. */
  version?: number;
}
export type PeriodKind = "month" | "quarter" | "year";
export interface ForecastRow {
  period: string; open: number;
  /** Decimal strings. */
  amount: string; weighted: string; pipeline: string; bestCase: string; commit: string; closed: string;
}
export interface StageConversion { from: string; to: string; entered: number; advanced: number; rate: string | null }
export interface StageTime { stage: string; stays: number; averageDays: string | null }
export interface Velocity {
  open: number; won: number; lost: number; winRate: string | null; averageWon: string | null;
  cycleDays: string | null; perDay: string | null;
}
export interface Rotting {
  opportunityId: string; customerId: string; ownerId: string | null; stage: string; since: Date;
  idleDays: number; rotDays: number;
}

export type ContractStatus = "active" | "paid" | "cancelled";
export type PaymentKind = "payment" | "refund";
export interface Instalment { seq: number; dueDate: string; amount: string; paid: string }
export interface PaymentAllocation { seq: number; amount: string }
export interface Payment {
  id: string; kind: PaymentKind; receivedOn: string; amount: string; allocations: PaymentAllocation[];
  recordedAt: Date; recordedBy: string; note: string | null;
}
export interface Contract {
  id: string; opportunityId: string; customerId: string; ownerId: string | null; amount: string;
  signedOn: string; instalments: Instalment[]; payments: Payment[]; status: ContractStatus;
  createdAt: Date; cancelledAt: Date | null; cancelReason: string | null; version: number;
}
export interface NewContract {
  /** "YYYY-MM-DD". */
  signedOn: string;
  /** Default: the won opportunity's amount. */
  amount?: string;
  instalments: { dueDate: string; amount: string }[];
}
export interface NewPayment { receivedOn: string; amount: string; instalment?: number; note?: string }
export interface OverdueInstalment {
  contractId: string; customerId: string; ownerId: string | null; seq: number; dueDate: string;
  amount: string; paid: string; open: string; daysOverdue: number;
}
export type OutstandingBy = "rep" | "customer";
export interface OutstandingRow { key: string; contracts: number; outstanding: string; overdue: string }

export type CommissionRates =
  | { type: "flat"; rate: string }
  | { type: "per_deal"; amount: string }
  | { type: "graduated"; tiers: CommissionTier[] }
  | { type: "retroactive"; tiers: CommissionTier[] };
/** Decimal strings; `rate` in percent; `to` absent on the last, open-ended tier. */
export interface CommissionTier { from: string; to?: string | null; rate: string }
export interface CommissionPlan {
  name: string; base: "booked" | "collected"; period: "month" | "quarter"; rates: CommissionRates;
  boundary?: "lower" | "upper";
  quota?: { default?: string; reps?: Record<string, string> };
  bands?: { minAttainment: string; multiplier: string }[];
  gate?: { minAttainment: string; factor?: string };
  dealCap?: string; dealFloor?: string; periodCap?: string; periodFloor?: string;
  /** Default 90; 0 disables clawbacks. */
  clawbackDays?: number;
  draw?: { amount: string; recoverable: boolean };
  rounding?: { scale?: number; mode?: "half_even" | "half_up" | "half_down" | "down" | "up" };
  bookedStage?: string;
}
/** A plan as data, or as TOML text. */
export type CommissionPlanInput = { plan: CommissionPlan } | { planToml: string };
export type CreditKind = "won" | "payment" | "refund" | "cancel";
export interface Credit {
  kind: CreditKind; dealId: string;
  /** `won` rows: the rep and their percent (default 100). */
  repId?: string; split?: string;
  date: string | Date; amount?: string; contractTotal?: string;
}
export type CommissionInput = CommissionPlanInput & { credits: Credit[]; period: string; repId?: string };
export type LineKind =
  | "commission" | "deal_cap" | "deal_floor" | "band" | "gate" | "clawback" | "period_cap"
  | "period_floor" | "draw_top_up" | "draw_recovery";
export interface StatementLine {
  kind: LineKind; dealId: string | null; base: string; tier: number | null; rate: string | null;
  exact: string; amount: string; explanation: string;
}
export interface CommissionStatement {
  repId: string; period: string; baseTotal: string; quota: string | null; attainment: string | null;
  lines: StatementLine[]; exactTotal: string; total: string; drawBalance: string;
}
export type OpportunityOutcome = { won: true } | { won: false; lostReason: string };
export interface Conversion { opportunity?: NewOpportunity }
export interface LeadConversion { lead: Lead; customer: Customer; duplicates: DuplicateMatch[]; opportunity: Opportunity | null }

/** How an allocator picks a rep; every strategy skips inactive reps and reps at capacity. */
export type RepStrategy =
  /** In turn, from the last rep chosen. */
  | { type: "round_robin" }
  /** Smooth weighted round robin by the reps' weights. */
  | { type: "weighted" }
  /** The rep with the fewest open leads. */
  | { type: "least_loaded" }
  /** The rep with the least capacity used per unit of weight. */
  | { type: "capacity" };
/** A rep strategy, or ordered rules: the first that matches decides, otherwise `default`. */
export type Strategy = RepStrategy | { type: "rules"; rules: Rule[]; default: RuleTarget };
/** A lead field (source, region, industry, level or a custom field name) equal to one of the values. */
export interface Condition { field: string; oneOf: string[] }
export type RuleTarget =
  /** Among these reps (each one of the allocator's) with a rep strategy (rules do not nest). */
  | { type: "reps"; repIds: string[]; strategy: RepStrategy }
  /** Into a pool, waiting for a rep. */
  | { type: "pool"; poolId: string };
/** All conditions must hold. */
export interface Rule { name: string; conditions: Condition[]; target: RuleTarget }
export interface AllocatorRep { repId: string; weight: number; dailyCap: number | null; totalCap: number | null }
/** `weight` defaults to 1; caps (in lead weights) to none. */
export interface AllocatorRepInput { repId: string; weight?: number; dailyCap?: number | null; totalCap?: number | null }
/** What an allocator remembers between batches; `current` is keyed by rep id. */
export interface AllocatorState { pointer: string | null; current: Record<string, number> }
/** Capacity a rep has used on the local `day` ("YYYY-MM-DD") and in total, in lead weights. */
export interface RepUsage { day: string; today: number; total: number }
export interface Allocator {
  id: string; name: string; strategy: Strategy; reps: AllocatorRep[]; state: AllocatorState;
  /** Keyed by rep id. */
  usage: Record<string, RepUsage>;
  version: number;
}
export interface NewAllocator { name: string; strategy: Strategy; reps: AllocatorRepInput[] }
export type Placement =
  | { type: "rep"; repId: string }
  | { type: "pool"; poolId: string }
  /** Already owned and not re-allocated. */
  | { type: "kept"; ownerId: string };
export interface Allocation { leadId: string; placement: Placement; reason: string }
/** `reassignOwned`: allocate leads that already have an owner too (default false: they are kept). */
export interface AllocateOptions { reassignOwned?: boolean }

export type Metric = "first_response" | "next_response" | "resolution";
export interface SlaTarget { minutes: number; basis: "business" | "calendar" }
/** `targets[priority][metric]`: keys are spelled as written (priority names are yours). */
export interface SlaPolicy {
  name: string;
  targets: Record<string, Partial<Record<Metric, SlaTarget>>>;
  warnAtPercent: number;
  pauseStatuses: string[];
  onPriorityChange?: "recompute" | "keep";
}
export type TicketEntry = { at: Date | string } & (
  | { type: "open"; priority: string; status: string }
  | { type: "status"; status: string }
  | { type: "respond" } | { type: "customer_replied" } | { type: "resolve" } | { type: "reopen" }
  | { type: "priority"; priority: string });
export interface WorkingAt { working: boolean; nextWorkingAt: Date }
export interface SlaEvent { metric: Metric; cycle: number; kind: "warning" | "breach" | "fulfilled"; at: Date }
export interface ClockStatus {
  metric: Metric; cycle: number; state: "running" | "paused" | "warning" | "breached" | "met" | "met_late";
  target: SlaTarget; elapsedMs: number; remainingMs: number; dueAt: Date | null; warningAt: Date | null;
  events: SlaEvent[];
}

/**
 * A calendar date: "YYYY-MM-DD", or a Date, which counts on its UTC calendar date (the date
 * `toISOString()` shows), whatever the machine's time zone. For orders placed at local times, pass
 * the organisation's local date as a string.
 */
export type DateInput = string | Date;
/** One order: `date` is its local date in the organisation's time zone; `amount` a decimal string. */
export interface RfmOrder { customerId: string; date: DateInput; amount: string }
/**
 * Orders as columns of equal length, for large batches: each column crosses into wasm in one piece.
 * `dates` are days since 1970-01-01 (`Math.floor(Date.UTC(y, m - 1, d) / 864e5)`) or "YYYY-MM-DD".
 */
export interface RfmOrderColumns { customerIds: string[]; dates: Int32Array | string[]; amounts: string[] }
/**
 * One scored customer: R, F and M points (1..9), `score` = wR*R + wF*F + wM*M (a decimal string),
 * `level` the highest configured level the score reaches (null: none), `segment` the segment's name
 * ("unmapped" when the segment map does not cover the code).
 */
export interface RfmRow {
  customerId: string;
  /** Days from the last order to the as-of date. */
  recencyDays: number;
  /** Orders in the window. */
  frequency: number;
  /** Total amount in the window, a decimal string. */
  monetary: string;
  r: number;
  f: number;
  m: number;
  score: string;
  level: string | null;
  segment: string;
}
/** A customer whose segment changed; null: absent from that scoring. */
export interface RfmMovement { customerId: string; from: string | null; to: string | null }
/** How many customers went from one segment to another (null: absent from that scoring). */
export interface RfmFlow { from: string | null; to: string | null; customers: number }
/**
 * When to warn that a customer may churn; fields left out keep their defaults: `valuable` Champions,
 * Loyal, Potential loyalist, Cannot lose them; `cooling` At risk, Cannot lose them, About to sleep,
 * Hibernating, Lost; `rDrop` 2 (0: never on R alone).
 */
export interface ChurnRule { valuable?: string[]; cooling?: string[]; rDrop?: number }
export interface ChurnWarning { customerId: string; from: string; to: string; rBefore: number; rAfter: number; reason: string }

/** What attainment is measured on: deal amounts when won, or cash collected (回款). */
export type PerformanceBasis = "won" | "collected";
export type PerformanceSubject = { type: "rep"; userId: string } | { type: "team"; teamId: string };
/** `period`: "2026-11" (month), "2026-Q4" (quarter) or "2026" (year); `amount` a decimal string. */
export interface PerformanceTarget { subject: PerformanceSubject; period: string; amount: string }
/** One won deal or collected payment, credited to a rep (and their team) on a local date. */
export interface Achievement { repId: string; teamId?: string | null; date: DateInput; amount: string; basis: PerformanceBasis }
export interface Attainment {
  subject: PerformanceSubject;
  period: string;
  /** Decimal strings. */
  target: string;
  achieved: string;
  /** achieved / target, rounded half-even to 4 places; null for a zero target. */
  ratio: string | null;
  /** 1 = best among subjects of the same kind and period; equal results share a rank. */
  rank: number;
}
"#;
