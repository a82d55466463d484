"""Replays every parity scenario of tests/scenarios/ through the typed Python API."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import pathlib
import sys
import typing
from decimal import Decimal
from enum import Enum
from typing import Any, Callable, Dict, List

import pytest

import crm
from crm import _convert

SCENARIOS = sorted((pathlib.Path(__file__).resolve().parents[2] / "tests" / "scenarios").glob("*.json"))


def instant(text: str) -> dt.datetime:
    return _convert.parse_instant(text)


def plain(v: Any, key: str = "") -> Any:
    """A result as the scenario files spell it."""
    if isinstance(v, crm.Event):
        return {"seq": v.seq, "at": v.at, "actor_id": v.actor_id, "kind": {"type": v.kind, **v.data}, "reason": v.reason}
    if dataclasses.is_dataclass(v) and not isinstance(v, type):
        tag = {"type": v.type} if isinstance(v, crm._records._Variant) else {}
        return {**tag, **{f.name.rstrip("_"): plain(getattr(v, f.name), f.name) for f in dataclasses.fields(v)}}
    if key == "custom_fields":
        return {k: _convert.field_value_to_json(k, x) for k, x in v.items()}
    if isinstance(v, Enum):
        return v.value
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [plain(x) for x in v]
    if isinstance(v, Decimal):
        return str(v)
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return v.isoformat()
    return v


def match(expected: Any, actual: Any, path: str = "$") -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"at {path}: expected an object, got {actual!r}"
        for k, e in expected.items():
            match(e, actual.get(k), f"{path}.{k}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"at {path}: expected {len(expected)} items, got {actual!r}"
        for i, (e, a) in enumerate(zip(expected, actual)):
            match(e, a, f"{path}[{i}]")
    elif isinstance(actual, dt.datetime) and isinstance(expected, str):
        assert actual == instant(expected), f"at {path}: expected {expected}, got {actual.isoformat()}"
    elif isinstance(expected, (int, float)) and not isinstance(expected, bool) and isinstance(actual, (int, float)):
        assert float(expected) == float(actual), f"at {path}: expected {expected}, got {actual}"
    else:
        assert expected == actual, f"at {path}: expected {expected!r}, got {actual!r}"


def times(d: Dict[str, Any], *keys: str) -> Dict[str, Any]:
    return {k: (instant(v) if k in keys and v is not None else v) for k, v in d.items()}


def custom(fields: Dict[str, Any] | None) -> Dict[str, Any]:
    return {k: (None if v is None else _convert.field_value_from_json(v)) for k, v in (fields or {}).items()}


def settings(s: Dict[str, Any]) -> crm.OrgSettings:
    d = s.get("duplicates", {})
    c = s.get("claims", {})
    locks = s.get("locks", {})
    return crm.OrgSettings(
        timezone=s.get("timezone", "Asia/Shanghai"),
        duplicates=crm.DuplicatePolicy(on_create=crm.DuplicateMode(d.get("on_create", "warn")), name_threshold=d.get("name_threshold", 0.85)),
        version=s.get("version", 0),
        claims=crm.ClaimPolicy(daily_limit=c.get("daily_limit"), caps=[cap(x) for x in c.get("caps", [])]),
        locks=crm.LockPolicy(max_locked=locks.get("max_locked"), max_days=locks.get("max_days")),
        default_pool_id=s.get("default_pool_id"),
    )


def cap(c: Dict[str, Any]) -> crm.OwnershipCap:
    scope = c["scope"]
    scopes: Dict[str, Callable[[], crm.CapScope]] = {
        "everyone": crm.EveryoneScope, "team": lambda: crm.TeamScope(scope["team_id"]), "rep": lambda: crm.RepScope(scope["user_id"]),
    }
    return crm.OwnershipCap(scope=scopes[scope["type"]](), max_owned=c["max_owned"], count_won=c.get("count_won", False))


def pool_rules(r: Dict[str, Any]) -> crm.PoolRules:
    recycle = [crm.RecycleRule(crm.RecycleKind(x["kind"]), x["days"], x.get("days_by_level", {})) for x in r.get("recycle", [])]
    return crm.PoolRules(**{**{k: v for k, v in r.items() if k != "recycle"}, "recycle": recycle})


def strategy(s: Dict[str, Any]) -> crm.Strategy:
    simple: Dict[str, Callable[[], crm.Strategy]] = {
        "round_robin": crm.RoundRobin, "weighted": crm.Weighted, "least_loaded": crm.LeastLoaded, "capacity": crm.Capacity,
    }
    if s["type"] in simple:
        return simple[s["type"]]()
    rules = [crm.Rule(r["name"], [crm.Condition(c["field"], c["one_of"]) for c in r["conditions"]], target(r["target"])) for r in s["rules"]]
    return crm.Rules(rules=rules, default=target(s["default"]))


def target(t: Dict[str, Any]) -> crm.RuleTarget:
    if t["type"] == "pool":
        return crm.ToPool(t["pool_id"])
    return crm.ToReps(t["rep_ids"], strategy(t["strategy"]))


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def opt_decimal(v: Any) -> Decimal | None:
    return None if v is None else Decimal(v)


def new_opportunity(o: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "name": o["name"], "amount": Decimal(o["amount"]), "pipeline_id": o.get("pipeline_id"), "stage": o.get("stage"),
        "expected_close": None if o.get("expected_close") is None else day(o["expected_close"]),
        "probability_override": opt_decimal(o.get("probability_override")), "fields": o.get("fields"),
    }


def patch(p: Dict[str, Any]) -> Dict[str, Any]:
    out: Dict[str, Any] = {"name": p.get("name"), "fields": p.get("fields")}
    if "amount" in p:
        out["amount"] = Decimal(p["amount"])
    if "expected_close" in p:
        out["expected_close"] = day(p["expected_close"])
    if "probability_override" in p:
        out["probability_override"] = opt_decimal(p["probability_override"])
    return out


def pipeline(p: Dict[str, Any]) -> crm.Pipeline:
    stages = [
        crm.Stage(
            key=x["key"], name=x["name"], probability=Decimal(x["probability"]), category=crm.ForecastCategory(x["category"]),
            kind=crm.StageKind(x.get("kind", "open")), required_fields=x.get("required_fields", []), rot_days=x.get("rot_days"),
        )
        for x in p["stages"]
    ]
    return crm.Pipeline(
        id=p["id"], name=p["name"], stages=stages, transitions=[crm.Transition(t["from"], t["to"]) for t in p.get("transitions", [])],
        lost_reasons=p.get("lost_reasons", []), reopen_roles=[crm.Role(r) for r in p.get("reopen_roles", ["manager", "admin"])],
        version=p.get("version", 0),
    )


def credit(c: Dict[str, Any]) -> crm.Credit:
    return crm.Credit(
        kind=crm.CreditKind(c["kind"]), deal_id=c["deal_id"], date=day(c["date"]), amount=Decimal(c.get("amount", "0")),
        rep_id=c.get("rep_id"), split=opt_decimal(c.get("split")), contract_total=opt_decimal(c.get("contract_total")),
    )


def opportunity(o: Dict[str, Any] | None) -> crm.NewOpportunity | None:
    return None if o is None else crm.NewOpportunity(o["name"], Decimal(o["amount"]))


OPS: Dict[str, Callable[[crm.Crm, str, Dict[str, Any]], Any]] = {
    "bootstrap": lambda c, _, a: c.bootstrap(a["admin_name"], settings(a["settings"]) if a.get("settings") else None),
    "settings": lambda c, _, a: c.settings(),
    "update_settings": lambda c, u, a: c.update_settings(u, settings(a["settings"])),
    "create_team": lambda c, u, a: c.create_team(u, a["name"]),
    "teams": lambda c, u, a: c.teams(u),
    "create_user": lambda c, u, a: c.create_user(u, **a),
    "user": lambda c, u, a: c.user(u, a["id"]),
    "users": lambda c, u, a: c.users(u),
    "deactivate_user": lambda c, u, a: c.deactivate_user(u, a["id"], a["reason"]),
    "create_customer": lambda c, u, a: c.create_customer(u, **{**a, "custom_fields": custom(a.get("custom_fields"))}),
    "customer": lambda c, u, a: c.customer(u, a["id"]),
    "customers": lambda c, u, a: c.customers(u),
    "update_customer": lambda c, u, a: c.update_customer(
        u, a["id"], a["expected_version"], **{**a["patch"], "custom_fields": custom(a["patch"].get("custom_fields"))}
    ),
    "transfer_customer": lambda c, u, a: c.transfer_customer(u, a["id"], a["expected_version"], a["to"], a["reason"]),
    "add_contact": lambda c, u, a: c.add_contact(u, a["customer_id"], **a["contact"]),
    "contacts": lambda c, u, a: c.contacts(u, a["customer_id"]),
    "record_follow_up": lambda c, u, a: c.record_follow_up(u, a["customer_id"], **times(a["follow_up"], "at", "next_follow_up_at")),
    "follow_ups": lambda c, u, a: c.follow_ups(u, a["customer_id"]),
    "overdue_follow_ups": lambda c, u, a: c.overdue_follow_ups(u, a.get("rep_id")),
    "find_duplicates": lambda c, u, a: c.find_duplicates(u, **a),
    "duplicates_of": lambda c, u, a: c.duplicates_of(u, a["customer_id"]),
    "merge_customers": lambda c, u, a: c.merge_customers(u, a["survivor_id"], a["merged_id"]),
    "handover": lambda c, u, a: c.handover(u, a["from"], a["to"], a["reason"]),
    "ownership_history": lambda c, u, a: c.ownership_history(u, a["customer_id"]),
    "customer_events": lambda c, u, a: c.customer_events(u, a["customer_id"]),
    "events": lambda c, u, a: c.events(u, a["after"], a["limit"]),
    "create_pool": lambda c, u, a: c.create_pool(u, **{**a, "rules": pool_rules(a.get("rules", {}))}),
    "pools": lambda c, u, a: c.pools(u),
    "update_pool_rules": lambda c, u, a: c.update_pool_rules(u, a["pool_id"], a["expected_version"], pool_rules(a["rules"])),
    "delete_pool": lambda c, u, a: c.delete_pool(u, a["pool_id"]),
    "pool_customers": lambda c, u, a: c.pool_customers(u, a["pool_id"]),
    "claim_customer": lambda c, u, a: c.claim_customer(u, a["customer_id"]),
    "claim_customers": lambda c, u, a: c.claim_customers(u, a["customer_ids"]),
    "release_customer": lambda c, u, a: c.release_customer(u, a["customer_id"], a["reason"]),
    "move_to_pool": lambda c, u, a: c.move_to_pool(u, a["customer_id"], a["pool_id"], a["reason"]),
    "lock_customer": lambda c, u, a: c.lock_customer(u, a["customer_id"], a.get("days")),
    "unlock_customer": lambda c, u, a: c.unlock_customer(u, a["customer_id"]),
    "sweep_pools": lambda c, u, a: c.sweep_pools(u),
    "recycle_warnings": lambda c, u, a: c.recycle_warnings(u, a.get("owner_id")),
    "create_allocator": lambda c, u, a: c.create_allocator(
        u, name=a["name"], strategy=strategy(a["strategy"]), reps=[crm.AllocatorRep(**r) for r in a["reps"]]
    ),
    "allocators": lambda c, u, a: c.allocators(u),
    "capture_lead": lambda c, u, a: c.capture_lead(u, **{**a, "custom_fields": custom(a.get("custom_fields"))}),
    "lead": lambda c, u, a: c.lead(u, a["id"]),
    "leads": lambda c, u, a: c.leads(u),
    "allocate_leads": lambda c, u, a: c.allocate_leads(u, a["allocator_id"], a["lead_ids"], reassign_owned=a.get("reassign_owned", False)),
    "convert_lead": lambda c, u, a: c.convert_lead(u, a["lead_id"], opportunity=opportunity(a.get("opportunity"))),
    "create_opportunity": lambda c, u, a: c.create_opportunity(u, a["customer_id"], **new_opportunity(a["opportunity"])),
    "close_opportunity": lambda c, u, a: c.close_opportunity(u, a["opportunity_id"], won=a["won"], lost_reason=a.get("lost_reason")),
    "opportunities": lambda c, u, a: c.opportunities(u, a["customer_id"]),
    "opportunity": lambda c, u, a: c.opportunity(u, a["id"]),
    "all_opportunities": lambda c, u, a: c.all_opportunities(u),
    "save_pipeline": lambda c, u, a: c.save_pipeline(u, pipeline(a["pipeline"])),
    "pipelines": lambda c, u, a: c.pipelines(u),
    "move_opportunity": lambda c, u, a: c.move_opportunity(
        u, a["opportunity_id"], a["stage"], lost_reason=a.get("lost_reason"), expected_version=a.get("expected_version")
    ),
    "update_opportunity": lambda c, u, a: c.update_opportunity(u, a["opportunity_id"], a["expected_version"], **patch(a["patch"])),
    "record_opportunity_activity": lambda c, u, a: c.record_opportunity_activity(u, a["opportunity_id"], a["note"]),
    "forecast": lambda c, u, a: c.forecast(u, a["period_kind"], as_of=None if a.get("as_of") is None else instant(a["as_of"])),
    "stage_conversion": lambda c, u, a: c.stage_conversion(u, a["pipeline_id"]),
    "time_in_stage": lambda c, u, a: c.time_in_stage(u, a["pipeline_id"]),
    "sales_velocity": lambda c, u, a: c.sales_velocity(u, instant(a["from"]), instant(a["to"])),
    "rotting_opportunities": lambda c, u, a: c.rotting_opportunities(u),
    "create_contract": lambda c, u, a: c.create_contract(
        u, a["opportunity_id"], signed_on=day(a["contract"]["signed_on"]),
        instalments=[crm.NewInstalment(day(i["due_date"]), Decimal(i["amount"])) for i in a["contract"]["instalments"]],
        amount=None if a["contract"].get("amount") is None else Decimal(a["contract"]["amount"]),
    ),
    "contract": lambda c, u, a: c.contract(u, a["id"]),
    "contracts": lambda c, u, a: c.contracts(u),
    "record_payment": lambda c, u, a: c.record_payment(
        u, a["contract_id"], received_on=day(a["payment"]["received_on"]), amount=Decimal(a["payment"]["amount"]),
        instalment=a["payment"].get("instalment"), note=a["payment"].get("note"), expected_version=a.get("expected_version"),
    ),
    "record_refund": lambda c, u, a: c.record_refund(
        u, a["contract_id"], received_on=day(a["refund"]["received_on"]), amount=Decimal(a["refund"]["amount"]),
        note=a["refund"].get("note"), expected_version=a.get("expected_version"),
    ),
    "cancel_contract": lambda c, u, a: c.cancel_contract(u, a["contract_id"], a["reason"]),
    "overdue_instalments": lambda c, u, a: c.overdue_instalments(u),
    "outstanding_balances": lambda c, u, a: c.outstanding_balances(u, a["by"]),
    "commission_statements": lambda c, u, a: c.commission_statements(u, a.get("plan_toml", a.get("plan")), a["period"]),
    "sla_due": lambda c, u, a: {"due_at": crm.sla.due(a["calendar"], instant(a["start"]), a["minutes"])},
    "sla_due_batch": lambda c, u, a: crm.sla.due_batch(a["calendar"], [instant(s) for s in a["starts"]], a["minutes"]),
    "sla_elapsed": lambda c, u, a: {"elapsed_ms": ms(crm.sla.elapsed(a["calendar"], instant(a["from"]), instant(a["to"])))},
    "sla_working_at": lambda c, u, a: {
        "working": crm.sla.working_at(a["calendar"], instant(a["at"])),
        "next_working_at": crm.sla.next_working_instant(a["calendar"], instant(a["at"])),
    },
    "sla_ticket_status": lambda c, u, a: [
        clock_status(s)
        for s in crm.sla.ticket_status(a["calendar"], a["policy"], [{**e, "at": instant(e["at"])} for e in a["history"]], instant(a["now"]))
    ],
    "rfm_score": lambda c, u, a: rfm_score(a),
    "rfm_movements": lambda c, u, a: crm.rfm_movements(rfm_rows(a["before"]), rfm_rows(a["after"])),
    "rfm_flows": lambda c, u, a: crm.rfm_flows(rfm_rows(a["before"]), rfm_rows(a["after"])),
    "rfm_churn_warnings": lambda c, u, a: crm.rfm_churn_warnings(
        rfm_rows(a["before"]), rfm_rows(a["after"]), None if a.get("rule") is None else crm.ChurnRule(**a["rule"])
    ),
    "performance": lambda c, u, a: crm.performance(
        [perf_target(t) for t in a["targets"]], [achievement(x) for x in a["achievements"]], crm.Basis(a["basis"])
    ),
    "commission_statement": lambda c, u, a: crm.commission_statement(
        a.get("plan_toml", a.get("plan")), [credit(x) for x in a["credits"]], a["period"], rep_id=a.get("rep_id")
    ),
    "leaderboard": lambda c, u, a: crm.leaderboard(
        [perf_target(t) for t in a["targets"]], [achievement(x) for x in a["achievements"]], crm.Basis(a["basis"]),
        a["period"], teams=a.get("teams", False),
    ),
}


def rfm_score(a: Dict[str, Any]) -> List[crm.RfmRow]:
    # Dates become `date`s; amounts stay as the file spells them: decimal strings, which
    # `rfm_score` accepts, or a JSON float, which it refuses.
    orders = [(o["customer_id"], dt.date.fromisoformat(o["date"]), o["amount"]) for o in a["orders"]]
    try:
        rows = crm.rfm_score(orders, dt.date.fromisoformat(a["as_of"]), config=a.get("config"))
    except TypeError as e:
        # Python refuses a float amount before the call, with the TypeError of every Decimal input
        # of the package; the scenario's INVALID_INPUT is the core's refusal of the same order.
        if "floats are not exact" not in str(e):
            raise
        raise crm.InvalidInputError(str(e), {"field": "amount", "reason": str(e)}) from e
    # The columnar path must give what the operation table gives for the same JSON arguments, and
    # RfmRow must have every field of the core's rows.
    table = crm.analytics._native("rfm_score", a)
    assert unmapped(List[crm.RfmRow], table) == [], "rfm_score: RfmRow lacks fields of the core"
    assert crm.analytics._decode(List[crm.RfmRow], table) == rows
    return rows


def rfm_rows(rows: List[Dict[str, Any]]) -> List[crm.RfmRow]:
    return [
        crm.RfmRow(
            r["customer_id"], r["recency_days"], r["frequency"], Decimal(r["monetary"]), r["r"], r["f"], r["m"],
            Decimal(r["score"]), r["level"], r["segment"],
        )
        for r in rows
    ]


def subject(s: Dict[str, Any]) -> crm.Subject:
    return crm.RepSubject(s["user_id"]) if s["type"] == "rep" else crm.TeamSubject(s["team_id"])


def perf_target(t: Dict[str, Any]) -> crm.Target:
    return crm.Target(subject(t["subject"]), t["period"], Decimal(t["amount"]))


def achievement(a: Dict[str, Any]) -> crm.Achievement:
    return crm.Achievement(
        a["rep_id"], dt.date.fromisoformat(a["date"]), Decimal(a["amount"]), crm.Basis(a["basis"]), team_id=a.get("team_id")
    )


def ms(d: dt.timedelta) -> int:
    return round(d / dt.timedelta(milliseconds=1))


def clock_status(s: "crm.sla.ClockStatus") -> Dict[str, Any]:
    return {
        "metric": s.metric, "cycle": s.cycle, "state": s.state, "target": {"minutes": s.target_minutes, "basis": s.basis},
        "elapsed_ms": ms(s.elapsed), "remaining_ms": ms(s.remaining), "due_at": s.due_at, "warning_at": s.warning_at,
        "events": [{"metric": e.metric, "cycle": e.cycle, "kind": e.kind, "at": e.at} for e in s.events],
    }


def test_every_operation_of_the_core_has_an_adapter() -> None:
    assert set(OPS) == set(crm._crm.NativeCrm.operations())


def test_every_operation_of_the_core_has_a_typed_method() -> None:
    missing = [
        op for op in crm._crm.NativeCrm.operations()
        if not hasattr(crm.Crm, op) and not hasattr(crm.sla, op.removeprefix("sla_")) and not hasattr(crm.analytics, op)
    ]
    assert missing == []


def test_every_analytics_operation_is_reachable_by_name() -> None:
    assert set(crm._crm.analytics_operations()) <= set(crm._crm.NativeCrm.operations())
    assert {"rfm_score", "rfm_movements", "rfm_flows", "rfm_churn_warnings", "performance", "leaderboard"} <= set(
        crm._crm.analytics_operations()
    )


def unmapped(tp: Any, v: Any, path: str = "$") -> List[str]:
    """Keys of the core's JSON result `v` that the Python record type `tp` has no field for."""
    if v is None or tp is crm.Event:
        return []
    origin = typing.get_origin(tp)
    if origin is typing.Union:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        variants = [a for a in args if isinstance(a, type) and issubclass(a, crm._records._Variant)]
        if variants:
            return unmapped(next(a for a in variants if a.type == v["type"]), v, path)
        return [] if tp == crm.FieldValue else unmapped(args[0], v, path)
    if origin in (list, dict):
        items = v.items() if origin is dict else enumerate(v)
        return [m for k, x in items for m in unmapped(typing.get_args(tp)[-1], x, f"{path}[{k}]")]
    if not (isinstance(tp, type) and dataclasses.is_dataclass(tp)):
        return []
    hints = typing.get_type_hints(tp, vars(sys.modules[tp.__module__]))
    fields = {f.name.rstrip("_"): f.name for f in dataclasses.fields(tp)}
    tag = {"type"} if issubclass(tp, crm._records._Variant) else set()
    missing = [f"{path}.{k} ({tp.__name__})" for k in v if k not in fields and k not in tag]
    return missing + [m for k, name in fields.items() if k in v for m in unmapped(hints[name], v[k], f"{path}.{k}")]


