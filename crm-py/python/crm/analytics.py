"""Analytics: RFM scoring and segments, segment movement, churn warnings and performance (业绩).

Pure batch functions of the data they are given: no organisation or store is involved, each batch
crosses into the Rust core once, and the core works with the GIL released.

RFM (DOMAIN.md section 5)::

    rows = crm.rfm_score(orders, as_of=datetime.date(2026, 6, 30), config=toml_text)
    moved = crm.rfm_movements(last_month, rows)       # who changed segment
    flows = crm.rfm_flows(last_month, rows)           # the from/to matrix, everyone counted
    warnings = crm.rfm_churn_warnings(last_month, rows)

`orders` is any of:

* a sequence of ``(customer_id, date, amount)`` tuples, of `Order`s, of objects with attributes
  ``customer_id``, ``date`` (or ``order_date``) and ``amount``, or of dicts with those keys;
* a mapping of columns ``{"customer_id": [...], "order_date": [...], "amount": [...]}``
  (``date`` instead of ``order_date`` is accepted);
* a pandas or polars DataFrame with those columns (read with the frame's own ``to_list``; neither
  library is imported by this package);
* any object exposing the Arrow PyCapsule stream interface (``__arrow_c_stream__``: a pyarrow
  Table, a DuckDB result, ...), read through pyarrow, which must then be installed.

Customer ids are ``str`` (or ``int``s, written in decimal). Dates are ``datetime.date``; an aware
``datetime`` counts on its date in its own zone and a naive one is refused (``ValueError``): a
pandas ``datetime64`` column needs ``.dt.date`` or ``.dt.tz_localize(zone)`` first. Amounts are
``decimal.Decimal``, ``int`` or decimal strings; floats are refused (``TypeError``), as everywhere in
this package. The configuration is the TOML text (or a path to the file) of
``crm-core/src/rfm/config.rs``: ``method``, ``buckets``, ``window_days``, ``segment_map``,
``[weights]``, ``[thresholds]``, ``[[levels]]`` and ``[segments]``; errors name the problem
(`crm.InvalidInputError`).

Performance (DOMAIN.md section 8)::

    targets = [crm.Target(crm.RepSubject("u-2"), "2026-11", Decimal(80000)), ...]
    done = [crm.Achievement("u-2", datetime.date(2026, 11, 3), Decimal(40000), crm.Basis.WON, team_id="t-1"), ...]
    crm.performance(targets, done, crm.Basis.WON)            # every target's attainment, ranked
    crm.leaderboard(targets, done, "won", "2026-11")          # one period's reps, best first

Periods are ``YYYY``, ``YYYY-Qn`` or ``YYYY-MM``.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import typing
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable, ClassVar, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from ._crm import NativeError as _NativeError
from ._crm import analytics_call as _analytics_call
from ._crm import rfm_score_columns as _rfm_score_columns
from ._records import _StrEnum, _Variant
from .errors import InvalidInputError
from .errors import translate as _translate

__all__ = [
    "commission_statement",
    "Basis", "Segment", "Order", "RfmRow", "Movement", "Flow", "ChurnRule", "ChurnWarning", "RepSubject",
    "TeamSubject", "Subject", "Target", "Achievement", "Attainment", "rfm_score", "rfm_score_columns",
    "rfm_movements", "rfm_flows", "rfm_churn_warnings", "performance", "leaderboard", "RFM_COLUMNS",
]


class Basis(_StrEnum):
    """What attainment is measured on."""

    #: Deal amounts when won (booked).
    WON = "won"
    #: Cash collected (回款).
    COLLECTED = "collected"


class Segment(_StrEnum):
    """The segment names of the default maps (the 125 R, F, M codes and the 25-cell R x FM grid).

    `RfmRow.segment` is a plain ``str``, since a configured ``[segments]`` map names its own
    segments; as a ``str`` enum, ``row.segment == Segment.AT_RISK`` compares as expected."""

    CHAMPIONS = "Champions"
    LOYAL = "Loyal"
    POTENTIAL_LOYALIST = "Potential loyalist"
    NEW = "New"
    PROMISING = "Promising"
    NEED_ATTENTION = "Need attention"
    ABOUT_TO_SLEEP = "About to sleep"
    AT_RISK = "At risk"
    CANNOT_LOSE_THEM = "Cannot lose them"
    HIBERNATING = "Hibernating"
    LOST = "Lost"
    #: The label of a score code that the segment map does not cover (never a silent default).
    UNMAPPED = "Unmapped"


# Records -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Order:
    """One order, as `rfm_score` reads it."""

    customer_id: str
    date: _dt.date
    amount: Decimal


@dataclass(frozen=True)
class RfmRow:
    """One scored customer. R, F and M are points 1..9 (buckets of the quantile method or the
    configured threshold points); `score` is ``wR*R + wF*F + wM*M``."""

    customer_id: str
    #: Days between the last order on or before the as-of date and the as-of date.
    recency_days: int
    #: Orders in the window (all orders up to the as-of date without one).
    frequency: int
    #: Total amount of the orders in the window.
    monetary: Decimal
    r: int
    f: int
    m: int
    score: Decimal
    #: The highest configured level whose `min_score` the score reaches; None without one.
    level: Optional[str]
    segment: str

    @property
    def code(self) -> str:
        """The score code the segment map is keyed by, e.g. ``"545"``."""
        return f"{self.r}{self.f}{self.m}"


#: The fields of `RfmRow`, in order: the keys of `rfm_score_columns`.
RFM_COLUMNS: Tuple[str, ...] = (
    "customer_id", "recency_days", "frequency", "monetary", "r", "f", "m", "score", "level", "segment",
)


@dataclass(frozen=True)
class Movement:
    """A customer whose segment differs between two scorings; None: absent from that scoring."""

    customer_id: str
    from_: Optional[str]
    to: Optional[str]


@dataclass(frozen=True)
class Flow:
    """How many customers went from one segment to another (unchanged ones included)."""

    from_: Optional[str]
    to: Optional[str]
    customers: int


_VALUABLE = ("Champions", "Loyal", "Potential loyalist", "Cannot lose them")
_COOLING = ("At risk", "Cannot lose them", "About to sleep", "Hibernating", "Lost")


@dataclass(frozen=True)
class ChurnRule:
    """When to warn that a customer may churn: they left a `valuable` segment for a `cooling` one,
    or their R fell by at least `r_drop` points (0: never on R alone). The defaults are the core's."""

    #: Kept as a tuple.
    valuable: Sequence[str] = _VALUABLE
    #: Kept as a tuple.
    cooling: Sequence[str] = _COOLING
    r_drop: int = 2

    def __post_init__(self) -> None:
        for name in ("valuable", "cooling"):
            value = getattr(self, name)
            if isinstance(value, str) or not all(isinstance(s, str) for s in value):
                raise TypeError(f"ChurnRule.{name} must be a sequence of segment names, not {value!r}")
            object.__setattr__(self, name, tuple(value))
        if isinstance(self.r_drop, bool) or not isinstance(self.r_drop, int) or not 0 <= self.r_drop <= 255:
            raise TypeError(f"ChurnRule.r_drop must be an int from 0 to 255, not {self.r_drop!r}")


