// Shared by the Node tests: the CrmError a call throws.
import assert from "node:assert/strict";
import { CrmError } from "../../pkg/node.js";

/** `e`, checked to be a real CrmError with `code`. */
function checked(e, code) {
  assert.ok(e instanceof CrmError && e instanceof Error, `not a CrmError: ${e?.stack ?? e}`);
  assert.equal(e.name, "CrmError");
  assert.equal(e.code, code, e.message);
  return e;
}

/** The CrmError `fn` throws (fails when it throws something else or nothing). */
export function refusal(fn, code) {
  try {
    fn();
  } catch (e) {
    return checked(e, code);
  }
  assert.fail(`expected ${code}, got success`);
}

/** The CrmError `promise` rejects with (fails when it rejects with something else or resolves). */
export async function rejection(promise, code) {
  try {
    await promise;
  } catch (e) {
    return checked(e, code);
  }
  assert.fail(`expected ${code}, got success`);
}
