"""The Python surface against tests/records.json (every core record's field set and every
operation's signature, written by crm-codegen from crm-core's types): each dataclass must have
exactly the core's fields with the matching Python types and optionality, each enum its values,
each error its details, each operation its arguments. A core field added without regenerating
crm-py fails here."""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import json
import pathlib
import typing
from decimal import Decimal
from typing import Any, Dict, List, Optional, Tuple

import pytest

import crm
from crm import _errors, _ops, _records

CORE = json.loads((pathlib.Path(__file__).resolve().parents[2] / "tests" / "records.json").read_text())
TYPES: Dict[str, Dict[str, object]] = CORE["types"]
SCALARS = {"string": str, "bool": bool, "int": int, "float": float, "decimal": Decimal, "instant": dt.datetime, "date": dt.date, "json": Any}


def pascal(tag: str) -> str:
    return "".join(w.capitalize() for w in tag.lower().split("_"))


def python_type(spec: str) -> object:
    """The Python type a records.json type spelling stands for."""
    if spec.endswith("?"):
        return Optional[python_type(spec[:-1])]  # type: ignore[misc]
    if spec.startswith(("list<", "set<")):
        return List[python_type(spec[spec.index("<") + 1 : -1])]  # type: ignore[misc]
    if spec.startswith("map"):
        return Dict[str, python_type(spec[spec.index("<") + 1 : -1])]  # type: ignore[misc]
    return SCALARS.get(spec) or getattr(crm, spec)


def check_fields(cls: type, fields: List[List[str]]) -> None:
    hints = typing.get_type_hints(cls, vars(_records))
    mine = {f.name: f for f in dataclasses.fields(cls)}
    assert sorted(mine) == sorted(name for name, _, _ in fields), f"{cls.__name__}: fields differ from the core's"
    for name, spec, required in fields:
        expected = python_type(spec)
        f = mine[name]
        has_default = f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
        assert has_default == (required == "optional"), f"{cls.__name__}.{name}: optionality differs"
        if required == "optional" and f.default is None:  # None: the core fills its default in
            expected = Optional[expected]  # type: ignore[assignment]
        assert hints[name] == expected, f"{cls.__name__}.{name}: {hints[name]} is not the core's {spec}"


def core_types(kind: str) -> List[Tuple[str, Dict[str, object]]]:
    return [(name, t) for name, t in TYPES.items() if kind in t and name != "CrmError"]


@pytest.mark.parametrize("name,t", core_types("record"), ids=[n for n, _ in core_types("record")])
def test_record_has_the_core_fields(name: str, t: Dict[str, List[List[str]]]) -> None:
    cls = getattr(crm, name)
    assert dataclasses.is_dataclass(cls)
    check_fields(cls, t["record"])


@pytest.mark.parametrize("name,t", core_types("enum"), ids=[n for n, _ in core_types("enum")])
def test_enum_has_the_core_values(name: str, t: Dict[str, List[str]]) -> None:
    assert sorted(m.value for m in getattr(crm, name)) == sorted(t["enum"])


@pytest.mark.parametrize("name,t", core_types("union"), ids=[n for n, _ in core_types("union")])
def test_union_variants_have_the_core_fields(name: str, t: Dict[str, Dict[str, object]]) -> None:
    union = t["union"]
    variants: Dict[str, List[List[str]]] = union["variants"]  # type: ignore[assignment]
    if name in _records.NATIVE_UNIONS:  # shown as plain values: one per variant's type
        members = typing.get_args(getattr(crm, name))
        assert sorted(map(str, members)) == sorted(str(python_type(f[0][1])) for f in variants.values())
        return
    classes = typing.get_args(getattr(crm, name)) or (getattr(crm, name),)
    assert sorted(c.__name__ for c in classes) == sorted(name + pascal(tag) for tag in variants)
    for tag, fields in variants.items():
        cls = getattr(crm, name + pascal(tag))
        assert getattr(cls, str(union["tag"])) == tag
        check_fields(cls, fields)


def test_every_error_code_is_a_class_with_its_details() -> None:
    variants: Dict[str, List[List[str]]] = TYPES["CrmError"]["union"]["variants"]  # type: ignore[index]
    assert sorted(_errors.ERRORS) == sorted(variants)
    for code, fields in variants.items():
        cls = getattr(crm, pascal(code) + "Error")
        assert issubclass(cls, crm.CrmError) and cls.code == code
        for name, spec, _ in fields:
            prop = getattr(cls, name)
            assert isinstance(prop, property), f"{cls.__name__}.{name}"
            assert typing.get_type_hints(prop.fget, vars(_records))["return"] == python_type(spec)
    assert issubclass(crm.InvalidInputError, ValueError) and issubclass(crm.NotFoundError, LookupError)
    assert issubclass(crm.DailyLimitReachedError, crm.LimitReachedError)


def test_every_operation_has_the_core_signature() -> None:
    for op in CORE["operations"]:
        name, args = op["op"], op["args"]
        if isinstance(args, str):  # `..Record`: the record's fields are the arguments
            args = TYPES[args[2:]]["record"]
        fn = getattr(crm.Crm, name, None) or getattr(_ops, name)
        params = list(inspect.signature(fn).parameters.values())
        params = params[1:] if params and params[0].name == "self" else params
        if op["actor"]:
            assert params[0].name == "actor", name
            params = params[1:]
        assert [p.name for p in params] != [] or args == [], name
        assert sorted(p.name for p in params) == sorted(a[0] for a in args), name
        for p, (arg, _, required) in zip(sorted(params, key=lambda p: p.name), sorted(args)):
            assert (p.default is inspect.Parameter.empty) == (required == "required"), f"{name}({arg})"
