"""The Python surface itself: types at the boundary, the exception hierarchy, and that failures
change nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

import crm

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


@pytest.fixture()
def org():
    c = crm.Crm.in_memory(now=NOW)
    admin = c.bootstrap("Ada")
    team = c.create_team(admin.id, "East")
    rep = c.create_user(admin.id, name="Li Lei", role=crm.Role.REP, team_id=team.id)
    other = c.create_user(admin.id, name="Han", role="rep", team_id=team.id)
    return c, admin, rep, other


def test_values_cross_as_decimal_and_aware_datetime(org) -> None:
    c, _, rep, _ = org
    created = c.create_customer(
        rep.id, name="Acme Trading Co., Ltd.", phones=["+86 139 1234 5678"],
        custom_fields={"budget": Decimal("125000.50"), "vip": True, "renewal": dt.date(2027, 1, 31), "note": "x"},
    )
    customer = created.customer
    assert isinstance(customer, crm.Customer) and customer.id == "c-1"
    assert customer.custom_fields == {"budget": Decimal("125000.50"), "vip": True, "renewal": dt.date(2027, 1, 31), "note": "x"}
    assert customer.created_at == NOW and customer.created_at.tzinfo is not None
    assert customer.kind is crm.CustomerKind.COMPANY and customer.kind == "company"
    with pytest.raises(dataclasses_frozen()):
        customer.name = "changed"  # type: ignore[misc]


def dataclasses_frozen():
    import dataclasses

    return dataclasses.FrozenInstanceError


def test_every_error_is_a_crm_error_with_a_code(org) -> None:
    c, admin, rep, other = org
    customer = c.create_customer(rep.id, name="Acme").customer
    cases = [
        (crm.NotFoundError, lambda: c.customer(rep.id, "c-404")),
        (crm.OutOfScopeError, lambda: c.customer(other.id, customer.id)),
        (crm.PermissionDeniedError, lambda: c.create_team(rep.id, "Mine")),
        (crm.InvalidPhoneError, lambda: c.create_customer(rep.id, name="X", phones=["12"])),
        (crm.InvalidEmailError, lambda: c.create_customer(rep.id, name="X", emails=["nope"])),
        (crm.InvalidInputError, lambda: c.create_customer(rep.id, name=" ")),
        (crm.VersionConflictError, lambda: c.update_customer(rep.id, customer.id, 7, level="A")),
        (crm.InvalidStateError, lambda: c.bootstrap("again")),
    ]
    for cls, call in cases:
        with pytest.raises(cls) as info:
            call()
        assert isinstance(info.value, crm.CrmError) and info.value.code == cls.code
    with pytest.raises(crm.VersionConflictError) as info:
        c.update_customer(rep.id, customer.id, 7, level="A")
    assert info.value.details["expected"] == 7 and info.value.details["actual"] == 1
    assert isinstance(crm.InvalidPhoneError("x"), ValueError)


def test_failed_calls_change_nothing(org) -> None:
    c, admin, rep, other = org
    customer = c.create_customer(rep.id, name="Acme", phones=["13800138000"]).customer
    for call in (
        lambda: c.update_customer(rep.id, customer.id, customer.version, phones=["bad phone"]),
        lambda: c.update_customer(other.id, customer.id, customer.version, name="Stolen"),
        lambda: c.update_customer(rep.id, customer.id, customer.version + 1, name="Stale"),
    ):
        with pytest.raises(crm.CrmError):
            call()
    assert c.customer(rep.id, customer.id) == customer
    assert len(c.events(admin.id)) == len(c.events(admin.id))


def test_blocked_duplicates_carry_their_matches(org) -> None:
    c, admin, rep, other = org
    c.create_customer(rep.id, name="北京星辰科技有限公司", phones=["+86 138-0013-8000"])
    s = c.settings()
    c.update_settings(admin.id, crm.OrgSettings(s.timezone, crm.DuplicatePolicy(crm.DuplicateMode.BLOCK, 0.85), s.version))
    with pytest.raises(crm.DuplicateFoundError) as info:
        c.create_customer(other.id, name="Other", phones=["13800138000"])
    (m,) = info.value.matches
    assert isinstance(m, crm.DuplicateMatch) and m.owner_id == rep.id and m.matched_on is crm.MatchField.PHONE
    assert [x.id for x in c.customers(admin.id)] == ["c-1"]


def test_naive_datetimes_and_floats_are_refused(org) -> None:
    c, _, rep, _ = org
    customer = c.create_customer(rep.id, name="Acme").customer
    with pytest.raises(ValueError, match="timezone-aware"):
        c.record_follow_up(rep.id, customer.id, channel="call", at=dt.datetime(2026, 3, 1, 9, 0))
    with pytest.raises(TypeError, match="Decimal"):
        c.create_customer(rep.id, name="Float Corp", custom_fields={"budget": 1.5})


def test_the_clock_is_injectable(org, tmp_path) -> None:
    c, _, rep, _ = org
    later = NOW + dt.timedelta(days=2)
    c.set_now(later)
    assert c.now == later
    f = c.record_follow_up(rep.id, c.create_customer(rep.id, name="Acme").customer.id, channel=crm.Channel.VISIT)
    assert f.at == later
    with pytest.raises(crm.InvalidStateError):
        crm.Crm.in_memory().set_now(later)


def test_sqlite_files_persist(tmp_path) -> None:
    path = tmp_path / "crm.db"
    c = crm.Crm.open(path, now=NOW)
    admin = c.bootstrap("Ada")
    c.create_customer(admin.id, name="Acme")
    del c
    again = crm.Crm.open(path)
    assert [x.name for x in again.customers(admin.id)] == ["Acme"]
    with pytest.raises(crm.StorageError):
        crm.Crm.open(tmp_path / "missing-dir" / "x.db")


def test_events_explain_themselves(org) -> None:
    c, admin, rep, other = org
    customer = c.create_customer(rep.id, name="Acme").customer
    (created, owned) = c.customer_events(rep.id, customer.id)
    assert created.kind == "customer_created" and owned.kind == "owner_changed"
    assert owned.data == {"customer_id": customer.id, "from": None, "to": rep.id, "cause": "created"}
    (history,) = c.ownership_history(rep.id, customer.id)
    assert history.from_ is None and history.to == rep.id and history.cause is crm.OwnershipReason.CREATED


def test_sla_functions_take_datetimes_and_timedeltas() -> None:
    cal = 'timezone = "Asia/Shanghai"\n[week]\nmon = ["09:00-12:00", "13:30-18:00"]\n'
    start = dt.datetime(2026, 9, 14, 11, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert crm.sla.due(cal, start, dt.timedelta(hours=2)) == start.replace(hour=14, minute=30)
    assert crm.sla.elapsed(cal, start, start.replace(hour=14, minute=30)) == dt.timedelta(hours=2)
    assert crm.sla.due_batch(cal, [start, start], [60, 120]) == [start.replace(hour=12, minute=0), start.replace(hour=14, minute=30)]
    with pytest.raises(crm.InvalidInputError, match="line 3"):
        crm.sla.due(cal.replace("18:00", "28:00"), start, 5)
    with pytest.raises(TypeError):
        crm.sla.due(cal, start, 1.5)
