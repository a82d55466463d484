// Replays a parity scenario (tests/scenarios/*.json) through the package's JS API, in Node and in
// the browser alike. Scenario files speak the core's form (snake_case); every conversion here
// follows the generated type facts (TYPES, OPS of generated/facts.js), never a rename table.
// Every result and every error's details are also checked against the facts exactly: a field
// missing, a field too many or a value of the wrong kind fails the step.

const isPlain = (v) => v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype;
const isDate = (v) => v instanceof Date && !Number.isNaN(v.getTime());
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
const inner = (kind) => kind[kind[0] === "keyed" ? 2 : 1];

/** Walks a value of `kind`; `record(fields, value, tag)` handles each record or union variant. */
function walk(TYPES, kind, v, leaf, record) {
  if (v === null || v === undefined) return v;
  if (typeof kind !== "string") {
    if (kind[0] === "list" || kind[0] === "set") return v.map((x) => walk(TYPES, kind[1], x, leaf, record));
    if (kind[0] === "opt") return walk(TYPES, kind[1], v, leaf, record);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(TYPES, inner(kind), x, leaf, record)]));
  }
  const fact = TYPES[kind];
  if (fact === undefined) return leaf(kind, v);
  if (fact[0] === "enum") return v;
  if (fact[0] === "record") return record(fact[1], v);
  const [, tag, details, variants] = fact;
  if (details !== null) return { [tag]: v[tag], [details]: record(variants[v[tag]] ?? [], v[details]) };
  return record(variants[v[tag]] ?? [], v, tag);
}

/** A scenario value (core form) as the JS API takes it: camelCase fields, instants as Dates. */
export function toJs(TYPES, kind, value) {
  const record = (fields, v, tag) =>
    Object.fromEntries(
      Object.entries(v).map(([k, x]) => {
        const f = fields.find((f) => f[1] === k);
        if (k === tag || f === undefined) return [k, x];
        return [f[0], toJs(TYPES, f[2], x)];
      }),
    );
  return walk(TYPES, kind, value, (k, v) => (k === "instant" ? new Date(v) : v), record);
}

/** A JS result in the core's form (snake_case, RFC 3339 text), to compare with a scenario's expectation. */
export function toCore(TYPES, kind, value) {
  const record = (fields, v, tag) =>
    Object.fromEntries(
      Object.entries(v).map(([k, x]) => {
        const f = fields.find((f) => f[0] === k);
        if (k === tag || f === undefined) return [k, x];
        return [f[1], toCore(TYPES, f[2], x)];
      }),
    );
  return walk(TYPES, kind, value, (k, v) => (v instanceof Date ? v.toISOString() : v), record);
}

/** Every way `value` differs from what the facts say a result of `kind` is. */
export function mismatches(TYPES, kind, v, path = "$", out = []) {
  const fail = (what) => out.push(`${path}: expected ${what}, got ${v instanceof Date ? `Date(${v.toISOString()})` : JSON.stringify(v)}`);
  if (typeof kind !== "string") {
    const [shape] = kind;
    if (shape === "opt") {
      if (v !== null) mismatches(TYPES, kind[1], v, path, out);
    } else if (shape === "list" || shape === "set") {
      if (!Array.isArray(v)) return fail(shape), out;
      v.forEach((x, i) => mismatches(TYPES, kind[1], x, `${path}[${i}]`, out));
      if (shape === "set" && new Set(v.map((x) => JSON.stringify(x))).size !== v.length) fail("no item twice");
    } else {
      if (!isPlain(v)) return fail("a plain object"), out;
      for (const [k, x] of Object.entries(v)) {
        if (shape === "keyed" && !kind[1].includes(k)) fail(`keys among ${kind[1]}`);
        mismatches(TYPES, inner(kind), x, `${path}.${k}`, out);
      }
    }
    return out;
  }
  const fields = (list, obj, at, extra = []) => {
    if (!isPlain(obj)) return out.push(`${at}: expected a plain object, got ${JSON.stringify(obj)}`);
    const want = [...extra, ...list.map((f) => f[0])].sort();
    const got = Object.keys(obj).sort();
    if (JSON.stringify(want) !== JSON.stringify(got)) out.push(`${at}: keys ${JSON.stringify(got)}, facts say ${JSON.stringify(want)}`);
    for (const [camel, , k] of list) if (camel in obj) mismatches(TYPES, k, obj[camel], `${at}.${camel}`, out);
  };
  switch (kind) {
    case "string": return typeof v === "string" || fail("a string"), out;
    case "bool": return typeof v === "boolean" || fail("a boolean"), out;
    case "int": return Number.isSafeInteger(v) || fail("a whole number"), out;
    case "float": return (typeof v === "number" && Number.isFinite(v)) || fail("a number"), out;
    case "decimal": return (typeof v === "string" && /^-?\d+(\.\d+)?$/.test(v)) || fail("decimal text"), out;
    case "instant": return isDate(v) || fail("a Date"), out;
    case "date": return (typeof v === "string" && /^\d{4}-\d{2}-\d{2}$/.test(v)) || fail('"YYYY-MM-DD"'), out;
    case "unit": return v === undefined || fail("undefined"), out;
    // Any JSON value, carried as it is: anything JSON.parse can give.
    case "json": return v !== undefined || fail("a JSON value"), out;
  }
  const fact = TYPES[kind];
  if (fact === undefined) return fail(`a known type (${kind})`), out;
  if (fact[0] === "enum") return fact[1].includes(v) || fail(`one of ${fact[1]}`), out;
  if (fact[0] === "record") return fields(fact[1], v, path), out;
  const [, tag, details, variants] = fact;
  if (!isPlain(v) || !Object.hasOwn(variants, v[tag])) return fail(`a ${kind} variant`), out;
  if (details === null) fields(variants[v[tag]], v, path, [tag]);
  else {
    const keys = JSON.stringify(Object.keys(v).sort());
    if (keys !== JSON.stringify([tag, details].sort())) out.push(`${path}: keys ${keys}, facts say ${tag}, ${details}`);
    fields(variants[v[tag]], v[details], `${path}.${details}`);
  }
  return out;
}

