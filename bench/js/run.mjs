// Runs the JS benchmarks, each contender in its own Node process, and prints the figures:
//   bash crm-wasm/build.sh && node bench/js/run.mjs
// RFM over 1,000,000 orders from typed-array columns, crm-wasm against a plain-JS quintile scorer
// on the same arrays (their R, F, M must agree; target: crm-wasm at most 0.5x the plain-JS time);
// one-record reads (target: at most 10 µs per call); the package's .wasm size.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { pkg } from "./pkg.mjs";

const run = (file) => JSON.parse(execFileSync(process.execPath, [new URL(file, import.meta.url).pathname], { encoding: "utf8" }));
const best = (file, times = 3) => Array.from({ length: times }, () => run(file)).sort((a, b) => a.ms - b.ms)[0];

const plain = best("./rfm_plain.mjs");
const wasm = best("./rfm_wasm.mjs");
console.log(`RFM, 1M orders / ${wasm.customers} customers: crm-wasm ${wasm.ms.toFixed(0)} ms, plain JS ${plain.ms.toFixed(0)} ms, ratio ${(wasm.ms / plain.ms).toFixed(2)} (best of 3 processes each)`);
if (plain.checksum !== wasm.checksum || plain.customers !== wasm.customers) {
  console.log(`DISAGREE: plain ${JSON.stringify(plain)}, wasm ${JSON.stringify(wasm)}`);
  process.exitCode = 1;
} else {
  console.log(`  R, F, M agree for every customer (checksum ${wasm.checksum})`);
}
const read = run("./read.mjs");
console.log(`one-record read crm.customer(actor, id): ${read.usPerCall.toFixed(2)} µs per call (median of 5 runs of 50,000)`);
const bytes = readFileSync(pkg("crm_wasm_bg.wasm"));
console.log(`crm_wasm_bg.wasm: ${bytes.length} bytes raw, ${gzipSync(bytes, { level: 9 }).length} gzipped`);