@pytest.fixture()
def complete_records(monkeypatch: pytest.MonkeyPatch) -> None:
    """Makes every typed call fail when the core returns a field its Python record lacks (the
    columnar `rfm_score` is checked against the operation table by its adapter)."""

    def call(self: crm.Crm, op: str, actor: str, args: Any, result: Any) -> Any:
        payload = json.dumps(_convert.to_json(dict(args)))
        value = json.loads(self._call_native(lambda: self._native.call(op, actor, payload)))
        assert unmapped(result, value) == [], f"{op}: the Python records lack fields of the core"
        return _convert.from_json(result, value)

    def analytics_call(op: str, args: Any, result: Any) -> Any:
        value = crm.analytics._native(op, args)
        assert unmapped(result, value) == [], f"{op}: the Python records lack fields of the core"
        return crm.analytics._decode(result, value)

    monkeypatch.setattr(crm.Crm, "_call", call)
    monkeypatch.setattr(crm.analytics, "_call", analytics_call)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario(path: pathlib.Path, tmp_path: pathlib.Path, complete_records: None) -> None:
    scenario = json.loads(path.read_text())
    for store in ("memory", "sqlite"):
        start = instant(scenario["start"])
        c = crm.Crm.in_memory(now=start) if store == "memory" else crm.Crm.open(tmp_path / f"{path.stem}.db", now=start)
        for i, step in enumerate(scenario["steps"], 1):
            op, args = step["op"], step.get("args", {})
            where = f"{path.name} step {i} ({op}, {store})"
            if op == "set_now":
                c.set_now(instant(args["now"]))
                continue
            try:
                result = OPS[op](c, step.get("actor", ""), args)
            except crm.CrmError as e:
                assert "error" in step, f"{where}: unexpected {e.code}: {e}"
                assert e.code == step["error"], f"{where}: expected {step['error']}, got {e.code}: {e}"
                continue
            assert "error" not in step, f"{where}: expected {step['error']}, got success"
            if "expect" in step:
                try:
                    match(step["expect"], plain(result))
                except AssertionError as e:
                    raise AssertionError(f"{where}: {e}") from None
