// Replays every parity scenario through the package's JavaScript API in Node (the same replay runs
// in headless Chromium, tests/browser/run.mjs), with no rename table: names and conversions come
// from the generated type facts, and every result and error is checked against them exactly.
import test from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import * as api from "../../pkg/node.js";
import * as facts from "../../pkg/generated/facts.js";
import { replay } from "../js/replay.js";

const dir = new URL("../../../tests/scenarios/", import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();

test("there are scenarios to replay", () => assert.ok(files.length >= 10));

for (const file of files) {
  test(`scenario ${file}`, () => {
    const scenario = JSON.parse(readFileSync(new URL(file, dir), "utf8"));
    const { failures, checked } = replay(api, facts, scenario, file);
    assert.deepEqual(failures, []);
    assert.ok(checked > 0, "some results were checked");
  });
}
