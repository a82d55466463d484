"""SLA timing on business calendars: due times, business time between instants, and the state of a
ticket's clocks from its history. Pure functions: no organisation or store is involved.

A calendar is the TOML text of DOMAIN.md section 7 (`timezone`, `[week]`, `[[holiday]]`,
`[[workday]]`); errors name the line and the problem (`crm.InvalidInputError`).
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence

from . import _convert as _c
from ._crm import NativeError as _NativeError
from ._crm import sla_call as _sla_call
from .errors import translate as _translate


@dataclass(frozen=True)
class SlaEvent:
    metric: str
    cycle: int
    #: "warning", "breach" or "fulfilled"
    kind: str
    at: _dt.datetime


@dataclass(frozen=True)
class ClockStatus:
    #: "first_response", "next_response" or "resolution"
    metric: str
    cycle: int
    #: "running", "paused", "warning", "breached", "met" or "met_late"
    state: str
    target_minutes: int
    #: "business" or "calendar"
    basis: str
    elapsed: _dt.timedelta
    #: Negative once breached.
    remaining: _dt.timedelta
    due_at: Optional[_dt.datetime]
    warning_at: Optional[_dt.datetime]
    events: List[SlaEvent]


def _call(op: str, args: Mapping[str, Any]) -> Any:
    try:
        return json.loads(_sla_call(op, json.dumps(args)))
    except _NativeError as e:
        raise _translate(e) from None


def _minutes(name: str, value: Any) -> int:
    if isinstance(value, _dt.timedelta):
        return int(value.total_seconds() // 60)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be whole minutes (int) or a timedelta")
    return value


def due(calendar: str, start: _dt.datetime, minutes: Any) -> _dt.datetime:
    """The instant `minutes` of working time (an int or a timedelta) are used up from `start`."""
    result = _call("sla_due", {"calendar": calendar, "start": _c.instant(start, "start"), "minutes": _minutes("minutes", minutes)})
    return _c.parse_instant(result["due_at"])


def due_batch(calendar: str, starts: Sequence[_dt.datetime], minutes: Sequence[Any]) -> List[_dt.datetime]:
    """Due times of many tickets in one call across the native boundary."""
    args = {
        "calendar": calendar,
        "starts": [_c.instant(s, "starts") for s in starts],
        "minutes": [_minutes("minutes", m) for m in minutes],
    }
    return [_c.parse_instant(t) for t in _call("sla_due_batch", args)]


def elapsed(calendar: str, start: _dt.datetime, end: _dt.datetime) -> _dt.timedelta:
    """Working time between two instants (negative when `end` is before `start`)."""
    result = _call("sla_elapsed", {"calendar": calendar, "from": _c.instant(start, "start"), "to": _c.instant(end, "end")})
    return _dt.timedelta(milliseconds=result["elapsed_ms"])


def working_at(calendar: str, at: _dt.datetime) -> bool:
    """Whether `at` is working time."""
    return bool(_call("sla_working_at", {"calendar": calendar, "at": _c.instant(at, "at")})["working"])


def next_working_instant(calendar: str, at: _dt.datetime) -> _dt.datetime:
    """`at` itself when it is working time, else the start of the next working interval."""
    result = _call("sla_working_at", {"calendar": calendar, "at": _c.instant(at, "at")})
    return _c.parse_instant(result["next_working_at"])


def ticket_status(
    calendar: str, policy: Mapping[str, Any], history: Sequence[Mapping[str, Any]], now: _dt.datetime,
) -> List[ClockStatus]:
    """Every SLA clock of a ticket at `now`, from its history: entries `{"at": datetime, "type":
    "open"|"status"|"respond"|"customer_replied"|"resolve"|"reopen"|"priority", ...}` in time order.
    `policy` is `{"name", "targets": {priority: {metric: {"minutes", "basis"}}}, "warn_at_percent",
    "pause_statuses", "on_priority_change"}`."""
    entries = [{**e, "at": _c.instant(e["at"], "at")} for e in history]
    args = {"calendar": calendar, "policy": dict(policy), "history": entries, "now": _c.instant(now, "now")}
    return [_status(s) for s in _call("sla_ticket_status", args)]


def _status(s: Dict[str, Any]) -> ClockStatus:
    opt = lambda v: None if v is None else _c.parse_instant(v)  # noqa: E731
    return ClockStatus(
        metric=s["metric"], cycle=s["cycle"], state=s["state"], target_minutes=s["target"]["minutes"],
        basis=s["target"]["basis"], elapsed=_dt.timedelta(milliseconds=s["elapsed_ms"]),
        remaining=_dt.timedelta(milliseconds=s["remaining_ms"]), due_at=opt(s["due_at"]), warning_at=opt(s["warning_at"]),
        events=[SlaEvent(e["metric"], e["cycle"], e["kind"], _c.parse_instant(e["at"])) for e in s["events"]],
    )
