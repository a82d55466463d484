// The crm-wasm contender: `rfmScoreColumns` over the same typed-array columns (floats read as
// the decimals their shortest text reads), columns back with exact decimal text. Prints
// {ms, customers, checksum} as JSON. Needs the package built (bash crm-wasm/build.sh).
import { pkg } from "./pkg.mjs";

const { rfmScoreColumns } = await import(pkg("node.js"));
import { AS_OF, checksum, orders } from "./data.mjs";

const columns = orders();
rfmScoreColumns(orders(10_000, 1_000), AS_OF); // warm up
const t0 = performance.now();
const out = rfmScoreColumns(columns, AS_OF);
const ms = performance.now() - t0;
console.log(JSON.stringify({ ms, customers: out.customerIds.length, checksum: checksum(out.customerIds, out.r, out.f, out.m) }));
