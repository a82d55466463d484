"""crm.Replica against a real `crm serve` (the fixture of test_remote): offline operations under
the same rules and records as in-process, typed rejections when the server's rules refuse, offline
ids replaced by the server's, and a replica file that keeps its outbox across a restart."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

import crm
from test_remote import Server, server  # noqa: F401  (the module's crm serve fixture)

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def test_two_reps_claim_offline_and_sync(server: Server, tmp_path: Path) -> None:  # noqa: F811
    admin = crm.RemoteCrm(server.url, server.admin_credential)
    me = admin.me.id
    li = admin.create_user(me, name="Li Sync", role=crm.Role.REP)
    han = admin.create_user(me, name="Han Sync", role=crm.Role.REP)
    pool = admin.create_pool(me, name="Sync pool", member_ids=[li.id, han.id], admin_ids=[me])
    target = admin.create_customer(me, name="Pooled for sync", pool_id=pool.id).customer
    li_remote = crm.RemoteCrm(server.url, admin.issue_token(li.id, "phone").credential)
    han_remote = crm.RemoteCrm(server.url, admin.issue_token(han.id, "phone").credential)

    phone = crm.Replica(tmp_path / "li.db", user_id=li.id, device_id="li-phone")
    tablet = crm.Replica(user_id=han.id, device_id="han-tablet")
    first = phone.sync(li_remote)
    assert isinstance(first, crm.SyncSummary) and first.snapshot and phone.cursor is not None
    tablet.sync(han_remote)

    # Offline: both claims pass the local rules, with the in-process records.
    mine = phone.claim_customer(li.id, target.id)
    assert isinstance(mine, crm.Customer) and mine.owner_id == li.id
    tablet.claim_customer("", target.id)
    [queued] = phone.outbox()
    assert isinstance(queued, crm.DeviceOp) and queued.op == "claim_customer"

    assert phone.sync(li_remote).applied == 1
    summary = tablet.sync(han_remote)
    assert (summary.applied, summary.rejected) == (0, 1)
    [refused] = tablet.rejections()
    assert isinstance(refused, crm.Rejection) and refused.code == "ALREADY_OWNED"
    assert refused.at.tzinfo is not None
    assert admin.customer(me, target.id).owner_id == li.id
    with pytest.raises(crm.CrmError) as gone:
        tablet.customer("", target.id)
    assert gone.value.code in ("NOT_FOUND", "OUT_OF_SCOPE")
    tablet.dismiss_rejection(refused.op_id)
    assert tablet.rejections() == []

    # A new customer and a follow-up offline; the push gives them the server's ids.
    created = phone.create_customer(li.id, name="宁波离线客户", phones=["13700137000"]).customer
    assert created.id.startswith("c-1000000000")
    at = dt.datetime(2026, 3, 2, 10, 30, tzinfo=SHANGHAI)
    phone.record_follow_up(li.id, created.id, crm.NewFollowUp(channel=crm.Channel.VISIT, note="met", at=at))
    deal = phone.create_opportunity(li.id, created.id, crm.NewOpportunity(name="Pallets", amount=Decimal("9800.50")))
    assert deal.amount == Decimal("9800.50")
    with pytest.raises(crm.InvalidStateError):
        phone.create_team(li.id, "needs the server")
    assert "claim_customer" in crm.Replica.SYNC_OPERATIONS and "create_team" not in crm.Replica.SYNC_OPERATIONS
    assert phone.sync(li_remote).applied == 3

    on_server = [c for c in li_remote.customers("") if c.name == "宁波离线客户"]
    assert len(on_server) == 1 and not on_server[0].id.startswith("c-1000000000")
    real = on_server[0].id
    [follow_up] = li_remote.follow_ups("", real)
    assert follow_up.at == at
    [opportunity] = li_remote.opportunities("", real)
    assert opportunity.amount == Decimal("9800.50")

    # The app restarts: the replica file holds the server's records, nothing queued.
    del phone
    again = crm.Replica(tmp_path / "li.db", user_id=li.id, device_id="ignored-once-stored")
    assert again.device_id == "li-phone" and again.outbox() == []
    assert [c.id for c in again.customers("")] == [target.id, real]
    assert again.follow_ups("", real) == [follow_up]
    with pytest.raises(crm.InvalidStateError):
        crm.Replica(tmp_path / "li.db", user_id=han.id, device_id="x")


def test_a_custom_server_function_and_its_failure(tmp_path: Path) -> None:
    phone = crm.Replica(user_id="u-2", device_id="p")

    def unreachable(op: str, args_json: str) -> str:
        raise ConnectionError(f"offline while calling {op}")

    with pytest.raises(ConnectionError, match="sync_snapshot"):
        phone.sync(unreachable)
    assert phone.cursor is None
