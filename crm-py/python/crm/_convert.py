"""Conversion between the core's JSON form and Python values, driven by the record type hints."""

from __future__ import annotations

import dataclasses
import datetime as _dt
import typing
from decimal import Decimal
from enum import Enum
from typing import Any, Dict

from . import _records as r

_HINTS: Dict[type, Dict[str, Any]] = {}


def _hints(cls: type) -> Dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls, vars(r))
    return _HINTS[cls]


def parse_instant(text: str) -> _dt.datetime:
    return _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def instant(value: _dt.datetime, name: str = "value") -> str:
    if not isinstance(value, _dt.datetime):
        raise TypeError(f"{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (a naive datetime has no instant)")
    return value.isoformat()


def decimal(value: Any, name: str = "value") -> Decimal:
    """An exact, finite decimal from a `Decimal` or an `int` (floats are refused: they are not exact)."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        if isinstance(value, float):
            raise TypeError(f"{name}: floats are not exact; use decimal.Decimal")
        raise TypeError(f"{name} must be a decimal.Decimal, not {type(value).__name__}")
    value = Decimal(value)
    if not value.is_finite():
        raise ValueError(f"{name} must be a finite number, not {value}")
    return value


def field_value_from_json(v: Dict[str, Any]) -> r.FieldValue:
    kind, value = v["type"], v["value"]
    if kind == "number":
        return Decimal(value)
    if kind == "date":
        return _dt.date.fromisoformat(value)
    return value


def field_value_to_json(name: str, v: Any) -> Dict[str, Any]:
    if isinstance(v, bool):
        return {"type": "bool", "value": v}
    if isinstance(v, (Decimal, int)):
        return {"type": "number", "value": str(v)}
    if isinstance(v, _dt.datetime):
        raise TypeError(f"custom field {name!r}: use a date, not a datetime")
    if isinstance(v, _dt.date):
        return {"type": "date", "value": v.isoformat()}
    if isinstance(v, str):
        return {"type": "text", "value": v}
    if isinstance(v, float):
        raise TypeError(f"custom field {name!r}: floats are not exact; use decimal.Decimal")
    raise TypeError(f"custom field {name!r}: unsupported type {type(v).__name__}")


def from_json(tp: Any, v: Any) -> Any:
    """Builds a value of type hint `tp` from its JSON form."""
    origin = typing.get_origin(tp)
    if origin is typing.Union:
        if v is None:
            return None
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if tp == r.FieldValue or args == list(typing.get_args(r.FieldValue)):
            return field_value_from_json(v)
        if all(isinstance(a, type) and issubclass(a, r._Variant) for a in args):
            return variant(args, v)
        return from_json(args[0], v)
    if origin in (list, typing.List):
        (item,) = typing.get_args(tp)
        return [from_json(item, x) for x in v]
    if origin in (dict, typing.Dict):
        _, val = typing.get_args(tp)
        return {k: from_json(val, x) for k, x in v.items()}
    if tp is _dt.datetime:
        return parse_instant(v)
    if tp is _dt.date:
        return _dt.date.fromisoformat(v)
    if tp is Decimal:
        return Decimal(v)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(v)
    if dataclasses.is_dataclass(tp):
        return record(tp, v)
    return v


def record(cls: Any, v: Dict[str, Any]) -> Any:
    if cls is r.Event:
        kind = dict(v["kind"])
        return r.Event(
            seq=v["seq"],
            at=parse_instant(v["at"]),
            actor_id=v["actor_id"],
            kind=kind.pop("type"),
            data=kind,
            reason=v["reason"],
        )
    hints = _hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        key = f.name.rstrip("_")
        if key not in v and (f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING):
            continue  # absent from the JSON form: the record's default, as serde's `#[serde(default)]`
        values[f.name] = from_json(hints[f.name], v.get(key))
    return cls(**values)


def variant(classes: Any, v: Dict[str, Any]) -> Any:
    """The variant of a tagged union (`{"type": tag, ...fields}`) among `classes`."""
    tag = v.get("type")
    for cls in classes:
        if cls.type == tag:
            return record(cls, v)
    raise ValueError(f"unknown variant {tag!r}; expected one of {[c.type for c in classes]}")


def to_json(v: Any) -> Any:
    """The JSON form of an input value: enums by value, records field by field."""
    if isinstance(v, Enum):
        return v.value
    if isinstance(v, _dt.datetime):
        return instant(v)
    if isinstance(v, _dt.date):
        return v.isoformat()
    if isinstance(v, Decimal):
        return str(v)
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        out = {"type": v.type} if isinstance(v, r._Variant) else {}
        out.update({f.name.rstrip("_"): to_json(getattr(v, f.name)) for f in dataclasses.fields(v)})
        return out
    if isinstance(v, dict):
        return {k: to_json(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [to_json(x) for x in v]
    if isinstance(v, float) and not isinstance(v, bool):
        return v
    return v