@dataclass(frozen=True)
class ChurnWarning:
    customer_id: str
    from_: str
    to: str
    r_before: int
    r_after: int
    #: Why, in words: "moved from Champions to At risk", "recency score fell from 5 to 2", or both.
    reason: str


@dataclass(frozen=True)
class RepSubject(_Variant):
    """A target or attainment of one rep."""

    user_id: str
    type: ClassVar[str] = "rep"


@dataclass(frozen=True)
class TeamSubject(_Variant):
    """A target or attainment of a team (the achievements credited to it)."""

    team_id: str
    type: ClassVar[str] = "team"


#: Whom a target is for.
Subject = Union[RepSubject, TeamSubject]


@dataclass(frozen=True)
class Target:
    """A target for a subject and a period: ``2026-11`` (month), ``2026-Q4`` or ``2026``."""

    subject: Subject
    period: str
    amount: Decimal


@dataclass(frozen=True)
class Achievement:
    """One won deal or collected payment, credited to a rep (and their team) on a local date."""

    rep_id: str
    date: _dt.date
    amount: Decimal
    basis: Basis
    team_id: Optional[str] = None


@dataclass(frozen=True)
class Attainment:
    subject: Subject
    period: str
    target: Decimal
    achieved: Decimal
    #: achieved / target, rounded half-even to 4 places; None for a zero target.
    ratio: Optional[Decimal]
    #: 1 = best among subjects of the same kind and period; equal results share a rank.
    rank: int


