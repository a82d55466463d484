"""RFM scoring, segment movement, churn warnings and performance through the typed analytics API:
every input form scores identically, the batch crosses into the core once, values are exact, and
refusals are typed."""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import itertools
import json
import sys
from decimal import Decimal
from typing import Any, Dict, List, Union

import pytest

import crm
from crm import analytics

AS_OF = dt.date(2026, 6, 30)
CST = dt.timezone(dt.timedelta(hours=8))

#: DOMAIN.md's seed example: within the last month (R=5), 4 orders (F=4), 20,000 in total (M=4),
#: weights 4, 8, 8: 5*4 + 4*8 + 4*8 = 84.
SEED_CONFIG = """
method = "thresholds"
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
[[levels]]
min_score = 60
name = "VIP2"
"""

#: (customer_id, date, amount): integer ids, so they order as integers (10 after 4).
ORDERS = [
    ("1", dt.date(2026, 6, 1), Decimal("100")),
    ("2", dt.date(2026, 6, 20), Decimal("50")),
    ("2", dt.date(2026, 6, 25), Decimal("50.00")),
    ("3", dt.date(2026, 5, 1), Decimal("900")),
    ("10", dt.date(2026, 6, 29), Decimal("10")),
    ("10", dt.date(2026, 6, 1), Decimal("10")),
    ("10", dt.date(2026, 5, 1), Decimal("10")),
    ("4", dt.date(2026, 6, 29), Decimal("300")),
    ("4", dt.date(2026, 7, 2), Decimal("999")),  # after the as-of date: ignored
]


def seed_orders() -> List[Any]:
    return [("c1", dt.date(2026, m, d), Decimal("5000.00")) for m, d in ((3, 1), (4, 1), (5, 1), (6, 10))] + [
        ("c2", dt.date(2026, 1, 15), Decimal("800.50"))
    ]


