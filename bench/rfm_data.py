"""A seeded orders file for RFM benchmarks: `customer_id,order_date,amount` with integer customer
ids, ISO dates over about two and a half years (a few after the as-of date, which scoring must
ignore) and amounts with two decimals.

Usage: python bench/rfm_data.py OUT.csv [--customers 1000000] [--orders 10000000] [--seed 7]
(needs numpy and polars: `pip install numpy polars`).
"""

import argparse
import datetime as dt

import numpy as np
import polars as pl

AS_OF = dt.date(2026, 6, 30)


def generate(path: str, customers: int, orders: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    # Every customer orders at least once; the rest of the orders favour a loyal minority.
    ids = np.concatenate([
        np.arange(1, customers + 1),
        (rng.pareto(1.2, orders - customers) * customers / 20).astype(np.int64) % customers + 1,
    ])
    days_back = rng.integers(-5, 900, size=orders)
    cents = rng.integers(100, 2_000_000, size=orders)
    frame = pl.DataFrame({"customer_id": ids, "back": days_back, "cents": cents}).select(
        pl.col("customer_id"),
        (pl.lit(AS_OF) - pl.duration(days=pl.col("back"))).alias("order_date"),
        ((pl.col("cents") // 100).cast(pl.String) + "." + (pl.col("cents") % 100).cast(pl.String).str.zfill(2)).alias("amount"),
    )
    frame.sample(fraction=1.0, shuffle=True, seed=seed).write_csv(path)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--customers", type=int, default=1_000_000)
    ap.add_argument("--orders", type=int, default=10_000_000)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    generate(args.out, args.customers, args.orders, args.seed)


if __name__ == "__main__":
    main()
