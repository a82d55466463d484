//! TypeScript types of everything the `Crm` class takes and returns.

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
  | "INVALID_PHONE" | "INVALID_EMAIL" | "INVALID_INPUT" | "DUPLICATE_FOUND" | "INVALID_STATE" | "STORAGE";

/** Thrown by every method: a real Error with a stable code shared by all surfaces. */
export declare class CrmError extends Error {
  readonly name: "CrmError";
  readonly code: CrmErrorCode;
  readonly details: Record<string, unknown>;
}

/** A custom field value; numbers are decimal strings, dates "YYYY-MM-DD". */
export type FieldValue =
  | { type: "text"; value: string }
  | { type: "number"; value: string }
  | { type: "bool"; value: boolean }
  | { type: "date"; value: string };

export interface CrmOptions { now?: Date | string }
export interface DuplicatePolicy { onCreate: DuplicateMode; nameThreshold: number }
export interface OrgSettings { timezone: string; duplicates: DuplicatePolicy; version: number }
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
  dealStatus: DealStatus; locked: boolean; customFields: Record<string, FieldValue>; version: number;
}
export interface NewCustomer {
  name: string; kind?: CustomerKind; level?: string; tags?: string[]; source?: string; industry?: string;
  region?: string; phones?: string[]; emails?: string[]; ownerId?: string; customFields?: Record<string, FieldValue>;
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
  | { type: "customers_merged"; survivorId: string; mergedId: string };
export interface CrmEvent { seq: number; at: Date; actorId: string | null; kind: EventKind; reason: string }

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
"#;