# Calls into the core -------------------------------------------------------------------------------


def _native(op: str, args: Mapping[str, Any]) -> Any:
    """The JSON result of an analytics operation of the core."""
    try:
        return json.loads(_analytics_call(op, json.dumps(args, separators=(",", ":"), check_circular=False)))
    except _NativeError as e:
        raise _translate(e) from None


def _subject(v: Dict[str, Any]) -> Subject:
    kind = v["type"]
    if kind == "rep":
        return RepSubject(v["user_id"])
    if kind == "team":
        return TeamSubject(v["team_id"])
    raise ValueError(f"unknown subject type {kind!r}")


def _opt_decimal(v: Optional[str]) -> Optional[Decimal]:
    return None if v is None else Decimal(v)


_DECODERS: Dict[type, Callable[[Dict[str, Any]], Any]] = {
    RfmRow: lambda v: RfmRow(
        v["customer_id"], v["recency_days"], v["frequency"], Decimal(v["monetary"]), v["r"], v["f"], v["m"],
        Decimal(v["score"]), v["level"], v["segment"],
    ),
    Movement: lambda v: Movement(v["customer_id"], v["from"], v["to"]),
    Flow: lambda v: Flow(v["from"], v["to"], v["customers"]),
    ChurnWarning: lambda v: ChurnWarning(v["customer_id"], v["from"], v["to"], v["r_before"], v["r_after"], v["reason"]),
    Attainment: lambda v: Attainment(
        _subject(v["subject"]), v["period"], Decimal(v["target"]), Decimal(v["achieved"]), _opt_decimal(v["ratio"]),
        v["rank"],
    ),
}


def _decode(result: Any, value: Any) -> Any:
    """Builds the typed result `result` (``List[record]``) from the core's JSON form."""
    (item,) = typing.get_args(result)
    decode = _DECODERS[item]
    return [decode(v) for v in value]


def _call(op: str, args: Mapping[str, Any], result: Any) -> Any:
    return _decode(result, _native(op, args))


# Input conversion ----------------------------------------------------------------------------------

_EPOCH = _dt.date(1970, 1, 1).toordinal()


def _day(v: Any, name: str) -> _dt.date:
    """A local date: a `date`, or an aware `datetime` on its date in its own zone."""
    if v is None or v != v:  # None, pandas' NaT
        raise ValueError(f"{name} is missing ({v!r})")
    if isinstance(v, _dt.datetime):
        if v.tzinfo is None or v.utcoffset() is None:
            raise ValueError(
                f"{name}: {v!r} is a naive datetime, which has no date of its own; pass a datetime.date, or a "
                "timezone-aware datetime (pandas: .dt.date or .dt.tz_localize(zone))"
            )
        return v.date()
    if isinstance(v, _dt.date):
        return v
    raise TypeError(f"{name} must be a datetime.date (or a timezone-aware datetime), not {type(v).__name__}: {v!r}")


def _date_text(v: Any, name: str) -> str:
    return _day(v, name).isoformat()


def _amount_text(v: Any, name: str) -> str:
    """The decimal text of an exact amount: a `Decimal`, an `int` or a decimal string (the core
    parses it and names a bad one). Floats are refused: they are not exact."""
    if isinstance(v, str):
        return str(v)
    if isinstance(v, Decimal):
        if not v.is_finite():
            raise ValueError(f"{name} must be a finite number, not {v}")
        return str(v)
    if isinstance(v, float):
        if v != v:
            raise ValueError(f"{name} is missing (NaN)")
        raise TypeError(f"{name}: floats are not exact; use decimal.Decimal (or an int or a decimal string)")
    if not isinstance(v, bool):
        index = getattr(type(v), "__index__", None)  # int, numpy integers
        if index is not None:
            return str(index(v))
    raise TypeError(f"{name} must be a decimal.Decimal, an int or a decimal string, not {type(v).__name__}: {v!r}")


