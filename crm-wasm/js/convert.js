// Converts values between JavaScript's spelling and the core's serde form, driven only by the type
// facts crm-codegen writes from the core's types (generated/facts.js): arguments go in with field
// names in snake_case, instants as RFC 3339 text and dates as "YYYY-MM-DD" (a Date given counts on
// its UTC day), checked on the way; results come back from wasm with field names in camelCase
// already (the core writes them so for this build) and only their instants become Dates here. The keys of data maps and enum values are never renamed. Converters are built once per
// type and kept.

import { TYPES } from "./generated/facts.js";

/** Builds the error thrown for bad input; set by calls.js (where CrmError lives). */
let invalidInput = (field, reason) => new Error(`invalid ${field}: ${reason}`);
export function onInvalid(make) {
  invalidInput = make;
}

const bad = (path, reason) => {
  throw invalidInput(path || "args", reason);
};
const at = (path, key) => (path ? `${path}.${key}` : key);
const isDate = (v) => Object.prototype.toString.call(v) === "[object Date]";
const keyOf = (kind) => (typeof kind === "string" ? kind : JSON.stringify(kind));

// ---- results: JSON already in JS spelling (the core's camel-case-json) -> instants as Dates ----

const fixers = new Map();

/**
 * The function turning a parsed result of `kind` (field names already camelCase) into its JS
 * form: instants become Dates, in place; null where `kind` holds no instant.
 */
export function output(kind) {
  const key = keyOf(kind);
  if (!fixers.has(key)) fixers.set(key, makeOutput(kind));
  return fixers.get(key);
}

/** Whether values of `kind` hold an instant anywhere. */
function holdsInstant(kind, seen = new Set()) {
  if (typeof kind !== "string") return holdsInstant(kind[kind[0] === "keyed" ? 2 : 1], seen);
  if (kind === "instant") return true;
  const fact = TYPES[kind];
  if (fact === undefined || fact[0] === "enum" || seen.has(kind)) return false;
  seen.add(kind);
  const fields = fact[0] === "record" ? fact[1] : Object.values(fact[3]).flat();
  return fields.some((f) => holdsInstant(f[2], seen));
}

function makeOutput(kind) {
  if (!holdsInstant(kind)) return null;
  if (typeof kind !== "string") {
    const inner = output(kind[0] === "keyed" ? kind[2] : kind[1]);
    switch (kind[0]) {
      case "opt":
        return (v) => (v === null ? null : inner(v));
      case "list":
      case "set":
        return (v) => {
          for (let i = 0; i < v.length; i++) v[i] = inner(v[i]);
          return v;
        };
      default: // "map", "keyed": keys are data or enum values
        return (v) => {
          for (const k in v) v[k] = inner(v[k]);
          return v;
        };
    }
  }
  if (kind === "instant") return (v) => new Date(v);
  const fact = TYPES[kind];
  // A type that refers to itself meets this forwarding stub while its fixer is being built.
  let made = null;
  fixers.set(kind, (v) => made(v));
  made = fact[0] === "record" ? recordOutput(fact[1]) : unionOutput(fact);
  return made;
}

/** Fixes the fields that hold instants; a field left out stays out (the tests see it missing). */
function recordOutput(fields) {
  const fix = fields.map(([camel, , kind]) => [camel, output(kind)]).filter(([, f]) => f !== null);
  return (o) => {
    for (let i = 0; i < fix.length; i++) {
      const [camel, f] = fix[i];
      const v = o[camel];
      if (v !== undefined) o[camel] = f(v);
    }
    return o;
  };
}

function unionOutput([, tag, details, variants]) {
  const byTag = new Map(Object.entries(variants).map(([t, fields]) => [t, recordOutput(fields)]));
  if (details !== null) {
    return (o) => {
      const fix = byTag.get(o[tag]);
      if (fix !== undefined && o[details] !== null && typeof o[details] === "object") fix(o[details]);
      return o;
    };
  }
  return (o) => {
    const fix = byTag.get(o[tag]);
    return fix === undefined ? o : fix(o);
  };
}

