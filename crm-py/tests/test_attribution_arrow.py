"""Attribution of won deals to campaigns from Arrow tables (`crm.analytics.attribute`): the golden
U-shaped deal line by line, the same table from pyarrow, pandas, polars and dicts of columns, ids
in the type they came in, refusals naming the column and row, and the same lines as the typed
`crm.attribute` on random deals under every model."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Dict, List, Optional, Tuple

import pandas as pd
import pyarrow as pa
import pytest

import crm
from crm import analytics

UTC = dt.timezone.utc
WON = dt.datetime(2026, 6, 30, 12, 0, tzinfo=UTC)
COLUMNS = ["deal_id", "campaign_id", "touch_at", "position", "share", "amount", "explanation"]


def before(days: float) -> dt.datetime:
    return WON - dt.timedelta(days=days)


def golden() -> Tuple[pa.Table, pa.Table]:
    """The core's golden five-touch deal (10000.00; touches 50, 40, 30, 20 and 10 days before the
    win, given out of order, plus one after the win), a deal of one touch and one untouched."""
    deals = pa.table({
        "deal_id": ["opp-1", "opp-2", "opp-3"],
        "amount": pa.array([Decimal("10000.00"), Decimal("99.99"), Decimal("5")], pa.decimal128(12, 2)),
        "won_at": pa.array([WON, WON, WON], pa.timestamp("us", "UTC")),
        "created_at": pa.array([before(15), before(29), before(29)], pa.timestamp("us", "UTC")),
        "lead_created_at": pa.array([None, None, None], pa.timestamp("us", "UTC")),
        "primary_campaign_id": ["c-src", None, None],
        "note": ["ignored", "columns", "too"],
    })
    touches = pa.table({
        "deal_id": ["opp-1"] * 6 + ["opp-2"],
        "campaign_id": ["c-c", "c-a", "c-late", "c-e", "c-b", "c-d", "c-x"],
        "at": pa.array([before(30), before(50), before(-1), before(10), before(40), before(20), before(1)],
                       pa.timestamp("us", "UTC")),
    })
    return deals, touches


def test_the_golden_five_touch_deal_u_shaped() -> None:
    deals, touches = golden()
    table = analytics.attribute(deals, touches, crm.AttributionModel.U_SHAPED)
    assert isinstance(table, pa.Table)
    assert table.column_names == COLUMNS
    assert table.schema.field("touch_at").type == pa.timestamp("ms", "UTC")
    assert table.schema.field("position").type == pa.uint32()
    assert table.schema.field("share").type.scale == 4
    assert table.schema.field("amount").type.scale == 2
    rows = table.to_pylist()
    first = [r for r in rows if r["deal_id"] == "opp-1"]
    assert [r["campaign_id"] for r in first] == ["c-a", "c-b", "c-c", "c-d", "c-e"]
    assert [r["position"] for r in first] == [1, 2, 3, 4, 5]
    assert [r["share"] for r in first] == [Decimal(s) for s in ("0.4", "0.0667", "0.0666", "0.0667", "0.4")]
    assert [r["amount"] for r in first] == [Decimal(s) for s in ("4000.00", "667.00", "666.00", "667.00", "4000.00")]
    assert sum(r["amount"] for r in first) == Decimal("10000.00")
    assert sum(r["share"] for r in first) == 1
    assert first[0]["touch_at"] == before(50)
    assert first[2]["explanation"] == (
        "third of 5 touches, U-shaped: 20% / 3 = 6.67%; 6.66% after carrying the rounding")
    # opp-2's one touch takes it all; opp-3 (untouched) has no line.
    assert [(r["deal_id"], r["share"], r["amount"]) for r in rows[5:]] == [("opp-2", 1, Decimal("99.99"))]


def test_the_model_by_name_and_the_primary_source() -> None:
    deals, touches = golden()
    by_name = analytics.attribute(deals, touches, "u_shaped")
    assert by_name.equals(analytics.attribute(deals, touches, crm.AttributionModel.U_SHAPED))
    primary = analytics.attribute(deals, touches, "primary_source").to_pylist()
    assert primary == [{
        "deal_id": "opp-1", "campaign_id": "c-src", "touch_at": None, "position": 1, "share": Decimal(1),
        "amount": Decimal("10000.00"), "explanation": "primary campaign source: 100%",
    }]
    # A 60-day window still holds every touch of opp-1; a 35-day one leaves the two oldest out.
    assert analytics.attribute(deals, touches, "even", lookback_days=35).num_rows == 4
    decay = analytics.attribute(deals, touches, "time_decay", half_life_days=10).to_pylist()
    assert sum(r["amount"] for r in decay if r["deal_id"] == "opp-1") == Decimal("10000.00")


def frames(deals: pa.Table, touches: pa.Table) -> Dict[str, Tuple[object, object]]:
    """The same two tables as pyarrow (whole and in batches), pandas, polars and dicts of columns."""
    out: Dict[str, Tuple[object, object]] = {
        "pyarrow": (deals, touches),
        "batches": (pa.Table.from_batches(deals.to_batches(max_chunksize=2)),
                    pa.Table.from_batches(touches.to_batches(max_chunksize=3))),
        "record batch": (deals.combine_chunks().to_batches()[0], touches),
        "pandas": (deals.to_pandas(), touches.to_pandas()),
        "dict of arrays": ({n: deals.column(n) for n in deals.column_names},
                           {n: touches.column(n).combine_chunks() for n in touches.column_names}),
    }
    try:
        import polars as pl
    except ImportError:
        return out
    out["polars"] = (pl.from_arrow(deals), pl.from_arrow(touches))
    out["polars lazy"] = (pl.from_arrow(deals).lazy(), pl.from_arrow(touches).lazy())  # type: ignore[union-attr]
    return out


def test_pyarrow_pandas_polars_and_dicts_give_the_same_table() -> None:
    deals, touches = golden()
    expected = analytics.attribute(deals, touches, "w_shaped")
    for name, (d, t) in frames(deals, touches).items():
        got = analytics.attribute(d, t, "w_shaped")  # type: ignore[arg-type]
        assert got.schema.equals(expected.schema), name
        assert got.equals(expected), name


def test_polars_frames_when_polars_is_installed() -> None:
    pl = pytest.importorskip("polars")
    deals = pl.DataFrame({
        "deal_id": [7, 8], "amount": [1234.56, 0.1], "won_at": [WON, WON], "created_at": [before(20), before(20)],
        "lead_created_at": [before(25), None], "primary_campaign_id": [None, "c-1"],
    })
    touches = pl.DataFrame({"deal_id": [7, 7, 7, 8], "campaign_id": ["a", "b", "c", "d"],
                            "at": [before(30), before(22), before(5), before(3)]})
    table = analytics.attribute(deals, touches, "w_shaped")
    assert table.schema.field("deal_id").type == pa.int64()
    assert [r["deal_id"] for r in table.to_pylist()] == [7, 7, 7, 8]
    assert sum(r["amount"] for r in table.to_pylist()[:3]) == Decimal("1234.56")  # a float read as its repr
    assert table.to_pylist()[3]["amount"] == Decimal("0.10")


def test_integer_ids_come_back_as_integers() -> None:
    deals, touches = golden()
    ids = {"opp-1": 101, "opp-2": 102, "opp-3": 103}
    as_ints = lambda t, kind: t.set_column(  # noqa: E731
        0, "deal_id", pa.array([ids[v] for v in t.column("deal_id").to_pylist()], kind))
    for kind in (pa.int64(), pa.int32(), pa.uint64()):
        table = analytics.attribute(as_ints(deals, kind), as_ints(touches, pa.int64()), "u_shaped")
        assert table.schema.field("deal_id").type == kind
        assert table.column("deal_id").to_pylist() == [101] * 5 + [102]
    frame = as_ints(deals, pa.int64()).to_pandas()
    rows = analytics.attribute(frame, as_ints(touches, pa.int64()).to_pandas(), "even").to_pylist()
    assert {type(r["deal_id"]) for r in rows} == {int}


def test_text_times_and_naive_timestamps_in_a_zone() -> None:
    deals, touches = golden()
    expected = analytics.attribute(deals, touches, "time_decay")
    text = lambda t, c: t.set_column(  # noqa: E731
        t.column_names.index(c), c, pa.array([v.isoformat() for v in t.column(c).to_pylist()]))
    as_text = text(text(deals, "won_at"), "created_at"), text(touches, "at")
    assert analytics.attribute(*as_text, "time_decay").equals(expected)
    shanghai = dt.timezone(dt.timedelta(hours=8))

    def naive(t: pa.Table, c: str) -> pa.Table:
        wall = [None if v is None else v.astimezone(shanghai).replace(tzinfo=None) for v in t.column(c).to_pylist()]
        return t.set_column(t.column_names.index(c), c, pa.array(wall, pa.timestamp("us")))

    local = naive(naive(deals, "won_at"), "created_at"), naive(touches, "at")
    assert analytics.attribute(*local, "time_decay", zone="Asia/Shanghai").equals(expected)
    assert not analytics.attribute(*local, "time_decay").equals(expected)  # read as UTC: 8 hours off


def test_a_dict_of_columns_works() -> None:
    deals = {
        "deal_id": pa.array(["d1", "d2"]),
        "amount": pa.array(["100", "0.03"]),  # decimal text
        "won_at": pa.array([WON, WON], pa.timestamp("s", "UTC")),
        "created_at": pd.Series(pd.to_datetime([before(9), before(9)], utc=True)),
    }
    touches = {"deal_id": pa.array(["d2", "d1", "d2"]), "campaign_id": pa.array(["x", "y", "z"]),
               "at": pa.array([before(3), before(4), before(5)], pa.timestamp("ms", "UTC"))}
    rows = analytics.attribute(deals, touches, "even").to_pylist()
    assert [(r["deal_id"], r["campaign_id"], r["amount"]) for r in rows] == [
        ("d1", "y", Decimal("100.00")), ("d2", "z", Decimal("0.02")), ("d2", "x", Decimal("0.01"))]


def refusal(deals: object, touches: object, **kw: object) -> crm.InvalidInputError:
    with pytest.raises(crm.InvalidInputError) as caught:
        analytics.attribute(deals, touches, kw.pop("model", "u_shaped"), **kw)  # type: ignore[arg-type]
    return caught.value


def test_bad_input_names_the_column_and_row() -> None:
    deals, touches = golden()
    e = refusal(deals.set_column(1, "amount", pa.array(["1", "-2", "3"])), touches)
    assert (e.field, e.reason) == ("deals.amount", "row 1: -2 is negative")
    e = refusal(deals.drop_columns(["won_at"]), touches)
    assert e.field == "deals.won_at" and "no \"won_at\" column" in e.reason
    e = refusal(deals, touches.drop_columns(["campaign_id"]))
    assert e.field == "touches.campaign_id"
    stray = pa.concat_tables([touches, pa.table({"deal_id": ["opp-9"], "campaign_id": ["c"], "at": touches.column("at")[:1]})])
    e = refusal(deals, stray)
    assert (e.field, e.reason) == ("touches.deal_id", 'row 7: "opp-9" is not the deal_id of any deal')
    twice = pa.concat_tables([deals, deals.slice(0, 1)])
    assert refusal(twice, touches).field == "deals.deal_id"
    e = refusal(deals.set_column(2, "won_at", pa.array([WON.isoformat(), "soon", None])), touches)
    assert (e.field, e.reason) == ("deals.won_at", 'row 1: "soon" is not an RFC 3339 time')
    e = refusal(deals, touches.set_column(1, "campaign_id", pa.array(["a", "b", "", "d", "e", "f", "g"])))
    assert (e.field, e.reason) == ("touches.campaign_id", "row 2: empty (expected an id)")
    e = refusal(deals, touches.set_column(2, "at", pa.array([None] * 7, pa.timestamp("us", "UTC"))))
    assert (e.field, e.reason) == ("touches.at", "row 0: missing (expected a time)")
    assert refusal(deals, touches, model="v_shaped").field == "model"
    assert refusal(deals, touches, half_life_days=0).field == "half_life_days"
    assert refusal(deals, touches, zone="Mars/Olympus").field == "zone"
    with pytest.raises(TypeError):
        analytics.attribute([], touches, "even")  # type: ignore[arg-type]


def random_deals(rng: random.Random, n: int) -> List[crm.AttributedDeal]:
    campaigns = [f"c-{k}" for k in range(6)]
    at = lambda days: WON - dt.timedelta(seconds=rng.randrange(0, days * 86_400))  # noqa: E731
    out = []
    for i in range(n):
        touches = [crm.Touch(rng.choice(campaigns), at(220) + dt.timedelta(days=rng.choice([0, 0, 0, 30])))
                   for _ in range(rng.randrange(0, 8))]
        out.append(crm.AttributedDeal(
            id=f"opp-{i}", amount=Decimal(rng.randrange(0, 10**9)) / 10 ** rng.randrange(0, 5),
            won_at=WON, created_at=at(60),
            lead_created_at=at(120) if rng.random() < 0.5 else None,
            primary_campaign_id=rng.choice(campaigns) if rng.random() < 0.7 else None, touches=touches))
    return out


def as_tables(deals: List[crm.AttributedDeal]) -> Tuple[pa.Table, pa.Table]:
    ts = pa.timestamp("us", "UTC")
    table = pa.table({
        "deal_id": [d.id for d in deals],
        # As text, each amount keeps its own places (a Decimal128 column has one scale for all,
        # and money is rounded to the amount's places).
        "amount": [str(d.amount) for d in deals],
        "won_at": pa.array([d.won_at for d in deals], ts),
        "created_at": pa.array([d.created_at for d in deals], ts),
        "lead_created_at": pa.array([d.lead_created_at for d in deals], ts),
        "primary_campaign_id": [d.primary_campaign_id for d in deals],
    })
    pairs = [(d.id, t) for d in deals for t in d.touches]
    rng = random.Random(len(pairs))
    rng.shuffle(pairs)  # touches in any order
    touches = pa.table({"deal_id": [p[0] for p in pairs], "campaign_id": [p[1].campaign_id for p in pairs],
                        "at": pa.array([p[1].at for p in pairs], ts)})
    return table, touches


@pytest.mark.parametrize("model", list(crm.AttributionModel))
def test_random_deals_attribute_as_the_typed_operation(model: crm.AttributionModel) -> None:
    deals = random_deals(random.Random(f"attribution {model}"), 60)
    settings = crm.AttributionSettings(model, lookback_days=200, half_life_days=5)
    typed = crm.attribute(deals, settings)
    expected: List[Dict[str, object]] = [
        {"deal_id": a.deal_id, "campaign_id": l.campaign_id, "touch_at": l.touch_at, "position": l.position,
         "share": l.share, "amount": l.amount, "explanation": l.explanation}
        for a in typed for l in a.lines]
    table = analytics.attribute(*as_tables(deals), model, lookback_days=200, half_life_days=5)
    got = table.to_pylist()
    assert got == expected
    # Exact: every amount at the largest scale, the same digits as the typed lines.
    scale: Optional[int] = table.schema.field("amount").type.scale
    assert scale == max([2] + [-l.amount.as_tuple().exponent for a in typed for l in a.lines])  # type: ignore[operator]


def test_a_large_table_is_attributed_on_every_core_in_deal_order() -> None:
    n = 20_000  # past the size attributed on one core
    deals = pa.table({
        "deal_id": pa.array(range(n, 0, -1), pa.int64()),  # descending: the order given is kept
        "amount": pa.array([Decimal(k) / 100 for k in range(n)], pa.decimal128(12, 2)),
        "won_at": pa.array([WON] * n, pa.timestamp("s", "UTC")),
        "created_at": pa.array([before(20)] * n, pa.timestamp("s", "UTC")),
    })
    touches = pa.table({
        "deal_id": pa.array([k for k in range(1, n + 1) for _ in range(3)], pa.int64()),
        "campaign_id": [f"c-{k % 7}" for k in range(3 * n)],
        "at": pa.array([before(1 + k % 30) for k in range(3 * n)], pa.timestamp("s", "UTC")),
    })
    table = analytics.attribute(deals, touches, "u_shaped")
    assert table.num_rows == 3 * n
    ids = table.column("deal_id").to_pylist()
    assert ids == [k for k in range(n, 0, -1) for _ in range(3)]
    sums = pa.TableGroupBy(table, "deal_id").aggregate([("amount", "sum")]).to_pydict()
    amounts = dict(zip(deals.column("deal_id").to_pylist(), deals.column("amount").to_pylist()))
    assert all(amounts[i] == s for i, s in zip(sums["deal_id"], sums["amount_sum"]))
    bad = deals.set_column(1, "amount", pa.array([Decimal(1)] * (n - 1) + [Decimal(-1)], pa.decimal128(12, 2)))
    assert refusal(bad, touches).reason == f"row {n - 1}: -1.00 is negative"