def _id_text(v: Any, name: str) -> str:
    if type(v) is str:
        return v
    if isinstance(v, str):
        return str(v)
    if not isinstance(v, bool):
        index = getattr(type(v), "__index__", None)  # int, numpy integers
        if index is not None:
            return str(index(v))
    raise TypeError(f"{name} must be a str (or an int), not {type(v).__name__}: {v!r}")


def _id_column(values: List[Any]) -> List[str]:
    if all(type(v) is str for v in values):
        return values
    return [_id_text(v, f"orders[{i}].customer_id") for i, v in enumerate(values)]


def _day_column(values: List[Any]) -> List[int]:
    date = _dt.date
    out = []
    for i, v in enumerate(values):
        out.append((v if type(v) is date else _day(v, f"orders[{i}].date")).toordinal() - _EPOCH)
    return out


def _amount_column(values: List[Any]) -> List[str]:
    # Fast path for the usual types; a non-finite Decimal's text ("NaN") is refused by the core.
    out = []
    for i, v in enumerate(values):
        t = type(v)
        out.append(v if t is str else str(v) if t is Decimal or t is int else _amount_text(v, f"orders[{i}].amount"))
    return out


def _missing_column(name: str, have: Iterable[Any]) -> InvalidInputError:
    reason = f"no {name} column (columns: {', '.join(map(str, have))})"
    return InvalidInputError(f"invalid orders: {reason}", {"field": "orders", "reason": reason})


def _date_column_name(names: Sequence[Any]) -> str:
    for name in ("order_date", "date"):
        if name in names:
            return name
    raise _missing_column("order_date (or date)", names)


def _is_frame(obj: Any) -> bool:
    """A pandas or polars DataFrame, duck-typed: named columns read by ``frame[name]``. (A pyarrow
    Table's `columns` are its arrays: it is read as an Arrow stream.)"""
    return hasattr(obj, "columns") and hasattr(obj, "__getitem__") and not hasattr(obj, "column_names")


def _frame_column(frame: Any, name: str) -> List[Any]:
    column = frame[name]
    for method in ("to_list", "tolist", "to_pylist"):
        f = getattr(column, method, None)
        if callable(f):
            return list(f())
    return list(column)


def _frame_columns(frame: Any) -> Tuple[List[Any], List[Any], List[Any]]:
    names = [c for c in frame.columns]
    for name in ("customer_id", "amount"):
        if name not in names:
            raise _missing_column(name, names)
    date = _date_column_name(names)
    return _frame_column(frame, "customer_id"), _frame_column(frame, date), _frame_column(frame, "amount")


def _arrow_columns(obj: Any) -> Tuple[List[Any], List[Any], List[Any]]:
    try:
        import pyarrow as pa  # type: ignore[import-not-found]
    except ImportError:
        reason = (
            f"{type(obj).__name__} is an Arrow stream (__arrow_c_stream__), which is read through pyarrow, and "
            "pyarrow is not installed: install it, or pass a pandas/polars DataFrame, a mapping of columns or a "
            "sequence of orders"
        )
        raise InvalidInputError(f"invalid orders: {reason}", {"field": "orders", "reason": reason}) from None
    from_stream = getattr(pa.RecordBatchReader, "from_stream", None)
    table = from_stream(obj).read_all() if from_stream is not None else pa.table(obj)
    names = list(table.column_names)
    for name in ("customer_id", "amount"):
        if name not in names:
            raise _missing_column(name, names)
    date = _date_column_name(names)
    return tuple(table.column(n).to_pylist() for n in ("customer_id", date, "amount"))  # type: ignore[return-value]


