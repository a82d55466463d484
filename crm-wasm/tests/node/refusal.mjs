// Shared by the Node tests: the CrmError a call throws.
import assert from "node:assert/strict";
import { CrmError } from "../../pkg/node.js";

/** The CrmError `fn` throws (fails when it throws something else or nothing). */
export function refusal(fn, code) {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof CrmError && e instanceof Error, `not a CrmError: ${e?.stack ?? e}`);
    assert.equal(e.name, "CrmError");
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected ${code}, got success`);
}