def test_the_seed_example_scores_84_and_reaches_its_level() -> None:
    rows = crm.rfm_score(seed_orders(), AS_OF, config=SEED_CONFIG)
    assert [r.customer_id for r in rows] == ["c1", "c2"]
    c1, c2 = rows
    assert isinstance(c1, crm.RfmRow)
    assert (c1.recency_days, c1.frequency, c1.monetary) == (20, 4, Decimal("20000.00"))
    assert (c1.r, c1.f, c1.m, c1.code) == (5, 4, 4, "544")
    assert c1.score == Decimal(84) and isinstance(c1.score, Decimal) and isinstance(c1.monetary, Decimal)
    assert c1.level == "VIP1" and c1.segment == crm.Segment.CHAMPIONS
    assert (c2.r, c2.f, c2.m, c2.score, c2.level) == (3, 1, 1, Decimal(28), None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        c1.score = Decimal(0)  # type: ignore[misc]


def test_the_configuration_may_be_a_path(tmp_path) -> None:
    path = tmp_path / "rfm.toml"
    path.write_text(SEED_CONFIG, encoding="utf-8")
    assert crm.rfm_score(seed_orders(), AS_OF, config=path) == crm.rfm_score(seed_orders(), AS_OF, config=SEED_CONFIG)


def test_defaults_are_quantiles_with_the_integer_id_order() -> None:
    rows = crm.rfm_score(ORDERS, AS_OF)
    assert [r.customer_id for r in rows] == ["1", "2", "3", "4", "10"]
    by_id = {r.customer_id: r for r in rows}
    assert by_id["4"].monetary == Decimal("300") and by_id["4"].frequency == 1, "the order after as_of is ignored"
    assert by_id["2"].monetary == Decimal("100.00")
    assert [(r.r, r.f, r.m, r.segment) for r in rows] == [
        (2, 1, 2, "Hibernating"), (3, 4, 3, "Need attention"), (1, 2, 5, "At risk"), (4, 3, 4, "Need attention"),
        (5, 5, 1, "Potential loyalist"),
    ]
    assert all(r.score == r.r + r.f + r.m for r in rows), "default weights 1, 1, 1"


class Obj:
    def __init__(self, customer_id: Any, order_date: Any, amount: Any) -> None:
        self.customer_id, self.order_date, self.amount = customer_id, order_date, amount


class Series:
    """What a pandas or polars column offers to `rfm_score`: `to_list`."""

    def __init__(self, values: List[Any]) -> None:
        self._values = values

    def to_list(self) -> List[Any]:
        return list(self._values)


class Frame:
    """A DataFrame as `rfm_score` duck-types it: named `columns` and `frame[name]`."""

    def __init__(self, columns: Dict[str, List[Any]]) -> None:
        self._columns = columns
        self.columns = list(columns)

    def __getitem__(self, name: str) -> Series:
        return Series(self._columns[name])


def test_every_input_form_scores_identically() -> None:
    expected = crm.rfm_score(ORDERS, AS_OF)
    Row = collections.namedtuple("Row", "amount customer_id date")  # fields read by name, not position
    ids, dates, amounts = (list(c) for c in zip(*ORDERS))
    forms = {
        "dicts": [{"customer_id": c, "date": d, "amount": a} for c, d, a in ORDERS],
        "dicts with order_date": [{"customer_id": c, "order_date": d, "amount": a} for c, d, a in ORDERS],
        "Order records": [crm.Order(c, d, a) for c, d, a in ORDERS],
        "objects": [Obj(c, d, a) for c, d, a in ORDERS],
        "namedtuples": [Row(a, c, d) for c, d, a in ORDERS],
        "lists": [list(o) for o in ORDERS],
        "a generator": (o for o in ORDERS),
        "a mapping of columns": {"customer_id": ids, "order_date": dates, "amount": amounts},
        "a frame": Frame({"customer_id": ids, "date": dates, "amount": amounts}),
        "int ids, int and str amounts": [(int(c), d, str(a) if i % 2 else a) for i, (c, d, a) in enumerate(ORDERS)],
        "aware datetimes": [(c, dt.datetime(d.year, d.month, d.day, 1, 30, tzinfo=CST), a) for c, d, a in ORDERS],
    }
    for name, orders in forms.items():
        assert crm.rfm_score(orders, AS_OF) == expected, name
    # ... and the operation table's JSON form gives the same rows as the columnar path.
    table = analytics._native("rfm_score", {
        "orders": [{"customer_id": c, "date": d.isoformat(), "amount": str(a)} for c, d, a in ORDERS],
        "as_of": AS_OF.isoformat(),
    })
    assert analytics._decode(List[crm.RfmRow], table) == expected
    assert set(table[0]) == {f.name for f in dataclasses.fields(crm.RfmRow)}


def test_an_aware_datetime_counts_on_its_own_local_date() -> None:
    # 2026-06-10 01:00 in Shanghai is still 2026-06-09 in UTC: the order counts on the 10th.
    at = dt.datetime(2026, 6, 10, 1, 0, tzinfo=CST)
    (row,) = crm.rfm_score([("c", at, 1)], AS_OF)
    assert row.recency_days == 20
    (row,) = crm.rfm_score([("c", at.astimezone(dt.timezone.utc), 1)], AS_OF)
    assert row.recency_days == 21
    (row,) = crm.rfm_score([("c", dt.date(2026, 6, 10), 1)], dt.datetime(2026, 6, 30, 1, 0, tzinfo=CST))
    assert row.recency_days == 20


def test_the_whole_batch_crosses_once_as_three_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: List[Any] = []
    native = analytics._rfm_score_columns

    def spy(ids: Any, dates: Any, amounts: Any, as_of: str, config: Any) -> Any:
        calls.append((ids, dates, amounts, as_of))
        return native(ids, dates, amounts, as_of, config)

    monkeypatch.setattr(analytics, "_rfm_score_columns", spy)
    orders = [(f"c{i % 1000}", dt.date(2026, 1, 1) + dt.timedelta(days=i % 170), Decimal(i % 97) / 4) for i in range(20_000)]
    rows = crm.rfm_score(orders, AS_OF)
    assert len(calls) == 1 and len(rows) == 1000
    ids, dates, amounts, as_of = calls[0]
    assert len(ids) == len(dates) == len(amounts) == 20_000
    assert all(type(x) is str for x in ids) and all(type(x) is int for x in dates) and all(type(x) is str for x in amounts)
    assert dates[0] == (dt.date(2026, 1, 1) - dt.date(1970, 1, 1)).days and as_of == "2026-06-30"
    # The monetary totals are exact: the sum of the quarters, not of binary fractions.
    first = next(r for r in rows if r.customer_id == "c0")
    assert first.monetary == sum((Decimal(i % 97) / 4 for i in range(0, 20_000, 1000)), Decimal(0))


def test_rfm_score_columns_are_the_rows_as_columns() -> None:
    rows = crm.rfm_score(seed_orders(), AS_OF, config=SEED_CONFIG)
    columns = crm.rfm_score_columns(seed_orders(), AS_OF, config=SEED_CONFIG)
    assert tuple(columns) == analytics.RFM_COLUMNS == tuple(f.name for f in dataclasses.fields(crm.RfmRow))
    assert [crm.RfmRow(*values) for values in zip(*columns.values())] == rows
    assert columns["score"] == [Decimal(84), Decimal(28)] and columns["level"] == ["VIP1", None]


def native(f: Any) -> Any:
    from crm import _crm

    try:
        return f()
    except _crm.NativeError as e:
        raise crm.errors.translate(e) from None


def test_the_native_columns_take_days_or_iso_dates_and_name_the_bad_row() -> None:
    from crm import _crm

    june_2 = (dt.date(2026, 6, 2) - dt.date(1970, 1, 1)).days
    dates: List[Union[int, str]] = ["2026-06-01", june_2]
    out = _crm.rfm_score_columns(["a", "a"], dates, ["1.5", "2"], "2026-06-30", None)
    assert (out[0], out[1], out[2], out[3]) == (["a"], [28], [2], ["3.5"])
    with pytest.raises(crm.InvalidInputError, match=r'row 1: "2026-13-01" is not a YYYY-MM-DD date') as e:
        bad: List[Union[int, str]] = [1, "2026-13-01"]
        native(lambda: _crm.rfm_score_columns(["a", "b"], bad, ["1", "1"], "2026-06-30"))
    assert e.value.details["field"] == "date"
    with pytest.raises(crm.InvalidInputError, match="differ in length"):
        native(lambda: _crm.rfm_score_columns(["a"], [], ["1"], "2026-06-30"))
    with pytest.raises(crm.InvalidInputError, match="row 0: expected a str"):
        native(lambda: _crm.rfm_score_columns([1], [1], ["1"], "2026-06-30"))  # type: ignore[list-item]
    with pytest.raises(crm.InvalidInputError, match="as_of"):
        native(lambda: _crm.rfm_score_columns([], [], [], "30/06/2026"))


def test_inputs_are_refused_with_typed_errors() -> None:
    day = dt.date(2026, 6, 1)
    with pytest.raises(TypeError, match=r"orders\[1\]\.amount: floats are not exact"):
        crm.rfm_score([("a", day, 1), ("a", day, 12.5)], AS_OF)
    with pytest.raises(TypeError, match="floats are not exact"):
        crm.rfm_score({"customer_id": ["a"], "date": [day], "amount": [0.1]}, AS_OF)
    with pytest.raises(ValueError, match="naive datetime"):
        crm.rfm_score([("a", dt.datetime(2026, 6, 1, 12, 0), 1)], AS_OF)
    with pytest.raises(ValueError, match="naive"):
        crm.rfm_score([("a", day, 1)], dt.datetime(2026, 6, 30))
    with pytest.raises(TypeError, match=r"orders\[0\]\.date must be a datetime.date"):
        crm.rfm_score([("a", "2026-06-01", 1)], AS_OF)
    with pytest.raises(TypeError, match="customer_id"):
        crm.rfm_score([(None, day, 1)], AS_OF)
    with pytest.raises(TypeError, match="bool"):
        crm.rfm_score([("a", day, True)], AS_OF)
    with pytest.raises(TypeError, match=r"orders\[0\] has no amount"):
        crm.rfm_score([{"customer_id": "a", "date": day}], AS_OF)
    with pytest.raises(crm.InvalidInputError, match=r'row 1: "12,5" is not a decimal number') as e:
        crm.rfm_score([("a", day, "1"), ("a", day, "12,5")], AS_OF)
    assert e.value.code == "INVALID_INPUT" and e.value.details["field"] == "amount"
    with pytest.raises(crm.InvalidInputError, match="no amount column"):
        crm.rfm_score(Frame({"customer_id": ["a"], "order_date": [day]}), AS_OF)
    with pytest.raises(crm.InvalidInputError, match="differ in length"):
        crm.rfm_score({"customer_id": ["a", "b"], "date": [day], "amount": [1]}, AS_OF)
    with pytest.raises(crm.InvalidInputError, match="buckets"):
        crm.rfm_score([("a", day, 1)], AS_OF, config="buckets = 12")
    with pytest.raises(crm.InvalidInputError, match="rfm config: TOML parse error at line 2"):
        crm.rfm_score([("a", day, 1)], AS_OF, config="[weights]\nr = 1.5\nf = 1\nm = 1")


def test_degenerate_batches_are_defined() -> None:
    assert crm.rfm_score([], AS_OF) == []
    assert crm.rfm_score([("a", dt.date(2026, 7, 1), 1)], AS_OF) == [], "only orders after as_of"
    (only,) = crm.rfm_score([("a", dt.date(2026, 6, 1), 1)], AS_OF)
    assert (only.r, only.f, only.m) == (1, 1, 1)


class ArrowStream:
    """Something exposing the Arrow PyCapsule stream interface (a DuckDB result, say)."""

    def __init__(self, inner: Any = None) -> None:
        self._inner = inner

    def __arrow_c_stream__(self, requested_schema: Any = None) -> Any:
        return self._inner.__arrow_c_stream__(requested_schema)


def test_an_arrow_stream_without_pyarrow_is_a_clear_crm_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # `import pyarrow` raises ImportError
    with pytest.raises(crm.InvalidInputError, match="pyarrow is not installed") as e:
        crm.rfm_score(ArrowStream(), AS_OF)
    assert isinstance(e.value, crm.CrmError) and e.value.details["field"] == "orders"


def test_an_arrow_stream_is_read_through_pyarrow() -> None:
    pa = pytest.importorskip("pyarrow")
    ids, dates, amounts = (list(c) for c in zip(*ORDERS))
    table = pa.table({"customer_id": ids, "order_date": dates, "amount": amounts})
    assert crm.rfm_score(ArrowStream(table), AS_OF) == crm.rfm_score(ORDERS, AS_OF)
    assert crm.rfm_score(table, AS_OF) == crm.rfm_score(ORDERS, AS_OF)


def test_a_pandas_dataframe() -> None:
    pd = pytest.importorskip("pandas")
    ids, dates, amounts = (list(c) for c in zip(*ORDERS))
    df = pd.DataFrame({"customer_id": ids, "order_date": dates, "amount": amounts})
    expected = crm.rfm_score(ORDERS, AS_OF)
    assert crm.rfm_score(df, AS_OF) == expected
    stamps = df.assign(order_date=pd.to_datetime(df["order_date"]))
    with pytest.raises(ValueError, match="naive"):
        crm.rfm_score(stamps, AS_OF)
    assert crm.rfm_score(stamps.assign(order_date=stamps["order_date"].dt.tz_localize("Asia/Shanghai")), AS_OF) == expected
    with pytest.raises(TypeError, match="floats are not exact"):
        crm.rfm_score(df.assign(amount=df["amount"].astype(float)), AS_OF)
    assert pd.DataFrame(crm.rfm_score_columns(df, AS_OF))["segment"].tolist() == [r.segment for r in expected]


def test_a_polars_dataframe() -> None:
    pl = pytest.importorskip("polars")
    ids, dates, amounts = (list(c) for c in zip(*ORDERS))
    df = pl.DataFrame({"customer_id": ids, "date": dates, "amount": [str(a) for a in amounts]})
    assert crm.rfm_score(df, AS_OF) == crm.rfm_score(ORDERS, AS_OF)


# Movement and churn --------------------------------------------------------------------------------


def row(customer_id: str, segment: str, r: int = 3) -> crm.RfmRow:
    return crm.RfmRow(customer_id, 10, 1, Decimal("12.50"), r, 3, 3, Decimal(r + 6), None, segment)


BEFORE = [row("1", "Champions", 5), row("2", "Loyal"), row("3", "Need attention", 3), row("9", "Hibernating")]
AFTER = [row("1", "At risk", 2), row("2", "Loyal"), row("3", "Lost", 1), row("5", "New")]


def test_movements_and_flows_are_typed() -> None:
    moved = crm.rfm_movements(BEFORE, AFTER)
    assert moved == [
        crm.Movement("1", "Champions", "At risk"), crm.Movement("3", "Need attention", "Lost"),
        crm.Movement("5", None, "New"), crm.Movement("9", "Hibernating", None),
    ]
    flows = crm.rfm_flows(BEFORE, AFTER)
    assert all(isinstance(f, crm.Flow) and isinstance(f.customers, int) for f in flows)
    assert [(f.from_, f.to, f.customers) for f in flows] == [
        (None, "New", 1), ("Champions", "At risk", 1), ("Hibernating", None, 1), ("Loyal", "Loyal", 1),
        ("Need attention", "Lost", 1),
    ]
    assert sum(f.customers for f in flows) == len({r.customer_id for r in BEFORE + AFTER})
    with pytest.raises(TypeError, match="RfmRow"):
        crm.rfm_movements([{"customer_id": "1"}], AFTER)  # type: ignore[list-item]


def test_movements_of_two_real_scorings() -> None:
    june = crm.rfm_score(ORDERS, AS_OF)
    july = crm.rfm_score(ORDERS + [("1", dt.date(2026, 7, 20), Decimal(5000)), ("7", dt.date(2026, 7, 21), 1)], dt.date(2026, 7, 31))
    old = {r.customer_id: r.segment for r in june}
    new = {r.customer_id for r in july}
    expected = [crm.Movement(r.customer_id, old.get(r.customer_id), r.segment) for r in july if old.get(r.customer_id) != r.segment]
    expected += [crm.Movement(c, s, None) for c, s in old.items() if c not in new]
    moved = crm.rfm_movements(june, july)
    assert moved == expected and any(m.from_ is None and m.customer_id == "7" for m in moved)


def test_churn_warnings_are_typed_and_follow_the_rule() -> None:
    warnings = crm.rfm_churn_warnings(BEFORE, AFTER)
    assert [w.customer_id for w in warnings] == ["1", "3"]
    first, second = warnings
    assert isinstance(first, crm.ChurnWarning)
    assert (first.from_, first.to, first.r_before, first.r_after) == ("Champions", "At risk", 5, 2)
    assert first.reason == "moved from Champions to At risk; recency score fell from 5 to 2"
    assert second.reason == "recency score fell from 3 to 1"
    only_slides = crm.rfm_churn_warnings(BEFORE, AFTER, crm.ChurnRule(r_drop=0))
    assert [(w.customer_id, w.reason) for w in only_slides] == [("1", "moved from Champions to At risk")]
    custom = crm.ChurnRule(valuable=["Need attention"], cooling=["Lost"], r_drop=0)
    assert custom.valuable == ("Need attention",), "sequences become tuples: the rule is immutable"
    assert [w.customer_id for w in crm.rfm_churn_warnings(BEFORE, AFTER, custom)] == ["3"]
    with pytest.raises(TypeError, match="segment names"):
        crm.ChurnRule(valuable="Champions")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="r_drop"):
        crm.ChurnRule(r_drop=-1)


