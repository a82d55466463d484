// crm-wasm: the declarations of the host's own parts (loading, the Crm class's constructor and
// clock, typed-array batches). Every record, error and operation is declared in the generated
// ./generated/api.d.ts, written by crm-codegen from the core's types.

export * from "./generated/api.js";
import type { CalendarDate, CrmOperations, Decimal } from "./generated/api.js";

/**
 * Where `init` finds the engine: its URL (text or a `URL`), a fetch `Response` or a promise of
 * one, the `.wasm` bytes, or a compiled `WebAssembly.Module`. Left out: the `.wasm` beside the
 * module, which bundlers copy along.
 */
export type InitInput = string | { readonly href: string } | ArrayBuffer | ArrayBufferView | object;

/** Loads the engine; await it once before anything else (Node's entry has loaded it already). */
export default function init(input?: InitInput | PromiseLike<InitInput>): Promise<void>;
/** Loads the engine synchronously from its bytes or a compiled `WebAssembly.Module`. */
export declare function initSync(module: ArrayBuffer | ArrayBufferView | object): void;

export interface CrmOptions {
  /** Fixes the clock at this instant (moved with `setNow`); left out, the JavaScript clock runs. */
  now?: Date | string;
}

/**
 * An organisation on the in-memory store. Its methods are the core's operations (see
 * `CrmOperations`): the acting user's id first, then the arguments in the core's order.
 */
export declare class Crm {
  constructor(options?: CrmOptions);
  /** Moves the fixed clock (throws INVALID_STATE when the CRM runs on the JavaScript clock). */
  setNow(now: Date | string): void;
  now(): Date;
  /** Releases the organisation's memory now rather than when the object is collected. */
  free(): void;
}
export interface Crm extends CrmOperations {}

/** Orders as columns of equal length: the batch form of `rfmScore` for data already in arrays. */
export interface RfmOrderColumns {
  /** Integer customer ids (whole numbers up to 2^53 - 1 in a Float64Array). */
  customerIds: Uint32Array | Int32Array | Float64Array | BigUint64Array | BigInt64Array;
  /** Each order's local date as days since 1970-01-01. */
  dates: Int32Array;
  /**
   * Exact decimal strings, or floats: a float counts as the decimal its shortest text reads
   * (`19.99` is 19.99), the one place a float stands for money.
   */
  amounts: Float64Array | Decimal[];
}

/** RFM scores as columns: entry `i` of each belongs to the `i`-th customer in id order. */
export interface RfmColumns {
  /** BigUint64Array when the ids came as BigInts, else Float64Array. */
  customerIds: Float64Array | BigUint64Array;
  recencyDays: Float64Array;
  frequency: Float64Array;
  monetary: Decimal[];
  r: Uint8Array;
  f: Uint8Array;
  m: Uint8Array;
  score: Decimal[];
  /** Index into `levelNames`; -1 below every level. */
  level: Int32Array;
  levelNames: string[];
  /** Index into `segmentNames`. */
  segment: Uint16Array;
  segmentNames: string[];
}

/**
 * `rfmScore` over columns, in one call: scores every customer with an order on or before `asOf`
 * (`config`: the RFM configuration's TOML text; left out, quintiles).
 */
export declare function rfmScoreColumns(
  orders: RfmOrderColumns,
  asOf: CalendarDate | Date,
  config?: string | null,
): RfmColumns;

/**
 * `slaDueBatch` over columns: due times (epoch ms) of tickets starting at `starts` (epoch ms)
 * with `minutes` of working time each, on a calendar (TOML text).
 */
export declare function slaDueColumns(
  calendar: string,
  starts: Float64Array,
  minutes: Float64Array | Int32Array | Uint32Array | number[],
): Float64Array;