def _mapping_columns(columns: Mapping[str, Any]) -> Tuple[List[Any], List[Any], List[Any]]:
    names = list(columns)
    for name in ("customer_id", "amount"):
        if name not in columns:
            raise _missing_column(name, names)
    date = _date_column_name(names)
    out = []
    for name in ("customer_id", date, "amount"):
        values = columns[name]
        if isinstance(values, (str, bytes)):
            raise TypeError(f"orders[{name!r}] must be a column of values, not a string")
        out.append(list(values))
    return out[0], out[1], out[2]


_NO_VALUE = object()


def _field(o: Any, i: int, *names: str) -> Any:
    for name in names:
        v = o.get(name, _NO_VALUE) if isinstance(o, Mapping) else getattr(o, name, _NO_VALUE)
        if v is not _NO_VALUE:
            return v
    raise TypeError(f"orders[{i}] has no {' or '.join(names)}: {o!r}")


def _row_columns(rows: Iterable[Any]) -> Tuple[List[Any], List[Any], List[Any]]:
    ids: List[Any] = []
    dates: List[Any] = []
    amounts: List[Any] = []
    for i, o in enumerate(rows):
        if isinstance(o, (tuple, list)) and not hasattr(o, "_fields"):
            if len(o) != 3:
                raise TypeError(f"orders[{i}] must be a (customer_id, date, amount) tuple, not {o!r}")
            cid, day, amount = o
        else:
            cid = _field(o, i, "customer_id")
            day = _field(o, i, "date", "order_date")
            amount = _field(o, i, "amount")
        ids.append(cid)
        dates.append(day)
        amounts.append(amount)
    return ids, dates, amounts


OrdersInput = Any
"""What `rfm_score` reads: see the module's documentation."""


def _order_columns(orders: OrdersInput) -> Tuple[List[str], List[int], List[str]]:
    """The three columns of the native call: ids, days since 1970-01-01, amounts as decimal text."""
    if isinstance(orders, (str, bytes)):
        raise TypeError("orders must be a sequence of orders, a mapping of columns or a DataFrame, not a string")
    if isinstance(orders, Mapping):
        ids, dates, amounts = _mapping_columns(orders)
    elif _is_frame(orders):
        ids, dates, amounts = _frame_columns(orders)
    elif hasattr(orders, "__arrow_c_stream__"):
        ids, dates, amounts = _arrow_columns(orders)
    else:
        ids, dates, amounts = _row_columns(orders)
    if not len(ids) == len(dates) == len(amounts):
        raise InvalidInputError(
            "invalid orders: the columns differ in length",
            {"field": "orders", "reason": f"{len(ids)} customer ids, {len(dates)} dates, {len(amounts)} amounts"},
        )
    return _id_column(ids), _day_column(dates), _amount_column(amounts)


def _config_text(config: Optional[Union[str, "os.PathLike[str]"]]) -> Optional[str]:
    if config is None or isinstance(config, str):
        return config
    if isinstance(config, os.PathLike):
        with open(config, encoding="utf-8") as f:
            return f.read()
    raise TypeError(f"config must be the TOML text or a path to it, not {type(config).__name__}")


def _score_columns(
    orders: OrdersInput, as_of: _dt.date, config: Optional[Union[str, "os.PathLike[str]"]],
) -> Tuple[List[Any], ...]:
    ids, days, amounts = _order_columns(orders)
    as_of_text = _date_text(as_of, "as_of")
    config_text = _config_text(config)
    try:
        return tuple(_rfm_score_columns(ids, days, amounts, as_of_text, config_text))
    except _NativeError as e:
        raise _translate(e) from None


# RFM -----------------------------------------------------------------------------------------------


def rfm_score(
    orders: OrdersInput, as_of: _dt.date, *, config: Optional[Union[str, "os.PathLike[str]"]] = None,
) -> List[RfmRow]:
    """Scores every customer with an order on or before `as_of` (later orders are ignored), in
    customer id order (as integers when every id is one). Without `config`: quantile buckets,
    k = 5, weights 1, 1, 1, the default segment map. `orders`: see the module's documentation."""
    ids, recency, frequency, monetary, r, f, m, score, level, segment = _score_columns(orders, as_of, config)
    return list(
        map(RfmRow, ids, recency, frequency, map(Decimal, monetary), r, f, m, map(Decimal, score), level, segment)
    )