def test_the_default_churn_rule_is_the_cores() -> None:
    names = [s.value for s in crm.Segment if s is not crm.Segment.UNMAPPED]
    pairs = list(itertools.product(names, names, (1, 3, 5)))
    before = [row(str(i), a, 5) for i, (a, _, _) in enumerate(pairs)]
    after = [row(str(i), b, r) for i, (_, b, r) in enumerate(pairs)]
    by_core = crm.rfm_churn_warnings(before, after)
    assert by_core == crm.rfm_churn_warnings(before, after, crm.ChurnRule())
    assert len(by_core) > 0 and len(by_core) < len(pairs)


# Performance ---------------------------------------------------------------------------------------

TARGETS = [
    crm.Target(crm.RepSubject("u-2"), "2026-11", Decimal(80000)),
    crm.Target(crm.RepSubject("u-3"), "2026-11", Decimal(60000)),
    crm.Target(crm.RepSubject("u-4"), "2026-11", 30000),  # type: ignore[arg-type]  # an int is exact too
    crm.Target(crm.TeamSubject("t-1"), "2026-11", Decimal(150000)),
    crm.Target(crm.RepSubject("u-5"), "2026-Q4", Decimal(0)),
]
ACHIEVEMENTS = [
    crm.Achievement("u-2", dt.date(2026, 11, 3), Decimal(40000), crm.Basis.WON, team_id="t-1"),
    crm.Achievement("u-2", dt.date(2026, 11, 30), Decimal(20000), crm.Basis.WON, team_id="t-1"),
    crm.Achievement("u-2", dt.date(2026, 11, 15), Decimal(10000), crm.Basis.COLLECTED, team_id="t-1"),
    crm.Achievement("u-3", dt.date(2026, 11, 20), Decimal(45000), crm.Basis.WON, team_id="t-1"),
    crm.Achievement("u-4", dt.date(2026, 11, 1), Decimal(30000), crm.Basis.WON),
    crm.Achievement("u-4", dt.date(2026, 12, 1), Decimal(99999), crm.Basis.WON),  # outside November
    crm.Achievement("u-5", dt.date(2026, 10, 2), Decimal("12.34"), crm.Basis.WON),
]


