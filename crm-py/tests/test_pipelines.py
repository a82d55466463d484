"""Pipelines, contracts and commission through the Python API: typed errors for refused moves,
dates as `date`, instants as aware `datetime`, money as `Decimal`, one call per commission batch."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

import crm

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def org() -> tuple[crm.Crm, crm.User, crm.User, crm.Customer]:
    c = crm.Crm.in_memory(now=NOW)
    admin = c.bootstrap("Ada")
    rep = c.create_user(admin.id, name="Li", role=crm.Role.REP)
    customer = c.create_customer(rep.id, name="Acme").customer
    return c, admin, rep, customer


def test_a_deal_moves_through_the_pipeline_with_guards_reasons_and_reopening() -> None:
    c, admin, rep, customer = org()
    o = c.create_opportunity(rep.id, customer.id, crm.NewOpportunity(name="ERP", amount=Decimal("1000.00")))
    assert (o.stage, o.status, o.history[0].probability) == ("qualify", crm.OpportunityStatus.OPEN, Decimal("10"))
    assert o.history[0].entered_at.tzinfo is not None
    with pytest.raises(crm.RequiredFieldsMissingError) as missing:
        c.move_opportunity(rep.id, o.id, o.version, "proposal")
    assert (missing.value.stage, missing.value.fields) == ("proposal", ["expected_close"])
    assert c.opportunity(rep.id, o.id) == o, "a refused move changes nothing"
    patch = crm.OpportunityPatch(expected_close=dt.date(2026, 4, 30), fields={"po_number": "PO-1"})
    dated = c.update_opportunity(rep.id, o.id, o.version, patch)
    assert dated.fields == {"po_number": "PO-1"} and dated.expected_close == dt.date(2026, 4, 30)
    proposal = c.move_opportunity(rep.id, o.id, dated.version, "proposal")
    assert proposal.history[-1].category == crm.ForecastCategory.BEST_CASE
    with pytest.raises(crm.InvalidInputError):
        c.move_opportunity(rep.id, o.id, proposal.version, "lost")
    lost = c.move_opportunity(rep.id, o.id, proposal.version, "lost", lost_reason="price")
    assert lost.status == crm.OpportunityStatus.LOST and lost.closed_at is not None
    with pytest.raises(crm.TransitionNotAllowedError) as refused:
        c.move_opportunity(rep.id, o.id, lost.version, "qualify")
    assert (refused.value.from_stage, refused.value.to_stage) == ("lost", "qualify")
    assert c.move_opportunity(admin.id, o.id, lost.version, "qualify").status == crm.OpportunityStatus.OPEN
    rows = c.forecast(admin.id, crm.PeriodKind.MONTH)
    assert [(r.period, r.open, r.weighted) for r in rows] == [("2026-04", 1, Decimal("100"))]
    past = c.forecast(admin.id, crm.PeriodKind.MONTH, as_of=NOW - dt.timedelta(days=1))
    assert past == []
    assert c.stage_conversion(admin.id, "default")[0].from_stage == "qualify"
    with pytest.raises(crm.InvalidInputError, match="patch.amount"):
        c.update_opportunity(rep.id, o.id, 9, crm.OpportunityPatch(amount=1.5))  # type: ignore[arg-type]
    with pytest.raises(crm.InvalidInputError, match="expected_close"):
        c.create_opportunity(rep.id, customer.id, crm.NewOpportunity(name="x", amount=Decimal(1), expected_close=NOW))


def test_custom_pipelines_list_their_transitions_and_reasons() -> None:
    c, admin, rep, customer = org()
    stages = [
        crm.Stage("contact", "Contact", Decimal(30), crm.ForecastCategory.PIPELINE),
        crm.Stage("won", "Won", Decimal(100), crm.ForecastCategory.CLOSED, kind=crm.StageKind.WON),
        crm.Stage("lost", "Lost", Decimal(0), crm.ForecastCategory.OMITTED, kind=crm.StageKind.LOST),
    ]
    p = crm.Pipeline("renewal", "Renewal", stages, transitions=[crm.Transition("contact", "lost")], lost_reasons=["churned"])
    with pytest.raises(crm.PermissionDeniedError):
        c.save_pipeline(rep.id, p)
    saved = c.save_pipeline(admin.id, p)
    assert saved.version == 1 and saved.transitions == [crm.Transition("contact", "lost")]
    o = c.create_opportunity(rep.id, customer.id, crm.NewOpportunity(name="Renewal", amount=Decimal(10), pipeline_id="renewal"))
    with pytest.raises(crm.TransitionNotAllowedError):
        c.move_opportunity(rep.id, o.id, o.version, "won")
    with pytest.raises(crm.InvalidInputError):
        c.move_opportunity(rep.id, o.id, o.version, "lost", lost_reason="weather")
    assert c.move_opportunity(rep.id, o.id, o.version, "lost", lost_reason="churned").lost_reason == "churned"


def test_a_contract_collects_payments_and_lists_what_is_overdue() -> None:
    c, admin, rep, customer = org()
    o = c.create_opportunity(rep.id, customer.id, crm.NewOpportunity(name="ERP", amount=Decimal(900)))
    c.close_opportunity(rep.id, o.id, won=True)
    instalments = [crm.NewInstalment(dt.date(2026, 3, 10), Decimal(300)), crm.NewInstalment(dt.date(2026, 4, 10), Decimal(600))]
    k = c.create_contract(rep.id, o.id, crm.NewContract(signed_on=dt.date(2026, 3, 2), instalments=instalments))
    assert k.status == crm.ContractStatus.ACTIVE and k.signed_on == dt.date(2026, 3, 2)
    paid = c.record_payment(rep.id, k.id, k.version, crm.NewPayment(received_on=dt.date(2026, 3, 2), amount=Decimal(400)))
    assert paid.payments[0].allocations == [crm.PaymentAllocation(1, Decimal(300)), crm.PaymentAllocation(2, Decimal(100))]
    with pytest.raises(crm.InvalidInputError):
        c.record_payment(rep.id, k.id, paid.version, crm.NewPayment(received_on=dt.date(2026, 3, 2), amount=Decimal(501)))
    c.set_now(NOW + dt.timedelta(days=49))
    overdue = c.overdue_instalments(admin.id)
    assert [(x.seq, x.open, x.days_overdue) for x in overdue] == [(2, Decimal(500), 10)]
    assert [(r.key, r.outstanding) for r in c.outstanding_balances(admin.id, crm.OutstandingBy.CUSTOMER)] == [(customer.id, Decimal(500))]
    refund = c.record_refund(rep.id, k.id, paid.version, crm.NewPayment(received_on=dt.date(2026, 4, 20), amount=Decimal(50)))
    assert refund.payments[-1].kind == crm.PaymentKind.REFUND
    statements = c.commission_statements(admin.id, "2026-03", plan_toml='name = "p"\nbase = "booked"\nperiod = "month"\n[rates]\ntype = "flat"\nrate = "10"')
    assert [(s.rep_id, s.total) for s in statements] == [(rep.id, Decimal("90.00"))]


def test_commission_statements_from_credits_in_one_call() -> None:
    plan = 'name = "tiers"\nbase = "booked"\nperiod = "month"\n[rates]\ntype = "graduated"\n' \
        '[[rates.tiers]]\nlower = "0"\nupper = "5000"\nrate = "2"\n[[rates.tiers]]\nlower = "5000"\nrate = "4"'
    credits = [
        crm.CommissionCredit(crm.CommissionCreditKind.WON, "d1", dt.date(2026, 3, 2), amount=Decimal(10000), rep_id="a", split=Decimal(60)),
        crm.CommissionCredit(crm.CommissionCreditKind.WON, "d1", dt.date(2026, 3, 2), amount=Decimal(10000), rep_id="b", split=Decimal(40)),
    ]
    a, b = crm.commission_statement(credits, "2026-03", plan_toml=plan)
    assert (a.rep_id, a.total, b.total) == ("a", Decimal("140.00"), Decimal("80.00"))
    assert [(line.kind, line.tier, line.amount) for line in a.lines] == [
        (crm.CommissionLineKind.COMMISSION, 1, Decimal("100.00")), (crm.CommissionLineKind.COMMISSION, 2, Decimal("40.00")),
    ]
    with pytest.raises(crm.InvalidInputError) as bad:
        crm.commission_statement(credits[:1], "2026-03", plan_toml=plan)
    assert "split" in bad.value.field
    with pytest.raises(crm.InvalidInputError, match=r"credits\[0\].amount"):
        crm.commission_statement([crm.CommissionCredit(crm.CommissionCreditKind.WON, "d", dt.date(2026, 3, 2), amount=1.5)], "2026-03", plan_toml=plan)  # type: ignore[arg-type]
