"""SLA timing on business calendars in batch: due times and business minutes between instants for
many tickets in one crossing. The calendar is TOML text (see `crm.formats`); the one-ticket
functions (`crm.sla_due`, `crm.sla_elapsed`, `crm.sla_working_at`, `crm.sla_ticket_status`) are in
the package root.

Arrow columns (a pyarrow Array or ChunkedArray, a polars Series, a pandas Series of
``datetime64[ns, zone]``...) are read without a Python object per value: instants must carry a
time zone (a naive timestamp names no instant: localize it first); nulls give nulls. Plain sequences
of aware datetimes give lists.
"""

from __future__ import annotations

import datetime as _dt
from typing import List, Sequence, Union, cast, overload

from . import _crm, _ops
from ._batch import ArrowArray, ArrowData, arrow_source, to_pyarrow, whole_number
from ._convert import native

__all__ = ["sla_due_batch", "sla_elapsed_batch"]


@overload
def sla_due_batch(
    calendar: str, starts: Sequence[_dt.datetime], minutes: Union[int, Sequence[int]]
) -> List[_dt.datetime]: ...
@overload
def sla_due_batch(calendar: str, starts: ArrowData, minutes: Union[int, ArrowData]) -> ArrowArray: ...
def sla_due_batch(
    calendar: str, starts: Union[Sequence[_dt.datetime], ArrowData], minutes: Union[int, Sequence[int], ArrowData]
) -> Union[List[_dt.datetime], ArrowArray]:
    """When each ticket's target of `minutes` business minutes (one int for all, or one per
    start) runs out. Arrow starts give a timestamp array in the starts' zone."""
    source = arrow_source(starts)
    n = whole_number(minutes)
    if source is None:
        plain = list(cast(Sequence[_dt.datetime], starts))
        per = [n] * len(plain) if n is not None else list(cast(Sequence[int], minutes))
        return _ops.sla_due_batch(calendar, plain, per)
    each = n if n is not None else arrow_source(minutes)
    if each is None:
        raise TypeError("minutes must be an int or an Arrow array when starts are Arrow data")
    return cast(ArrowArray, to_pyarrow(native(lambda: _crm.sla_arrow(calendar, source, each, False))))


@overload
def sla_elapsed_batch(calendar: str, starts: Sequence[_dt.datetime], ends: Sequence[_dt.datetime]) -> List[int]: ...
@overload
def sla_elapsed_batch(calendar: str, starts: ArrowData, ends: ArrowData) -> ArrowArray: ...
def sla_elapsed_batch(
    calendar: str, starts: Union[Sequence[_dt.datetime], ArrowData], ends: Union[Sequence[_dt.datetime], ArrowData]
) -> Union[List[int], ArrowArray]:
    """Business minutes from each start to its end (negative when the end comes first), as
    `crm.sla_elapsed` counts them. Plain sequences take one call per pair: prefer Arrow for many."""
    a, b = arrow_source(starts), arrow_source(ends)
    if a is not None and b is not None:
        return cast(ArrowArray, to_pyarrow(native(lambda: _crm.sla_arrow(calendar, a, b, True))))
    if a is not None or b is not None:
        raise TypeError("starts and ends must both be Arrow data or both sequences")
    pairs = zip(cast(Sequence[_dt.datetime], starts), cast(Sequence[_dt.datetime], ends))
    return [_ops.sla_elapsed(calendar, s, e).elapsed_minutes for s, e in pairs]
