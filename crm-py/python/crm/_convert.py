"""Python values to and from the core's JSON form, driven by the generated type facts
(`_records.FIELDS`, `UNIONS`, `NATIVE_UNIONS`, `NAMED`, `OPERATIONS`): a value's declared type
decides how it converts, never its key. Types are spelt as in tests/records.json (`decimal`,
`instant?`, `list<Customer>`, `map<FieldValue>`...); each spelling compiles once.

Going in, values are checked: money is a `Decimal` or an int (a float is refused: not exact),
instants are timezone-aware datetimes, dates are dates (not datetimes), ints may be any integer
type (numpy's too), enums their member or value. A value that does not fit is refused as the core
refuses one, with `InvalidInputError` (a `ValueError`) naming the field.
"""

from __future__ import annotations

import datetime as _dt
import json
import operator
import re
from decimal import Decimal
from enum import Enum
from typing import Callable, Collection, Dict, List, Mapping, Optional, SupportsIndex, Tuple, Type, TypeVar, cast

from . import _records as R
from ._base import CrmError
from ._crm import NativeError
from ._crm import call_pure as _call_pure
from ._errors import ERRORS, InvalidInputError

Load = Callable[[object], object]
Dump = Callable[[object, str], object]
_CACHE: Dict[str, Tuple[Load, Dump]] = {}
_FRACTION = re.compile(r"(\.\d{6})\d+")


def invalid(path: str, reason: str) -> InvalidInputError:
    return InvalidInputError(f"invalid {path}: {reason}", {"field": path, "reason": reason})


def parse_instant(text: str) -> _dt.datetime:
    """An RFC 3339 instant (`Z` or an offset; nanoseconds cut to microseconds, which Python keeps)."""
    return _dt.datetime.fromisoformat(_FRACTION.sub(r"\1", text.replace("Z", "+00:00")))


def instant(value: object, path: str) -> str:
    if not isinstance(value, _dt.datetime):
        raise invalid(path, f"must be a timezone-aware datetime, not {type(value).__name__}")
    if value.utcoffset() is None:
        raise invalid(path, "must be timezone-aware: a naive datetime names no instant")
    return value.isoformat()


def decimal_text(value: object, path: str) -> str:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise invalid(path, f"must be a finite number, not {value}")
        return format(value, "f")
    if isinstance(value, float):
        raise invalid(path, "a float is not exact; pass a decimal.Decimal (or an int)")
    return str(integer(value, path))


def integer(value: object, path: str) -> int:
    if isinstance(value, bool) or not hasattr(type(value), "__index__"):
        raise invalid(path, f"must be an int, not {type(value).__name__}")
    return operator.index(cast(SupportsIndex, value))


def _date(value: object, path: str) -> str:
    if isinstance(value, _dt.datetime) or not isinstance(value, _dt.date):
        raise invalid(path, f"must be a datetime.date, not {type(value).__name__}")
    return value.isoformat()


def _typed(kind: type, name: str) -> Dump:
    def dump(v: object, path: str) -> object:
        if not isinstance(v, kind) or (kind is not bool and isinstance(v, bool)):
            raise invalid(path, f"must be a {name}, not {type(v).__name__}")
        return v

    return dump


def _float(v: object, path: str) -> object:
    return float(v) if isinstance(v, float) else integer(v, path)


def _same(v: object) -> object:
    return v


_SCALARS: Dict[str, Tuple[Load, Dump]] = {
    "string": (_same, _typed(str, "str")),
    "bool": (_same, _typed(bool, "bool")),
    "int": (_same, integer),
    "float": (_same, _float),
    # The core's JSON form is text; anything else stays as it is, for the way back to refuse.
    "decimal": (lambda v: Decimal(v) if isinstance(v, str) else v, decimal_text),
    "instant": (lambda v: parse_instant(v) if isinstance(v, str) else v, instant),
    "date": (lambda v: _dt.date.fromisoformat(v) if isinstance(v, str) else v, _date),
    "unit": (lambda v: None, lambda v, path: None),
    # Any JSON value (a synced operation's arguments), carried as it is.
    "json": (_same, lambda v, path: v),
}


def converter(spec: str) -> Tuple[Load, Dump]:
    """(load from JSON, dump to JSON) for a type spelt as in tests/records.json."""
    conv = _CACHE.get(spec)
    if conv is None:
        conv = _CACHE[spec] = _compile(spec)
    return conv


def _compile(spec: str) -> Tuple[Load, Dump]:
    if spec in _SCALARS:
        return _SCALARS[spec]
    if spec.endswith("?"):
        load, dump = converter(spec[:-1])
        return (lambda v: None if v is None else load(v)), (lambda v, p: None if v is None else dump(v, p))
    if spec.startswith(("list<", "set<")):
        return _list(spec[spec.index("<") + 1 : -1])
    if spec.startswith("map"):
        return _map(spec[spec.index("<") + 1 : -1])
    if spec in R.NATIVE_UNIONS:
        return _native_union(*R.NATIVE_UNIONS[spec])
    if spec in R.UNIONS:
        return _union(spec, *R.UNIONS[spec])
    cls = R.NAMED[spec]
    return _enum(cls) if issubclass(cls, Enum) else _record(cls, spec)


def _list(item: str) -> Tuple[Load, Dump]:
    load, dump = converter(item)

    def dump_list(v: object, path: str) -> object:
        if isinstance(v, (str, bytes, Mapping)) or not hasattr(v, "__iter__"):
            raise invalid(path, f"must be a sequence, not {type(v).__name__}")
        return [dump(x, f"{path}[{i}]") for i, x in enumerate(v)]

    return (lambda v: [load(x) for x in v]), dump_list