/** Subset matching as tests/scenarios/README.md defines it (crm_core::testing::scenario::matches). */
export function matches(expected, actual, path = "$") {
  const fail = () => `at ${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
  if (expected === null) return actual === null || actual === undefined ? null : fail();
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return fail();
    for (let i = 0; i < expected.length; i++) {
      const m = matches(expected[i], actual[i], `${path}[${i}]`);
      if (m) return m;
    }
    return null;
  }
  if (typeof expected === "object") {
    if (actual === null || typeof actual !== "object") return fail();
    for (const [k, e] of Object.entries(expected)) {
      const m = matches(e, actual[k] ?? null, `${path}.${k}`);
      if (m) return m;
    }
    return null;
  }
  if (typeof expected === "string" && typeof actual === "string" && INSTANT.test(expected) && INSTANT.test(actual)) {
    return Date.parse(expected) === Date.parse(actual) ? null : fail();
  }
  return expected === actual ? null : fail();
}

/**
 * Replays one scenario through `api` (the package's exports); returns the failures and how many
 * results and errors were checked against the facts.
 */
export function replay(api, { TYPES, OPS }, scenario, name) {
  const failures = [];
  let checked = 0;
  const crm = new api.Crm({ now: new Date(scenario.start) });
  scenario.steps.forEach((step, i) => {
    const where = `${name} step ${i + 1} (${step.op})`;
    const args = step.args ?? {};
    if (step.op === "set_now") return crm.setNow(new Date(args.now));
    const op = OPS[step.op];
    if (op === undefined) return failures.push(`${where}: no such operation in the facts`);
    const [method, actor, onCrm, record, params, result] = op;
    let values;
    if (record !== null) {
      values = [toJs(TYPES, record, args)];
    } else {
      const unknown = Object.keys(args).filter((k) => !params.some((p) => p[1] === k));
      // Positional parameters cannot carry an unknown name: a call a JS caller cannot write, as
      // the Kotlin replay treats it. The step must expect the core's answer to it in JSON.
      if (unknown.length > 0) {
        if (step.error !== "INVALID_INPUT") return failures.push(`${where}: the scenario names unknown arguments ${unknown}`);
        return;
      }
      values = params.map(([, snake, kind]) => (snake in args ? toJs(TYPES, kind, args[snake]) : undefined));
    }
    if (actor) values.unshift(step.actor ?? "");
    let out;
    try {
      out = onCrm ? crm[method](...values) : api[method](...values);
    } catch (e) {
      if (!(e instanceof api.CrmError && e instanceof Error)) return failures.push(`${where}: threw ${e?.stack ?? e}`);
      checked++;
      const bad = mismatches(TYPES, "CrmError", { code: e.code, details: e.details }, "error");
      if (bad.length > 0) failures.push(`${where}: error details differ from the facts: ${bad.join("; ")}`);
      if (!step.error) failures.push(`${where}: unexpected ${e.code}: ${e.message}`);
      else if (e.code !== step.error) failures.push(`${where}: expected ${step.error}, got ${e.code}: ${e.message}`);
      return;
    }
    checked++;
    if (step.error) return failures.push(`${where}: expected ${step.error}, got success`);
    const bad = mismatches(TYPES, result, out, "result");
    if (bad.length > 0) failures.push(`${where}: result differs from the facts: ${bad.slice(0, 5).join("; ")}`);
    if (step.expect !== undefined) {
      const m = matches(step.expect, toCore(TYPES, result, out));
      if (m) failures.push(`${where}: ${m}`);
    }
  });
  crm.free();
  return { failures, checked };
}
