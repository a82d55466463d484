"""Analytics in batch: RFM scores, segment movement, churn warnings, performance (业绩) and the
attribution of won deals to campaigns. Pure functions of the data given, one crossing into the
core per batch, the GIL released meanwhile.

Plain sequences of records (`RfmOrder`, `RfmRow`, `Achievement`) give lists of records. Arrow data
(`ArrowData`: a pyarrow Table, a polars DataFrame or LazyFrame (collected), a pandas DataFrame,
anything with ``__arrow_c_stream__``) is read column by column without a Python object per value,
and RFM scores and segment movement come back as a pyarrow Table (the native table when pyarrow is
missing: ``polars.from_arrow`` takes either without a copy). Columns are named as the record's
fields (orders: ``customer_id``, ``date``, ``amount``; scorings for segment movement: the columns
of `RfmRow`, as `rfm_score` returns them; achievements: those of `Achievement`; other columns are
ignored). A dict of columns (name -> array or series) is a table too:

- ids: integers (any width) or text; they come back in the type they went in (int64 in, int64 out);
- dates: Date32/Date64, ISO text, or timestamps (datetime64) on their date: a zoned column in
  ``zone`` (an IANA name) when given, else in its own zone; a naive one on its wall-clock date;
- amounts: Decimal128 (exact), integers, decimal text, or float64 read as the shortest decimal that
  reads back as the same float (Python's ``repr``: 0.1 is 0.1, not 0.1000000000000000055...).
  Results carry decimals as Decimal128 at the largest scale among them.

Example (polars)::

    orders = pl.read_parquet("orders.parquet").select("customer_id", "date", "amount")
    scores = crm.rfm_score(orders, datetime.date(2026, 6, 30))       # a pyarrow Table
    pl.from_arrow(scores).filter(pl.col("segment") == "At risk")

The RFM configuration (``config``) is TOML text: see `crm.formats`.

`attribute` shares won deals among the campaigns that touched them from two tables (deals and
their touches, as `crm attribution` reads them from CSV files), times read as instants: zoned
timestamps, naive ones in ``zone`` (UTC without one), or RFC 3339 text.
"""

from __future__ import annotations

import datetime as _dt
import json
from typing import List, Optional, Sequence, Tuple, Union, cast, overload

from . import _crm, _ops
from ._batch import ArrowData, ArrowStream, arrow_source, call, columns, to_pyarrow
from ._convert import converter, integer, invalid, native
from ._records import OPERATIONS
from ._records import (
    Achievement,
    Attainment,
    AttributionModel,
    ChurnRule,
    ChurnWarning,
    PerformanceBasis,
    PerformanceTarget,
    RfmFlow,
    RfmMovement,
    RfmOrder,
    RfmRow,
)

__all__ = ["ArrowData", "ArrowStream", "rfm_score", "rfm_movements", "rfm_flows", "rfm_churn_warnings",
           "performance", "leaderboard", "attribute"]

Rows = Union[Sequence[RfmRow], ArrowData]


@overload
def rfm_score(
    orders: Sequence[RfmOrder], as_of: _dt.date, config: Optional[str] = None, *, zone: Optional[str] = None
) -> List[RfmRow]: ...
@overload
def rfm_score(
    orders: ArrowData, as_of: _dt.date, config: Optional[str] = None, *, zone: Optional[str] = None
) -> ArrowStream: ...
def rfm_score(
    orders: Union[Sequence[RfmOrder], ArrowData], as_of: _dt.date, config: Optional[str] = None, *,
    zone: Optional[str] = None,
) -> Union[List[RfmRow], ArrowStream]:
    """RFM scores of every customer with an order on or before `as_of` (later ones are ignored),
    in customer id order (numeric order when every id is an integer). Arrow orders are scored from
    their columns (`crm_core::rfm::score_columns` for integer ids) into a table with the columns of
    `RfmRow` (``level`` and ``segment`` dictionary-encoded)."""
    source = arrow_source(orders)
    if source is None:
        return _ops.rfm_score(cast(Sequence[RfmOrder], orders), as_of, config)
    day = _day(as_of)
    return cast(ArrowStream, to_pyarrow(native(lambda: _crm.rfm_score_arrow(source, day, config, zone))))