def rfm_score_columns(
    orders: OrdersInput, as_of: _dt.date, *, config: Optional[Union[str, "os.PathLike[str]"]] = None,
) -> Dict[str, List[Any]]:
    """`rfm_score` as columns keyed by the `RfmRow` field names (`RFM_COLUMNS`), ready for
    ``pandas.DataFrame(...)`` or ``polars.DataFrame(...)``: no per-row objects are built.
    ``monetary`` and ``score`` are `Decimal`s."""
    columns = list(_score_columns(orders, as_of, config))
    for i in (3, 7):
        columns[i] = list(map(Decimal, columns[i]))
    return dict(zip(RFM_COLUMNS, columns))


def _decimal_text(v: Any, name: str) -> str:
    return str(v) if type(v) is Decimal else _amount_text(v, name)


def _rows_json(name: str, rows: Iterable[RfmRow]) -> List[Dict[str, Any]]:
    if isinstance(rows, (str, bytes, Mapping)):
        raise TypeError(f"{name} must be a sequence of RfmRow")
    out = []
    for i, row in enumerate(rows):
        if not isinstance(row, RfmRow):
            raise TypeError(f"{name}[{i}] must be an RfmRow (as rfm_score returns), not {type(row).__name__}")
        out.append({
            "customer_id": row.customer_id, "recency_days": row.recency_days, "frequency": row.frequency,
            "monetary": _decimal_text(row.monetary, f"{name}[{i}].monetary"), "r": row.r, "f": row.f, "m": row.m,
            "score": _decimal_text(row.score, f"{name}[{i}].score"), "level": row.level, "segment": row.segment,
        })
    return out


def rfm_movements(before: Sequence[RfmRow], after: Sequence[RfmRow]) -> List[Movement]:
    """Every customer whose segment changed between two scorings, in the order of `after`, then the
    ones only in `before` (`to` None). New customers have `from_` None."""
    args = {"before": _rows_json("before", before), "after": _rows_json("after", after)}
    return _call("rfm_movements", args, List[Movement])


def rfm_flows(before: Sequence[RfmRow], after: Sequence[RfmRow]) -> List[Flow]:
    """The from/to matrix of two scorings (unchanged customers included, so it accounts for
    everyone), sorted by segment names, absent (None) first."""
    args = {"before": _rows_json("before", before), "after": _rows_json("after", after)}
    return _call("rfm_flows", args, List[Flow])


def rfm_churn_warnings(
    before: Sequence[RfmRow], after: Sequence[RfmRow], rule: Optional[ChurnRule] = None,
) -> List[ChurnWarning]:
    """Customers scored in both that left a valuable segment for a cooling one, or whose R fell by
    the rule's `r_drop` or more; in the order of `after`. Without `rule`: `ChurnRule()`."""
    args: Dict[str, Any] = {"before": _rows_json("before", before), "after": _rows_json("after", after)}
    if rule is not None:
        if not isinstance(rule, ChurnRule):
            raise TypeError(f"rule must be a ChurnRule, not {type(rule).__name__}")
        args["rule"] = {"valuable": list(rule.valuable), "cooling": list(rule.cooling), "r_drop": rule.r_drop}
    return _call("rfm_churn_warnings", args, List[ChurnWarning])


# Performance ---------------------------------------------------------------------------------------


def _subject_json(v: Any, name: str) -> Dict[str, Any]:
    if isinstance(v, RepSubject):
        return {"type": "rep", "user_id": v.user_id}
    if isinstance(v, TeamSubject):
        return {"type": "team", "team_id": v.team_id}
    raise TypeError(f"{name} must be a RepSubject or a TeamSubject, not {type(v).__name__}")


def _targets_json(targets: Iterable[Target]) -> List[Dict[str, Any]]:
    out = []
    for i, t in enumerate(targets):
        if not isinstance(t, Target):
            raise TypeError(f"targets[{i}] must be a Target, not {type(t).__name__}")
        if not isinstance(t.period, str):
            raise TypeError(f"targets[{i}].period must be a str such as '2026-11', '2026-Q4' or '2026'")
        out.append({
            "subject": _subject_json(t.subject, f"targets[{i}].subject"), "period": t.period,
            "amount": _amount_text(t.amount, f"targets[{i}].amount"),
        })
    return out


