// A thin client of crm-server: `RemoteCrm` has a method per operation of the core's table (the
// names and parameters of `Crm`, each answering a Promise of the same JS-spelled result), and the
// server's own routes (`me`, `tokens`, `issueToken`, `revokeToken`). It is sans-I/O underneath:
// `buildRequest` writes a call as `{method, url, headers, body}` and `readResponse` reads the
// status and body text back into a result or a `CrmError`; `fetch` (the global one or the one
// given) does the I/O. Nothing here needs the WebAssembly engine: arguments are checked and
// converted by ./convert.js, and the server's snake_case results are spelled as JS spells them
// (camelCase record fields, Dates for instants) by the generated type facts.

import { CrmError } from "./calls.js";
import { OPS, SERVER_TYPES, TYPES } from "./generated/facts.js";
import { argsOf, jsPath } from "./convert.js";

const invalid = (field, reason) => new CrmError("INVALID_INPUT", `invalid ${field}: ${reason}`, { field, reason });

// ---- the server's own routes, as operation facts ([method, actor, onCrm, record, args, result]) ----

const ROUTES = {
  whoami: { http: "GET", path: () => "/v1/whoami", op: ["me", 0, 0, null, [], "User"] },
  tokens: { http: "GET", path: () => "/v1/tokens", op: ["tokens", 0, 0, null, [], ["list", "ApiToken"]] },
  issue_token: {
    http: "POST",
    path: () => "/v1/tokens",
    op: ["issueToken", 0, 0, null, [["userId", "user_id", "string", 1], ["label", "label", "string", 0]], "IssuedToken"],
  },
  revoke_token: {
    http: "POST",
    // The token's id goes in the path; the rest in the body.
    path: ([id]) => `/v1/tokens/${encodeURIComponent(id)}/revoke`,
    pathArgs: true,
    op: ["revokeToken", 0, 0, null, [["id", "id", "string", 1], ["expectedVersion", "expected_version", "int", 1]], "ApiToken"],
  },
};

// Operations by snake_case name and by JS method name.
const byMethod = new Map(Object.entries(OPS).map(([name, op]) => [op[0], name]));
for (const [name, route] of Object.entries(ROUTES)) byMethod.set(route.op[0], name);

/** `[snake name, op facts, route or undefined]` of an operation named either way. */
function lookup(name) {
  const snake = typeof name === "string" ? (Object.hasOwn(OPS, name) || Object.hasOwn(ROUTES, name) ? name : byMethod.get(name)) : undefined;
  if (snake === undefined) throw invalid("op", "an operation of the core's table or a server route (whoami, tokens, issue_token, revoke_token)");
  const route = ROUTES[snake];
  return [snake, route === undefined ? OPS[snake] : route.op, route];
}

// ---- results: the core's serde form (snake_case) -> JS spelling, by the type facts ------------

const typeOf = (name) => TYPES[name] ?? SERVER_TYPES[name];
/** `snake_case` -> `camelCase`, as the core's camel-case writer spells a record field. */
const camel = (s) => s.replace(/_([^_])/g, (_, c) => c.toUpperCase());
const keyOf = (kind) => (typeof kind === "string" ? kind : JSON.stringify(kind));
const readers = new Map();

/**
 * The function turning a parsed value of `kind` in the core's form into what the in-process `Crm`
 * gives: record fields renamed to camelCase (data-map keys and enum values left as they are),
 * instants as Dates.
 */
function reader(kind) {
  const key = keyOf(kind);
  if (!readers.has(key)) {
    // A type that refers to itself meets this forwarding stub while its reader is being built.
    let made = null;
    readers.set(key, (v) => made(v));
    made = makeReader(kind);
    readers.set(key, made);
  }
  return readers.get(key);
}

const same = (v) => v;

function makeReader(kind) {
  if (typeof kind !== "string") {
    const inner = reader(kind[0] === "keyed" ? kind[2] : kind[1]);
    switch (kind[0]) {
      case "opt":
        return (v) => (v === null || v === undefined ? null : inner(v));
      case "list":
      case "set":
        return (v) => (Array.isArray(v) ? v.map(inner) : v);
      default: // "map", "keyed": the keys are data or enum values
        return (v) => {
          if (v === null || typeof v !== "object") return v;
          const r = {};
          for (const k of Object.keys(v)) r[k] = inner(v[k]);
          return r;
        };
    }
  }
  if (kind === "instant") return (v) => (typeof v === "string" ? new Date(v) : v);
  const fact = typeOf(kind);
  if (fact === undefined || fact[0] === "enum") return same;
  return fact[0] === "record" ? recordReader(fact[1]) : unionReader(fact);
}

/** A record's fields renamed and read; a field the facts do not know is renamed and kept. */
function recordReader(fields, tag) {
  const bySnake = new Map(fields.map(([camelName, snake, kind]) => [snake, [camelName, reader(kind)]]));
  return (o) => {
    if (o === null || typeof o !== "object" || Array.isArray(o)) return o;
    const r = {};
    for (const k of Object.keys(o)) {
      const f = bySnake.get(k);
      if (f !== undefined) r[f[0]] = f[1](o[k]);
      else r[k === tag ? k : camel(k)] = o[k];
    }
    return r;
  };
}

