"""RFM on the same orders by crm and by polars (and pandas), side by side in one run.

Contenders, each in its own process so times and peak memory are its own:
- `crm rfm` end to end (CSV in, CSV out) and polars' lazy CSV pipeline (scan, group-by, buckets,
  segment join, sort, CSV out);
- in memory, data already loaded: crm's Rust batch API (`crm_core::rfm::score_columns` on typed
  columns as a data frame holds them, and `crm_core::rfm::score` on a slice of rows),
  polars' group-by + bucketing, pandas' groupby + bucketing, and the crm Python binding
  (`crm.rfm_score` on a polars DataFrame and on a pyarrow Table, from the test venv with the `crm`
  wheel: `bash crm-py/test.sh`), whose scores written as CSV must equal `crm rfm`'s byte for byte.
Buckets follow DOMAIN.md exactly (position after sorting by value then customer id), which is what
qcut would do without its duplicate-edge failure. Results are checked: polars' CSV must equal crm's
byte for byte, and the in-memory contenders must score the same customers.

Usage: python bench/rfm_vs_polars.py [--orders-file F] [--customers 1000000] [--orders 10000000]
(needs numpy, pandas and polars; builds `crm` and the `rfm_batch` example in release mode).
"""

import argparse
import os
import pathlib
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
TARGET = pathlib.Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
AS_OF = "2026-06-30"
SEGMENTS = {
    "Champions": "555 554 544 545 454 455 445",
    "Loyal": "543 444 435 355 354 345 344 335",
    "Potential loyalist": "553 551 552 541 542 533 532 531 452 451 442 441 431 453 433 432 423 353 352 351 342 341 333 323",
    "New": "512 511 422 421 412 411 311",
    "Promising": "525 524 523 522 521 515 514 513 425 424 413 414 415 315 314 313",
    "Need attention": "535 534 443 434 343 334 325 324",
    "About to sleep": "331 321 312 221 213 231 241 251",
    "At risk": "255 254 245 244 253 252 243 242 235 234 225 224 153 152 145 143 142 135 134 133 125 124",
    "Cannot lose them": "155 154 144 214 215 115 114 113",
    "Hibernating": "332 322 233 232 223 222 132 123 122 212 211",
    "Lost": "111 112 121 131 141 151",
}

POLARS_COMMON = r'''
import datetime as dt, sys, time
import polars as pl
AS_OF = dt.date(2026, 6, 30)
SEGMENTS = %r
SEG = pl.DataFrame({"code": [int(c) for n, cs in SEGMENTS.items() for c in cs.split()],
                    "segment": [n for n, cs in SEGMENTS.items() for c in cs.split()]})
SCHEMA = {"customer_id": pl.Int64, "order_date": pl.Date, "amount": pl.Decimal(18, 2)}
BIG = 10_000_000

def bucket(key):
    return ((key.rank("ordinal") - 1) * 5 // pl.len() + 1).cast(pl.Int64)

def rfm(frame):
    agg = (frame.filter(pl.col("order_date") <= AS_OF)
        .group_by("customer_id")
        .agg(last=pl.col("order_date").max(), frequency=pl.len(), monetary=pl.col("amount").sum())
        .with_columns(recency_days=(pl.lit(AS_OF) - pl.col("last")).dt.total_days()))
    return (agg.with_columns(
            r=bucket(-pl.col("recency_days") * BIG + pl.col("customer_id")),
            f=bucket(pl.col("frequency").cast(pl.Int64) * BIG + pl.col("customer_id")),
            m=bucket((pl.col("monetary") * 100).cast(pl.Int64) * BIG + pl.col("customer_id")))
        .with_columns(score=pl.col("r") + pl.col("f") + pl.col("m"),
                      code=pl.col("r") * 100 + pl.col("f") * 10 + pl.col("m"))
        .join(SEG.lazy() if isinstance(frame, pl.LazyFrame) else SEG, on="code")
        .sort("customer_id")
        .select("customer_id", "recency_days", "frequency", "monetary", "r", "f", "m", "score", "segment"))
''' % (SEGMENTS,)

POLARS_LAZY = POLARS_COMMON + r'''
t = time.perf_counter()
rfm(pl.scan_csv(sys.argv[1], schema=SCHEMA)).sink_csv(sys.argv[2])
print(f"{time.perf_counter() - t:.3f}")
'''

POLARS_MEMORY = POLARS_COMMON + r'''
frame = pl.read_csv(sys.argv[1], schema=SCHEMA)
t = time.perf_counter()
out = rfm(frame)
print(f"{time.perf_counter() - t:.3f} {out.height}")
'''

PANDAS_MEMORY = r'''
import sys, time
import numpy as np, pandas as pd
frame = pd.read_csv(sys.argv[1], dtype={"customer_id": "int64", "amount": "string"}, parse_dates=["order_date"])
cents = frame["amount"].str.replace(".", "", regex=False).astype("int64")  # exact: two decimals
frame = frame.assign(cents=cents)
t = time.perf_counter()
as_of = pd.Timestamp("2026-06-30")
f = frame[frame["order_date"] <= as_of]
agg = f.groupby("customer_id").agg(last=("order_date", "max"), frequency=("cents", "size"), cents=("cents", "sum"))
agg["recency_days"] = (as_of - agg["last"]).dt.days
ids = agg.index.to_numpy()
n = len(agg)
def bucket(values):
    order = np.lexsort((ids, values))
    b = np.empty(n, dtype=np.int64)
    b[order] = np.arange(n) * 5 // n + 1
    return b
agg["r"] = bucket(-agg["recency_days"].to_numpy())
agg["f"] = bucket(agg["frequency"].to_numpy())
agg["m"] = bucket(agg["cents"].to_numpy())
print(f"{time.perf_counter() - t:.3f} {n}")
'''


