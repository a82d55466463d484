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
    other = c.create_user(admin.id, name="Han", role="rep", team_id=team.id)  # an enum's value will do
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
        (crm.VersionConflictError, lambda: c.update_customer(rep.id, customer.id, 7, crm.CustomerPatch(level="A"))),
        (crm.InvalidStateError, lambda: c.bootstrap("again")),
    ]
    for cls, call in cases:
        with pytest.raises(cls) as info:
            call()
        assert isinstance(info.value, crm.CrmError) and info.value.code == cls.code
    with pytest.raises(crm.VersionConflictError) as info:
        c.update_customer(rep.id, customer.id, 7, crm.CustomerPatch(level="A"))
    assert (info.value.kind, info.value.id, info.value.expected, info.value.actual) == (crm.EntityKind.CUSTOMER, customer.id, 7, 1)
    assert info.value.details == {"kind": crm.EntityKind.CUSTOMER, "id": customer.id, "expected": 7, "actual": 1}
    assert isinstance(crm.InvalidPhoneError("x"), ValueError) and isinstance(crm.NotFoundError("x"), LookupError)
    with pytest.raises(LookupError):  # the built-in style works too
        c.customer(rep.id, "c-404")


def test_failed_calls_change_nothing(org) -> None:
    c, admin, rep, other = org
    customer = c.create_customer(rep.id, name="Acme", phones=["13800138000"]).customer
    for call in (
        lambda: c.update_customer(rep.id, customer.id, customer.version, crm.CustomerPatch(phones=["bad phone"])),
        lambda: c.update_customer(other.id, customer.id, customer.version, crm.CustomerPatch(name="Stolen")),
        lambda: c.update_customer(rep.id, customer.id, customer.version + 1, crm.CustomerPatch(name="Stale")),
    ):
        with pytest.raises(crm.CrmError):
            call()
    assert c.customer(rep.id, customer.id) == customer
    assert [e.seq for e in c.events(admin.id, 0)][-1] == c.customer_events(admin.id, customer.id)[-1].seq


def test_blocked_duplicates_carry_their_matches(org) -> None:
    c, admin, rep, other = org
    c.create_customer(rep.id, name="北京星辰科技有限公司", phones=["+86 138-0013-8000"])
    s = c.settings()
    c.update_settings(admin.id, s.version, crm.SettingsPatch(duplicates=crm.DuplicatePolicy(crm.DuplicateMode.BLOCK, 0.85)))
    with pytest.raises(crm.DuplicateFoundError) as info:
        c.create_customer(other.id, name="Other", phones=["13800138000"])
    (m,) = info.value.matches
    assert isinstance(m, crm.DuplicateMatch) and m.owner_id == rep.id and m.matched_on is crm.MatchField.PHONE
    assert [x.id for x in c.customers(admin.id)] == ["c-1"]


def test_naive_datetimes_and_floats_are_refused(org) -> None:
    c, _, rep, _ = org
    customer = c.create_customer(rep.id, name="Acme").customer
    with pytest.raises(ValueError, match="timezone-aware"):
        c.record_follow_up(rep.id, customer.id, crm.NewFollowUp(channel=crm.Channel.CALL, at=dt.datetime(2026, 3, 1, 9, 0)))
    with pytest.raises(crm.InvalidInputError, match="Decimal") as info:
        c.create_customer(rep.id, name="Float Corp", custom_fields={"budget": 1.5})
    assert info.value.field == "custom_fields['budget']"
    with pytest.raises(crm.InvalidInputError, match="Role"):
        c.create_user(rep.id, name="X", role="boss")  # type: ignore[arg-type]
    import numpy as np  # numpy integers are ints

    patch = crm.SettingsPatch(claims=crm.ClaimPolicy(daily_limit=np.int64(3)))  # type: ignore[arg-type]
    admin = c.admin()
    assert admin is not None and c.update_settings(admin.id, c.settings().version, patch).claims.daily_limit == 3


def test_the_clock_is_injectable(org, tmp_path) -> None:
    c, _, rep, _ = org
    later = NOW + dt.timedelta(days=2)
    c.set_now(later)
    assert c.now == later
    f = c.record_follow_up(rep.id, c.create_customer(rep.id, name="Acme").customer.id, crm.NewFollowUp(channel=crm.Channel.VISIT))
    assert f.at == later
    with pytest.raises(crm.InvalidStateError):
        crm.Crm.in_memory().set_now(later)


def test_sqlite_files_persist(tmp_path) -> None:
    path = tmp_path / "crm.db"
    with crm.Crm.open(path, now=NOW) as c:
        admin = c.bootstrap("Ada")
        c.create_customer(admin.id, name="Acme")
    with crm.Crm.open(path) as again:
        found = again.admin()
        assert found == admin
        assert [x.name for x in again.customers(found.id)] == ["Acme"]
    with pytest.raises(crm.StorageError):
        crm.Crm.open(tmp_path / "missing-dir" / "x.db")


def test_events_explain_themselves(org) -> None:
    c, admin, rep, other = org
    customer = c.create_customer(rep.id, name="Acme").customer
    (created, owned) = c.customer_events(rep.id, customer.id)
    assert created.kind == crm.EventKindCustomerCreated(customer_id=customer.id)
    assert owned.kind == crm.EventKindOwnerChanged(customer.id, None, rep.id, crm.OwnershipReason.CREATED)
    (history,) = c.ownership_history(rep.id, customer.id)
    assert history.from_owner_id is None and history.to_owner_id == rep.id and history.cause is crm.OwnershipReason.CREATED


def test_sla_functions_take_aware_datetimes_and_minutes() -> None:
    cal = 'timezone = "Asia/Shanghai"\n[week]\nmon = ["09:00-12:00", "13:30-18:00"]\n'
    start = dt.datetime(2026, 9, 14, 11, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    assert crm.sla_due(cal, start, 120).due_at == start.replace(hour=14, minute=30)
    assert crm.sla_elapsed(cal, start, start.replace(hour=14, minute=30)).elapsed_minutes == 120
    assert crm.sla_due_batch(cal, [start, start], [60, 120]) == [start.replace(hour=12, minute=0), start.replace(hour=14, minute=30)]
    assert crm.sla_elapsed_batch(cal, [start], [start.replace(hour=14, minute=30)]) == [120]
    with pytest.raises(crm.InvalidInputError, match="line 3"):
        crm.sla_due(cal.replace("18:00", "28:00"), start, 5)
    with pytest.raises(crm.InvalidInputError, match="minutes"):
        crm.sla_due(cal, start, 1.5)  # type: ignore[arg-type]


def test_the_file_formats_are_documented_in_the_package() -> None:
    doc = crm.formats.__doc__ or ""
    for words in ("timezone =", "[[holiday]]", "[[workday]]", "segment_map", "[thresholds]", "[[levels]]", "[rates]", "clawback_days", "[draw]"):
        assert words in doc
