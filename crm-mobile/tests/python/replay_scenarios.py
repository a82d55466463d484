"""Replays every parity scenario through the uniffi-generated bindings of crm-mobile (the same
generated layer Kotlin and Swift get, driven from Python so the replay can stay generic).

Usage: python3 replay_scenarios.py GENERATED_DIR   (holding crm_mobile.py and libcrm_mobile.so)
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import pathlib
import sys
from typing import Any, Callable, Dict

sys.path.insert(0, sys.argv[1])
import crm_mobile as m  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[3]
RENAMES = {
    "from_owner": "from", "to_owner": "to", "from_pool": "from", "to_pool": "to", "default_target": "default",
    "from_segment": "from", "to_segment": "to", "from_stage": "from", "to_stage": "to",
}


class NotExpressible(Exception):
    """A value the typed API cannot take, such as a JSON number where it takes a decimal string (the
    generated bindings would raise TypeError). The replay refuses it before the call and reports it;
    the step must expect INVALID_INPUT, the core's answer to the same value in JSON."""


def decimal(d: Dict[str, Any], k: str) -> str:
    v = d[k]
    if not isinstance(v, str):
        raise NotExpressible(f"{k} is {v!r}, not a decimal string")
    return v


def instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def enum_of(cls: Any, value: Any) -> Any:
    return None if value is None else cls[value.upper()]


def field_value(v: Any) -> Any:
    if v is None:
        return None
    return getattr(m.FieldValue, v["type"].upper())(v["value"])


def fields(d: Any) -> Dict[str, Any]:
    return {k: field_value(v) for k, v in (d or {}).items()}


def plain(v: Any) -> Any:
    """A generated value as the scenario files spell it."""
    if isinstance(v, m.RepStrategy):
        return {"type": v.name.lower()}  # the core's `{"type": ...}` form
    if isinstance(v, enum.Enum):
        return v.name.lower()
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    if isinstance(v, dict):
        return {k: plain(x) for k, x in v.items()}
    if isinstance(v, (str, int, float, bool, dt.datetime)) or v is None:
        return v
    outer = type(v).__qualname__.split(".")[0]
    if outer == "FieldValue":
        return {"type": type(v).__name__.split(".")[-1].lower(), "value": v[0]}
    out = {RENAMES.get(k, k): plain(x) for k, x in vars(v).items() if not k.startswith("_")}
    if "." in type(v).__qualname__:
        # A variant of an enum with fields, in the core's `{type, ...}` form.
        out = {"type": type(v).__name__.split(".")[-1].lower(), **out}
    return out


