"""The crm Python binding on orders already in memory, as a data team holds them: reads
`customer_id,order_date,amount` untimed into a polars DataFrame (Int64 ids, Date dates, Decimal(18, 2)
amounts: the frame polars' own RFM gets), or into a pyarrow Table (`--frame pyarrow`), then times
`crm.rfm_score(frame, as_of)` (the columns cross into Rust through the Arrow C interface, the GIL
released) and prints the seconds and the number of customers. With `--csv OUT` it also writes the
scores as `crm rfm` does (untimed), for a byte-for-byte comparison. Run by `bench/rfm_vs_polars.py`
with the test venv's Python, one process per frame kind so each peak memory is its own.

Usage: python bench/rfm_python_binding.py ORDERS.csv AS_OF [--frame polars|pyarrow] [--csv OUT]
"""

import argparse
import datetime as dt
import time

import polars as pl
import pyarrow  # noqa: F401  (imported untimed, as polars is: crm returns pyarrow Tables)

import crm


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("orders")
    ap.add_argument("as_of")
    ap.add_argument("--frame", choices=["polars", "pyarrow"], default="polars")
    ap.add_argument("--csv")
    args = ap.parse_args()
    schema = {"customer_id": pl.Int64, "order_date": pl.Date, "amount": pl.Decimal(18, 2)}
    frame = pl.read_csv(args.orders, schema=schema).rename({"order_date": "date"})  # RfmOrder's field names
    if args.frame == "pyarrow":
        frame = frame.to_arrow()
    as_of = dt.date.fromisoformat(args.as_of)
    started = time.perf_counter()
    scores = crm.rfm_score(frame, as_of)
    seconds = time.perf_counter() - started
    print(f"{seconds:.3f} {scores.num_rows}")
    if args.csv:
        pl.from_arrow(scores).drop("level").write_csv(args.csv)


if __name__ == "__main__":
    main()