def _day(value: _dt.date) -> str:
    if isinstance(value, _dt.datetime) or not isinstance(value, _dt.date):
        raise TypeError(f"as_of must be a datetime.date, not {type(value).__name__}")
    return value.isoformat()


def _compare(op: str, before: Rows, after: Rows, rule: Optional[ChurnRule] = None) -> Optional[ArrowStream]:
    """Two scorings compared in the core when either is Arrow (read column by column; a plain
    sequence goes as JSON rows); None when both are sequences."""
    tables = arrow_source(before), arrow_source(after)
    if tables == (None, None):
        return None
    rows = converter("list<RfmRow>")[1]
    old, new = (json.dumps(rows(v, n)) if t is None else t for t, v, n in zip(tables, (before, after), ("before", "after")))
    rule_json = None if rule is None else json.dumps(converter("ChurnRule")[1](rule, "rule"))
    result = columns(OPERATIONS[op][3])
    return cast(ArrowStream, to_pyarrow(native(lambda: _crm.rfm_compare(op, old, new, result, rule_json))))


def _rows(before: Rows, after: Rows) -> Tuple[Sequence[RfmRow], Sequence[RfmRow]]:
    return cast(Sequence[RfmRow], before), cast(Sequence[RfmRow], after)


def _seq(achievements: Union[Sequence[Achievement], ArrowData]) -> Sequence[Achievement]:
    return cast(Sequence[Achievement], achievements)


@overload
def rfm_movements(before: Sequence[RfmRow], after: Sequence[RfmRow]) -> List[RfmMovement]: ...
@overload
def rfm_movements(before: ArrowData, after: Rows) -> ArrowStream: ...
@overload
def rfm_movements(before: Sequence[RfmRow], after: ArrowData) -> ArrowStream: ...
def rfm_movements(before: Rows, after: Rows) -> Union[List[RfmMovement], ArrowStream]:
    """Customers whose segment differs between two scorings, in the order of `after`, then those
    only in `before` (`to_segment` None); new ones have `from_segment` None. A table when either
    scoring is one (integer ids back as integers)."""
    table = _compare("rfm_movements", before, after)
    return table if table is not None else _ops.rfm_movements(*_rows(before, after))


@overload
def rfm_flows(before: Sequence[RfmRow], after: Sequence[RfmRow]) -> List[RfmFlow]: ...
@overload
def rfm_flows(before: ArrowData, after: Rows) -> ArrowStream: ...
@overload
def rfm_flows(before: Sequence[RfmRow], after: ArrowData) -> ArrowStream: ...
def rfm_flows(before: Rows, after: Rows) -> Union[List[RfmFlow], ArrowStream]:
    """How many customers went from each segment to each other (the unchanged counted too)."""
    table = _compare("rfm_flows", before, after)
    return table if table is not None else _ops.rfm_flows(*_rows(before, after))


@overload
def rfm_churn_warnings(
    before: Sequence[RfmRow], after: Sequence[RfmRow], rule: Optional[ChurnRule] = None
) -> List[ChurnWarning]: ...
@overload
def rfm_churn_warnings(before: ArrowData, after: Rows, rule: Optional[ChurnRule] = None) -> ArrowStream: ...
@overload
def rfm_churn_warnings(before: Sequence[RfmRow], after: ArrowData, rule: Optional[ChurnRule] = None) -> ArrowStream: ...
def rfm_churn_warnings(before: Rows, after: Rows, rule: Optional[ChurnRule] = None) -> Union[List[ChurnWarning], ArrowStream]:
    """Customers in both scorings that left a valuable segment for a cooling one, or whose R fell
    by the rule's `r_drop` or more (`ChurnRule()`'s defaults without one)."""
    table = _compare("rfm_churn_warnings", before, after, rule)
    return table if table is not None else _ops.rfm_churn_warnings(*_rows(before, after), rule)


