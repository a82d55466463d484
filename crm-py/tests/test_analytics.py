"""Analytics and SLA batches: plain sequences give records; Arrow data from pyarrow, polars and
pandas is read column by column and gives the same answers as Arrow, ids in the type they came in."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Dict, List, Sequence

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import crm

AS_OF = dt.date(2026, 6, 30)
SEED_CONFIG = """method = "thresholds"
[weights]
r = 4
f = 8
m = 8
[thresholds]
recency = [[30, 5], [90, 4], [180, 3], [365, 2]]
frequency = [[5, 5], [4, 4], [3, 3], [2, 2]]
monetary = [["50000", 5], ["20000", 4], ["5000", 3]]
[[levels]]
min_score = 80
name = "VIP1"
"""


def orders(n: int = 600, customers: int = 80, seed: int = 3) -> Dict[str, list]:  # type: ignore[type-arg]
    rng = random.Random(seed)
    return {
        "customer_id": [rng.randrange(1, customers + 1) for _ in range(n)],
        "date": [AS_OF - dt.timedelta(days=rng.randrange(-5, 700)) for _ in range(n)],
        "amount": [Decimal(rng.randrange(100, 500_000)) / 100 for _ in range(n)],
    }


def rows_of(cols: Dict[str, list]) -> List[crm.RfmOrder]:  # type: ignore[type-arg]
    return [crm.RfmOrder(str(i), d, a) for i, d, a in zip(cols["customer_id"], cols["date"], cols["amount"])]


def as_dicts(rows: Sequence[object]) -> List[Dict[str, object]]:
    return [{k: (str(v) if k == "customer_id" else v) for k, v in vars(r).items()} for r in rows]


def table_dicts(table: pa.Table) -> List[Dict[str, object]]:
    return [{k: (str(v) if k == "customer_id" else v) for k, v in row.items()} for row in table.to_pylist()]


def test_the_seed_example_scores_84_from_records() -> None:
    day = dt.date
    seed = [crm.RfmOrder("c1", day(2026, m, d), Decimal("5000.00")) for m, d in ((3, 1), (4, 1), (5, 1), (6, 10))]
    (row,) = crm.rfm_score(seed, AS_OF, SEED_CONFIG)
    assert (row.customer_id, row.recency_days, row.frequency, row.monetary) == ("c1", 20, 4, Decimal("20000.00"))
    assert (row.r, row.f, row.m, row.score, row.level) == (5, 4, 4, Decimal(84), "VIP1")


def test_pyarrow_polars_and_pandas_score_as_the_records_do() -> None:
    cols = orders()
    expected = as_dicts(crm.rfm_score(rows_of(cols), AS_OF))
    decimals = pa.array(cols["amount"], pa.decimal128(12, 2))
    frames = {
        "pyarrow": pa.table({"customer_id": cols["customer_id"], "date": cols["date"], "amount": decimals}),
        "polars": pl.DataFrame({**cols, "amount": pl.Series(cols["amount"], dtype=pl.Decimal(12, 2))}),
        "polars lazy": pl.DataFrame(cols).lazy(),
        "pandas": pd.DataFrame({**cols, "date": pd.to_datetime(cols["date"])}),  # naive datetime64: its own date
        "record batch": pa.table({**cols, "amount": decimals}).to_batches()[0],
    }
    for name, frame in frames.items():
        scores = crm.rfm_score(frame, AS_OF)
        assert isinstance(scores, pa.Table), name
        assert scores.schema.field("customer_id").type == pa.int64(), name  # int64 in, int64 out
        assert table_dicts(scores) == expected, name
    assert pl.from_arrow(scores).height == len(expected)
    assert list(scores.to_pandas()["segment"].cat.categories) != []


def test_large_tables_score_alike_on_every_path() -> None:
    """Beyond one run of rows and one thread: integer ids, the same ids as text, and chunks."""
    rng = np.random.default_rng(5)
    n = 300_000
    ids = rng.integers(1, 40_000, n)
    days = (np.datetime64("2026-06-30") - rng.integers(-5, 900, n)).astype("datetime64[D]")
    amounts = rng.integers(100, 10**6, n) / 100  # float64, read by their shortest decimal
    numbers = pa.table({"customer_id": ids, "date": days, "amount": amounts})
    texts = pa.table({"customer_id": ids.astype(str), "date": days, "amount": amounts})
    chunked = pa.Table.from_batches(numbers.to_batches(max_chunksize=7_001))
    by_number, by_text, by_chunk = (crm.rfm_score(t, AS_OF) for t in (numbers, texts, chunked))
    assert by_number.num_rows == by_text.num_rows > 30_000
    assert table_dicts(by_number) == table_dicts(by_text) == table_dicts(by_chunk)


def test_ids_come_back_in_the_type_they_went_in() -> None:
    day = [AS_OF] * 3
    amount = pa.array([Decimal(1)] * 3, pa.decimal128(5, 0))
    for ids, kind in ((pa.array([7, 2, 7], pa.int32()), pa.int32()), (pa.array([7, 2, 7], pa.uint64()), pa.uint64()),
                      (pa.array(["10", "2", "10"]), pa.string()), (pa.array([-1, 5, -1]), pa.int64())):
        out = crm.rfm_score(pa.table({"customer_id": ids, "date": day, "amount": amount}), AS_OF)
        assert out.schema.field("customer_id").type == kind
    assert out.column("customer_id").to_pylist() == [-1, 5]
    texts = crm.rfm_score(pa.table({"customer_id": ["b", "a"], "date": day[:2], "amount": amount[:2]}), AS_OF)
    assert texts.column("customer_id").to_pylist() == ["a", "b"]


def test_float_amounts_read_as_their_shortest_decimal() -> None:
    floats = [0.1 + 0.2, 12.5, 1e-7, 19.99]
    frame = pl.DataFrame({"customer_id": [1, 2, 3, 4], "date": [AS_OF] * 4, "amount": floats})
    scores = crm.rfm_score(frame, AS_OF)
    monetary = [Decimal(str(m)) for m in scores.column("monetary").to_pylist()]
    assert [m.normalize() for m in monetary] == [Decimal(repr(x)).normalize() for x in floats]
    exact = crm.rfm_score([crm.RfmOrder(str(i), AS_OF, Decimal(repr(x))) for i, x in enumerate(floats, 1)], AS_OF)
    assert [r.monetary for r in exact] == monetary
    hundreds = pa.array([Decimal("12E+2")], pa.decimal128(5, -2))  # a negative scale multiplies
    one = pa.table({"customer_id": [1], "date": [AS_OF], "amount": hundreds})
    assert crm.rfm_score(one, AS_OF).column("monetary").to_pylist() == [Decimal(1200)]


def test_timestamps_count_on_their_date_in_the_zone() -> None:
    late = pd.Timestamp("2026-06-30T20:00:00Z")  # 1 July in Shanghai
    frame = pd.DataFrame({"customer_id": [1], "date": pd.Series([late]), "amount": [Decimal("5")]})
    assert crm.rfm_score(frame, AS_OF).num_rows == 1  # on its own zone's (UTC) date
    assert crm.rfm_score(frame, AS_OF, zone="Asia/Shanghai").num_rows == 0  # after the as-of date there


def test_bad_columns_and_values_are_named() -> None:
    good = {"customer_id": [1, 2], "date": [AS_OF, AS_OF], "amount": [Decimal(1), Decimal(2)]}
    cases = [
        ({**good, "order_date": good["date"], "date": None}, "date", "no \"date\" column"),
        ({**good, "amount": [Decimal(1), None]}, "amount", "row 1: missing"),
        ({**good, "amount": ["1", "x"]}, "amount", "row 1: \"x\" is not a decimal"),
        ({**good, "date": ["2026-06-01", "June"]}, "date", "row 1"),
    ]
    for cols, field, words in cases:
        table = pa.table({k: v for k, v in cols.items() if v is not None})
        with pytest.raises(crm.InvalidInputError) as info:
            crm.rfm_score(table, AS_OF)
        assert info.value.field == field and words in info.value.reason, info.value


def test_movements_flows_and_churn_take_tables_and_give_tables() -> None:
    cols = orders()
    later = orders(seed=4)
    before, after = (crm.rfm_score(pl.DataFrame(c), d) for c, d in ((cols, AS_OF - dt.timedelta(days=90)), (later, AS_OF)))
    rows_before, rows_after = crm.rfm_score(rows_of(cols), AS_OF - dt.timedelta(days=90)), crm.rfm_score(rows_of(later), AS_OF)
    moved = crm.rfm_movements(before, after)
    assert moved.schema.field("customer_id").type == pa.int64()
    assert table_dicts(moved) == [{**vars(m), "customer_id": m.customer_id} for m in crm.rfm_movements(rows_before, rows_after)]
    assert table_dicts(crm.rfm_movements(rows_before, after)) == table_dicts(moved)  # a sequence with a table
    flows = crm.rfm_flows(before, after)
    assert sum(flows.column("customers").to_pylist()) >= after.num_rows
    assert flows.to_pylist() == [vars(f) for f in crm.rfm_flows(rows_before, rows_after)]
    rule = crm.ChurnRule(r_drop=1)
    warned = crm.rfm_churn_warnings(before, after, rule)
    assert table_dicts(warned) == as_dicts(crm.rfm_churn_warnings(rows_before, rows_after, rule)) != []


def test_performance_reads_achievements_from_a_frame() -> None:
    targets = [crm.PerformanceTarget(crm.PerformanceSubjectRep("u-2"), "2026-06", Decimal(1000))]
    done = [crm.Achievement("u-2", dt.date(2026, 6, d), Decimal(300), crm.PerformanceBasis.WON, team_id="t-1") for d in (1, 2)]
    frame = pl.DataFrame({"rep_id": ["u-2", "u-2"], "team_id": ["t-1", None], "date": [dt.date(2026, 6, 1), dt.date(2026, 6, 2)],
                          "amount": [Decimal(300), Decimal(300)], "basis": ["won", "won"]})
    (plain,) = crm.performance(targets, done, crm.PerformanceBasis.WON)
    (framed,) = crm.performance(targets, frame, crm.PerformanceBasis.WON)
    assert plain == framed and framed.ratio == Decimal("0.6")
    assert crm.leaderboard(targets, frame, crm.PerformanceBasis.WON, "2026-06") == [framed]


CALENDAR = 'timezone = "Asia/Shanghai"\n[week]\nmon = ["09:00-12:00", "13:00-18:00"]\ntue = ["09:00-18:00"]\n'


def test_sla_batches_take_arrow_timestamps_and_give_arrow() -> None:
    shanghai = dt.timezone(dt.timedelta(hours=8))
    starts = [dt.datetime(2026, 3, 2, h, 30, tzinfo=shanghai) for h in (8, 11, 17)]
    minutes = [60, 90, 600]
    expected = crm.sla_due_batch(CALENDAR, starts, minutes)
    column = pa.array(starts + [None], pa.timestamp("ns", "Asia/Shanghai"))
    due = crm.sla_due_batch(CALENDAR, column, pa.array(minutes + [5], pa.int16()))
    assert isinstance(due, pa.Array) and due.type == pa.timestamp("ms", "Asia/Shanghai")
    assert due.to_pylist() == expected + [None]
    same = crm.sla_due_batch(CALENDAR, pd.Series(column.to_pandas()), np.int64(60))  # a pandas Series, a numpy int
    assert same.to_pylist()[0] == crm.sla_due(CALENDAR, starts[0], 60).due_at
    polars_due = crm.sla_due_batch(CALENDAR, pl.Series(starts), pl.Series(minutes))
    assert polars_due.to_pylist() == expected
    elapsed = crm.sla_elapsed_batch(CALENDAR, column[:3], due[:3])
    assert elapsed.to_pylist() == minutes == crm.sla_elapsed_batch(CALENDAR, starts, expected)
    with pytest.raises(crm.InvalidInputError, match="without a time zone"):
        crm.sla_due_batch(CALENDAR, pa.array([dt.datetime(2026, 3, 2)]), 5)
    with pytest.raises(crm.InvalidInputError, match="row 0"):
        crm.sla_due_batch(CALENDAR, column[:1], -5)
