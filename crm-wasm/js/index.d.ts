// crm-wasm: the declarations of the host's own parts (loading, the Crm class's constructor and
// clock, typed-array batches, the RemoteCrm client's constructor and routes). Every record, error
// and operation is declared in the generated ./generated/api.d.ts, written by crm-codegen from
// the core's types.

export * from "./generated/api.js";
import type {
  ApiToken,
  DeviceOp,
  Rejection,
  SyncSummary,
  CalendarDate,
  CrmError,
  CrmOperations,
  Decimal,
  IssuedToken,
  RemoteCrmOperations,
  ServerErrorCode,
  User,
} from "./generated/api.js";

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

// ---- RemoteCrm: crm-server over HTTP ------------------------------------------------------------

/**
 * The codes only a `RemoteCrm` call rejects with, besides the core's: the server's own
 * (`ServerErrorCode`: UNKNOWN_ROUTE, METHOD_NOT_ALLOWED, OVERLOADED, BODY_TOO_LARGE, TIMEOUT,
 * INTERNAL) and the client's: UNREACHABLE (the request failed on its way: no connection, DNS,
 * TLS, an aborted fetch; `cause` holds what fetch threw), UNEXPECTED_RESPONSE (an answer that is
 * not crm-server's, such as a proxy's error page) and TIMEOUT (also when the client's `timeoutMs`
 * passes; the call may still complete on the server).
 */
export type RemoteErrorCode = ServerErrorCode | "UNREACHABLE" | "UNEXPECTED_RESPONSE";

/** The `details` of the codes of `RemoteErrorCode` (the server's own are empty). */
export interface RemoteErrorDetails {
  UNREACHABLE: { url: string };
  UNEXPECTED_RESPONSE: { status: number; body: string };
  /** `timeoutMs` when the client's own limit passed; empty when the server answered 504. */
  TIMEOUT: { timeoutMs?: number };
}

/** A CrmError with one of the codes only `RemoteCrm` gives. */
export interface RemoteCrmErrorOf<C extends RemoteErrorCode> extends Error {
  readonly name: "CrmError";
  readonly code: C;
  readonly details: C extends keyof RemoteErrorDetails ? RemoteErrorDetails[C] : Record<string, never>;
}

/**
 * What a `RemoteCrm` call rejects with: a `CrmError` with one of the core's codes (details as the
 * in-process `Crm` gives them) or one of `RemoteErrorCode`. `e instanceof CrmError` narrows to the
 * core's codes only; widen it with `const err = e as RemoteCrmError` to check the others.
 */
export type RemoteCrmError = CrmError | { [C in RemoteErrorCode]: RemoteCrmErrorOf<C> }[RemoteErrorCode];

/** The request `buildRequest` writes, ready for `fetch(request.url, request)`. */
export interface RemoteRequest {
  method: "GET" | "POST";
  url: string;
  /** `authorization` (the bearer credential), `accept` and, with a body, `content-type`. */
  headers: Record<string, string>;
  /** The named arguments as JSON text in the core's form; undefined for a GET. */
  body: string | undefined;
}

/** The part of a fetch `Response` the client reads. */
export interface RemoteResponse {
  readonly status: number;
  text(): PromiseLike<string>;
}

/** A `fetch`: the global one (the default) or one of your own (a proxy, retries, a test double). */
export type RemoteFetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string; signal?: any },
) => PromiseLike<RemoteResponse>;

export interface RemoteCrmOptions {
  /** Does the I/O in place of the global `fetch`. */
  fetch?: RemoteFetch;
  /** How long a call may take (default 60 000 ms; 0 for no limit): then it rejects with TIMEOUT. */
  timeoutMs?: number;
}

/** Where `buildRequest` sends a call. */
export interface RemoteTarget {
  /** The server's URL (`http://127.0.0.1:8080`, `https://crm.example.com/api`). */
  baseUrl: string | { readonly href: string };
  /** A token's bearer credential (`crm1....`). */
  credential: string;
}

/**
 * An organisation on crm-server (`crm serve`), over HTTP with a token's bearer credential. Its
 * methods are the core's operations with the parameters of `Crm` (see `RemoteCrmOperations`),
 * each answering a `Promise` of the same result, spelled as `Crm` spells it (Dates, decimal text).
 * The server acts as the credential's user: an actor given must be that user's id (checked
 * against `me()` before sending) or left out. Needs no `init()`: only `fetch`.
 */