def test_performance_is_typed_exact_and_ranked() -> None:
    rows = crm.performance(TARGETS, ACHIEVEMENTS, crm.Basis.WON)
    assert [a.subject for a in rows] == [t.subject for t in TARGETS]
    u2, u3, u4, team, u5 = rows
    assert isinstance(u2, crm.Attainment) and isinstance(u2.subject, crm.RepSubject)
    assert isinstance(team.subject, crm.TeamSubject) and team.subject.team_id == "t-1"
    assert (u2.achieved, u2.ratio, u2.rank) == (Decimal(60000), Decimal("0.75"), 2)
    assert (u3.achieved, u3.ratio, u3.rank) == (Decimal(45000), Decimal("0.75"), 3), "equal ratio: more achieved first"
    assert (u4.ratio, u4.rank) == (Decimal(1), 1)
    assert (team.achieved, team.ratio, team.rank, team.target) == (Decimal(105000), Decimal("0.7"), 1, Decimal(150000))
    assert (u5.achieved, u5.ratio, u5.period) == (Decimal("12.34"), None, "2026-Q4"), "a zero target has no ratio"
    assert all(isinstance(a.achieved, Decimal) for a in rows)


def test_the_leaderboard_ranks_one_kind_and_period() -> None:
    board = crm.leaderboard(TARGETS, ACHIEVEMENTS, "collected", "2026-11")
    assert [(a.subject, a.achieved, a.rank) for a in board] == [
        (crm.RepSubject("u-2"), Decimal(10000), 1), (crm.RepSubject("u-3"), Decimal(0), 2),
        (crm.RepSubject("u-4"), Decimal(0), 2),
    ]
    teams = crm.leaderboard(TARGETS, ACHIEVEMENTS, crm.Basis.WON, "2026-11", teams=True)
    assert [a.subject for a in teams] == [crm.TeamSubject("t-1")]