def performance(
    targets: Sequence[PerformanceTarget], achievements: Union[Sequence[Achievement], ArrowData],
    basis: PerformanceBasis, *, zone: Optional[str] = None,
) -> List[Attainment]:
    """The attainment of every target on `basis` (won or collected amounts in the target's
    period), ranked within each kind of subject and period. `achievements` may be a table with the
    columns of `Achievement` (dates read as in `rfm_score`, in `zone`)."""
    args = {"targets": targets, "achievements": achievements, "basis": basis}
    out = call("performance", args, zone)
    return cast(List[Attainment], out) if out is not None else _ops.performance(targets, _seq(achievements), basis)


def leaderboard(
    targets: Sequence[PerformanceTarget], achievements: Union[Sequence[Achievement], ArrowData],
    basis: PerformanceBasis, period: str, teams: Optional[bool] = None, *, zone: Optional[str] = None,
) -> List[Attainment]:
    """The attainments of one period, best first: reps, or teams with ``teams=True``."""
    args = {"targets": targets, "achievements": achievements, "basis": basis, "period": period, "teams": teams}
    out = call("leaderboard", args, zone)
    if out is not None:
        return cast(List[Attainment], out)
    return _ops.leaderboard(targets, _seq(achievements), basis, period, teams)


def attribute(
    deals: ArrowData, touches: ArrowData, model: Union[AttributionModel, str], *,
    lookback_days: Optional[int] = None, half_life_days: Optional[int] = None, zone: Optional[str] = None,
) -> ArrowStream:
    """Every won deal's amount shared among the campaigns that touched it by `model` (an
    `AttributionModel` or its name; `lookback_days` and `half_life_days` as in
    `AttributionSettings`), as the typed `crm.attribute` shares it, in one crossing: a table of one
    line per counted touch (``primary_source``: per deal with a primary campaign), in deal order
    then line order, with the columns ``deal_id`` (in the type it came in), ``campaign_id``,
    ``touch_at`` (timestamp[ms, UTC], null for the primary source), ``position`` (uint32),
    ``share`` (decimal128, 4 places; a deal's shares sum to exactly 1), ``amount`` (decimal128 at
    the largest scale; a deal's lines sum to exactly its amount) and ``explanation``.

    `deals` has the columns ``deal_id`` (text or integers), ``amount`` (read as in `rfm_score`),
    ``won_at``, ``created_at`` and optionally ``lead_created_at`` and ``primary_campaign_id``
    (nulls, or empty text, for none); `touches` has ``deal_id``, ``campaign_id`` and ``at``. Times
    are zoned timestamps, naive ones in `zone` (an IANA name or an offset; UTC without one) or RFC
    3339 text. Other columns are ignored. A missing column, a bad value (a negative amount, an
    empty id...), a deal id twice, or a touch of a deal not in `deals` raises `InvalidInputError`
    naming the table and column (``touches.deal_id``) and, for a value, its row."""
    sources = arrow_source(deals), arrow_source(touches)
    for name, source in zip(("deals", "touches"), sources):
        if source is None:
            raise TypeError(f"{name} must be Arrow data (a pyarrow Table, a polars or pandas DataFrame, a dict of columns)")
    if not isinstance(model, str):
        raise invalid("model", f"must be an AttributionModel or its name, not {type(model).__name__}")
    name = model.value if isinstance(model, AttributionModel) else model
    lookback = None if lookback_days is None else integer(lookback_days, "lookback_days")
    half_life = None if half_life_days is None else integer(half_life_days, "half_life_days")
    d, t = sources
    out = native(lambda: _crm.attribute_arrow(d, t, name, lookback, half_life, zone))
    return cast(ArrowStream, to_pyarrow(out))