def match(expected: Any, actual: Any, path: str = "$") -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"at {path}: expected an object, got {actual!r}"
        for k, e in expected.items():
            match(e, actual.get(k), f"{path}.{k}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), f"at {path}: expected {len(expected)} items, got {actual!r}"
        for i, (e, a) in enumerate(zip(expected, actual)):
            match(e, a, f"{path}[{i}]")
    elif isinstance(actual, dt.datetime):
        assert actual == instant(expected), f"at {path}: expected {expected}, got {actual.isoformat()}"
    elif isinstance(expected, (int, float)) and not isinstance(expected, bool) and isinstance(actual, (int, float)):
        assert float(expected) == float(actual), f"at {path}: expected {expected}, got {actual}"
    else:
        assert expected == actual, f"at {path}: expected {expected!r}, got {actual!r}"


def tagged(cls: Any, d: Dict[str, Any], **convert: Callable[[Any], Any]) -> Any:
    """A variant of an enum with fields from the core's `{type, ...}` form."""
    fields = {k: convert[k](v) if k in convert else v for k, v in d.items() if k != "type"}
    return getattr(cls, d["type"].upper())(**fields)


def settings(s: Dict[str, Any]) -> Any:
    d = s["duplicates"]
    claims = s.get("claims") or {}
    caps = [
        m.OwnershipCap(scope=tagged(m.CapScope, c["scope"]), max_owned=c["max_owned"], count_won=c.get("count_won", False))
        for c in claims.get("caps", [])
    ]
    return m.OrgSettings(
        timezone=s["timezone"],
        duplicates=m.DuplicatePolicy(on_create=enum_of(m.DuplicateMode, d["on_create"]), name_threshold=d["name_threshold"]),
        claims=m.ClaimPolicy(daily_limit=claims.get("daily_limit"), caps=caps),
        locks=m.LockPolicy(**(s.get("locks") or {})),
        default_pool_id=s.get("default_pool_id"),
        version=s["version"],
    )


def pool_rules(r: Any) -> Any:
    r = dict(r or {})
    r["recycle"] = [
        m.RecycleRule(kind=enum_of(m.RecycleKind, x["kind"]), days=x["days"], days_by_level=x.get("days_by_level", {}))
        for x in r.get("recycle", [])
    ]
    return m.PoolRules(**r)


def new_pool(a: Dict[str, Any]) -> Any:
    return m.NewPool(**{**a, "rules": pool_rules(a.get("rules"))})


def rule_target(t: Dict[str, Any]) -> Any:
    return tagged(m.RuleTarget, t, strategy=lambda s: enum_of(m.RepStrategy, s["type"]))


def strategy(s: Dict[str, Any]) -> Any:
    if s["type"] == "rules":
        rules = [
            m.Rule(name=r["name"], conditions=[m.Condition(**c) for c in r["conditions"]], target=rule_target(r["target"]))
            for r in s["rules"]
        ]
        return m.Strategy.RULES(rules=rules, default_target=rule_target(s["default"]))
    return tagged(m.Strategy, s)


def new_allocator(a: Dict[str, Any]) -> Any:
    return m.NewAllocator(name=a["name"], strategy=strategy(a["strategy"]), reps=[m.AllocatorRep(**r) for r in a["reps"]])


def new_lead(a: Dict[str, Any]) -> Any:
    return m.NewLead(**{**a, "kind": enum_of(m.CustomerKind, a.get("kind")), "custom_fields": fields(a.get("custom_fields"))})


def new_opportunity(o: Any) -> Any:
    return None if o is None else m.NewOpportunity(**o)


def patch(p: Dict[str, Any]) -> Any:
    p = dict(p)
    args: Dict[str, Any] = {}
    if "level" in p:
        level = p.pop("level")
        args["level" if level is not None else "clear_level"] = level if level is not None else True
    if "kind" in p:
        args["kind"] = enum_of(m.CustomerKind, p.pop("kind"))
    args["custom_fields"] = fields(p.pop("custom_fields", None))
    return m.CustomerPatch(**args, **p)


def follow_up(f: Dict[str, Any]) -> Any:
    return m.NewFollowUp(
        channel=enum_of(m.Channel, f["channel"]),
        note=f.get("note", ""),
        at=instant(f["at"]) if f.get("at") else None,
        next_follow_up_at=instant(f["next_follow_up_at"]) if f.get("next_follow_up_at") else None,
    )


def new_customer(a: Dict[str, Any]) -> Any:
    a = dict(a)
    a["kind"] = enum_of(m.CustomerKind, a.get("kind"))
    a["custom_fields"] = fields(a.get("custom_fields"))
    return m.NewCustomer(**a)


OPS: Dict[str, Callable[[Any, str, Dict[str, Any]], Any]] = {
    "bootstrap": lambda c, _, a: c.bootstrap(a["admin_name"], settings(a["settings"]) if a.get("settings") else None),
    "settings": lambda c, _, a: c.settings(),
    "update_settings": lambda c, u, a: c.update_settings(u, settings(a["settings"])),
    "create_team": lambda c, u, a: c.create_team(u, a["name"]),
    "teams": lambda c, u, a: c.teams(u),
    "create_user": lambda c, u, a: c.create_user(u, m.NewUser(name=a["name"], role=enum_of(m.Role, a["role"]), scope=enum_of(m.DataScope, a.get("scope")), team_id=a.get("team_id"))),
    "user": lambda c, u, a: c.user(u, a["id"]),
    "users": lambda c, u, a: c.users(u),
    "deactivate_user": lambda c, u, a: c.deactivate_user(u, a["id"], a["reason"]),
    "create_customer": lambda c, u, a: c.create_customer(u, new_customer(a)),
    "customer": lambda c, u, a: c.customer(u, a["id"]),
    "customers": lambda c, u, a: c.customers(u),
    "update_customer": lambda c, u, a: c.update_customer(u, a["id"], a["expected_version"], patch(a["patch"])),
    "transfer_customer": lambda c, u, a: c.transfer_customer(u, a["id"], a["expected_version"], a["to"], a["reason"]),
    "add_contact": lambda c, u, a: c.add_contact(u, a["customer_id"], m.NewContact(**a["contact"])),
    "contacts": lambda c, u, a: c.contacts(u, a["customer_id"]),
    "record_follow_up": lambda c, u, a: c.record_follow_up(u, a["customer_id"], follow_up(a["follow_up"])),
    "follow_ups": lambda c, u, a: c.follow_ups(u, a["customer_id"]),
    "overdue_follow_ups": lambda c, u, a: c.overdue_follow_ups(u, a.get("rep_id")),
    "find_duplicates": lambda c, u, a: c.find_duplicates(u, m.DuplicateProbe(**a)),
    "duplicates_of": lambda c, u, a: c.duplicates_of(u, a["customer_id"]),
    "merge_customers": lambda c, u, a: c.merge_customers(u, a["survivor_id"], a["merged_id"]),
    "handover": lambda c, u, a: c.handover(u, a["from"], a["to"], a["reason"]),
    "ownership_history": lambda c, u, a: c.ownership_history(u, a["customer_id"]),
    "customer_events": lambda c, u, a: c.customer_events(u, a["customer_id"]),
    "events": lambda c, u, a: c.events(u, a["after"], a.get("limit")),
    "create_pool": lambda c, u, a: c.create_pool(u, new_pool(a)),
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
    "create_allocator": lambda c, u, a: c.create_allocator(u, new_allocator(a)),
    "allocators": lambda c, u, a: c.allocators(u),
    "capture_lead": lambda c, u, a: c.capture_lead(u, new_lead(a)),
    "lead": lambda c, u, a: c.lead(u, a["id"]),
    "leads": lambda c, u, a: c.leads(u),
    "allocate_leads": lambda c, u, a: c.allocate_leads(u, a["allocator_id"], a["lead_ids"], a.get("reassign_owned", False)),
    "convert_lead": lambda c, u, a: c.convert_lead(u, a["lead_id"], m.Conversion(opportunity=new_opportunity(a.get("opportunity")))),
    "create_opportunity": lambda c, u, a: c.create_opportunity(u, a["customer_id"], new_opportunity(a["opportunity"])),
    "close_opportunity": lambda c, u, a: c.close_opportunity(u, a["opportunity_id"], a["won"], a.get("lost_reason")),
    "opportunities": lambda c, u, a: c.opportunities(u, a["customer_id"]),
    "opportunity": lambda c, u, a: c.opportunity(u, a["id"]),
    "all_opportunities": lambda c, u, a: c.all_opportunities(u),
    "save_pipeline": lambda c, u, a: c.save_pipeline(u, pipeline(a["pipeline"])),
    "pipelines": lambda c, u, a: c.pipelines(u),
    "move_opportunity": lambda c, u, a: c.move_opportunity(u, a["opportunity_id"], a["stage"], a.get("lost_reason"), a.get("expected_version")),
    "update_opportunity": lambda c, u, a: c.update_opportunity(u, a["opportunity_id"], a["expected_version"], opportunity_patch(a["patch"])),
    "record_opportunity_activity": lambda c, u, a: c.record_opportunity_activity(u, a["opportunity_id"], a["note"]),
    "forecast": lambda c, u, a: c.forecast(u, a["period_kind"], None if a.get("as_of") is None else instant(a["as_of"])),
    "stage_conversion": lambda c, u, a: c.stage_conversion(u, a["pipeline_id"]),
    "time_in_stage": lambda c, u, a: c.time_in_stage(u, a["pipeline_id"]),
    "sales_velocity": lambda c, u, a: c.sales_velocity(u, instant(a["from"]), instant(a["to"])),
    "rotting_opportunities": lambda c, u, a: c.rotting_opportunities(u),
    "create_contract": lambda c, u, a: c.create_contract(u, a["opportunity_id"], new_contract(a["contract"])),
    "contract": lambda c, u, a: c.contract(u, a["id"]),
    "contracts": lambda c, u, a: c.contracts(u),
    "record_payment": lambda c, u, a: c.record_payment(u, a["contract_id"], m.NewPayment(**a["payment"]), a.get("expected_version")),
    "record_refund": lambda c, u, a: c.record_refund(u, a["contract_id"], m.NewPayment(**a["refund"]), a.get("expected_version")),
    "cancel_contract": lambda c, u, a: c.cancel_contract(u, a["contract_id"], a["reason"]),
    "overdue_instalments": lambda c, u, a: c.overdue_instalments(u),
    "outstanding_balances": lambda c, u, a: c.outstanding_balances(u, enum_of(m.OutstandingBy, a["by"])),
    "commission_statements": lambda c, u, a: c.commission_statements(u, a["plan_toml"], a["period"]),
    "sla_due": lambda c, u, a: {"due_at": m.sla_due(a["calendar"], instant(a["start"]), a["minutes"])},
    "sla_due_batch": lambda c, u, a: m.sla_due_batch(a["calendar"], [instant(s) for s in a["starts"]], a["minutes"]),
    "sla_elapsed": lambda c, u, a: {"elapsed_ms": m.sla_elapsed_ms(a["calendar"], instant(a["from"]), instant(a["to"]))},
    "sla_working_at": lambda c, u, a: m.sla_working_at(a["calendar"], instant(a["at"])),
    "sla_ticket_status": lambda c, u, a: m.sla_ticket_status(a["calendar"], policy(a["policy"]), history(a["history"]), instant(a["now"])),
}


def pipeline(p: Dict[str, Any]) -> Any:
    stages = [
        m.Stage(
            key=x["key"], name=x["name"], kind=enum_of(m.StageKind, x.get("kind", "open")), probability=x["probability"],
            category=enum_of(m.ForecastCategory, x["category"]), required_fields=x.get("required_fields", []), rot_days=x.get("rot_days"),
        )
        for x in p["stages"]
    ]
    return m.Pipeline(
        id=p["id"], name=p["name"], stages=stages,
        transitions=[m.Transition(from_stage=t["from"], to_stage=t["to"]) for t in p.get("transitions", [])],
        lost_reasons=p.get("lost_reasons", []),
        reopen_roles=[enum_of(m.Role, r) for r in p.get("reopen_roles", ["manager", "admin"])], version=p.get("version", 0),
    )


def opportunity_patch(p: Dict[str, Any]) -> Any:
    return m.OpportunityPatch(
        name=p.get("name"), amount=p.get("amount"), expected_close=p.get("expected_close"),
        probability_override=p.get("probability_override"),
        clear_probability_override="probability_override" in p and p["probability_override"] is None, fields=p.get("fields", {}),
    )


def new_contract(c: Dict[str, Any]) -> Any:
    return m.NewContract(
        signed_on=c["signed_on"], instalments=[m.NewInstalment(**i) for i in c["instalments"]], amount=c.get("amount"),
    )


def policy(p: Dict[str, Any]) -> Any:
    targets = [
        m.PriorityTarget(priority=priority, metric=enum_of(m.Metric, metric), target=m.Target(minutes=t["minutes"], basis=enum_of(m.TimeBasis, t["basis"])))
        for priority, metrics in p["targets"].items()
        for metric, t in metrics.items()
    ]
    return m.SlaPolicy(
        name=p["name"], targets=targets, warn_at_percent=p["warn_at_percent"], pause_statuses=p["pause_statuses"],
        on_priority_change=enum_of(m.OnPriorityChange, p.get("on_priority_change")),
    )


def history(entries: Any) -> Any:
    out = []
    for e in entries:
        fields = {k: v for k, v in e.items() if k not in ("at", "type")}
        variant = getattr(m.TicketAction, e["type"].upper())
        out.append(m.TicketEntry(at=instant(e["at"]), action=variant(**fields) if fields else variant()))
    return out


def rfm_orders(a: Dict[str, Any]) -> Any:
    return [m.RfmOrder(customer_id=o["customer_id"], date=o["date"], amount=decimal(o, "amount")) for o in a["orders"]]


def rfm_rows(rows: Any) -> Any:
    return [m.RfmRow(**{**r, "monetary": decimal(r, "monetary"), "score": decimal(r, "score")}) for r in rows]


def churn_rule(r: Any) -> Any:
    return None if r is None else m.ChurnRule(**r)


def performance_targets(a: Dict[str, Any]) -> Any:
    return [
        m.PerformanceTarget(subject=tagged(m.Subject, t["subject"]), period=t["period"], amount=decimal(t, "amount"))
        for t in a["targets"]
    ]


def achievements(a: Dict[str, Any]) -> Any:
    return [
        m.Achievement(**{**x, "amount": decimal(x, "amount"), "basis": enum_of(m.Basis, x["basis"])})
        for x in a["achievements"]
    ]


ANALYTICS: Dict[str, Callable[[Dict[str, Any]], Any]] = {
    "rfm_score": lambda a: m.rfm_score(rfm_orders(a), a["as_of"], a.get("config")),
    "rfm_movements": lambda a: m.rfm_movements(rfm_rows(a["before"]), rfm_rows(a["after"])),
    "rfm_flows": lambda a: m.rfm_flows(rfm_rows(a["before"]), rfm_rows(a["after"])),
    "rfm_churn_warnings": lambda a: m.rfm_churn_warnings(rfm_rows(a["before"]), rfm_rows(a["after"]), churn_rule(a.get("rule"))),
    "performance": lambda a: m.performance(performance_targets(a), achievements(a), enum_of(m.Basis, a["basis"])),
    "commission_statement": lambda a: m.commission_statement(
        a["plan_toml"], [m.Credit(**{"amount": "0", **c, "kind": enum_of(m.CreditKind, c["kind"])}) for c in a["credits"]], a["period"], a.get("rep_id"),
    ),
    "leaderboard": lambda a: m.leaderboard(
        performance_targets(a), achievements(a), enum_of(m.Basis, a["basis"]), a["period"], a.get("teams", False)
    ),
}
OPS.update({op: (lambda f: lambda c, u, a: f(a))(f) for op, f in ANALYTICS.items()})


def replay(path: pathlib.Path) -> None:
    scenario = json.loads(path.read_text())
    crm = m.Crm.in_memory(instant(scenario["start"]))
    for i, step in enumerate(scenario["steps"], 1):
        op, args = step["op"], step.get("args", {})
        where = f"{path.name} step {i} ({op})"
        if op == "set_now":
            crm.set_now(instant(args["now"]))
            continue
        try:
            result = OPS[op](crm, step.get("actor", ""), args)
        except NotExpressible as e:
            assert step.get("error") == "INVALID_INPUT", f"{where}: {e}"
            print(f"note {where}: {e}; refused before the call (the scenario expects INVALID_INPUT)")
            continue
        except m.CrmError as e:
            assert "error" in step, f"{where}: unexpected {e}"
            assert e.code == step["error"], f"{where}: expected {step['error']}, got {e}"
            continue
        assert "error" not in step, f"{where}: expected {step['error']}, got success"
        if "expect" in step:
            try:
                match(step["expect"], plain(result))
            except AssertionError as e:
                raise AssertionError(f"{where}: {e}") from None


def main() -> int:
    assert set(OPS) == set(m.operations()) | set(m.sla_operations()) | set(m.analytics_operations()), "every core operation is replayed"
    passed, failed = 0, 0
    for path in sorted((ROOT / "tests" / "scenarios").glob("*.json")):
        try:
            replay(path)
            passed += 1
            print(f"ok   {path.name}")
        except AssertionError as e:
            failed += 1
            print(f"FAIL {e}")
    print(f"uniffi scenarios: {passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