def _map(value: str) -> Tuple[Load, Dump]:
    load, dump = converter(value)

    def dump_map(v: object, path: str) -> object:
        if not isinstance(v, Mapping):
            raise invalid(path, f"must be a mapping, not {type(v).__name__}")
        out = {}
        for k, x in v.items():
            if not isinstance(k, str):
                raise invalid(path, f"keys must be str, not {type(k).__name__}")
            out[str(k)] = dump(x, f"{path}[{k!r}]")
        return out

    return (lambda v: {k: load(x) for k, x in v.items()}), dump_map


def _enum(cls: type) -> Tuple[Load, Dump]:
    def dump(v: object, path: str) -> object:
        try:
            return cls(v).value
        except ValueError:
            values = ", ".join(repr(m.value) for m in cast(Type[Enum], cls))
            raise invalid(path, f"{v!r} is not a {cls.__name__} ({values})") from None

    return cls, dump


def _record(cls: type, name: str) -> Tuple[Load, Dump]:
    """A dataclass from its JSON object and back: each field by its declared type, an optional
    one left out when None (the core fills in its default)."""
    fields: List[Tuple[str, Load, Dump, bool]] = []

    def known() -> List[Tuple[str, Load, Dump, bool]]:
        if not fields:  # compiled on first use: types may refer to themselves
            fields.extend((n, *converter(s), required) for n, s, required in R.FIELDS[name])
        return fields

    def load(v: object) -> object:
        data = cast(Mapping[str, object], v)
        extra = sorted(set(data) - {n for n, _, _, _ in known()})
        if extra:  # a misspelt key is refused, as the core refuses it, never dropped
            raise invalid(", ".join(extra), f"is not a field of {cls.__name__}")
        return cls(**{n: load(data[n]) for n, load, _, _ in known() if n in data})

    def dump(v: object, path: str) -> object:
        if not isinstance(v, cls):
            raise invalid(path, f"must be a {cls.__name__}, not {type(v).__name__}")
        values = ((n, getattr(v, n), dump, required) for n, _, dump, required in known())
        return {n: dump(x, f"{path}.{n}") for n, x, dump, required in values if x is not None or required}

    return load, dump


def _union(name: str, tag: str, content: Optional[str], variants: Dict[str, type]) -> Tuple[Load, Dump]:
    loads = {t: _record(cls, cls.__name__)[0] for t, cls in variants.items()}
    dumps = {cls: (t, _record(cls, cls.__name__)[1]) for t, cls in variants.items()}

    def load(v: object) -> object:
        data = cast(Mapping[str, object], v)
        if content:
            return loads[str(data[tag])](data[content])
        return loads[str(data[tag])]({k: x for k, x in data.items() if k != tag})

    def dump(v: object, path: str) -> object:
        if type(v) not in dumps:
            kinds = ", ".join(c.__name__ for c in dumps)
            raise invalid(path, f"must be a {name} ({kinds}), not {type(v).__name__}")
        t, dump_fields = dumps[type(v)]
        fields = cast(Dict[str, object], dump_fields(v, path))
        return {tag: t, content: fields} if content else {tag: t, **fields}

    return load, dump


def _fits(spec: str, v: object) -> bool:
    if spec == "decimal":
        return isinstance(v, Decimal) or (hasattr(type(v), "__index__") and not isinstance(v, bool))
    if spec == "date":
        return isinstance(v, _dt.date) and not isinstance(v, _dt.datetime)
    kinds = {"string": str, "bool": bool, "instant": _dt.datetime}
    return isinstance(v, kinds[spec])


def _native_union(tag: str, content: str, variants: Dict[str, str]) -> Tuple[Load, Dump]:
    """A union shown as plain values (`FieldValue`): the variant is the one whose type fits."""

    def load(v: object) -> object:
        data = cast(Mapping[str, object], v)
        return converter(variants[str(data[tag])])[0](data[content])

    def dump(v: object, path: str) -> object:
        for t, spec in variants.items():
            if _fits(spec, v):
                return {tag: t, content: converter(spec)[1](v, path)}
        kinds = ", ".join(sorted(variants.values()))
        exact = " (a float is not exact: use decimal.Decimal)" if isinstance(v, float) else ""
        raise invalid(path, f"must be one of {kinds}, not {type(v).__name__}{exact}")

    return load, dump


def dump_args(op: str, args: Mapping[str, object], skip: Collection[str] = ()) -> str:
    """The JSON text of an operation's arguments (but `skip`); None leaves an optional one out."""
    out = {}
    for name, spec, required in R.OPERATIONS[op][1]:
        v = args.get(name)
        if name in skip:
            continue
        if v is not None or required:
            out[name] = converter(spec)[1](v, name)
    return json.dumps(out, separators=(",", ":"))


def load_result(op: str, text: str) -> object:
    return converter(R.OPERATIONS[op][3])[0](json.loads(text))


def error(e: NativeError) -> CrmError:
    """The typed exception of a core error (code, message, details as JSON)."""
    code, message, details = e.args
    cls, fields = ERRORS.get(code, (CrmError, ()))
    data = json.loads(details)
    return cls(message, {n: converter(s)[0](data[n]) for n, s, _ in fields if n in data})


T = TypeVar("T")


def native(call: Callable[[], T]) -> T:
    """`call()`, a core error raised as its typed exception."""
    try:
        return call()
    except NativeError as e:
        raise error(e) from None


def call_pure(op: str, args: Mapping[str, object]) -> object:
    """Runs a pure operation of the core (one crossing, the GIL released while it works)."""
    text = dump_args(op, args)
    return load_result(op, native(lambda: _call_pure(op, text)))
