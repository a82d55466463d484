// The calls into wasm: `init`, the `Crm` class (one method per operation of the core's table,
// installed from the generated facts) and the pure operations. Arguments go in as JSON text in the
// core's form and results come back as JSON text in JS spelling, both converted by ./convert.js;
// refusals come back as `{code, message, details}` text and are thrown as `CrmError`s.

import * as wasm from "./crm_wasm.js";
import { OPS } from "./generated/facts.js";
import { argsOf, jsPath, onInvalid, output } from "./convert.js";

/** A refusal of the engine: a real Error with the stable `code` every surface shares. */
export class CrmError extends Error {
  constructor(code, message, details) {
    super(message);
    this.name = "CrmError";
    this.code = code;
    this.details = details;
  }
}

const invalid = (field, reason) => new CrmError("INVALID_INPUT", `invalid ${field}: ${reason}`, { field, reason });
onInvalid(invalid);

const errorDetails = output("CrmError") ?? ((e) => e);

/** The error wasm threw (JSON text), with the fields of `op`'s arguments spelled as in JS. */
function thrown(e, op) {
  if (typeof e !== "string") return e;
  const { code, message, details } = errorDetails(JSON.parse(e));
  if (code === "INVALID_INPUT" && op !== undefined) {
    const field = jsPath(op, details.field);
    const prefix = `invalid ${details.field}: `;
    const text = message.startsWith(prefix) ? `invalid ${field}: ${message.slice(prefix.length)}` : message;
    return new CrmError(code, text, { ...details, field });
  }
  return new CrmError(code, message, details);
}

let ready = false;
/** A trap of the engine (a bug: the core never panics on input); later calls refuse. */
let trapped = null;

/** Loads the engine (browsers and bundlers; Node's entry has done it already). */
export async function init(input) {
  await wasm.default(input === undefined ? undefined : { module_or_path: input });
  started();
}

/** Loads the engine from its bytes or a compiled module, synchronously. */
export function initSync(module) {
  wasm.initSync({ module });
  started();
}

function started() {
  ready = true;
}

export function loaded() {
  if (!ready) throw new CrmError("INVALID_STATE", "invalid state: call init() first", { reason: "call init() first" });
  if (trapped !== null) throw trapped;
}

/** What wasm threw, as the caller sees it: a CrmError, or the trap that stops the engine. */
function failure(e, op) {
  if (typeof e === "string") return thrown(e, op);
  if (e instanceof WebAssembly.RuntimeError) {
    trapped = new CrmError("STORAGE", `storage failure: the engine stopped (${e.message}); load the page again`, { message: e.message });
    return trapped;
  }
  return e;
}

/** Epoch milliseconds of an instant given as a Date or RFC 3339 text. */
export function epochMs(value, field) {
  const date = Object.prototype.toString.call(value) === "[object Date]";
  const ms = typeof value === "string" ? Date.parse(value) : date ? value.getTime() : NaN;
  if (Number.isNaN(ms)) throw invalid(field, "a valid Date or an RFC 3339 string");
  return ms;
}

/** Runs `call`, turning what wasm throws into a CrmError. */
export function guarded(call, op) {
  try {
    return call();
  } catch (e) {
    throw failure(e, op);
  }
}

/** The module function of pure operation `name`. */
export function pure(name) {
  const op = OPS[name];
  const result = output(op[5]);
  const args = argsOf(op);
  const f = (...values) => {
    loaded();
    const text = args(values);
    const json = guarded(() => wasm.callPure(name, text), op);
    return result === null ? JSON.parse(json) : result(JSON.parse(json));
  };
  Object.defineProperty(f, "name", { value: op[0] });
  return f;
}

/** An organisation on the in-memory store; its methods are the core's operations (see api.d.ts). */
export class Crm {
  #inner;

  /** `options.now` (a Date or RFC 3339 text) fixes the clock, which `setNow` moves; else the JS clock runs. */
  constructor(options = {}) {
    loaded();
    const now = options.now === undefined ? undefined : epochMs(options.now, "now");
    this.#inner = guarded(() => new wasm.Crm(now));
  }

  /** Moves the fixed clock (INVALID_STATE on the JavaScript clock). */
  setNow(now) {
    guarded(() => this.#inner.setNow(epochMs(now, "now")));
  }

  now() {
    return new Date(this.#inner.now());
  }

  /** Releases the organisation's memory now rather than when the object is collected. */
  free() {
    this.#inner.free();
  }

  static {
    const call = (crm, name, actor, text) => crm.#inner.call(name, actor, text);
    for (const [name, op] of Object.entries(OPS)) {
      if (op[2]) Object.defineProperty(Crm.prototype, op[0], { value: method(name, op, call), writable: true, configurable: true });
    }
  }
}

/** The method of organisation operation `name`: the actor first where it has one, then its arguments. */
export function method(name, op, call) {
  const result = output(op[5]);
  const args = argsOf(op);
  const unit = op[5] === "unit";
  const run = (crm, actor, values) => {
    if (trapped !== null) throw trapped;
    if (typeof actor !== "string") throw invalid("actor", "the acting user's id");
    const text = args(values);
    let json;
    try {
      json = call(crm, name, actor, text);
    } catch (e) {
      throw failure(e, op);
    }
    if (unit) return undefined;
    const value = JSON.parse(json);
    return result === null ? value : result(value);
  };
  const f = op[1]
    ? function (actor, ...values) {
        return run(this, actor, values);
      }
    : function (...values) {
        return run(this, "", values);
      };
  Object.defineProperty(f, "name", { value: op[0] });
  return f;
}
