// Generated arguments for the fuzz harness, from the type facts (generated/facts.js) and the parity
// scenarios: valid (real ids, calendars, plans and pipelines, so many calls act on records),
// nearly valid (one mutation) and hostile (wrong types, missing and unknown keys, NaN and
// infinities, 2^53 and beyond, invalid Dates and dates, very long and lone-surrogate strings, deep
// nesting, empty and huge arrays, BigInt). Deterministic for a seed.
import { readFileSync, readdirSync } from "node:fs";

/** splitmix64 on BigInt: a seed names a run exactly. */
export function rng(seed) {
  let s = BigInt.asUintN(64, BigInt(seed));
  const next = () => {
    s = BigInt.asUintN(64, s + 0x9e3779b97f4a7c15n);
    let z = s;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    return z ^ (z >> 31n);
  };
  const below = (n) => Number(next() % BigInt(Math.max(1, n)));
  return { below, oneIn: (n) => below(n) === 0, pick: (items) => items[below(items.length)] };
}

const START = Date.parse("2026-03-02T01:00:00Z");

/** Leaf values of the scenarios by snake_case field name, and whole argument objects by operation. */
export function loadCorpus(scenarioDir) {
  const leaves = new Map();
  const calls = new Map();
  const harvest = (key, v) => {
    if (Array.isArray(v)) v.forEach((x) => harvest(key, x));
    else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) harvest(k, x);
    else if (v !== null && v !== undefined) {
      if (!leaves.has(key)) leaves.set(key, []);
      if (!leaves.get(key).includes(v)) leaves.get(key).push(v);
    }
  };
  for (const file of readdirSync(scenarioDir).filter((f) => f.endsWith(".json")).sort()) {
    const scenario = JSON.parse(readFileSync(`${scenarioDir}/${file}`, "utf8"));
    for (const step of scenario.steps) {
      const args = step.args ?? {};
      harvest("", args);
      if (!calls.has(step.op)) calls.set(step.op, []);
      calls.get(step.op).push(args);
    }
  }
  return { leaves, calls };
}

/** A value in the core's spelling turned into JS spelling (record fields camelCase) by its kind. */
export function toJs(TYPES, v, kind) {
  if (v === null || v === undefined) return v;
  if (typeof kind !== "string") {
    const [shape, a, b] = kind;
    if (shape === "opt") return toJs(TYPES, v, a);
    if (shape === "list" || shape === "set") return Array.isArray(v) ? v.map((x) => toJs(TYPES, x, a)) : v;
    const inner = shape === "keyed" ? b : a;
    if (typeof v !== "object") return v;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJs(TYPES, x, inner)]));
  }
  const fact = TYPES[kind];
  if (fact === undefined || fact[0] === "enum" || typeof v !== "object" || Array.isArray(v)) return v;
  const fields = fact[0] === "record" ? fact[1] : fact[3][v[fact[1]]] ?? [];
  const bySnake = new Map(fields.map(([camel, snake, k]) => [snake, [camel, k]]));
  if (fact[0] === "union" && fact[2] !== null) {
    // Adjacent tagging ({type, value}): the content is the variant's one field.
    return { ...v, [fact[2]]: toJs(TYPES, v[fact[2]], fields[0]?.[2] ?? "string") };
  }
  const out = {};
  for (const [k, x] of Object.entries(v)) {
    const f = bySnake.get(k);
    out[f ? f[0] : k] = f ? toJs(TYPES, x, f[1]) : x;
  }
  return out;
}

const LONG = [256, 4097, 65537, 100001, 1 << 20];

function longString(r) {
  const unit = r.pick(["x", "撞", "😀", "a b ", "\u0301"]);
  return unit.repeat(Math.floor(r.pick(LONG) / unit.length));
}

export function hostileString(r) {
  return r.pick([
    () => "",
    () => " \t\n",
    () => "NaN",
    () => "Infinity",
    () => "-Infinity",
    () => "1e400",
    () => "-0",
    () => "79228162514264337593543950336",
    () => "-79228162514264337593543950335",
    () => "9999-99-99",
    () => "2026-02-30",
    () => "+275760-09-13T00:00:00Z",
    () => "-271821-04-20T00:00:00Z",
    () => "2026-03-02T25:61:00Z",
    () => "2026-03-02T01:00:00+99:00",
    () => "\u0000\u0001\u007f",
    () => "\u202eevil\u200b",
    () => "a\ud800b",
    () => "\udfff",
    () => "\ud83d",
    () => "18446744073709551615",
    () => "9007199254740993",
    () => "c-99999999999999999999",
    () => "[rates]\ntype = \"flat\"",
    () => 'timezone = "Mars/Olympus"',
    () => longString(r),
    () => longString(r),
  ])();
}