function unionReader([, tag, details, variants]) {
  const byTag = new Map(Object.entries(variants).map(([t, fields]) => [t, recordReader(fields, tag)]));
  if (details !== null) {
    // `{code, message, details: {...}}`: the variant's fields sit under `details`.
    return (o) => {
      if (o === null || typeof o !== "object") return o;
      const read = byTag.get(o[tag]);
      return read === undefined ? o : { ...o, [details]: read(o[details]) };
    };
  }
  const plain = recordReader([], tag);
  return (o) => (byTag.get(o?.[tag]) ?? plain)(o);
}

const errorReader = reader("CrmError");

// ---- the sans-I/O core: requests out, responses in ------------------------------------------

/** The base URL without trailing slashes (`http://host:8080`, `https://host/crm`). */
function base(url) {
  const text = typeof url === "string" ? url : typeof url?.href === "string" ? url.href : undefined;
  let parsed;
  try {
    parsed = text === undefined ? undefined : new URL(text);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
    throw invalid("baseUrl", "an http:// or https:// URL");
  }
  return text.replace(/\/+$/, "");
}

function checkCredential(credential) {
  if (typeof credential !== "string" || credential.trim() === "" || /[\r\n]/.test(credential)) {
    throw invalid("credential", "the bearer credential of a token (crm1....)");
  }
  return credential;
}

const writers = new Map();
function writer(snake, op) {
  if (!writers.has(snake)) writers.set(snake, argsOf(op));
  return writers.get(snake);
}

/**
 * The HTTP request of one call: `op` names an operation of the core's table (`"create_customer"`
 * or `"createCustomer"`) or a server route (`whoami`, `tokens`, `issue_token`, `revoke_token`);
 * `args` are the method's arguments after the actor, in the `Crm` method's order (the server acts
 * as the credential's user, so no actor is sent). Arguments are checked and converted as the
 * in-process `Crm` does; a bad one throws a CrmError INVALID_INPUT naming it.
 */
export function buildRequest(op, args = [], { baseUrl, credential } = {}) {
  const [snake, facts, route] = lookup(op);
  if (!Array.isArray(args)) throw invalid("args", "an array of the operation's arguments after the actor");
  const root = base(baseUrl);
  const headers = { authorization: `Bearer ${checkCredential(credential)}`, accept: "application/json" };
  let url;
  let method = "POST";
  let body;
  if (route === undefined) {
    url = `${root}/v1/ops/${encodeURIComponent(snake)}`;
    body = writer(snake, facts)(args);
  } else {
    method = route.http;
    const text = writer(snake, facts)(args);
    if (route.pathArgs) {
      // The first argument (the token's id) goes in the path, the others in the body.
      const named = JSON.parse(text);
      const snakeName = facts[4][0][1];
      url = root + route.path([named[snakeName]]);
      delete named[snakeName];
      body = JSON.stringify(named);
    } else {
      url = root + route.path();
      body = method === "GET" ? undefined : text;
    }
  }
  if (body !== undefined) headers["content-type"] = "application/json";
  return { method, url, headers, body };
}

/** The CrmError of an answer that is not the server's: a proxy's page, a cut-off body. */
function unexpected(status, bodyText, cause) {
  const excerpt = typeof bodyText === "string" ? bodyText.slice(0, 200) : "";
  const e = new CrmError("UNEXPECTED_RESPONSE", `unexpected response: HTTP ${status} is not an answer of crm-server`, { status, body: excerpt });
  if (cause !== undefined) e.cause = cause;
  return e;
}

/**
 * The result of a call from its response (`status`, the body as text), spelled as the in-process
 * `Crm` gives it; an error response throws the same `CrmError` the in-process `Crm` would (its
 * details in JS spelling), or one with a server-only code (UNKNOWN_ROUTE, METHOD_NOT_ALLOWED,
 * OVERLOADED, BODY_TOO_LARGE, TIMEOUT, INTERNAL), or UNEXPECTED_RESPONSE for a body that is
 * not the server's.
 */
export function readResponse(op, status, bodyText) {
  const [, facts] = lookup(op);
  let body;
  try {
    body = bodyText === "" || bodyText === undefined || bodyText === null ? undefined : JSON.parse(bodyText);
  } catch (e) {
    throw unexpected(status, bodyText, e);
  }
  if (status >= 200 && status < 300) {
    if (facts[5] === "unit") return undefined;
    if (body === undefined) throw unexpected(status, bodyText);
    return reader(facts[5])(body);
  }
  if (body === null || typeof body !== "object" || typeof body.code !== "string" || typeof body.message !== "string") {
    throw unexpected(status, bodyText);
  }
  throw errorOf(errorReader({ ...body, details: body.details ?? {} }), facts);
}

/** The CrmError of an error body already in JS spelling; INVALID_INPUT's field as JS names it. */
function errorOf({ code, message, details }, facts) {
  if (code === "INVALID_INPUT" && typeof details?.field === "string") {
    const field = jsPath(facts, details.field);
    const prefix = `invalid ${details.field}: `;
    const text = message.startsWith(prefix) ? `invalid ${field}: ${message.slice(prefix.length)}` : message;
    return new CrmError(code, text, { ...details, field });
  }
  return new CrmError(code, message, details);
}