def _achievements_json(achievements: Iterable[Union[Achievement, Mapping[str, Any]]]) -> List[Dict[str, Any]]:
    """Achievements, or mappings with their fields (e.g. a DataFrame's ``to_dict("records")``)."""
    out = []
    for i, a in enumerate(achievements):
        if isinstance(a, Achievement):
            rep, team, day, amount, basis = a.rep_id, a.team_id, a.date, a.amount, a.basis
        elif isinstance(a, Mapping):
            rep, team, day, amount, basis = a["rep_id"], a.get("team_id"), a["date"], a["amount"], a["basis"]
        else:
            raise TypeError(f"achievements[{i}] must be an Achievement, not {type(a).__name__}")
        out.append({
            "rep_id": _id_text(rep, f"achievements[{i}].rep_id"),
            "team_id": None if team is None else _id_text(team, f"achievements[{i}].team_id"),
            "date": _date_text(day, f"achievements[{i}].date"),
            "amount": _amount_text(amount, f"achievements[{i}].amount"),
            "basis": Basis(basis).value,
        })
    return out


def _performance_args(targets: Iterable[Target], achievements: Iterable[Any], basis: Union[Basis, str]) -> Dict[str, Any]:
    return {"targets": _targets_json(targets), "achievements": _achievements_json(achievements), "basis": Basis(basis).value}


def performance(
    targets: Iterable[Target], achievements: Iterable[Union[Achievement, Mapping[str, Any]]], basis: Union[Basis, str],
) -> List[Attainment]:
    """The attainment of every target on `basis` (won or collected amounts in the target's
    period), in the order of `targets`, ranked within each kind of subject and period. A negative
    target, two targets of one subject and period, or a bad period: `InvalidInputError`."""
    return _call("performance", _performance_args(targets, achievements, basis), List[Attainment])


def leaderboard(
    targets: Iterable[Target], achievements: Iterable[Union[Achievement, Mapping[str, Any]]], basis: Union[Basis, str],
    period: str, *, teams: bool = False,
) -> List[Attainment]:
    """The ranking of the reps (the teams with ``teams=True``) with a target for `period`, best
    first; equal results share a rank."""
    args = _performance_args(targets, achievements, basis)
    if not isinstance(period, str):
        raise TypeError("period must be a str such as '2026-11', '2026-Q4' or '2026'")
    if not isinstance(teams, bool):
        raise TypeError("teams must be a bool")
    args.update(period=period, teams=teams)
    return _call("leaderboard", args, List[Attainment])


def commission_statement(
    plan: Union[str, Mapping[str, Any]], credits: Iterable[Any], period: str, *, rep_id: Optional[str] = None,
) -> List[Any]:
    """Commission statements of `plan` (TOML text, or the plan as a mapping) over `credits`
    (`crm.Credit` records) for `period` (`YYYY-MM` or `YYYY-Qn`), every rep's or `rep_id`'s; one
    call into the core for the whole batch."""
    from ._convert import decimal, from_json, to_json
    from ._records import CommissionStatement, Credit

    rows = []
    for c in credits:
        if not isinstance(c, Credit):
            raise TypeError(f"credits must be crm.Credit records, not {type(c).__name__}")
        if isinstance(c.date, _dt.datetime) or not isinstance(c.date, _dt.date):
            raise TypeError("Credit.date must be a datetime.date")
        for name in ("amount", "split", "contract_total"):
            value = getattr(c, name)
            if value is not None:
                decimal(value, f"Credit.{name}")
        rows.append(to_json(c))
    args: Dict[str, Any] = {"credits": rows, "period": period, "rep_id": rep_id}
    args["plan_toml" if isinstance(plan, str) else "plan"] = plan if isinstance(plan, str) else to_json(dict(plan))
    return from_json(List[CommissionStatement], _native("commission_statement", args))
