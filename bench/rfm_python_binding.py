"""The crm Python binding on columns already in memory: reads `customer_id,order_date,amount`
untimed into three lists (str ids, datetime.date dates, decimal-string amounts), then times
`crm.analytics.rfm_score_columns` (one crossing into Rust for the whole batch) and prints the
seconds and the number of customers. Run by `bench/rfm_vs_polars.py` with the test venv's Python.
"""

import csv
import datetime as dt
import sys
import time

from crm import analytics


def main() -> None:
    path, as_of = sys.argv[1], dt.date.fromisoformat(sys.argv[2])
    ids, dates, amounts = [], [], []
    with open(path, newline="") as f:
        reader = csv.reader(f)
        next(reader)
        fromiso = dt.date.fromisoformat
        for customer_id, order_date, amount in reader:
            ids.append(customer_id)
            dates.append(fromiso(order_date))
            amounts.append(amount)
    started = time.perf_counter()
    out = analytics.rfm_score_columns({"customer_id": ids, "order_date": dates, "amount": amounts}, as_of)
    print(f"{time.perf_counter() - started:.3f} {len(out['customer_id'])}")


if __name__ == "__main__":
    main()