export declare class RemoteCrm {
  constructor(baseUrl: string | { readonly href: string }, credential: string, options?: RemoteCrmOptions);
  /** The server's URL, without a trailing slash. */
  readonly baseUrl: string;
  /** The credential's user (`GET /v1/whoami`), asked once and kept. */
  me(): Promise<User>;
  /** Every token (administrators) or the caller's own, in order of issue; never their secrets. */
  tokens(): Promise<ApiToken[]>;
  /** Issues a token acting as an active user (administrators); its credential is seen only here. */
  issueToken(userId: string, label?: string): Promise<IssuedToken>;
  /** Revokes a token at once (administrators, or the token's own user). */
  revokeToken(id: string, expectedVersion: number): Promise<ApiToken>;
  /**
   * One call of a `Replica`'s sync: `body` is the operation's arguments already in the core's
   * JSON form; resolves to the answer's text (an error answer rejects as every call does).
   */
  syncCall(op: "sync_snapshot" | "sync_push" | "sync_pull", body: string): Promise<string>;
}
export interface RemoteCrm extends RemoteCrmOperations {}

/**
 * The HTTP request of one call, without sending it: `op` is an operation (`"createCustomer"` or
 * `"create_customer"`) or a server route (`"whoami"`, `"tokens"`, `"issue_token"`,
 * `"revoke_token"`); `args` the method's arguments after the actor. Bad arguments throw a
 * CrmError INVALID_INPUT naming them.
 */
export declare function buildRequest(op: string, args: readonly unknown[], target: RemoteTarget): RemoteRequest;

/**
 * The result of a call from its response's status and body text, spelled as `Crm` spells it;
 * an error answer throws the `CrmError` it describes (see `RemoteCrmError`).
 */
export declare function readResponse<K extends keyof RemoteCrmOperations>(
  op: K,
  status: number,
  bodyText: string,
): Awaited<ReturnType<RemoteCrmOperations[K]>>;
export declare function readResponse(op: string, status: number, bodyText: string): unknown;

// ---- Replica: offline, persistent, synced ---------------------------------------------------------

/** Where a `Replica` keeps its image between sessions: text by key. */
export interface ReplicaStorage {
  get(key: string): Promise<string | undefined | null>;
  set(key: string, value: string): Promise<void>;
}

/** A storage in memory (tests, Node scripts). */
export declare function memoryStorage(): ReplicaStorage;
/** A storage in the browser's IndexedDB (database `name`, default `"crm"`). */
export declare function indexedDbStorage(name?: string): ReplicaStorage;

/** The operations a device may make offline, as the core lists them; any other change needs the server. */
export declare function syncOperations(): string[];

export interface ReplicaOptions {
  userId: string;
  deviceId: string;
  /** Default: IndexedDB where there is one; `null`: memory only. */
  storage?: ReplicaStorage | null;
  /** The storage key (default `crm-replica:{userId}:{deviceId}`). */
  key?: string;
  /** Fixes the clock (tests). */
  now?: Date | string;
}

/**
 * One user's scope on this device, usable offline and kept across reloads. Its methods are the
 * core's operations (as `Crm`'s, the actor being the replica's user or `""`): the ones of
 * `syncOperations()` apply at once under the same rules and wait in the outbox; any other change
 * throws INVALID_STATE. Records made offline carry temporary ids until `sync` pushes them.
 */
export declare class Replica {
  private constructor();
  /** The stored replica of `userId` on `deviceId`, or a new one (empty until its first sync). */
  static open(options: ReplicaOptions): Promise<Replica>;
  readonly userId: string;
  readonly deviceId: string;
  /** The last server event applied; undefined before the first sync. */
  readonly cursor: number | undefined;
  /** The operations made offline and not yet pushed, oldest first. */
  outbox(): DeviceOp[];
  /** The operations the server refused, oldest first. */
  rejections(): Rejection[];
  /** Forgets a refusal the user has seen. */
  dismissRejection(opId: number): void;
  /** Pushes the outbox and pulls the server's changes through `remote`. */
  sync(remote: RemoteCrm): Promise<SyncSummary>;
  /** Writes the image to storage now (done after every change). */
  save(): Promise<void>;
  /** Waits for the writes to storage so far; rejects with the last one's failure. */
  flush(): Promise<void>;
  setNow(now: Date | string): void;
  /** Releases the replica's memory (its storage keeps it). */
  free(): void;
}
export interface Replica extends CrmOperations {}