def test_achievements_may_be_mappings() -> None:
    records = [
        {"rep_id": a.rep_id, "team_id": a.team_id, "date": a.date, "amount": str(a.amount), "basis": a.basis.value}
        for a in ACHIEVEMENTS
    ]
    assert crm.performance(TARGETS, records, "won") == crm.performance(TARGETS, ACHIEVEMENTS, crm.Basis.WON)


def test_performance_refusals_are_typed() -> None:
    with pytest.raises(crm.InvalidInputError, match="November"):
        crm.performance([crm.Target(crm.RepSubject("u-2"), "November", Decimal(1))], [], crm.Basis.WON)
    with pytest.raises(crm.InvalidInputError, match="negative"):
        crm.performance([crm.Target(crm.RepSubject("u-2"), "2026", Decimal(-1))], [], crm.Basis.WON)
    with pytest.raises(crm.InvalidInputError, match="two targets"):
        crm.performance(TARGETS + TARGETS[:1], [], crm.Basis.WON)
    with pytest.raises(TypeError, match="floats are not exact"):
        crm.performance([crm.Target(crm.RepSubject("u-2"), "2026", 1.5)], [], crm.Basis.WON)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="RepSubject or a TeamSubject"):
        crm.performance([crm.Target("u-2", "2026", Decimal(1))], [], crm.Basis.WON)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        crm.performance(TARGETS, ACHIEVEMENTS, "booked")


