// The plain-JavaScript contender: quintile RFM over the same typed-array columns, with the core's
// semantics (crm-core/src/rfm): orders after the as-of date ignored; per customer the last date,
// the order count and the exact total (summed in integer cents: the amounts have cents); customers
// in id order; each of R (more recent is better), F and M bucketed by position after a sort by
// value, ties by id: bucket = floor(i * 5 / n) + 1. Prints {ms, customers, checksum} as JSON.
import { AS_OF_DAY, checksum, orders } from "./data.mjs";

function quintiles(keys) {
  const n = keys.length;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((a, b) => keys[a] - keys[b] || a - b);
  const bucket = new Uint8Array(n);
  for (let i = 0; i < n; i++) bucket[order[i]] = Math.floor((i * 5) / n) + 1;
  return bucket;
}

function score({ customerIds, dates, amounts }, asOf) {
  const slot = new Map();
  const last = [];
  const count = [];
  const cents = [];
  for (let i = 0; i < customerIds.length; i++) {
    if (dates[i] > asOf) continue;
    const id = customerIds[i];
    let s = slot.get(id);
    if (s === undefined) {
      s = last.length;
      slot.set(id, s);
      last.push(dates[i]);
      count.push(0);
      cents.push(0);
    }
    if (dates[i] > last[s]) last[s] = dates[i];
    count[s] += 1;
    cents[s] += Math.round(amounts[i] * 100);
  }
  const ids = Float64Array.from(slot.keys()).sort();
  const at = Array.from(ids, (id) => slot.get(id));
  const recency = Float64Array.from(at, (s) => -(asOf - last[s]));
  const frequency = Float64Array.from(at, (s) => count[s]);
  const monetary = Float64Array.from(at, (s) => cents[s]);
  return { ids, r: quintiles(recency), f: quintiles(frequency), m: quintiles(monetary), monetary };
}

const columns = orders();
score(orders(10_000, 1_000), AS_OF_DAY); // warm up the JIT
const t0 = performance.now();
const out = score(columns, AS_OF_DAY);
const ms = performance.now() - t0;
console.log(JSON.stringify({ ms, customers: out.ids.length, checksum: checksum(out.ids, out.r, out.f, out.m) }));
