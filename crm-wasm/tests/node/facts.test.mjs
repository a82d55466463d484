// The generated type facts (what the JS glue converts by, and what the types-match check compares
// results with) say exactly what tests/records.json says, and cover exactly the operations the
// WebAssembly build runs; the declarations name every type and operation.
import test from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as api from "../../pkg/node.js";
import { TYPES, OPS } from "../../pkg/generated/facts.js";
import { operations } from "../../pkg/crm_wasm.js";

const records = JSON.parse(readFileSync(new URL("../../../tests/records.json", import.meta.url), "utf8"));
const declarations = readFileSync(new URL("../../pkg/generated/api.d.ts", import.meta.url), "utf8");
const camel = (snake) => snake.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());

/** A kind in tests/records.json's spelling (crm-codegen/src/records.rs `render`). */
function render(kind) {
  if (typeof kind === "string") return kind;
  const [shape, a, b] = kind;
  if (shape === "opt") return `${render(a)}?`;
  if (shape === "keyed") return `map[${a.join("|")}]<${render(b)}>`;
  return `${shape}<${render(a)}>`;
}

const fields = (list) =>
  list.map(([c, snake, kind, required]) => {
    assert.equal(c, camel(snake), `${snake} is spelled ${c}`);
    return [snake, render(kind), required ? "required" : "optional"];
  });

test("every type's facts agree with tests/records.json", () => {
  assert.deepEqual(Object.keys(TYPES).sort(), Object.keys(records.types).sort());
  for (const [name, want] of Object.entries(records.types)) {
    const fact = TYPES[name];
    if (want.record) assert.deepEqual(["record", fields(fact[1])], ["record", want.record], name);
    else if (want.enum) assert.deepEqual(fact, ["enum", want.enum], name);
    else {
      const { tag, content, content_is_record: isRecord, variants } = want.union;
      assert.equal(fact[0], "union", name);
      assert.equal(fact[1], tag, name);
      assert.equal(fact[2], isRecord ? content : null, name);
      const got = Object.fromEntries(Object.entries(fact[3]).map(([t, f]) => [t, fields(f)]));
      assert.deepEqual(got, variants, name);
    }
  }
});

test("every operation's facts agree with tests/records.json", () => {
  assert.deepEqual(Object.keys(OPS), records.operations.map((o) => o.op));
  for (const want of records.operations) {
    const [method, actor, , record, args, result] = OPS[want.op];
    assert.equal(method, camel(want.op));
    assert.equal(Boolean(actor), want.actor, want.op);
    assert.deepEqual(record === null ? fields(args) : `..${record}`, want.args, want.op);
    assert.equal(render(result), want.result, want.op);
  }
});

test("the facts cover exactly the operations of the WebAssembly build", () => {
  assert.deepEqual(Object.keys(OPS).sort(), operations().sort());
});

test("every operation is a Crm method or a package function, and declared", () => {
  for (const [name, [method, , onCrm]] of Object.entries(OPS)) {
    if (onCrm) {
      assert.equal(typeof api.Crm.prototype[method], "function", name);
      assert.match(declarations, new RegExp(`\\n  ${method}\\(`), name);
    } else {
      assert.equal(typeof api[method], "function", name);
      assert.match(declarations, new RegExp(`export declare function ${method}\\(`), name);
    }
  }
  for (const name of Object.keys(TYPES).filter((n) => n !== "CrmError")) {
    assert.match(declarations, new RegExp(`export (interface|type) ${name}\\b`), name);
  }
});