export function hostileNumber(r) {
  return r.pick([-1, 0, -0, 1.5, NaN, Infinity, -Infinity, 2 ** 53, 2 ** 53 - 1, 2 ** 53 + 2, 2 ** 64, 4294967295, 4294967296,
    1e8, 1e20, -1e308, Number.MAX_VALUE, Number.MIN_VALUE, 2147483647, -(2 ** 53)]);
}

export function hostileValue(r, depth = 0) {
  return r.pick([
    () => undefined,
    () => null,
    () => true,
    () => hostileNumber(r),
    () => hostileNumber(r),
    () => hostileString(r),
    () => hostileString(r),
    () => [],
    () => ({}),
    () => ({ type: "nope" }),
    () => new Date(NaN),
    () => new Date(8.64e15),
    () => new Date(-8.64e15),
    () => 10n,
    () => {
      let v = "deep";
      for (let i = 0, n = r.pick([3, 64, 200]); i < n; i++) v = i % 2 ? { a: v } : [v];
      return v;
    },
    () => {
      const n = r.pick([1, 3, 1000, 20000]);
      const item = n < 10 && depth < 2 ? hostileValue(r, depth + 1) : r.pick([1, "c-1", {}, null]);
      return Array(n).fill(item);
    },
    () => Object.fromEntries(Array.from({ length: r.pick([1, 50, 2000]) }, (_, i) => [`k${i}`, i])),
  ])();
}

const ID_FIELDS = {
  customer_id: "customers", survivor_id: "customers", merged_id: "customers", customer_ids: "customers",
  user_id: "users", rep_id: "users", owner_id: "users", to_user_id: "users", from_user_id: "users",
  member_ids: "users", admin_ids: "users", rep_ids: "users", team_id: "teams", member_team_ids: "teams",
  pool_id: "pools", default_pool_id: "pools", lead_id: "leads", lead_ids: "leads", opportunity_id: "opportunities",
  contract_id: "contracts", allocator_id: "allocators", pipeline_id: "pipelines", stage: "stages",
  from_stage: "stages", to_stage: "stages", key: "stages",
};
const ID_OF_OP = {
  user: "users", deactivate_user: "users", customer: "customers", update_customer: "customers",
  transfer_customer: "customers", lead: "leads", opportunity: "opportunities", contract: "contracts",
};

