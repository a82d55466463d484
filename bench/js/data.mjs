// Seeded order columns for the JS RFM benchmarks: the same arrays in every process.
// 1,000,000 orders over 100,000 customers (ids 1..100,000 in random order), dates over the two
// years up to the as-of date (some after it), amounts with cents as floats.

export const AS_OF = "2026-06-30";
export const AS_OF_DAY = Date.UTC(2026, 5, 30) / 864e5;

export function orders(n = 1_000_000, customers = 100_000) {
  let seed = 20260630;
  const next = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
  const customerIds = new Uint32Array(n);
  const dates = new Int32Array(n);
  const amounts = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    customerIds[i] = 1 + Math.floor(next() * customers);
    dates[i] = AS_OF_DAY - 730 + Math.floor(next() * 740);
    amounts[i] = Math.round(next() * 5_000_000) / 100;
  }
  return { customerIds, dates, amounts };
}

/** FNV-1a over each customer's id and R, F, M: both contenders must print the same. */
export function checksum(ids, r, f, m) {
  let h = 2166136261;
  const mix = (x) => {
    h ^= x;
    h = Math.imul(h, 16777619) >>> 0;
  };
  for (let i = 0; i < ids.length; i++) {
    mix(Number(ids[i]));
    mix(r[i] * 100 + f[i] * 10 + m[i]);
  }
  return h.toString(16);
}