// ---- RemoteCrm: the I/O ------------------------------------------------------------------------

const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * An organisation on crm-server. `credential` is a token's bearer credential; every call acts as
 * its user. `options.fetch` replaces the global `fetch` (tests, proxies, retries); `timeoutMs`
 * (default 60 s; 0 for none) bounds each call, which then rejects with CrmError TIMEOUT.
 */
export class RemoteCrm {
  #base;
  #credential;
  #fetch;
  #timeoutMs;
  #me = null;

  constructor(baseUrl, credential, options = {}) {
    this.#base = base(baseUrl);
    this.#credential = checkCredential(credential);
    const { fetch: given, timeoutMs = DEFAULT_TIMEOUT_MS } = options ?? {};
    if (given !== undefined && typeof given !== "function") throw invalid("fetch", "a function like the global fetch");
    if (!(typeof timeoutMs === "number" && timeoutMs >= 0)) throw invalid("timeoutMs", "a number of milliseconds (0 for none)");
    this.#fetch = given ?? ((url, init) => globalThis.fetch(url, init));
    this.#timeoutMs = timeoutMs;
  }

  /** The server's base URL. */
  get baseUrl() {
    return this.#base;
  }

  /** The user this client acts as (`GET /v1/whoami`), asked once and kept. */
  async me() {
    this.#me ??= this.#call("whoami", []).catch((e) => {
      this.#me = null;
      throw e;
    });
    return structuredClone(await this.#me);
  }

  /** The tokens: every one for an administrator, else the caller's own; never their secrets. */
  tokens() {
    return this.#call("tokens", []);
  }

  /** Issues a token acting as `userId` (administrators); its credential is seen only here. */
  issueToken(userId, label) {
    return this.#call("issue_token", [userId, label]);
  }

  /** Revokes a token at once (administrators, or the token's own user). */
  revokeToken(id, expectedVersion) {
    return this.#call("revoke_token", [id, expectedVersion]);
  }

  /** The acting user's id as given: empty or this client's user, else refused before sending. */
  async #checkActor(actor) {
    if (actor === undefined || actor === null || actor === "") return;
    if (typeof actor !== "string") throw invalid("actor", "the acting user's id");
    const { id } = await this.me();
    if (actor !== id) {
      throw invalid("actor", `${actor} is not this client's user (${id}): the server acts as the credential's user`);
    }
  }

  /** Sends one call and reads its answer. */
  async #call(op, args, actor) {
    const request = buildRequest(op, args, { baseUrl: this.#base, credential: this.#credential });
    if (actor !== undefined) await this.#checkActor(actor);
    const [status, text] = await this.#exchange(request);
    return readResponse(op, status, text);
  }

  /**
   * One call of a `Replica`'s sync: `body` is already in the core's JSON form and the answer's
   * text comes back as it is (an error answer throws as every call's does).
   */
  async syncCall(op, body) {
    lookup(op);
    const headers = { authorization: `Bearer ${this.#credential}`, accept: "application/json", "content-type": "application/json" };
    const url = `${this.#base}/v1/ops/${encodeURIComponent(op)}`;
    const [status, text] = await this.#exchange({ method: "POST", url, headers, body });
    if (status >= 200 && status < 300) return text;
    return readResponse(op, status, text);
  }

  /** Sends a request: its status and body text, or UNREACHABLE / TIMEOUT. */
  async #exchange(request) {
    const fetch = this.#fetch;
    const controller = typeof AbortController === "function" ? new AbortController() : null;
    let timedOut = false;
    const timer =
      this.#timeoutMs > 0 && Number.isFinite(this.#timeoutMs)
        ? setTimeout(() => {
            timedOut = true;
            controller?.abort();
          }, this.#timeoutMs)
        : null;
    let status;
    let text;
    try {
      const response = await fetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        signal: controller?.signal,
      });
      status = response.status;
      text = await response.text();
    } catch (e) {
      if (timedOut) {
        const err = new CrmError("TIMEOUT", `the call took longer than ${this.#timeoutMs} ms; it may still complete`, { timeoutMs: this.#timeoutMs });
        err.cause = e;
        throw err;
      }
      const err = new CrmError("UNREACHABLE", `cannot reach ${this.#base}: ${e?.message ?? e}`, { url: request.url });
      err.cause = e;
      throw err;
    } finally {
      if (timer !== null) clearTimeout(timer);
    }
    return [status, text];
  }

  static {
    for (const [name, op] of Object.entries(OPS)) {
      if (!op[2]) continue;
      const f = op[1]
        ? function (actor, ...values) {
            return this.#call(name, values, actor ?? "");
          }
        : function (...values) {
            return this.#call(name, values);
          };
      Object.defineProperty(f, "name", { value: op[0] });
      Object.defineProperty(RemoteCrm.prototype, op[0], { value: f, writable: true, configurable: true });
    }
  }
}