def measured(cmd, stdout=subprocess.PIPE):
    """Runs a command; returns (wall seconds, peak RSS in MB, stdout text)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=stdout, cwd=ROOT, text=True)
    out = proc.stdout.read() if stdout == subprocess.PIPE else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(map(str, cmd))}")
    return wall, usage.ru_maxrss / 1024, out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders-file")
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--orders", type=int, default=10_000_000)
    args = ap.parse_args()
    # Two builds: a target filter (`--example`) given with several packages drops crm-cli's binary.
    subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "crm-cli"], cwd=ROOT, check=True)
    subprocess.run(["cargo", "build", "--quiet", "--release", "-p", "crm-examples", "--example", "rfm_batch"], cwd=ROOT, check=True)
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="crm-rfm-"))
    orders = pathlib.Path(args.orders_file) if args.orders_file else tmp / "orders.csv"
    if not orders.exists():
        subprocess.run([sys.executable, ROOT / "bench" / "rfm_data.py", orders, "--customers", str(args.customers), "--orders", str(args.orders)], check=True)
    print(f"orders: {orders} ({orders.stat().st_size / 1e6:.0f} MB)")
    crm_out, polars_out = tmp / "crm.csv", tmp / "polars.csv"

    with open(crm_out, "w") as sink:
        crm_wall, crm_mem, _ = measured([TARGET / "release" / "crm", "rfm", "--orders", orders, "--as-of", AS_OF], stdout=sink)
    pl_wall, pl_mem, pl_inner = measured([sys.executable, "-c", POLARS_LAZY, orders, polars_out])
    same = crm_out.read_bytes() == polars_out.read_bytes()
    print(f"end to end (CSV in, CSV out):")
    print(f"  crm rfm        {crm_wall:7.2f} s  peak {crm_mem:6.0f} MB")
    print(f"  polars lazy    {pl_wall:7.2f} s  peak {pl_mem:6.0f} MB  (pipeline alone {float(pl_inner):.2f} s)")
    print(f"  ratio crm/polars {crm_wall / pl_wall:.2f}; outputs identical: {same}")

    batch = TARGET / "release" / "examples" / "rfm_batch"
    _, cols_mem, cols = measured([batch, "columns", orders, AS_OF])
    _, rows_mem, rows = measured([batch, "rows", orders, AS_OF])
    _, pol_mem, pol = measured([sys.executable, "-c", POLARS_MEMORY, orders])
    _, pds_mem, pds = measured([sys.executable, "-c", PANDAS_MEMORY, orders])
    (rust_s, rust_n), (rows_s, rows_n), (pol_s, pol_n), (pds_s, pds_n) = [tuple(x.split()) for x in (cols, rows, pol, pds)]
    print("in memory (data loaded untimed, time of the scoring alone; peak memory of the whole process):")
    print(f"  crm Rust columns {float(rust_s):5.2f} s  peak {cols_mem:6.0f} MB  ({rust_n} customers)  ratio to polars {float(rust_s) / float(pol_s):.2f}")
    print(f"  crm Rust rows  {float(rows_s):7.2f} s  peak {rows_mem:6.0f} MB  (String ids, a row per customer)  ratio to polars {float(rows_s) / float(pol_s):.2f}")
    print(f"  polars         {float(pol_s):7.2f} s  peak {pol_mem:6.0f} MB  ({pol_n} customers)")
    print(f"  pandas         {float(pds_s):7.2f} s  peak {pds_mem:6.0f} MB  ({pds_n} customers)  ratio to polars {float(pds_s) / float(pol_s):.2f}")
    py = pathlib.Path(os.environ.get("CRM_TOOLS", pathlib.Path.home() / ".cache" / "crm-tools")) / "venv" / "bin" / "python"
    binding = ROOT / "bench" / "rfm_python_binding.py"
    binding_ok = True
    if py.exists():
        for frame in ("polars", "pyarrow"):
            csv = tmp / f"python-{frame}.csv"
            _, b_mem, out = measured([py, binding, orders, AS_OF, "--frame", frame, "--csv", csv])
            b_s, b_n = out.split()
            identical = csv.read_bytes() == crm_out.read_bytes()
            binding_ok &= identical and b_n == pol_n
            print(f"  crm Python ({frame:7}) {float(b_s):5.2f} s  peak {b_mem:6.0f} MB  ({b_n} customers)  ratio to polars "
                  f"{float(b_s) / float(pol_s):.2f}, memory {b_mem / pol_mem:.2f}; CSV identical to crm rfm: {identical}")
    else:
        print(f"  (no {py}: run scripts/install-deps.sh and crm-py/test.sh for the Python binding)")
    agree = same and binding_ok and rust_n == rows_n == pol_n == pds_n
    print("results agree" if agree else "RESULTS DIFFER")
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
