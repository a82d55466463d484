"""crm: an embeddable CRM domain engine (Rust core) for Python.

Every call names the acting user first and is checked against their data scope. Instants are
timezone-aware `datetime`s, money and numbers `decimal.Decimal`; errors are subclasses of `CrmError`
with the stable `code` every surface shares.

The core's tagged unions are plain classes with a `type` tag and a `Union` alias: `CapScope`
(`EveryoneScope`, `TeamScope`, `RepScope`), `Strategy` (`RoundRobin`, `Weighted`, `LeastLoaded`,
`Capacity`, `Rules`), `RuleTarget` (`ToReps`, `ToPool`), `Placement` (`PlacedWithRep`,
`PlacedInPool`, `KeptWithOwner`) and `Subject` (`RepSubject`, `TeamSubject`).

RFM scoring, segment movement, churn warnings and performance are pure batch functions of
`crm.analytics`, re-exported here (`crm.rfm_score`, `crm.performance`, ...): no organisation needed.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from decimal import Decimal
from typing import Any, Dict, Iterable, List, Mapping, Optional, Type, TypeVar, Union

from . import _convert as _c
from ._crm import NativeCrm as _NativeCrm
from ._crm import NativeError as _NativeError
from ._records import (
    CommissionStatement,
    Contract,
    ContractStatus,
    Credit,
    CreditKind,
    ForecastCategory,
    ForecastRow,
    Instalment,
    LineKind,
    Move,
    NewInstalment,
    OutstandingBy,
    OutstandingRow,
    OverdueInstalment,
    Payment,
    PaymentAllocation,
    PaymentKind,
    Pipeline,
    Rotting,
    Stage,
    StageConversion,
    StageEntry,
    StageKind,
    StageTime,
    StatementLine,
    Transition,
    Velocity,
    Allocation,
    Allocator,
    AllocatorRep,
    AllocatorState,
    CapScope,
    Capacity,
    Channel,
    ClaimPolicy,
    Condition,
    Contact,
    Customer,
    CustomerCreated,
    CustomerKind,
    CustomerStatus,
    DataScope,
    DealStatus,
    Due,
    DuplicateMatch,
    DuplicateMode,
    DuplicatePolicy,
    Event,
    EveryoneScope,
    FieldValue,
    FollowUp,
    KeptWithOwner,
    Lead,
    LeadCaptured,
    LeadConversion,
    LeadStatus,
    LeastLoaded,
    LockPolicy,
    MatchField,
    NewOpportunity,
    Opportunity,
    OpportunityStatus,
    OrgSettings,
    OverdueFollowUp,
    OwnershipCap,
    OwnershipChange,
    OwnershipReason,
    PlacedInPool,
    PlacedWithRep,
    Placement,
    Pool,
    PoolRules,
    RecycleKind,
    RecycleRule,
    RecycleWarning,
    Recycled,
    RepScope,
    RepUsage,
    Role,
    RoundRobin,
    Rule,
    Rules,
    RuleTarget,
    Strategy,
    SweepReport,
    Team,
    TeamScope,
    ToPool,
    ToReps,
    User,
    Weighted,
)
from .errors import (
    AlreadyExistsError,
    AlreadyOwnedError,
    CoolDownError,
    CrmError,
    DailyLimitReachedError,
    DuplicateFoundError,
    InactiveUserError,
    InvalidEmailError,
    InvalidInputError,
    InvalidPhoneError,
    InvalidStateError,
    LimitReachedError,
    LockLimitReachedError,
    NoEligibleRepError,
    NotFoundError,
    RequiredFieldsMissingError,
    TransitionNotAllowedError,
    OutOfScopeError,
    OwnershipCapReachedError,
    PermissionDeniedError,
    StorageError,
    TooEarlyError,
    VersionConflictError,
    WaitingPeriodError,
)
from .errors import translate as _translate
from . import analytics, sla
from .analytics import (
    Achievement,
    Attainment,
    Basis,
    ChurnRule,
    ChurnWarning,
    Flow,
    Movement,
    Order,
    RepSubject,
    RfmRow,
    Segment,
    Subject,
    Target,
    TeamSubject,
    commission_statement,
    leaderboard,
    performance,
    rfm_churn_warnings,
    rfm_flows,
    rfm_movements,
    rfm_score,
    rfm_score_columns,
)

__all__ = [
    "Crm", "UNSET", "sla", "Channel", "Contact", "Customer", "CustomerCreated", "CustomerKind", "CustomerStatus",
    "DataScope", "DealStatus", "DuplicateMatch", "DuplicateMode", "DuplicatePolicy", "Event", "FieldValue",
    "FollowUp", "MatchField", "OrgSettings", "OverdueFollowUp", "OwnershipChange", "OwnershipReason", "Role",
    "Team", "User", "CrmError", "AlreadyExistsError", "DuplicateFoundError", "InactiveUserError",
    "InvalidEmailError", "InvalidInputError", "InvalidPhoneError", "InvalidStateError", "NotFoundError",
    "OutOfScopeError", "PermissionDeniedError", "StorageError", "VersionConflictError",
    # Pools, claims and recycling
    "Pool", "PoolRules", "RecycleKind", "RecycleRule", "Due", "Recycled", "RecycleWarning", "SweepReport",
    "ClaimPolicy", "OwnershipCap", "CapScope", "EveryoneScope", "TeamScope", "RepScope", "LockPolicy",
    # Leads, opportunities and allocation
    "Lead", "LeadStatus", "LeadCaptured", "LeadConversion", "Opportunity", "OpportunityStatus", "NewOpportunity",
    "Allocator", "AllocatorRep", "AllocatorState", "RepUsage", "Strategy", "RoundRobin", "Weighted", "LeastLoaded",
    "Capacity", "Rules", "Rule", "Condition", "RuleTarget", "ToReps", "ToPool", "Allocation", "Placement",
    "PlacedWithRep", "PlacedInPool", "KeptWithOwner",
    "AlreadyOwnedError", "LimitReachedError", "DailyLimitReachedError", "OwnershipCapReachedError",
    "LockLimitReachedError", "TooEarlyError", "CoolDownError", "WaitingPeriodError", "NoEligibleRepError",
    # Analytics: RFM, segment movement, churn warnings, performance (pure batch functions)
    "analytics", "Order", "RfmRow", "Segment", "Movement", "Flow", "ChurnRule", "ChurnWarning", "Basis", "Subject",
    "RepSubject", "TeamSubject", "Target", "Achievement", "Attainment", "rfm_score", "rfm_score_columns",
    "rfm_movements", "rfm_flows", "rfm_churn_warnings", "performance", "leaderboard",
    # Pipelines, contracts and payment collection, commission
    "Pipeline", "Stage", "StageKind", "Transition", "ForecastCategory", "StageEntry", "Move", "ForecastRow",
    "StageConversion", "StageTime", "Velocity", "Rotting", "Contract", "ContractStatus", "Instalment",
    "NewInstalment", "Payment", "PaymentKind", "PaymentAllocation", "OverdueInstalment", "OutstandingBy",
    "OutstandingRow", "Credit", "CreditKind", "CommissionStatement", "StatementLine", "LineKind",
    "commission_statement", "TransitionNotAllowedError", "RequiredFieldsMissingError",
]

T = TypeVar("T")


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


#: Leaves a field of `update_customer` unchanged (None clears `level`).
UNSET: Any = _Unset()


def _custom_fields(fields: Optional[Mapping[str, Any]], removable: bool = False) -> Dict[str, Any]:
    out: Dict[str, Any] = {}
    for name, value in (fields or {}).items():
        out[name] = None if (removable and value is None) else _c.field_value_to_json(name, value)
    return out


def _strings(name: str, values: Iterable[str]) -> List[str]:
    if isinstance(values, str):
        raise TypeError(f"{name} must be a list of strings, not a string")
    return [str(v) for v in values]


def _date(name: str, value: Optional[_dt.date]) -> Optional[_dt.date]:
    """A calendar date; a datetime is refused (which day it means depends on a time zone)."""
    if value is None:
        return None
    if isinstance(value, _dt.datetime) or not isinstance(value, _dt.date):
        raise TypeError(f"{name} must be a datetime.date, not {type(value).__name__}")
    return value


def _typed(name: str, value: T, *types: type) -> T:
    if not isinstance(value, types):
        expected = " or ".join(t.__name__ for t in types)
        raise TypeError(f"{name} must be a {expected}, not {type(value).__name__}")
    return value


_STRATEGIES = (RoundRobin, Weighted, LeastLoaded, Capacity, Rules)


class Crm:
    """A CRM organisation on the in-memory store or a SQLite file."""

    def __init__(self, path: Optional[Union[str, "os.PathLike[str]"]] = None, now: Optional[_dt.datetime] = None) -> None:
        try:
            self._native = _NativeCrm(None if path is None else os.fspath(path), None if now is None else _c.instant(now, "now"))
        except _NativeError as e:
            raise _translate(e) from None

    @classmethod
    def in_memory(cls, now: Optional[_dt.datetime] = None) -> "Crm":
        """An in-memory CRM; with `now`, its clock stands still until `set_now` moves it."""
        return cls(None, now)

    @classmethod
    def open(cls, path: Union[str, "os.PathLike[str]"], now: Optional[_dt.datetime] = None) -> "Crm":
        """A CRM on a SQLite file (created if missing)."""
        return cls(path, now)

    def set_now(self, now: _dt.datetime) -> None:
        self._call_native(lambda: self._native.set_now(_c.instant(now, "now")))

    @property
    def now(self) -> _dt.datetime:
        return _c.parse_instant(self._native.now())

    def _call_native(self, f: Any) -> Any:
        try:
            return f()
        except _NativeError as e:
            raise _translate(e) from None

    def _call(self, op: str, actor: str, args: Mapping[str, Any], result: Any) -> Any:
        payload = json.dumps(_c.to_json(dict(args)))
        text = self._call_native(lambda: self._native.call(op, actor, payload))
        return _c.from_json(result, json.loads(text))

    # Organisation -------------------------------------------------------------------------------

    def bootstrap(self, admin_name: str, settings: Optional[OrgSettings] = None) -> User:
        """Creates the first administrator of an empty organisation."""
        return self._call("bootstrap", "", {"admin_name": admin_name, "settings": settings}, User)

    def settings(self) -> OrgSettings:
        return self._call("settings", "", {}, OrgSettings)

    def update_settings(self, actor: str, settings: OrgSettings) -> OrgSettings:
        """`settings.version` must be the version you read."""
        return self._call("update_settings", actor, {"settings": settings}, OrgSettings)

    def create_team(self, actor: str, name: str) -> Team:
        return self._call("create_team", actor, {"name": name}, Team)

    def teams(self, actor: str) -> List[Team]:
        return self._call("teams", actor, {}, List[Team])

    def create_user(
        self, actor: str, *, name: str, role: Union[Role, str], scope: Optional[Union[DataScope, str]] = None,
        team_id: Optional[str] = None,
    ) -> User:
        return self._call("create_user", actor, {"name": name, "role": Role(role), "scope": None if scope is None else DataScope(scope), "team_id": team_id}, User)

    def user(self, actor: str, id: str) -> User:
        return self._call("user", actor, {"id": id}, User)

    def users(self, actor: str) -> List[User]:
        return self._call("users", actor, {}, List[User])

    def deactivate_user(self, actor: str, id: str, reason: str) -> User:
        return self._call("deactivate_user", actor, {"id": id, "reason": reason}, User)

    # Customers ----------------------------------------------------------------------------------

    def create_customer(
        self, actor: str, *, name: str, kind: Optional[Union[CustomerKind, str]] = None, level: Optional[str] = None,
        tags: Iterable[str] = (), source: Optional[str] = None, industry: Optional[str] = None,
        region: Optional[str] = None, phones: Iterable[str] = (), emails: Iterable[str] = (),
        owner_id: Optional[str] = None, pool_id: Optional[str] = None,
        custom_fields: Optional[Mapping[str, FieldValue]] = None,
    ) -> CustomerCreated:
        """Without `owner_id`, the actor owns the new customer, unless `pool_id` is given: then it
        enters that pool (公海) unowned (the actor must manage the pool). With both, `pool_id` is the
        pool recycling returns it to."""
        args = {
            "name": name, "kind": None if kind is None else CustomerKind(kind), "level": level,
            "tags": _strings("tags", tags), "source": source, "industry": industry, "region": region,
            "phones": _strings("phones", phones), "emails": _strings("emails", emails), "owner_id": owner_id,
            "pool_id": pool_id, "custom_fields": _custom_fields(custom_fields),
        }
        return self._call("create_customer", actor, args, CustomerCreated)

    def customer(self, actor: str, id: str) -> Customer:
        return self._call("customer", actor, {"id": id}, Customer)

    def customers(self, actor: str) -> List[Customer]:
        return self._call("customers", actor, {}, List[Customer])

    def update_customer(
        self, actor: str, id: str, expected_version: int, *, name: Any = UNSET, kind: Any = UNSET,
        level: Any = UNSET, add_tags: Iterable[str] = (), remove_tags: Iterable[str] = (), source: Any = UNSET,
        industry: Any = UNSET, region: Any = UNSET, phones: Any = UNSET, emails: Any = UNSET,
        custom_fields: Optional[Mapping[str, Optional[FieldValue]]] = None,
    ) -> Customer:
        """Changes only what is given; `expected_version` is the version you read. In
        `custom_fields`, a None value removes the field; `level=None` clears the level."""
        patch: Dict[str, Any] = {"add_tags": _strings("add_tags", add_tags), "remove_tags": _strings("remove_tags", remove_tags)}
        for key, value in (("name", name), ("kind", kind), ("source", source), ("industry", industry), ("region", region)):
            if value is not UNSET:
                patch[key] = value
        if level is not UNSET:
            patch["level"] = level
        if phones is not UNSET:
            patch["phones"] = _strings("phones", phones)
        if emails is not UNSET:
            patch["emails"] = _strings("emails", emails)
        patch["custom_fields"] = _custom_fields(custom_fields, removable=True)
        return self._call("update_customer", actor, {"id": id, "expected_version": expected_version, "patch": patch}, Customer)

    def transfer_customer(self, actor: str, id: str, expected_version: int, to: str, reason: str) -> Customer:
        return self._call("transfer_customer", actor, {"id": id, "expected_version": expected_version, "to": to, "reason": reason}, Customer)

    # Contacts and follow-ups --------------------------------------------------------------------

    def add_contact(
        self, actor: str, customer_id: str, *, name: str, phones: Iterable[str] = (), emails: Iterable[str] = (),
        role: Optional[str] = None,
    ) -> Contact:
        contact = {"name": name, "phones": _strings("phones", phones), "emails": _strings("emails", emails), "role": role}
        return self._call("add_contact", actor, {"customer_id": customer_id, "contact": contact}, Contact)

    def contacts(self, actor: str, customer_id: str) -> List[Contact]:
        return self._call("contacts", actor, {"customer_id": customer_id}, List[Contact])

    def record_follow_up(
        self, actor: str, customer_id: str, *, channel: Union[Channel, str], note: str = "",
        at: Optional[_dt.datetime] = None, next_follow_up_at: Optional[_dt.datetime] = None,
    ) -> FollowUp:
        follow_up = {
            "channel": Channel(channel), "note": note,
            "at": None if at is None else _c.instant(at, "at"),
            "next_follow_up_at": None if next_follow_up_at is None else _c.instant(next_follow_up_at, "next_follow_up_at"),
        }
        return self._call("record_follow_up", actor, {"customer_id": customer_id, "follow_up": follow_up}, FollowUp)

    def follow_ups(self, actor: str, customer_id: str) -> List[FollowUp]:
        return self._call("follow_ups", actor, {"customer_id": customer_id}, List[FollowUp])

    def overdue_follow_ups(self, actor: str, rep_id: Optional[str] = None) -> List[OverdueFollowUp]:
        return self._call("overdue_follow_ups", actor, {"rep_id": rep_id}, List[OverdueFollowUp])

    # Duplicates, merge, ownership ---------------------------------------------------------------

    def find_duplicates(
        self, actor: str, *, name: Optional[str] = None, phones: Iterable[str] = (), emails: Iterable[str] = (),
    ) -> List[DuplicateMatch]:
        args = {"name": name, "phones": _strings("phones", phones), "emails": _strings("emails", emails)}
        return self._call("find_duplicates", actor, args, List[DuplicateMatch])

    def duplicates_of(self, actor: str, customer_id: str) -> List[DuplicateMatch]:
        return self._call("duplicates_of", actor, {"customer_id": customer_id}, List[DuplicateMatch])

    def merge_customers(self, actor: str, survivor_id: str, merged_id: str) -> Customer:
        return self._call("merge_customers", actor, {"survivor_id": survivor_id, "merged_id": merged_id}, Customer)

    def handover(self, actor: str, from_: str, to: str, reason: str) -> List[str]:
        """Hands every customer of `from_` to `to` in one step (离职交接); returns their ids."""
        return self._call("handover", actor, {"from": from_, "to": to, "reason": reason}, List[str])

    def ownership_history(self, actor: str, customer_id: str) -> List[OwnershipChange]:
        return self._call("ownership_history", actor, {"customer_id": customer_id}, List[OwnershipChange])

    def customer_events(self, actor: str, customer_id: str) -> List[Event]:
        return self._call("customer_events", actor, {"customer_id": customer_id}, List[Event])

    def events(self, actor: str, after: int = 0, limit: Optional[int] = None) -> List[Event]:
        return self._call("events", actor, {"after": after, "limit": limit}, List[Event])

    # Pools (公海), claims and recycling ---------------------------------------------------------

    def create_pool(
        self, actor: str, *, name: str, member_ids: Iterable[str] = (), member_team_ids: Iterable[str] = (),
        admin_ids: Iterable[str] = (), rules: Optional[PoolRules] = None,
    ) -> Pool:
        """Administrators only. Members (users, or whole teams) may claim from the pool; its admins
        (and every organisation admin) manage it."""
        args = {
            "name": name, "member_ids": _strings("member_ids", member_ids),
            "member_team_ids": _strings("member_team_ids", member_team_ids), "admin_ids": _strings("admin_ids", admin_ids),
            "rules": _typed("rules", PoolRules() if rules is None else rules, PoolRules),
        }
        return self._call("create_pool", actor, args, Pool)

    def pools(self, actor: str) -> List[Pool]:
        """The pools the actor may claim from or manages (administrators: all)."""
        return self._call("pools", actor, {}, List[Pool])

    def update_pool_rules(self, actor: str, pool_id: str, expected_version: int, rules: PoolRules) -> Pool:
        """Replaces the pool's rules; `expected_version` is the pool version you read."""
        args = {"pool_id": pool_id, "expected_version": expected_version, "rules": _typed("rules", rules, PoolRules)}
        return self._call("update_pool_rules", actor, args, Pool)

    def delete_pool(self, actor: str, pool_id: str) -> None:
        """Deletes an empty pool; one with customers in it raises `InvalidStateError`."""
        self._call("delete_pool", actor, {"pool_id": pool_id}, type(None))

    def pool_customers(self, actor: str, pool_id: str) -> List[Customer]:
        """The customers waiting in the pool, for its members, in id order."""
        return self._call("pool_customers", actor, {"pool_id": pool_id}, List[Customer])

    def claim_customer(self, actor: str, customer_id: str) -> Customer:
        """Takes a customer from its pool (领取). Refusals: `AlreadyOwnedError`, `WaitingPeriodError`,
        `CoolDownError`, `DailyLimitReachedError`, `OwnershipCapReachedError`, `PermissionDeniedError`
        (not a member of the pool)."""
        return self._call("claim_customer", actor, {"customer_id": customer_id}, Customer)

    def claim_customers(self, actor: str, customer_ids: Iterable[str]) -> List[Customer]:
        """Claims all of them or none: the first refusal fails the batch and changes nothing."""
        return self._call("claim_customers", actor, {"customer_ids": _strings("customer_ids", customer_ids)}, List[Customer])

    def release_customer(self, actor: str, customer_id: str, reason: str) -> Customer:
        """Gives an owned customer back to its pool (or the default pool) (释放)."""
        return self._call("release_customer", actor, {"customer_id": customer_id, "reason": reason}, Customer)

    def move_to_pool(self, actor: str, customer_id: str, pool_id: str, reason: str) -> Customer:
        """A pool admin's move; an owned customer keeps its owner and will be recycled to `pool_id`."""
        return self._call("move_to_pool", actor, {"customer_id": customer_id, "pool_id": pool_id, "reason": reason}, Customer)

    def lock_customer(self, actor: str, customer_id: str, days: Optional[int] = None) -> Customer:
        """Protects an owned customer from recycling (保护) for `days` (None: until unlocked), cut
        to the lock policy's `max_days`. Raises `LockLimitReachedError` at the policy's `max_locked`."""
        return self._call("lock_customer", actor, {"customer_id": customer_id, "days": days}, Customer)

    def unlock_customer(self, actor: str, customer_id: str) -> Customer:
        return self._call("unlock_customer", actor, {"customer_id": customer_id}, Customer)

    def sweep_pools(self, actor: str) -> SweepReport:
        """Administrators only: returns every customer a recycling rule makes due at `now` to its
        pool (回收). A second sweep at the same `now` recycles nothing."""
        return self._call("sweep_pools", actor, {}, SweepReport)

    def recycle_warnings(self, actor: str, owner_id: Optional[str] = None) -> List[RecycleWarning]:
        """Customers a rule will recycle within their pool's `warn_days`, soonest first, in the
        actor's scope (only `owner_id`'s when given)."""
        return self._call("recycle_warnings", actor, {"owner_id": owner_id}, List[RecycleWarning])

    # Leads (线索), allocation and opportunities -------------------------------------------------

    def create_allocator(self, actor: str, *, name: str, strategy: Strategy, reps: Iterable[AllocatorRep]) -> Allocator:
        """Administrators only. Every rep a `Rules` target names must be one of `reps`."""
        rep_list = [_typed("reps[]", rep, AllocatorRep) for rep in reps]
        args = {"name": name, "strategy": _typed("strategy", strategy, *_STRATEGIES), "reps": rep_list}
        return self._call("create_allocator", actor, args, Allocator)

    def allocators(self, actor: str) -> List[Allocator]:
        """Managers and administrators."""
        return self._call("allocators", actor, {}, List[Allocator])

    def capture_lead(
        self, actor: str, *, name: str, kind: Optional[Union[CustomerKind, str]] = None, phones: Iterable[str] = (),
        emails: Iterable[str] = (), source: Optional[str] = None, region: Optional[str] = None,
        industry: Optional[str] = None, level: Optional[str] = None,
        custom_fields: Optional[Mapping[str, FieldValue]] = None, weight: Optional[int] = None,
        owner_id: Optional[str] = None,
    ) -> LeadCaptured:
        """Captures a lead; without `owner_id` (a rep the actor manages) it waits for allocation.
        `weight` (default 1) is the capacity it consumes when allocated."""
        args = {
            "name": name, "kind": None if kind is None else CustomerKind(kind), "phones": _strings("phones", phones),
            "emails": _strings("emails", emails), "source": source, "region": region, "industry": industry,
            "level": level, "custom_fields": _custom_fields(custom_fields),
            "weight": None if weight is None else _typed("weight", weight, int), "owner_id": owner_id,
        }
        return self._call("capture_lead", actor, args, LeadCaptured)

    def lead(self, actor: str, id: str) -> Lead:
        return self._call("lead", actor, {"id": id}, Lead)

    def leads(self, actor: str) -> List[Lead]:
        """Open and converted leads in the actor's scope (unowned ones: administrators), in id order."""
        return self._call("leads", actor, {}, List[Lead])

    def allocate_leads(
        self, actor: str, allocator_id: str, lead_ids: Iterable[str], *, reassign_owned: bool = False,
    ) -> List[Allocation]:
        """Places the leads with the allocator's strategy, all or none (`NoEligibleRepError` when
        one cannot be placed). Owned leads are kept unless `reassign_owned`."""
        args = {"allocator_id": allocator_id, "lead_ids": _strings("lead_ids", lead_ids), "reassign_owned": bool(reassign_owned)}
        return self._call("allocate_leads", actor, args, List[Allocation])

    def convert_lead(self, actor: str, lead_id: str, *, opportunity: Optional[NewOpportunity] = None) -> LeadConversion:
        """Turns an open lead into a customer owned by the lead's owner (or the actor), and
        optionally an opportunity, in one step."""
        if opportunity is not None:
            _typed("opportunity", opportunity, NewOpportunity)
            opportunity = NewOpportunity(opportunity.name, _c.decimal(opportunity.amount, "opportunity.amount"))
        return self._call("convert_lead", actor, {"lead_id": lead_id, "opportunity": opportunity}, LeadConversion)

    def create_opportunity(
        self, actor: str, customer_id: str, *, name: str, amount: Decimal, pipeline_id: Optional[str] = None,
        stage: Optional[str] = None, expected_close: Optional[_dt.date] = None,
        probability_override: Optional[Decimal] = None, fields: Optional[Mapping[str, str]] = None,
    ) -> Opportunity:
        """Opens an opportunity (商机) on the customer; `amount` is a `Decimal` (not negative). It
        starts in `stage` (default: the first open stage) of `pipeline_id` (default: "default"),
        whose guards apply."""
        opportunity = {
            "name": name, "amount": _c.decimal(amount, "amount"), "pipeline_id": pipeline_id, "stage": stage,
            "expected_close": _date("expected_close", expected_close),
            "probability_override": None if probability_override is None else _c.decimal(probability_override, "probability_override"),
            "fields": dict(fields or {}),
        }
        return self._call("create_opportunity", actor, {"customer_id": customer_id, "opportunity": opportunity}, Opportunity)

    def close_opportunity(self, actor: str, opportunity_id: str, *, won: bool, lost_reason: Optional[str] = None) -> Opportunity:
        """Won: the customer becomes won. Lost: `lost_reason` is required."""
        args = {"opportunity_id": opportunity_id, "won": _typed("won", won, bool), "lost_reason": lost_reason}
        return self._call("close_opportunity", actor, args, Opportunity)

    def opportunities(self, actor: str, customer_id: str) -> List[Opportunity]:
        return self._call("opportunities", actor, {"customer_id": customer_id}, List[Opportunity])

    def opportunity(self, actor: str, id: str) -> Opportunity:
        return self._call("opportunity", actor, {"id": id}, Opportunity)

    def all_opportunities(self, actor: str) -> List[Opportunity]:
        """Every opportunity of the customers in the actor's scope, in id order."""
        return self._call("all_opportunities", actor, {}, List[Opportunity])

    # Pipelines (section 4) ----------------------------------------------------------------------

    def save_pipeline(self, actor: str, pipeline: Pipeline) -> Pipeline:
        """Administrators only: stores a pipeline (`version` 0 creates, else the version read). A
        stage opportunities are in cannot be removed."""
        return self._call("save_pipeline", actor, {"pipeline": _typed("pipeline", pipeline, Pipeline)}, Pipeline)

    def pipelines(self, actor: str) -> List[Pipeline]:
        """The organisation's pipelines; `default` is the built-in standard one until stored."""
        return self._call("pipelines", actor, {}, List[Pipeline])

    def move_opportunity(
        self, actor: str, opportunity_id: str, stage: str, *, lost_reason: Optional[str] = None,
        expected_version: Optional[int] = None,
    ) -> Opportunity:
        """Moves to `stage` when the pipeline allows it (`TransitionNotAllowedError`) and the
        stage's guards hold (`RequiredFieldsMissingError`); a lost stage needs a `lost_reason`."""
        args = {"opportunity_id": opportunity_id, "stage": stage, "lost_reason": lost_reason, "expected_version": expected_version}
        return self._call("move_opportunity", actor, args, Opportunity)

    def update_opportunity(
        self, actor: str, opportunity_id: str, expected_version: int, *, name: Optional[str] = None,
        amount: Optional[Decimal] = None, expected_close: Optional[_dt.date] = None,
        probability_override: Any = UNSET, fields: Optional[Mapping[str, str]] = None,
    ) -> Opportunity:
        """Changes an open opportunity's figures (None leaves one as it is; `probability_override=None`
        clears the override; an empty field value removes the field). A change of amount,
        probability or close date starts a new history entry."""
        patch: Dict[str, Any] = {"name": name, "fields": dict(fields or {})}
        if amount is not None:
            patch["amount"] = _c.decimal(amount, "amount")
        if expected_close is not None:
            patch["expected_close"] = _date("expected_close", expected_close)
        if probability_override is not UNSET:
            patch["probability_override"] = (
                None if probability_override is None else _c.decimal(probability_override, "probability_override")
            )
        args = {"opportunity_id": opportunity_id, "expected_version": _typed("expected_version", expected_version, int), "patch": patch}
        return self._call("update_opportunity", actor, args, Opportunity)

    def record_opportunity_activity(self, actor: str, opportunity_id: str, note: str) -> Opportunity:
        """A note or completed task: resets the opportunity's rotting clock."""
        return self._call("record_opportunity_activity", actor, {"opportunity_id": opportunity_id, "note": note}, Opportunity)

    def forecast(self, actor: str, period_kind: str = "month", *, as_of: Optional[_dt.datetime] = None) -> List[ForecastRow]:
        """The weighted forecast per `month`, `quarter` or `year` as things stood at `as_of`
        (default: now)."""
        args = {"period_kind": period_kind, "as_of": None if as_of is None else _c.instant(as_of, "as_of")}
        return self._call("forecast", actor, args, List[ForecastRow])

    def stage_conversion(self, actor: str, pipeline_id: str = "default") -> List[StageConversion]:
        return self._call("stage_conversion", actor, {"pipeline_id": pipeline_id}, List[StageConversion])

    def time_in_stage(self, actor: str, pipeline_id: str = "default") -> List[StageTime]:
        return self._call("time_in_stage", actor, {"pipeline_id": pipeline_id}, List[StageTime])

    def sales_velocity(self, actor: str, start: _dt.datetime, end: _dt.datetime) -> Velocity:
        """Open deals x win rate x average won amount / cycle days, over deals closed in [start, end)."""
        args = {"from": _c.instant(start, "start"), "to": _c.instant(end, "end")}
        return self._call("sales_velocity", actor, args, Velocity)

    def rotting_opportunities(self, actor: str) -> List[Rotting]:
        """Open opportunities idle longer than their stage's `rot_days`, longest idle first."""
        return self._call("rotting_opportunities", actor, {}, List[Rotting])

    # Contracts and payment collection (回款) -------------------------------------------------------

    def create_contract(
        self, actor: str, opportunity_id: str, *, signed_on: _dt.date, instalments: Iterable[NewInstalment],
        amount: Optional[Decimal] = None,
    ) -> Contract:
        """Turns a won opportunity into a contract; the instalments must sum to its amount
        (default: the opportunity's)."""
        plan = [_typed("instalments[]", i, NewInstalment) for i in instalments]
        for i in plan:
            _date("instalments[].due_date", i.due_date)
            _c.decimal(i.amount, "instalments[].amount")
        contract = {
            "signed_on": _date("signed_on", signed_on), "instalments": plan,
            "amount": None if amount is None else _c.decimal(amount, "amount"),
        }
        return self._call("create_contract", actor, {"opportunity_id": opportunity_id, "contract": contract}, Contract)

    def contract(self, actor: str, id: str) -> Contract:
        return self._call("contract", actor, {"id": id}, Contract)

    def contracts(self, actor: str) -> List[Contract]:
        return self._call("contracts", actor, {}, List[Contract])

    def record_payment(
        self, actor: str, contract_id: str, *, received_on: _dt.date, amount: Decimal, instalment: Optional[int] = None,
        note: Optional[str] = None, expected_version: Optional[int] = None,
    ) -> Contract:
        """Money received: the named instalment first, then the oldest due."""
        payment = {"received_on": _date("received_on", received_on), "amount": _c.decimal(amount, "amount"), "instalment": instalment, "note": note}
        args = {"contract_id": contract_id, "payment": payment, "expected_version": expected_version}
        return self._call("record_payment", actor, args, Contract)

    def record_refund(
        self, actor: str, contract_id: str, *, received_on: _dt.date, amount: Decimal, note: Optional[str] = None,
        expected_version: Optional[int] = None,
    ) -> Contract:
        """Money returned: taken from the latest paid instalments."""
        refund = {"received_on": _date("received_on", received_on), "amount": _c.decimal(amount, "amount"), "note": note}
        args = {"contract_id": contract_id, "refund": refund, "expected_version": expected_version}
        return self._call("record_refund", actor, args, Contract)

    def cancel_contract(self, actor: str, contract_id: str, reason: str) -> Contract:
        return self._call("cancel_contract", actor, {"contract_id": contract_id, "reason": reason}, Contract)

    def overdue_instalments(self, actor: str) -> List[OverdueInstalment]:
        """Unpaid instalments past their due date (local dates), most overdue first."""
        return self._call("overdue_instalments", actor, {}, List[OverdueInstalment])

    def outstanding_balances(self, actor: str, by: Union[OutstandingBy, str] = OutstandingBy.REP) -> List[OutstandingRow]:
        return self._call("outstanding_balances", actor, {"by": OutstandingBy(by)}, List[OutstandingRow])

    def commission_statements(self, actor: str, plan: Union[str, Mapping[str, Any]], period: str) -> List[CommissionStatement]:
        """Statements of `plan` (TOML text, or the plan as a mapping) for `period` over the won deals
        and contract payments in the actor's scope."""
        args: Dict[str, Any] = {"period": period}
        args["plan_toml" if isinstance(plan, str) else "plan"] = plan if isinstance(plan, str) else dict(plan)
        return self._call("commission_statements", actor, args, List[CommissionStatement])