/** The generator: `args(op, snakeName, mode)` gives the values after the actor. */
export function generator({ TYPES, OPS, corpus, r }) {
  let ids = {};
  let op = "";
  const leafStrings = (field) => (corpus.leaves.get(field) ?? []).filter((v) => typeof v === "string");

  function string(field) {
    const kind = field === "id" ? ID_OF_OP[op] ?? "pipelines" : ID_FIELDS[field];
    const pool = kind ? ids[kind] ?? [] : [];
    if (pool.length > 0 && !r.oneIn(8)) return r.pick(pool);
    const seen = leafStrings(field);
    if (seen.length > 0) return r.pick(seen);
    return `${r.pick(["Acme", "Li Lei", "renewal", "A", "VIP", "web", "East", "note"])} ${r.below(50)}`;
  }

  function value(kind, field, mode, depth) {
    if (mode === "hostile" && r.oneIn(6)) return hostileValue(r, depth);
    if (typeof kind !== "string") {
      const [shape, a, b] = kind;
      if (shape === "opt") return r.oneIn(3) ? r.pick([null, undefined]) : value(a, field, mode, depth);
      if (shape === "list" || shape === "set") {
        const n = r.pick([0, 1, 1, 1, 1, 1, 1, 2, 3, 4]);
        return Array.from({ length: n }, () => value(a, field, mode, depth + 1));
      }
      const out = {};
      if (shape === "keyed") {
        for (const k of a) if (r.oneIn(2)) out[k] = value(b, field, mode, depth + 1);
      } else {
        for (let i = r.below(3); i > 0; i--) out[r.pick(["A", "B", "budget", "po_number", "u-3"])] = value(a, field, mode, depth + 1);
      }
      return out;
    }
    switch (kind) {
      case "string":
        return string(field);
      case "decimal": {
        const seen = leafStrings(field).filter((s) => !Number.isNaN(Number(s)));
        return seen.length > 0 && r.oneIn(2) ? r.pick(seen) : r.pick(["0", "1", "5", "100.50", "5000", "20000.00", "0.01", "99.999"]);
      }
      case "instant": {
        const t = new Date(START + (r.below(200000) - 50000) * 60000);
        return r.oneIn(2) ? t : t.toISOString();
      }
      case "date":
        return new Date(START + (r.below(400) - 100) * 86400000).toISOString().slice(0, 10);
      case "int": {
        if (field === "expected_version") return r.pick(Object.values(ids.versions ?? { x: 1 }));
        const seen = (corpus.leaves.get(field) ?? []).filter((v) => typeof v === "number");
        return seen.length > 0 && !r.oneIn(4) ? r.pick(seen) : r.below(40);
      }
      case "float":
        return r.below(101) / 100;
      case "bool":
        return r.oneIn(2);
      case "unit":
        return null;
    }
    const fact = TYPES[kind];
    if (fact === undefined) return null;
    if (fact[0] === "enum") return r.pick(fact[1]);
    if (depth > 6) return {};
    if (fact[0] === "record") return record(fact[1], mode, depth);
    const [, tag, details, variants] = fact;
    const name = r.pick(Object.keys(variants));
    const fields = record(variants[name], mode, depth);
    if (details !== null) return { [tag]: name, [details]: Object.values(fields)[0] ?? null };
    return { [tag]: name, ...fields };
  }

  function record(fields, mode, depth) {
    const out = {};
    for (const [camel, snake, kind, required] of fields) {
      if (required || (depth < 4 && r.oneIn(2))) out[camel] = value(kind, snake, mode, depth + 1);
    }
    return out;
  }

  /** One mutation at a random node of a JS value tree; returns the new value. */
  function mutate(v, depth = 0) {
    const isObj = v !== null && typeof v === "object" && !Array.isArray(v) && !(v instanceof Date);
    const keys = isObj ? Object.keys(v) : [];
    const descend = (isObj && keys.length > 0 && depth === 0) || (depth < 8 && r.below(3) > 0);
    if (descend && isObj && keys.length > 0) {
      const k = r.pick(keys);
      v[k] = mutate(v[k], depth + 1);
      return v;
    }
    if (descend && Array.isArray(v) && v.length > 0) {
      const i = r.below(v.length);
      v[i] = mutate(v[i], depth + 1);
      return v;
    }
    const action = r.below(6);
    if (isObj && action === 0 && keys.length > 0) {
      delete v[r.pick(keys)];
      return v;
    }
    if (isObj && action === 1) {
      const k = keys.length > 0 && r.oneIn(2) ? `${keys[0].slice(0, -1)}x` : r.pick(["unknown", "coolDownDay", "__proto__", ""]);
      v[k] = 1;
      return v;
    }
    if (Array.isArray(v) && action === 2) {
      if (r.oneIn(2) || v.length === 0) return [];
      const big = JSON.stringify(v[0] ?? null, (_, x) => (typeof x === "bigint" ? `${x}` : x))?.length > 1000;
      return Array(r.pick(big ? [2, 3] : [2, 100, 10000])).fill(v[0]);
    }
    if (typeof v === "number") return hostileNumber(r);
    if (typeof v === "string" && r.below(3) > 0) return hostileString(r);
    return hostileValue(r, depth);
  }

  /** The current version of the record an edit names, as a caller who just read it would pass. */
  function currentVersion(name, values) {
    const spec = OPS[name];
    const at = spec[4].findIndex(([, snake]) => snake === "expected_version");
    if (at < 0) return;
    const idAt = spec[4].findIndex(([, snake]) => ["id", "pool_id", "opportunity_id", "contract_id", "customer_id"].includes(snake));
    const id = name === "update_settings" ? "settings" : values[idAt];
    if (ids.versions && id in ids.versions) values[at] = ids.versions[id];
  }

  return {
    setIds(next) {
      ids = next;
    },
    mutate,
    /** The values after the actor for operation `name` in `mode`: valid, nearly, hostile. */
    args(name, mode) {
      op = name;
      const spec = OPS[name];
      const [, , , input, params] = spec;
      const seeds = corpus.calls.get(name) ?? [];
      let values;
      if (mode !== "hostile" && seeds.length > 0 && r.oneIn(3)) {
        const snake = structuredClone(r.pick(seeds));
        values = input !== null ? [toJs(TYPES, snake, input)] : params.map(([, s, kind]) => toJs(TYPES, snake[s], kind));
      } else {
        const inner = mode === "hostile" ? "hostile" : "valid";
        values = input !== null ? [value(input, "", inner, 0)] : params.map(([, snake, kind, required]) =>
          required || r.oneIn(2) ? value(kind, snake, inner, 1) : undefined);
      }
      if (mode !== "hostile" && !r.oneIn(5)) currentVersion(name, values);
      if (mode === "nearly" || mode === "hostile") {
        for (let n = mode === "nearly" ? 1 : 1 + r.below(3); n > 0; n--) {
          if (values.length > 0 && !r.oneIn(5)) {
            const i = r.below(values.length);
            values[i] = mutate(values[i]);
          } else if (r.oneIn(2)) values.push(hostileValue(r));
          else values.pop();
        }
      }
      return values;
    },
  };
}
