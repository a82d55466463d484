// Nothing panics across the boundary: every operation, called with seeded garbage in every
// argument and input field (wrong types, empty and huge values, invalid Dates and dates, unknown
// variants), either succeeds or throws a CrmError; no trap, no TypeError, and the engine keeps
// answering afterwards.
import test from "node:test";
import assert from "node:assert/strict";
import * as api from "../../pkg/node.js";
import { TYPES, OPS } from "../../pkg/generated/facts.js";

const GARBAGE = [
  undefined, null, "", "x", "c-1", "u-1", "u-2", -1, 0, 1.5, 1e20, 2 ** 53, NaN, true, [], {}, [""],
  ["c-1", "c-1"], { type: "nope" }, { type: "team" }, new Date(NaN), new Date(8.64e15), new Date(0),
  "9999-99-99", "2026-03-02", "2026-03-02T01:00:00Z", "-1", "1e400", "79228162514264337593543950336",
  "x".repeat(10_000), { a: 1 }, "[rates]\ntype = \"flat\"", 'timezone = "Mars/Olympus"',
];

function generator(seed) {
  return (n) => {
    seed = (seed * 48271) % 2147483647;
    return seed % n;
  };
}

/** A garbage value, or for a record kind sometimes an object of its own fields holding garbage. */
function garbage(next, kind, depth = 0) {
  const fact = typeof kind === "string" ? TYPES[kind] : undefined;
  if (fact?.[0] === "record" && depth < 2 && next(3) > 0) {
    const out = {};
    for (const [camel, , k] of fact[1]) if (next(4) > 0) out[camel] = garbage(next, k, depth + 1);
    return out;
  }
  if (Array.isArray(kind) && kind[0] === "list" && next(3) === 0) return [garbage(next, kind[1], depth + 1)];
  return GARBAGE[next(GARBAGE.length)];
}

test("every operation refuses garbage with a CrmError and never traps", () => {
  const crm = new api.Crm({ now: "2026-03-02T01:00:00Z" });
  const admin = crm.bootstrap("Ada");
  crm.createUser(admin.id, { name: "Li", role: "rep" });
  crm.createCustomer("u-2", { name: "Acme" });
  const next = generator(20260302);
  let calls = 0;
  let refused = 0;
  for (const [name, [method, actor, onCrm, record, args]] of Object.entries(OPS)) {
    for (let trial = 0; trial < 25; trial++) {
      const values = record !== null ? [garbage(next, record)] : args.map(([, , kind]) => garbage(next, kind));
      if (actor) values.unshift(next(4) === 0 ? garbage(next, "string") : ["u-1", "u-2"][next(2)]);
      calls++;
      try {
        if (onCrm) crm[method](...values);
        else api[method](...values);
      } catch (e) {
        assert.ok(e instanceof api.CrmError, `${name}(${trial}) threw ${e?.stack ?? e}`);
        assert.notEqual(e.code, "STORAGE", `${name}(${trial}): ${e.message}`);
        refused++;
      }
    }
  }
  assert.ok(refused > calls / 2, `${refused} of ${calls} calls refused`);
  assert.equal(crm.customer("u-1", "c-1").name, "Acme", "the engine still answers");
});

test("typed-array batches refuse garbage with a CrmError", () => {
  const next = generator(7);
  const columns = [Uint32Array.of(1, 2), Int32Array.of(1, -1), Float64Array.of(1, NaN), ["1", "2"], [1, 2], null, "x"];
  for (let trial = 0; trial < 200; trial++) {
    const pick = () => columns[next(columns.length)];
    try {
      api.rfmScoreColumns({ customerIds: pick(), dates: pick(), amounts: pick() }, GARBAGE[next(GARBAGE.length)], next(2) ? undefined : GARBAGE[next(GARBAGE.length)]);
      api.slaDueColumns(GARBAGE[next(GARBAGE.length)], pick(), pick());
    } catch (e) {
      assert.ok(e instanceof api.CrmError, `trial ${trial} threw ${e?.stack ?? e}`);
    }
  }
});