// ---- arguments: JavaScript -> core form, checked on the way -----------------------------------

const ins = new Map();
const same = (v) => v;

/** The function turning a JS value of `kind` into the core's form: `(value, path) => value`. */
export function input(kind) {
  const key = keyOf(kind);
  if (!ins.has(key)) ins.set(key, makeInput(kind));
  return ins.get(key);
}

const SCALARS = {
  string: (v, p) => (typeof v === "string" ? v : bad(p, "a string")),
  bool: (v, p) => (typeof v === "boolean" ? v : bad(p, "true or false")),
  int: (v, p) => (Number.isSafeInteger(v) ? v : bad(p, "a whole number")),
  float: (v, p) => (typeof v === "number" && Number.isFinite(v) ? v : bad(p, "a finite number")),
  decimal: (v, p) => (typeof v === "string" ? v : bad(p, 'a decimal string such as "12.50" (a number would not be exact)')),
  instant: (v, p) => {
    if (typeof v === "string") return v;
    if (isDate(v) && !Number.isNaN(v.getTime())) return v.toISOString();
    return bad(p, "a valid Date or an RFC 3339 string");
  },
  date: (v, p) => {
    if (typeof v === "string") return v;
    if (isDate(v) && !Number.isNaN(v.getTime())) return v.toISOString().slice(0, 10);
    return bad(p, 'a "YYYY-MM-DD" string or a valid Date');
  },
  unit: same,
  // Any JSON value (a synced operation's arguments), carried as it is.
  json: same,
};

const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);

function makeInput(kind) {
  if (typeof kind !== "string") {
    const [shape, a, b] = kind;
    switch (shape) {
      case "opt": {
        const inner = input(a);
        return (v, p) => (v === null || v === undefined ? null : inner(v, p));
      }
      case "list":
      case "set": {
        const inner = input(a);
        return (v, p) => (Array.isArray(v) ? v.map((x, i) => inner(x, `${p}[${i}]`)) : bad(p, "an array"));
      }
      default: {
        const inner = input(shape === "keyed" ? b : a);
        const keys = shape === "keyed" ? new Set(a) : null;
        return (v, p) => {
          if (!isObject(v)) bad(p, "an object");
          const r = {};
          for (const k of Object.keys(v)) {
            if (keys !== null && !keys.has(k)) bad(at(p, k), `not one of ${[...keys].join(", ")}`);
            r[k] = inner(v[k], at(p, k));
          }
          return r;
        };
      }
    }
  }
  if (Object.hasOwn(SCALARS, kind)) return SCALARS[kind];
  const fact = TYPES[kind];
  if (fact === undefined) return same;
  if (fact[0] === "enum") {
    const values = new Set(fact[1]);
    const list = fact[1].map((x) => JSON.stringify(x)).join(", ");
    return (v, p) => (values.has(v) ? v : bad(p, `one of ${list}`));
  }
  let made;
  return (v, p) => (made ??= fact[0] === "record" ? recordInput(kind, fact[1]) : unionInput(kind, fact))(v, p);
}

function recordInput(name, fields, tag) {
  const byCamel = new Map(fields.map(([camel, snake, kind, required]) => [camel, [snake, input(kind), required]]));
  return (v, p) => {
    if (!isObject(v)) bad(p, `a ${name} object`);
    const r = {};
    for (const k of Object.keys(v)) {
      const x = v[k];
      if (x === undefined || k === tag) continue;
      const f = byCamel.get(k);
      if (f === undefined) bad(at(p, k), `${name} has no field ${k}`);
      r[f[0]] = f[1](x, at(p, k));
    }
    for (const [camel, [snake, , required]] of byCamel) {
      if (required && !(snake in r)) bad(at(p, camel), "is missing");
    }
    if (tag !== undefined) r[tag] = v[tag];
    return r;
  };
}