def test_results_map_every_field_of_the_core() -> None:
    """The typed records carry every field of the core's JSON rows."""
    cases = [
        ("rfm_movements", {"before": analytics._rows_json("b", BEFORE), "after": analytics._rows_json("a", AFTER)}, crm.Movement),
        ("rfm_flows", {"before": analytics._rows_json("b", BEFORE), "after": analytics._rows_json("a", AFTER)}, crm.Flow),
        ("rfm_churn_warnings", {"before": analytics._rows_json("b", BEFORE), "after": analytics._rows_json("a", AFTER)}, crm.ChurnWarning),
        ("performance", analytics._performance_args(TARGETS, ACHIEVEMENTS, "won"), crm.Attainment),
    ]
    for op, args, cls in cases:
        value = analytics._native(op, args)
        assert value, op
        fields = {f.name.rstrip("_") for f in dataclasses.fields(cls)}
        assert all(set(v) == fields for v in value), (op, value[0])
    assert json.loads(json.dumps(analytics._rows_json("b", BEFORE)))[0]["monetary"] == "12.50"


def test_the_main_names_are_exported() -> None:
    for name in analytics.__all__:
        if name != "RFM_COLUMNS":
            assert getattr(crm, name) is getattr(analytics, name), name
    assert crm.Basis("won") is crm.Basis.WON and str(crm.Basis.COLLECTED) == "collected"
    assert crm.Segment.AT_RISK == "At risk"
