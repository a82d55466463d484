// Fuzz harness of the WebAssembly build: every operation of the table, through the public JS API
// (`Crm` methods and the pure module functions), with arguments generated from the type facts and
// the parity scenarios (see gen.mjs). Checks: no trap (a `WebAssembly.RuntimeError`, or the engine
// refusing every later call), every failure is a CrmError, a refused call changes nothing (every
// list as admin, per-customer lists and the event log, before and after), and the organisation
// keeps working (a valid read after every refusal, valid writes after every epoch).
//
// Budget: CRM_FUZZ_CALLS (default 3000, the CI budget; 100000 or more by hand), CRM_FUZZ_SEED,
// CRM_WASM_PKG (a built package directory; default ../../pkg). Each epoch of 500 calls runs in a
// fresh worker, so a trap costs only the rest of its epoch. Known findings waiting for a fix in
// the core are listed in KNOWN (tolerated, printed) and replayed by the skipped regression tests
// at the end.
//
//   CRM_FUZZ_CALLS=100000 node --test crm-wasm/tests/fuzz/
import test from "node:test";
import assert from "node:assert/strict";
import { Worker } from "node:worker_threads";
import { fileURLToPath, pathToFileURL } from "node:url";
import { writeFileSync } from "node:fs";

const here = new URL(".", import.meta.url);
const pkg = process.env.CRM_WASM_PKG ? pathToFileURL(process.env.CRM_WASM_PKG).href.replace(/\/$/, "") : new URL("../../pkg", here).href;
const scenarios = fileURLToPath(new URL("../../../tests/scenarios", here));
const EPOCH = 500;

/** Runs one epoch in a fresh worker (a fresh engine) and resolves with its report. */
function epoch(data) {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL("./worker.mjs", here), { workerData: { pkg, scenarios, ...data } });
    let report = null;
    w.on("message", (m) => (report = m));
    w.on("error", reject);
    w.on("exit", (code) => (report !== null ? resolve(report) : reject(new Error(`worker exited with ${code} and no report`))));
  });
}

async function run(budget, seed, inject) {
  const total = { calls: 0, ok: 0, refused: 0, byOp: {}, findings: [], slowest: [], seconds: 0 };
  const t0 = performance.now();
  for (let e = 0; total.calls < budget; e++) {
    const r = await epoch({ seed, epoch: e, calls: Math.min(EPOCH, budget - total.calls), inject });
    total.calls += Math.max(r.calls, 1);
    total.ok += r.ok;
    total.refused += r.refused;
    for (const [op, [ok, no]] of Object.entries(r.byOp)) {
      const c = (total.byOp[op] ??= [0, 0]);
      c[0] += ok;
      c[1] += no;
    }
    total.findings.push(...r.findings);
    total.slowest = [...total.slowest, ...r.slowest].sort((a, b) => b[0] - a[0]).slice(0, 5);
  }
  total.seconds = (performance.now() - t0) / 1000;
  return total;
}

/** Findings the core has not fixed yet: [operation, text in the finding]. */
const KNOWN = [];
const known = (f) => KNOWN.some(([op, text]) => f.op === op && (f.what.includes(text) || f.args.includes(text)));

function print(r) {
  console.log(`fuzz (wasm): ${r.calls} calls (${r.ok} succeeded, ${r.refused} refused) in ${r.seconds.toFixed(1)} s (${Math.round(r.calls / r.seconds)} calls/s); ${r.findings.length} findings`);
  console.log(`operations that never succeeded: ${Object.entries(r.byOp).filter(([, [ok]]) => ok === 0).map(([op]) => op).join(", ")}`);
  for (const [ms, op, args] of r.slowest) console.log(`slow: ${(ms / 1000).toFixed(3)} s ${op} ${args}`);
  const seen = new Set();
  for (const f of r.findings) {
    const key = `${f.kind}|${f.op}|${f.what.slice(0, 80)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    console.log(`${known(f) ? "known: " : ""}${f.kind} in ${f.op} as ${JSON.stringify(f.actor)}: ${f.what}\n    args: ${f.args.slice(0, 300)}`);
  }
}

test("every operation survives generated arguments in WebAssembly", { timeout: 3_600_000 }, async () => {
  const budget = Number(process.env.CRM_FUZZ_CALLS ?? 3000);
  const seed = Number(process.env.CRM_FUZZ_SEED ?? 20260302);
  const r = await run(budget, seed);
  print(r);
  const out = fileURLToPath(new URL("../../../target/wasm-fuzz-findings.json", here));
  try {
    writeFileSync(out, JSON.stringify(r.findings, null, 1));
    console.log(`findings written to ${out}`);
  } catch {}
  const fresh = r.findings.filter((f) => !known(f));
  assert.deepEqual(fresh.map((f) => `${f.kind} in ${f.op}: ${f.what.slice(0, 200)} ${f.args.slice(0, 200)}`), []);
  assert.ok(r.ok * 5 >= r.calls, `only ${r.ok} of ${r.calls} calls succeeded: the generator no longer reaches the engine`);
});

test("the harness reports a trap, and the lost instance", async () => {
  const r = await run(60, 1, "trap");
  assert.ok(r.findings.some((f) => f.kind === "trap" && f.what.includes("injected")), JSON.stringify(r.findings));
});

test("the harness reports a refused call that writes", async () => {
  const r = await run(60, 2, "write");
  assert.ok(r.findings.some((f) => f.kind === "refused call changed the state"), JSON.stringify(r.findings));
});
