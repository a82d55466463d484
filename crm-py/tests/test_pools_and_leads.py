"""Pools (公海), claims and their limits, recycling, leads, allocation and opportunities through the
typed API: typed records in, typed records and typed exceptions out, on both stores."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from decimal import Decimal
from typing import Any, Callable, List, Type, TypeVar

import pytest

import crm

CST = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=CST)
DAY = dt.timedelta(days=1)
E = TypeVar("E", bound=crm.CrmError)


@dataclasses.dataclass
class Org:
    c: crm.Crm
    admin: crm.User
    team: crm.Team
    li: crm.User
    han: crm.User
    #: A rep outside the team, so not a member of team pools.
    wang: crm.User
    manager: crm.User

    def at(self, when: dt.datetime) -> None:
        self.c.set_now(when)

    def with_settings(self, **changes: Any) -> crm.OrgSettings:
        return self.c.update_settings(self.admin.id, self.c.settings().version, crm.SettingsPatch(**changes))


@pytest.fixture(params=["memory", "sqlite"])
def org(request: pytest.FixtureRequest, tmp_path: Any) -> Org:
    c = crm.Crm.in_memory(now=NOW) if request.param == "memory" else crm.Crm.open(tmp_path / "crm.db", now=NOW)
    admin = c.bootstrap("Ada")
    team = c.create_team(admin.id, "East")
    li = c.create_user(admin.id, name="Li Lei", role=crm.Role.REP, team_id=team.id)
    han = c.create_user(admin.id, name="Han Meimei", role=crm.Role.REP, team_id=team.id)
    wang = c.create_user(admin.id, name="Wang Wu", role=crm.Role.REP)
    manager = c.create_user(admin.id, name="Zhao", role=crm.Role.MANAGER, team_id=team.id)
    return Org(c, admin, team, li, han, wang, manager)


def pooled(o: Org, pool: crm.Pool, *names: str) -> List[crm.Customer]:
    return [o.c.create_customer(o.admin.id, name=n, pool_id=pool.id).customer for n in names]


def raises(cls: Type[E], call: Callable[[], Any]) -> E:
    """The typed error `call` raises, with the code of its class."""
    with pytest.raises(cls) as info:
        call()
    assert info.value.code == cls.code
    return info.value


# Claims and their limits ----------------------------------------------------------------------------


def test_claims_and_every_claim_limit_raise_typed_errors(org: Org) -> None:
    o, c = org, org.c
    o.with_settings(
        claims=crm.ClaimPolicy(daily_limit=2, caps=[crm.OwnershipCap(crm.CapScopeEveryone(), 3), crm.OwnershipCap(crm.CapScopeRep(o.han.id), 1)]),
        locks=crm.LockPolicy(max_locked=1, max_days=30),
    )
    pool = c.create_pool(o.admin.id, name="East pool", member_team_ids=[o.team.id], rules=crm.PoolRules(cool_down_days=7, waiting_hours=24))
    a, b, d, e, f = pooled(o, pool, "Alpha Foods", "Beta Steel", "Delta Optics", "Epsilon Labs", "Foxtrot Ltd")
    assert a.owner_id is None and a.pool_id == pool.id and a.pooled_at == NOW
    assert [x.id for x in c.pool_customers(o.li.id, pool.id)] == [a.id, b.id, d.id, e.id, f.id]

    # Waiting period: newly pooled customers are not claimable for 24 hours.
    waiting = raises(crm.WaitingPeriodError, lambda: c.claim_customer(o.li.id, a.id))
    assert isinstance(waiting, crm.TooEarlyError) and waiting.customer_id == a.id and waiting.until == NOW + DAY

    o.at(NOW + DAY)
    raises(crm.PermissionDeniedError, lambda: c.claim_customer(o.wang.id, a.id))  # not a member
    claimed = c.claim_customer(o.li.id, a.id)
    assert isinstance(claimed, crm.Customer)
    assert (claimed.owner_id, claimed.owned_since, claimed.pooled_at, claimed.pool_id) == (o.li.id, NOW + DAY, None, pool.id)

    taken = raises(crm.AlreadyOwnedError, lambda: c.claim_customer(o.han.id, a.id))
    assert isinstance(taken, crm.InvalidStateError) and (taken.customer_id, taken.owner_id) == (a.id, o.li.id)

    # Daily limit (2 a day): a batch that would cross it claims nothing at all.
    daily = raises(crm.DailyLimitReachedError, lambda: c.claim_customers(o.li.id, [b.id, d.id]))
    assert isinstance(daily, crm.LimitReachedError)
    assert (daily.user_id, daily.limit, daily.date) == (o.li.id, 2, dt.date(2026, 3, 3))
    assert c.customer(o.admin.id, b.id) == b
    assert [x.id for x in c.claim_customers(o.li.id, [b.id])] == [b.id]
    raises(crm.DailyLimitReachedError, lambda: c.claim_customer(o.li.id, d.id))

    # Ownership caps: everyone may own 3, Han only 1 (the strictest cap that matches applies).
    o.at(NOW + 2 * DAY)
    c.claim_customer(o.li.id, d.id)
    everyone = raises(crm.OwnershipCapReachedError, lambda: c.claim_customer(o.li.id, e.id))
    assert (everyone.cap, everyone.limit, everyone.owned) == ("everyone", 3, 3)
    c.claim_customer(o.han.id, e.id)
    own_cap = raises(crm.OwnershipCapReachedError, lambda: c.claim_customer(o.han.id, f.id))
    assert (own_cap.user_id, own_cap.cap, own_cap.limit, own_cap.owned) == (o.han.id, "rep", 1, 1)

    # Locks: at most one, for at most 30 days (a longer request is cut to the maximum).
    locked = c.lock_customer(o.li.id, a.id, days=90)
    assert locked.locked and locked.locked_until == NOW + 32 * DAY
    locks = raises(crm.LockLimitReachedError, lambda: c.lock_customer(o.li.id, b.id))
    assert isinstance(locks, crm.LimitReachedError) and (locks.user_id, locks.limit) == (o.li.id, 1)
    raises(crm.OutOfScopeError, lambda: c.lock_customer(o.han.id, b.id))
    unlocked = c.unlock_customer(o.li.id, a.id)
    assert not unlocked.locked and unlocked.locked_until is None
    assert c.lock_customer(o.li.id, b.id).locked_until == NOW + 32 * DAY

    # Cool-down: the previous owner may not re-claim a released customer for 7 days.
    released_at = NOW + 2 * DAY
    released = c.release_customer(o.li.id, d.id, "not a fit")
    assert (released.owner_id, released.previous_owner_id, released.pool_id, released.pooled_at) == (None, o.li.id, pool.id, released_at)
    o.at(released_at + 2 * DAY)
    cool = raises(crm.CoolDownError, lambda: c.claim_customer(o.li.id, d.id))
    assert isinstance(cool, crm.TooEarlyError)
    assert (cool.customer_id, cool.user_id, cool.until) == (d.id, o.li.id, released_at + 7 * DAY)
    o.at(released_at + 7 * DAY)
    assert c.claim_customer(o.li.id, d.id).owner_id == o.li.id

    causes = [h.cause for h in c.ownership_history(o.admin.id, d.id)]
    assert causes == [crm.OwnershipReason.CLAIMED, crm.OwnershipReason.RELEASED, crm.OwnershipReason.CLAIMED]


def test_the_daily_limit_resets_at_local_midnight(org: Org) -> None:
    o, c = org, org.c
    o.with_settings(claims=crm.ClaimPolicy(daily_limit=1))
    pool = c.create_pool(o.admin.id, name="Pool", member_ids=[o.li.id])
    a, b, d = pooled(o, pool, "Alpha", "Beta", "Delta")
    late = dt.datetime(2026, 3, 2, 23, 30, tzinfo=CST)
    o.at(late)
    c.claim_customer(o.li.id, a.id)
    o.at(late + dt.timedelta(minutes=20))
    assert raises(crm.DailyLimitReachedError, lambda: c.claim_customer(o.li.id, b.id)).date == dt.date(2026, 3, 2)
    # 00:10 in Shanghai is still 2 March in UTC: the limit follows the organisation's day.
    o.at(late + dt.timedelta(minutes=40))
    assert c.claim_customer(o.li.id, b.id).owner_id == o.li.id
    assert raises(crm.DailyLimitReachedError, lambda: c.claim_customer(o.li.id, d.id)).date == dt.date(2026, 3, 3)


def test_racing_claims_have_exactly_one_winner(org: Org) -> None:
    o, c = org, org.c
    reps = [c.create_user(o.admin.id, name=f"Rep {i}", role=crm.Role.REP, team_id=o.team.id) for i in range(8)]
    pool = c.create_pool(o.admin.id, name="Pool", member_team_ids=[o.team.id])
    (target,) = pooled(o, pool, "Contested Co")
    start = threading.Barrier(len(reps))
    won: List[crm.Customer] = []
    lost: List[crm.AlreadyOwnedError] = []

    def claim(rep: crm.User) -> None:
        start.wait()
        try:
            won.append(c.claim_customer(rep.id, target.id))
        except crm.AlreadyOwnedError as e:
            lost.append(e)

    threads = [threading.Thread(target=claim, args=(r,)) for r in reps]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1 and len(lost) == len(reps) - 1
    assert {e.owner_id for e in lost} == {won[0].owner_id}
    assert c.customer(o.admin.id, target.id).owner_id == won[0].owner_id
    assert len(c.ownership_history(o.admin.id, target.id)) == 1


# Recycling -----------------------------------------------------------------------------------------


def test_sweep_recycles_due_customers_and_warnings_announce_them(org: Org) -> None:
    o, c = org, org.c
    rules = crm.PoolRules(
        recycle=[crm.RecycleRule(crm.RecycleKind.NO_FOLLOW_UP, 30, {"A": 60}), crm.RecycleRule(crm.RecycleKind.NO_WON_DEAL, 90)],
        warn_days=3,
    )
    pool = c.create_pool(o.admin.id, name="East pool", member_team_ids=[o.team.id], rules=rules)
    assert pool.rules == rules and pool.version == 1

    def owned(name: str, level: Any = None) -> crm.Customer:
        return c.create_customer(o.admin.id, name=name, level=level, owner_id=o.li.id, pool_id=pool.id).customer

    plain, vip, followed, locked, pipeline, won = (
        owned("Plain"), owned("Vip", "A"), owned("Followed"), owned("Locked"), owned("Pipeline"), owned("Won")
    )
    assert plain.owner_id == o.li.id and plain.pool_id == pool.id and plain.owned_since == NOW
    c.lock_customer(o.li.id, locked.id)
    c.create_opportunity(o.li.id, pipeline.id, crm.NewOpportunity(name="Deal", amount=Decimal("100")))
    deal = c.create_opportunity(o.li.id, won.id, crm.NewOpportunity(name="Deal", amount=Decimal("100")))
    c.close_opportunity(o.li.id, deal.id, won=True)
    o.at(NOW + 10 * DAY)
    c.record_follow_up(o.li.id, followed.id, crm.NewFollowUp(channel=crm.Channel.CALL, note="quote sent"))

    o.at(NOW + 27 * DAY + dt.timedelta(hours=1))
    due = crm.RecycleDue(rule=crm.RecycleKind.NO_FOLLOW_UP, days=30, level=None, clock_start=NOW, due_at=NOW + 30 * DAY, locked_until=None)
    expected = [crm.RecycleWarning(customer_id=plain.id, customer_name="Plain", owner_id=o.li.id, pool_id=pool.id, due=due)]
    assert c.recycle_warnings(o.li.id) == expected
    assert c.recycle_warnings(o.admin.id, owner_id=o.li.id) == expected
    assert c.recycle_warnings(o.han.id) == [] and c.recycle_warnings(o.admin.id, owner_id=o.han.id) == []

    o.at(NOW + 30 * DAY)
    raises(crm.PermissionDeniedError, lambda: c.sweep_pools(o.li.id))
    report = c.sweep_pools(o.admin.id)
    assert isinstance(report, crm.SweepReport) and report.at == NOW + 30 * DAY
    assert report.recycled == [crm.Recycled(customer_id=plain.id, customer_name="Plain", owner_id=o.li.id, pool_id=pool.id, due=due)]
    assert c.sweep_pools(o.admin.id).recycled == []  # idempotent at the same `now`

    back = c.customer(o.admin.id, plain.id)
    assert (back.owner_id, back.previous_owner_id, back.pool_id, back.pooled_at, back.owned_since) == (
        None, o.li.id, pool.id, NOW + 30 * DAY, None
    )
    assert [x.id for x in c.pool_customers(o.han.id, pool.id)] == [plain.id]
    recycled_event = next(e for e in c.customer_events(o.admin.id, plain.id) if isinstance(e.kind, crm.EventKindCustomerRecycled))
    kind = recycled_event.kind
    assert isinstance(kind, crm.EventKindCustomerRecycled) and kind.type == "customer_recycled"
    assert kind.rule is crm.RecycleKind.NO_FOLLOW_UP and kind.days == 30 and "no follow-up for 30 days" in recycled_event.reason
    last = c.ownership_history(o.admin.id, plain.id)[-1]
    assert (last.from_owner_id, last.to_owner_id, last.cause) == (o.li.id, None, crm.OwnershipReason.RECYCLED)

    # Level A waits 60 days; a follow-up restarts the clock; locked, won and pipeline customers are exempt.
    o.at(NOW + 95 * DAY)
    recycled = c.sweep_pools(o.admin.id).recycled
    assert [(r.customer_id, r.due.rule, r.due.days, r.due.level, r.due.clock_start) for r in recycled] == [
        (vip.id, crm.RecycleKind.NO_FOLLOW_UP, 60, "A", NOW),
        (followed.id, crm.RecycleKind.NO_FOLLOW_UP, 30, None, NOW + 10 * DAY),
    ]
    assert {x.id for x in c.customers(o.li.id)} == {locked.id, pipeline.id, won.id}

    # The exemptions follow the pool's rules: unlocking and dropping the pipeline exemption recycle them.
    patch = crm.PoolRulesPatch(exempt_open_opportunity=False)
    raises(crm.VersionConflictError, lambda: c.update_pool_rules(o.admin.id, pool.id, 7, patch))
    raises(crm.PermissionDeniedError, lambda: c.update_pool_rules(o.li.id, pool.id, pool.version, patch))
    updated = c.update_pool_rules(o.admin.id, pool.id, pool.version, patch)  # a patch: the rest stays
    assert updated.version == 2 and updated.rules == dataclasses.replace(rules, exempt_open_opportunity=False)
    c.unlock_customer(o.li.id, locked.id)
    assert {r.customer_id for r in c.sweep_pools(o.admin.id).recycled} == {locked.id, pipeline.id}
    assert [x.id for x in c.customers(o.li.id)] == [won.id]


def test_a_lock_with_an_end_holds_a_customer_until_the_lock_ends(org: Org) -> None:
    o, c = org, org.c
    rules = crm.PoolRules(recycle=[crm.RecycleRule(crm.RecycleKind.NO_FOLLOW_UP, 30)], warn_days=3)
    pool = c.create_pool(o.admin.id, name="Pool", member_team_ids=[o.team.id], rules=rules)
    free, held = (c.create_customer(o.admin.id, name=n, owner_id=o.li.id, pool_id=pool.id).customer for n in ("Free", "Held"))
    assert free.recycle_due_at == NOW + 30 * DAY
    assert c.lock_customer(o.li.id, held.id, days=40).recycle_due_at == NOW + 40 * DAY
    waiting = pooled(o, pool, "Waiting")[0]
    assert waiting.recycle_due_at is None  # not owned: nothing to recycle

    o.at(NOW + 30 * DAY)
    assert [r.customer_id for r in c.sweep_pools(o.admin.id).recycled] == [free.id]
    o.at(NOW + 37 * DAY + dt.timedelta(hours=1))
    (warning,) = c.recycle_warnings(o.li.id)
    assert warning.customer_id == held.id
    assert (warning.due.due_at, warning.due.locked_until) == (NOW + 30 * DAY, NOW + 40 * DAY)
    assert c.sweep_pools(o.admin.id).recycled == []
    o.at(NOW + 40 * DAY)
    (recycled,) = c.sweep_pools(o.admin.id).recycled
    assert recycled.customer_id == held.id and recycled.due == warning.due
    back = c.customer(o.admin.id, held.id)
    assert (back.owner_id, back.locked, back.locked_until, back.recycle_due_at) == (None, False, None, None)


# Pools, settings and moves -------------------------------------------------------------------------


def test_settings_carry_claim_and_lock_policies_and_the_default_pool(org: Org) -> None:
    o, c = org, org.c
    pool = c.create_pool(o.admin.id, name="Default pool", member_team_ids=[o.team.id], admin_ids=[o.manager.id])
    assert pool.member_team_ids == [o.team.id] and pool.admin_ids == [o.manager.id] and pool.rules == crm.PoolRules()
    mine = c.create_customer(o.li.id, name="Own Find").customer
    assert mine.pool_id is None
    raises(crm.InvalidStateError, lambda: c.release_customer(o.li.id, mine.id, "no pool to go to"))

    claims = crm.ClaimPolicy(
        daily_limit=5, caps=[crm.OwnershipCap(crm.CapScopeTeam(o.team.id), 10, count_won=True), crm.OwnershipCap(crm.CapScopeRep(o.li.id), 2)]
    )
    saved = o.with_settings(claims=claims, locks=crm.LockPolicy(max_locked=3, max_days=14), default_pool_id=pool.id)
    assert saved.claims == claims and saved.locks == crm.LockPolicy(3, 14) and saved.default_pool_id == pool.id
    assert c.settings() == saved and saved.version == 2

    released = c.release_customer(o.li.id, mine.id, "handing back")
    assert released.pool_id == pool.id and released.owner_id is None
    assert [p.id for p in c.pools(o.li.id)] == [pool.id] and c.pools(o.wang.id) == []


def test_pools_move_customers_and_only_empty_pools_are_deleted(org: Org) -> None:
    o, c = org, org.c
    raises(crm.PermissionDeniedError, lambda: c.create_pool(o.li.id, name="Mine"))
    raises(crm.InvalidInputError, lambda: c.create_pool(o.admin.id, name="Bad", rules=crm.PoolRules(recycle=[crm.RecycleRule(crm.RecycleKind.NO_WON_DEAL, 0)])))
    east = c.create_pool(o.admin.id, name="East", member_team_ids=[o.team.id])
    west = c.create_pool(o.admin.id, name="West", member_ids=[o.wang.id])
    (customer,) = pooled(o, east, "Nomad Ltd")
    raises(crm.PermissionDeniedError, lambda: c.create_customer(o.li.id, name="Sneaky", pool_id=east.id))
    raises(crm.InvalidStateError, lambda: c.delete_pool(o.admin.id, east.id))
    raises(crm.PermissionDeniedError, lambda: c.move_to_pool(o.li.id, customer.id, west.id, "mine now"))

    moved = c.move_to_pool(o.admin.id, customer.id, west.id, "western region")
    assert (moved.pool_id, moved.owner_id) == (west.id, None)
    (event,) = [e for e in c.customer_events(o.admin.id, customer.id) if isinstance(e.kind, crm.EventKindCustomerPoolChanged)]
    assert event.kind == crm.EventKindCustomerPoolChanged(customer_id=customer.id, from_pool_id=east.id, to_pool_id=west.id)
    assert event.reason == "western region"
    c.delete_pool(o.admin.id, east.id)
    assert [p.id for p in c.pools(o.admin.id)] == [west.id]
    raises(crm.NotFoundError, lambda: c.delete_pool(o.admin.id, east.id))


# Leads, allocation and opportunities ----------------------------------------------------------------


def test_leads_are_allocated_by_rules_with_typed_placements(org: Org) -> None:
    o, c = org, org.c
    pool = c.create_pool(o.admin.id, name="Lead pool")
    strategy = crm.AllocationStrategyRules(
        rules=[
            crm.AllocationRule("VIPs to Han", [crm.RuleCondition("level", ["VIP"])], crm.RuleTargetReps([o.han.id], crm.AllocationStrategyLeastLoaded())),
            crm.AllocationRule("spam to the pool", [crm.RuleCondition("source", ["spam"])], crm.RuleTargetPool(pool.id)),
        ],
        default=crm.RuleTargetReps([o.li.id, o.han.id], crm.AllocationStrategyRoundRobin()),
    )
    reps = [crm.AllocatorRep(o.li.id), crm.AllocatorRep(o.han.id, daily_cap=2)]
    raises(crm.PermissionDeniedError, lambda: c.create_allocator(o.manager.id, name="Mine", strategy=crm.AllocationStrategyRoundRobin(), reps=reps))
    bad = crm.AllocationStrategyRules(rules=[], default=crm.RuleTargetReps([o.wang.id], crm.AllocationStrategyRoundRobin()))
    raises(crm.InvalidInputError, lambda: c.create_allocator(o.admin.id, name="Broken", strategy=bad, reps=reps))
    allocator = c.create_allocator(o.admin.id, name="Inbound", strategy=strategy, reps=reps)
    assert allocator.strategy == strategy and allocator.reps == reps
    assert allocator.state == crm.AllocatorState(pointer=None, current={}) and allocator.usage == {}

    captured = c.capture_lead(o.admin.id, name="Lead One", phones=["13800000001"], source="web", custom_fields={"budget": Decimal("1200.50")})
    assert isinstance(captured, crm.LeadCaptured) and captured.duplicates == []
    one = captured.lead
    assert (one.status, one.owner_id, one.weight, one.kind) == (crm.LeadStatus.OPEN, None, 1, crm.CustomerKind.COMPANY)
    assert one.custom_fields == {"budget": Decimal("1200.50")} and one.created_at == NOW
    two, vip, spam = (
        c.capture_lead(o.admin.id, name="Lead Two", source="web").lead,
        c.capture_lead(o.admin.id, name="Big Fish", level="VIP").lead,
        c.capture_lead(o.admin.id, name="Free Money", source="spam").lead,
    )

    raises(crm.PermissionDeniedError, lambda: c.allocate_leads(o.li.id, allocator.id, [one.id]))
    placed = c.allocate_leads(o.manager.id, allocator.id, [one.id, two.id, vip.id, spam.id])
    assert [(a.lead_id, a.placement) for a in placed] == [
        (one.id, crm.PlacementRep(o.li.id)),
        (two.id, crm.PlacementRep(o.han.id)),
        (vip.id, crm.PlacementRep(o.han.id)),
        (spam.id, crm.PlacementPool(pool.id)),
    ]
    assert "VIPs to Han" in placed[2].reason and "round robin" in placed[0].reason
    assert c.lead(o.li.id, one.id).owner_id == o.li.id
    parked = c.lead(o.admin.id, spam.id)
    assert (parked.owner_id, parked.pool_id) == (None, pool.id)
    raises(crm.OutOfScopeError, lambda: c.lead(o.han.id, one.id))
    assert [x.id for x in c.leads(o.han.id)] == [two.id, vip.id]
    (kept,) = c.allocate_leads(o.manager.id, allocator.id, [one.id])
    assert kept.placement == crm.PlacementKept(o.li.id)

    (seen,) = c.allocators(o.manager.id)
    assert seen.state.pointer == o.han.id
    assert seen.usage[o.han.id] == crm.RepUsage(day=dt.date(2026, 3, 2), today=2, total=2)
    raises(crm.PermissionDeniedError, lambda: c.allocators(o.li.id))

    # Han is at his daily cap: the VIP cannot be placed, and the whole batch is refused.
    web = c.capture_lead(o.admin.id, name="Web Lead", source="web").lead
    vip2 = c.capture_lead(o.admin.id, name="Bigger Fish", level="VIP").lead
    no_rep = raises(crm.NoEligibleRepError, lambda: c.allocate_leads(o.manager.id, allocator.id, [web.id, vip2.id]))
    assert no_rep.lead_id == vip2.id and "capacity" in no_rep.reason
    assert c.lead(o.admin.id, web.id).owner_id is None and c.allocators(o.admin.id) == [seen]
    o.at(NOW + DAY)  # a new local day resets the daily cap
    assert [a.placement for a in c.allocate_leads(o.manager.id, allocator.id, [web.id, vip2.id])] == [
        crm.PlacementRep(o.li.id), crm.PlacementRep(o.han.id)
    ]
    assert c.allocators(o.admin.id)[0].usage[o.han.id] == crm.RepUsage(day=dt.date(2026, 3, 3), today=1, total=3)


def test_leads_convert_into_customers_and_opportunities(org: Org) -> None:
    o, c = org, org.c
    lead = c.capture_lead(
        o.admin.id, name="Lead One", phones=["13800000001"], source="web", level="B", owner_id=o.li.id,
        custom_fields={"budget": Decimal("1200.50")}, weight=3,
    ).lead
    assert lead.owner_id == o.li.id and lead.weight == 3
    raises(crm.OutOfScopeError, lambda: c.convert_lead(o.han.id, lead.id))

    converted = c.convert_lead(o.li.id, lead.id, opportunity=crm.NewOpportunity("First order", Decimal("5000.00")))
    assert isinstance(converted, crm.LeadConversion) and converted.duplicates == []
    customer, opportunity = converted.customer, converted.opportunity
    assert (converted.lead.status, converted.lead.customer_id) == (crm.LeadStatus.CONVERTED, customer.id)
    assert (customer.name, customer.owner_id, customer.source, customer.level, customer.phones) == ("Lead One", o.li.id, "web", "B", ["13800000001"])
    assert customer.custom_fields == {"budget": Decimal("1200.50")} and customer.open_opportunities == 1
    assert opportunity is not None and isinstance(opportunity.amount, Decimal) and opportunity.amount == Decimal("5000.00")
    assert (opportunity.status, opportunity.owner_id, opportunity.customer_id, opportunity.closed_at) == (
        crm.OpportunityStatus.OPEN, o.li.id, customer.id, None
    )
    raises(crm.InvalidStateError, lambda: c.convert_lead(o.li.id, lead.id))

    duplicate = c.capture_lead(o.admin.id, name="Someone Else", phones=["+86 138-0000-0001"])
    (match,) = duplicate.duplicates
    assert isinstance(match, crm.DuplicateMatch) and (match.customer_id, match.owner_id, match.matched_on) == (customer.id, o.li.id, crm.MatchField.PHONE)

    plain = c.convert_lead(o.admin.id, duplicate.lead.id)
    assert plain.opportunity is None and plain.customer.owner_id == o.admin.id and len(plain.duplicates) == 1

    raises(crm.InvalidInputError, lambda: c.close_opportunity(o.li.id, opportunity.id, won=False))
    raises(crm.OutOfScopeError, lambda: c.close_opportunity(o.han.id, opportunity.id, won=True))
    o.at(NOW + 3 * DAY)
    closed = c.close_opportunity(o.li.id, opportunity.id, won=True)
    assert (closed.status, closed.closed_at, closed.lost_reason) == (crm.OpportunityStatus.WON, NOW + 3 * DAY, None)
    raises(crm.InvalidStateError, lambda: c.close_opportunity(o.li.id, opportunity.id, won=True))
    after = c.customer(o.li.id, customer.id)
    assert (after.deal_status, after.last_won_at, after.open_opportunities) == (crm.DealStatus.WON, NOW + 3 * DAY, 0)

    renewal = c.create_opportunity(o.li.id, customer.id, crm.NewOpportunity(name="Renewal", amount=Decimal("1200")))
    assert renewal.amount == Decimal("1200") and c.customer(o.li.id, customer.id).open_opportunities == 1
    lost = c.close_opportunity(o.li.id, renewal.id, won=False, lost_reason="budget cut")
    assert (lost.status, lost.lost_reason) == (crm.OpportunityStatus.LOST, "budget cut")
    assert [(x.id, x.status) for x in c.opportunities(o.li.id, customer.id)] == [
        (opportunity.id, crm.OpportunityStatus.WON), (renewal.id, crm.OpportunityStatus.LOST)
    ]
    raises(crm.InvalidInputError, lambda: c.create_opportunity(o.li.id, customer.id, crm.NewOpportunity(name="Refund", amount=Decimal("-1"))))
    raises(crm.OutOfScopeError, lambda: c.opportunities(o.han.id, customer.id))


def test_inputs_are_checked_at_the_boundary(org: Org) -> None:
    o, c = org, org.c
    customer = c.create_customer(o.li.id, name="Acme").customer
    cases = [
        ("opportunity.amount", "Decimal", lambda: c.create_opportunity(o.li.id, customer.id, crm.NewOpportunity("Deal", 1.5))),  # type: ignore[arg-type]
        ("opportunity.amount", "finite", lambda: c.create_opportunity(o.li.id, customer.id, crm.NewOpportunity("Deal", Decimal("NaN")))),
        ("opportunity.amount", "Decimal", lambda: c.convert_lead(o.li.id, "l-1", crm.NewOpportunity("Deal", 2.5))),  # type: ignore[arg-type]
        ("strategy", "AllocationStrategy", lambda: c.create_allocator(o.admin.id, name="X", strategy="round_robin", reps=[crm.AllocatorRep(o.li.id)])),  # type: ignore[arg-type]
        ("rules", "PoolRules", lambda: c.create_pool(o.admin.id, name="X", rules={"warn_days": 3})),  # type: ignore[arg-type]
        ("customer_ids", "sequence", lambda: c.claim_customers(o.li.id, "c-1")),
    ]
    for field, words, call in cases:
        # Refused before the core is called, as the core refuses: InvalidInputError naming the field.
        e = raises(crm.InvalidInputError, call)
        assert isinstance(e, ValueError) and e.field == field and words in e.reason
    assert c.customer(o.li.id, customer.id).open_opportunities == 0 and c.pools(o.admin.id) == []


def test_records_are_frozen_and_enums_are_strings(org: Org) -> None:
    o, c = org, org.c
    pool = c.create_pool(o.admin.id, name="Pool")
    with pytest.raises(dataclasses.FrozenInstanceError):
        pool.name = "Renamed"  # type: ignore[misc]
    assert crm.RecycleKind.NO_FOLLOW_UP == "no_follow_up" and str(crm.LeadStatus.CONVERTED) == "converted"
    assert crm.AllocationStrategyRoundRobin().type == "round_robin" and crm.PlacementPool("p-1").type == "pool"
    placements: List[crm.Placement] = [crm.PlacementRep("u-2"), crm.PlacementKept("u-2")]
    assert placements[0] != placements[1]
    for cls, parent in [
        (crm.AlreadyOwnedError, crm.InvalidStateError), (crm.DailyLimitReachedError, crm.LimitReachedError),
        (crm.OwnershipCapReachedError, crm.LimitReachedError), (crm.LockLimitReachedError, crm.LimitReachedError),
        (crm.CoolDownError, crm.TooEarlyError), (crm.WaitingPeriodError, crm.TooEarlyError), (crm.NoEligibleRepError, crm.CrmError),
    ]:
        assert issubclass(cls, parent) and issubclass(cls, crm.CrmError)
