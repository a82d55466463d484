"""Replays every parity scenario of tests/scenarios/ through the typed Python API, with no rename
table: a step's arguments are read into Python values by the operation's generated signature, the
method or function of the same name is called, and its result is written back to the core's JSON
form by its declared type, then matched. Every result the core sends must also survive the trip
into Python records and back unchanged (a field the Python records lack fails)."""

from __future__ import annotations

import datetime as dt
import json
import pathlib
from typing import Dict, List

import pytest

import crm
from crm import _convert
from crm._records import OPERATIONS

ROOT = pathlib.Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "tests" / "scenarios").glob("*.json"))


def match(expected: object, actual: object, path: str = "$") -> None:
    """The scenario README's rules: objects as subsets, arrays element by element, instants as
    instants, numbers numerically, null for absent."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"at {path}: expected an object, got {actual!r}"
        for k, e in expected.items():
            match(e, actual.get(k), f"{path}.{k}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"at {path}: expected {expected!r}, got {actual!r}"
        for i, (e, a) in enumerate(zip(expected, actual)):
            match(e, a, f"{path}[{i}]")
    elif isinstance(expected, str) and isinstance(actual, str) and _instant(expected) and _instant(actual):
        assert _instant(expected) == _instant(actual), f"at {path}: expected {expected}, got {actual}"
    elif isinstance(expected, (int, float)) and not isinstance(expected, bool) and isinstance(actual, (int, float)):
        assert float(expected) == float(actual), f"at {path}: expected {expected}, got {actual}"
    else:
        assert expected == actual, f"at {path}: expected {expected!r}, got {actual!r}"


def _instant(text: str) -> object:
    try:
        return _convert.parse_instant(text) if "T" in text and len(text) >= 20 else None
    except ValueError:
        return None


def same(core: object, python: object, path: str = "$") -> List[str]:
    """Where the core's JSON and Python's JSON of the same value differ (null and absent alike)."""
    if isinstance(core, dict) and isinstance(python, dict):
        keys = set(core) | set(python)
        return [d for k in sorted(keys) for d in same(core.get(k), python.get(k), f"{path}.{k}")]
    if isinstance(core, list) and isinstance(python, list) and len(core) == len(python):
        return [d for i, (a, b) in enumerate(zip(core, python)) for d in same(a, b, f"{path}[{i}]")]
    if isinstance(core, str) and isinstance(python, str) and _instant(core) is not None:
        return [] if _instant(core) == _instant(python) else [f"{path}: {core!r} != {python!r}"]
    return [] if core == python else [f"{path}: core {core!r}, Python {python!r}"]


@pytest.fixture()
def round_trips(monkeypatch: pytest.MonkeyPatch) -> List[str]:
    """Every result the core answers, checked to come back unchanged from its Python records."""
    problems: List[str] = []
    load = _convert.load_result

    def checked(op: str, text: str) -> object:
        value = load(op, text)
        back = _convert.converter(OPERATIONS[op][3])[1](value, op)
        problems.extend(f"{op}: {d}" for d in same(json.loads(text), back))
        return value

    monkeypatch.setattr(_convert, "load_result", checked)
    return problems


def run(c: crm.Crm, op: str, actor: str, args: Dict[str, object]) -> object:
    takes_actor, params, _, _ = OPERATIONS[op]
    specs = {name: spec for name, spec, _ in params}
    unknown = set(args) - set(specs)
    typed = {
        name: _convert.converter(specs[name])[0](value) if name in specs else value
        for name, value in args.items()
    }
    if unknown:
        # Python refuses the call itself (the core refuses it as INVALID_INPUT in JSON).
        with pytest.raises(TypeError, match="unexpected keyword argument"):
            getattr(c, op)(actor, **typed) if takes_actor else getattr(crm, op)(**typed)
        raise crm.InvalidInputError(f"{op} takes no {sorted(unknown)}")
    if hasattr(crm.Crm, op):
        method = getattr(c, op)
        return method(actor, **typed) if takes_actor else method(**typed)
    return getattr(crm, op)(**typed)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path: pathlib.Path, tmp_path: pathlib.Path, round_trips: List[str]) -> None:
    scenario = json.loads(path.read_text())
    for store in ("memory", "sqlite"):
        start = _convert.parse_instant(scenario["start"])
        db = tmp_path / f"{path.stem}.db"
        with crm.Crm(None if store == "memory" else db, now=start) as c:
            for i, step in enumerate(scenario["steps"], 1):
                op, args = step["op"], step.get("args", {})
                where = f"{path.name} step {i} ({op}, {store})"
                if op == "set_now":
                    c.set_now(_convert.parse_instant(args["now"]))
                    continue
                try:
                    result = run(c, op, step.get("actor", ""), args)
                except crm.CrmError as e:
                    assert "error" in step, f"{where}: unexpected {e.code}: {e}"
                    assert e.code == step["error"], f"{where}: expected {step['error']}, got {e.code}: {e}"
                    continue
                assert "error" not in step, f"{where}: expected {step['error']}, got success"
                if "expect" in step:
                    try:
                        match(step["expect"], _convert.converter(OPERATIONS[op][3])[1](result, op))
                    except AssertionError as e:
                        raise AssertionError(f"{where}: {e}") from None
    assert round_trips == []


def test_every_operation_is_a_method_or_a_function() -> None:
    missing = [op for op in OPERATIONS if not hasattr(crm.Crm, op) and not callable(getattr(crm, op, None))]
    assert missing == []


def test_a_sqlite_file_reopens_with_its_admin(tmp_path: pathlib.Path) -> None:
    db = tmp_path / "crm.db"
    with crm.Crm(db) as c:
        assert c.admin() is None
        ada = c.bootstrap("Ada")
    with crm.Crm.open(db) as c:
        admin = c.admin()
        assert admin is not None and admin.id == ada.id and admin.role is crm.Role.ADMIN
    c.close()  # closing twice is fine; calls after it are refused
    with pytest.raises(crm.InvalidStateError):
        c.users(ada.id)