function unionInput(name, [, tag, , variants]) {
  const byTag = new Map(Object.entries(variants).map(([t, fields]) => [t, recordInput(name, fields, tag)]));
  const list = [...byTag.keys()].map((x) => JSON.stringify(x)).join(", ");
  return (v, p) => {
    if (!isObject(v)) bad(p, `a ${name} object`);
    const variant = byTag.get(v[tag]);
    return variant === undefined ? bad(at(p, tag), `one of ${list}`) : variant(v, p);
  };
}

/**
 * The writer of an operation's arguments (after the actor): the values in, the JSON text of its
 * named arguments out; converters are looked up once per operation, not per call.
 */
export function argsOf(op) {
  const [method, , , record, args] = op;
  if (record !== null) {
    const convert = input(record);
    return (values) => {
      if (values.length > 1) bad("args", `${method} takes one ${record} object`);
      if (!isObject(values[0])) bad("input", `a ${record} object`);
      return JSON.stringify(convert(values[0], ""));
    };
  }
  const params = args.map(([camel, snake, kind, required]) => [camel, snake, input(kind), required]);
  return (values) => {
    if (values.length > params.length) bad("args", `${method} takes ${params.length} argument(s), got ${values.length}`);
    const named = {};
    for (let i = 0; i < params.length; i++) {
      const [camel, snake, convert, required] = params[i];
      const v = values[i];
      if (v === undefined || v === null) {
        if (required) bad(camel, "is missing");
      } else {
        named[snake] = convert(v, camel);
      }
    }
    return JSON.stringify(named);
  };
}

// ---- error details: field paths as JavaScript spells them ---------------------------------------

/** The named type under optional, list and map wrappers. */
function nameOf(kind) {
  while (typeof kind !== "string") kind = kind[kind[0] === "keyed" ? 2 : 1];
  return kind;
}

/** The fields of a kind's record (or of all its union variants), or null. */
function fieldsOf(kind) {
  const fact = TYPES[nameOf(kind)];
  if (fact === undefined) return null;
  if (fact[0] === "record") return fact[1];
  if (fact[0] === "union") return Object.values(fact[3]).flat();
  return null;
}

/** Whether the step into a field of `kind` passes a data map (whose next segment is a key). */
function mapsData(kind) {
  for (; typeof kind !== "string"; kind = kind[kind[0] === "keyed" ? 2 : 1]) {
    if (kind[0] === "map" || kind[0] === "keyed") return true;
  }
  return false;
}

/** The fields, among the types reachable from `fields`, that include one named `snake`. */
function ownerOf(fields, snake) {
  const seen = new Set();
  const queue = [fields];
  while (queue.length > 0) {
    const list = queue.shift();
    if (list.some((f) => f[1] === snake)) return list;
    for (const f of list) {
      const name = nameOf(f[2]);
      const inner = fieldsOf(name);
      if (inner !== null && !seen.has(name)) {
        seen.add(name);
        queue.push(inner);
      }
    }
  }
  return null;
}

/**
 * A core field path (`patch.expected_close`, `orders[3].amount`) in JS spelling
 * (`patch.expectedClose`, `orders[3].amount`), resolved against the operation's arguments by the
 * facts; a segment the facts do not know ends the conversion and stays as the core wrote it.
 */
export function jsPath(op, path) {
  if (typeof path !== "string") return path;
  const [, , , record, args] = op;
  const parts = path.split(".");
  const first = parts[0].replace(/\[.*$/, "");
  let fields = record !== null ? fieldsOf(record) : args;
  // A rule may name a field of an argument's record without the argument (`received_on`).
  if (!fields.some((f) => f[1] === first)) fields = ownerOf(fields, first) ?? fields;
  const out = [];
  let i = 0;
  let key = false;
  for (; i < parts.length && fields !== null; i++) {
    const m = /^([A-Za-z0-9_]+)((?:\[\d+\])*)$/.exec(parts[i]);
    if (key) {
      out.push(parts[i]);
      key = false;
      continue;
    }
    const f = m && fields.find((x) => x[1] === m[1]);
    if (!f) break;
    out.push(f[0] + m[2]);
    key = mapsData(f[2]);
    fields = fieldsOf(f[2]);
  }
  return out.concat(parts.slice(i)).join(".");
}
