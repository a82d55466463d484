"""Records and enums of the crm core, as typed, immutable Python objects."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Any, ClassVar, Dict, List, Optional, Union

#: A custom field value: text, a decimal number, a flag or a date.
FieldValue = Union[str, Decimal, bool, _dt.date]


class _StrEnum(str, Enum):
    def __str__(self) -> str:
        return self.value


class Role(_StrEnum):
    REP = "rep"
    MANAGER = "manager"
    ADMIN = "admin"


class DataScope(_StrEnum):
    OWN = "own"
    TEAM = "team"
    ALL = "all"


class CustomerKind(_StrEnum):
    COMPANY = "company"
    PERSON = "person"


class CustomerStatus(_StrEnum):
    ACTIVE = "active"
    MERGED = "merged"


class DealStatus(_StrEnum):
    NONE = "none"
    WON = "won"


class Channel(_StrEnum):
    CALL = "call"
    VISIT = "visit"
    EMAIL = "email"
    MESSAGE = "message"
    MEETING = "meeting"
    OTHER = "other"


class MatchField(_StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    NAME = "name"


class DuplicateMode(_StrEnum):
    OFF = "off"
    WARN = "warn"
    BLOCK = "block"


class OwnershipReason(_StrEnum):
    CREATED = "created"
    CLAIMED = "claimed"
    ASSIGNED = "assigned"
    TRANSFERRED = "transferred"
    RECYCLED = "recycled"
    RELEASED = "released"
    MERGED = "merged"
    HANDOVER = "handover"


class RecycleKind(_StrEnum):
    """A recycling rule (回收): what the owner failed to achieve for N days."""

    #: No follow-up for N days; the clock is the later of the last follow-up and the start of ownership.
    NO_FOLLOW_UP = "no_follow_up"
    #: No won deal for N days since the start of ownership.
    NO_WON_DEAL = "no_won_deal"
    #: No open opportunity for N days since the start of ownership.
    NO_OPEN_OPPORTUNITY = "no_open_opportunity"


class LeadStatus(_StrEnum):
    OPEN = "open"
    CONVERTED = "converted"


class OpportunityStatus(_StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class StageKind(_StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class ForecastCategory(_StrEnum):
    PIPELINE = "pipeline"
    BEST_CASE = "best_case"
    COMMIT = "commit"
    CLOSED = "closed"
    OMITTED = "omitted"


class Move(_StrEnum):
    FORWARD = "forward"
    BACK = "back"
    WIN = "win"
    LOSE = "lose"
    REOPEN = "reopen"


class ContractStatus(_StrEnum):
    ACTIVE = "active"
    PAID = "paid"
    CANCELLED = "cancelled"


class PaymentKind(_StrEnum):
    PAYMENT = "payment"
    REFUND = "refund"


class OutstandingBy(_StrEnum):
    REP = "rep"
    CUSTOMER = "customer"


class CreditKind(_StrEnum):
    WON = "won"
    PAYMENT = "payment"
    REFUND = "refund"
    CANCEL = "cancel"


class LineKind(_StrEnum):
    COMMISSION = "commission"
    DEAL_CAP = "deal_cap"
    DEAL_FLOOR = "deal_floor"
    BAND = "band"
    GATE = "gate"
    CLAWBACK = "clawback"
    PERIOD_CAP = "period_cap"
    PERIOD_FLOOR = "period_floor"
    DRAW_TOP_UP = "draw_top_up"
    DRAW_RECOVERY = "draw_recovery"


class _Variant:
    """A variant of one of the core's tagged unions; `type` is its tag in the JSON form."""

    type: ClassVar[str]


@dataclass(frozen=True)
class DuplicatePolicy:
    on_create: DuplicateMode = DuplicateMode.WARN
    name_threshold: float = 0.85


# Ownership caps: whom a cap applies to ------------------------------------------------------------


@dataclass(frozen=True)
class EveryoneScope(_Variant):
    """The cap applies to every rep."""

    type: ClassVar[str] = "everyone"


@dataclass(frozen=True)
class TeamScope(_Variant):
    """The cap applies to each member of a team."""

    team_id: str
    type: ClassVar[str] = "team"


@dataclass(frozen=True)
class RepScope(_Variant):
    """The cap applies to one rep."""

    user_id: str
    type: ClassVar[str] = "rep"


#: Whom an `OwnershipCap` applies to.
CapScope = Union[EveryoneScope, TeamScope, RepScope]


@dataclass(frozen=True)
class OwnershipCap:
    """Each rep the scope matches may own at most `max_owned` customers (the strictest matching
    cap applies); won customers count only with `count_won`."""

    scope: CapScope
    max_owned: int
    count_won: bool = False


@dataclass(frozen=True)
class ClaimPolicy:
    """Organisation-wide claim limits, each optional."""

    #: Claims per rep per local day (the organisation's time zone), across all pools.
    daily_limit: Optional[int] = None
    caps: List[OwnershipCap] = field(default_factory=list)


@dataclass(frozen=True)
class LockPolicy:
    """Protection (保护) limits: locked customers per rep and the longest a lock may last."""

    max_locked: Optional[int] = None
    max_days: Optional[int] = None


@dataclass(frozen=True)
class OrgSettings:
    timezone: str = "Asia/Shanghai"
    duplicates: DuplicatePolicy = field(default_factory=DuplicatePolicy)
    #: The version you read; `update_settings` refuses a stale one.
    version: int = 0
    claims: ClaimPolicy = field(default_factory=ClaimPolicy)
    locks: LockPolicy = field(default_factory=LockPolicy)
    #: Where customers without a pool of their own are released and recycled to.
    default_pool_id: Optional[str] = None


@dataclass(frozen=True)
class User:
    id: str
    name: str
    role: Role
    scope: DataScope
    team_id: Optional[str]
    active: bool
    created_at: _dt.datetime
    version: int


@dataclass(frozen=True)
class Team:
    id: str
    name: str
    created_at: _dt.datetime
    version: int


@dataclass(frozen=True)
class Customer:
    id: str
    name: str
    kind: CustomerKind
    level: Optional[str]
    tags: List[str]
    source: Optional[str]
    industry: Optional[str]
    region: Optional[str]
    phones: List[str]
    emails: List[str]
    owner_id: Optional[str]
    previous_owner_id: Optional[str]
    pool_id: Optional[str]
    pooled_at: Optional[_dt.datetime]
    status: CustomerStatus
    merged_into: Optional[str]
    merged_from: List[str]
    created_at: _dt.datetime
    updated_at: _dt.datetime
    owned_since: Optional[_dt.datetime]
    last_follow_up_at: Optional[_dt.datetime]
    next_follow_up_at: Optional[_dt.datetime]
    deal_status: DealStatus
    #: Protected from recycling (保护); see `locked_until`.
    locked: bool
    #: When the protection ends (None: until unlocked).
    locked_until: Optional[_dt.datetime]
    #: The latest won deal, for the "no won deal" recycling rule.
    last_won_at: Optional[_dt.datetime]
    #: Open opportunities, for the "no open opportunity" rule and its exemption.
    open_opportunities: int
    #: When a sweep will return it to its pool under the rules in force (None: no rule will).
    recycle_due_at: Optional[_dt.datetime]
    custom_fields: Dict[str, FieldValue]
    version: int


@dataclass(frozen=True)
class DuplicateMatch:
    customer_id: str
    customer_name: str
    matched_on: MatchField
    matched_value: str
    similarity: float
    owner_id: Optional[str]
    pool_id: Optional[str]
    locked: bool
    deal_status: DealStatus


@dataclass(frozen=True)
class CustomerCreated:
    customer: Customer
    duplicates: List[DuplicateMatch]


@dataclass(frozen=True)
class Contact:
    id: str
    customer_id: str
    name: str
    phones: List[str]
    emails: List[str]
    role: Optional[str]
    created_at: _dt.datetime
    version: int


@dataclass(frozen=True)
class FollowUp:
    id: str
    customer_id: str
    rep_id: str
    channel: Channel
    note: str
    at: _dt.datetime
    next_follow_up_at: Optional[_dt.datetime]
    version: int


@dataclass(frozen=True)
class OverdueFollowUp:
    customer_id: str
    customer_name: str
    owner_id: str
    due_at: _dt.datetime


@dataclass(frozen=True)
class OwnershipChange:
    seq: int
    customer_id: str
    #: The previous owner (JSON key ``from``).
    from_: Optional[str]
    to: Optional[str]
    cause: OwnershipReason
    actor_id: Optional[str]
    at: _dt.datetime
    reason: str


@dataclass(frozen=True)
class Event:
    seq: int
    at: _dt.datetime
    actor_id: Optional[str]
    #: The event type, e.g. ``"owner_changed"``; its fields are in ``data``.
    kind: str
    data: Dict[str, Any]
    reason: str


# Pools (公海) and recycling -------------------------------------------------------------------------


@dataclass(frozen=True)
class RecycleRule:
    kind: RecycleKind
    #: Days of 24 hours after the rule's clock starts.
    days: int
    #: Days for customers of a given level, instead of `days`.
    days_by_level: Dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PoolRules:
    """The timing rules of one pool."""

    #: The previous owner may not re-claim a customer for this many days after it was recycled or
    #: released (0: no cool-down).
    cool_down_days: int = 0
    #: A customer newly put into the pool cannot be claimed for this many hours (0: at once).
    waiting_hours: int = 0
    #: Enabled recycling rules; any one matching recycles.
    recycle: List[RecycleRule] = field(default_factory=list)
    #: Won customers are never recycled.
    exempt_won: bool = True
    #: Customers with an open opportunity are never recycled.
    exempt_open_opportunity: bool = True
    #: Owners are warned this many days before a rule recycles a customer (0: no warnings).
    warn_days: int = 0


@dataclass(frozen=True)
class Pool:
    id: str
    name: str
    #: Users who may claim from it.
    member_ids: List[str]
    #: Teams whose members may claim from it.
    member_team_ids: List[str]
    #: Users who may manage it; organisation admins always may.
    admin_ids: List[str]
    rules: PoolRules
    created_at: _dt.datetime
    version: int


@dataclass(frozen=True)
class Due:
    """When a customer falls due under the first rule to run out, and the figures behind it."""

    rule: RecycleKind
    days: int
    level: Optional[str]
    #: When the rule's clock started (last follow-up or start of ownership).
    clock_start: _dt.datetime
    #: When the rule runs out.
    due_at: _dt.datetime
    #: A lock that holds the customer past `due_at` (a lock with no end exempts it altogether).
    locked_until: Optional[_dt.datetime]

    @property
    def recycle_at(self) -> _dt.datetime:
        """When a sweep recycles the customer: `due_at`, or the end of the lock if later."""
        return self.due_at if self.locked_until is None else max(self.locked_until, self.due_at)


@dataclass(frozen=True)
class Recycled:
    """A customer a sweep returned to its pool."""

    customer_id: str
    customer_name: str
    #: The owner it was taken from.
    owner_id: str
    pool_id: str
    due: Due


@dataclass(frozen=True)
class RecycleWarning:
    """A customer a rule will recycle within its pool's `warn_days`."""

    customer_id: str
    customer_name: str
    owner_id: str
    pool_id: str
    due: Due


@dataclass(frozen=True)
class SweepReport:
    at: _dt.datetime
    #: Customers the index offered as possibly due.
    examined: int
    recycled: List[Recycled]


# Opportunities and leads (线索) ---------------------------------------------------------------------


@dataclass(frozen=True)
class NewOpportunity:
    name: str
    amount: Decimal
    #: Default: the organisation's ``default`` pipeline.
    pipeline_id: Optional[str] = None
    #: Default: the pipeline's first open stage (its guards apply).
    stage: Optional[str] = None
    expected_close: Optional[_dt.date] = None
    #: Percent; cleared when the stage changes.
    probability_override: Optional[Decimal] = None
    #: Custom fields stage guards may require.
    fields: Dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class StageEntry:
    """One stay in a stage (or a change of figures during it), as it looked then."""

    stage: str
    status: OpportunityStatus
    entered_at: _dt.datetime
    left_at: Optional[_dt.datetime]
    amount: Decimal
    #: Percent.
    probability: Decimal
    category: ForecastCategory
    expected_close: Optional[_dt.date]


@dataclass(frozen=True)
class Opportunity:
    id: str
    customer_id: str
    name: str
    amount: Decimal
    owner_id: Optional[str]
    status: OpportunityStatus
    lost_reason: Optional[str]
    created_at: _dt.datetime
    closed_at: Optional[_dt.datetime]
    pipeline_id: str
    stage: str
    probability_override: Optional[Decimal]
    expected_close: Optional[_dt.date]
    fields: Dict[str, str]
    history: List[StageEntry]
    #: The last follow-up, note or completed task: resets the rotting clock.
    last_activity_at: Optional[_dt.datetime]
    version: int


# Pipelines (section 4) ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stage:
    key: str
    name: str
    #: Default win probability in percent.
    probability: Decimal
    category: ForecastCategory
    kind: StageKind = StageKind.OPEN
    #: ``amount``, ``expected_close``, ``name`` or a custom field name.
    required_fields: List[str] = field(default_factory=list)
    #: Days without activity after which an open opportunity here is rotting.
    rot_days: Optional[int] = None


@dataclass(frozen=True)
class Transition:
    from_: str
    to: str


@dataclass(frozen=True)
class Pipeline:
    id: str
    name: str
    stages: List[Stage]
    #: Empty: forward, back among open stages, to won or lost from an open stage.
    transitions: List[Transition] = field(default_factory=list)
    #: Empty: any non-empty reason.
    lost_reasons: List[str] = field(default_factory=list)
    reopen_roles: List[Role] = field(default_factory=lambda: [Role.MANAGER, Role.ADMIN])
    #: 0 creates; otherwise the version read.
    version: int = 0


@dataclass(frozen=True)
class ForecastRow:
    period: str
    open: int
    amount: Decimal
    #: sum(amount x probability / 100) of the open opportunities closing in the period.
    weighted: Decimal
    pipeline: Decimal
    best_case: Decimal
    commit: Decimal
    #: Won in the period.
    closed: Decimal


@dataclass(frozen=True)
class StageConversion:
    from_: str
    to: str
    entered: int
    advanced: int
    rate: Optional[Decimal]


@dataclass(frozen=True)
class StageTime:
    stage: str
    stays: int
    average_days: Optional[Decimal]


@dataclass(frozen=True)
class Velocity:
    open: int
    won: int
    lost: int
    win_rate: Optional[Decimal]
    average_won: Optional[Decimal]
    cycle_days: Optional[Decimal]
    #: open x win rate x average won / cycle days.
    per_day: Optional[Decimal]


@dataclass(frozen=True)
class Rotting:
    opportunity_id: str
    customer_id: str
    owner_id: Optional[str]
    stage: str
    since: _dt.datetime
    idle_days: int
    rot_days: int


# Contracts and payment collection (回款) ---------------------------------------------------------------


@dataclass(frozen=True)
class Instalment:
    seq: int
    due_date: _dt.date
    amount: Decimal
    paid: Decimal


@dataclass(frozen=True)
class PaymentAllocation:
    seq: int
    #: Negative for a refund.
    amount: Decimal


@dataclass(frozen=True)
class Payment:
    id: str
    kind: PaymentKind
    received_on: _dt.date
    amount: Decimal
    allocations: List[PaymentAllocation]
    recorded_at: _dt.datetime
    recorded_by: str
    note: Optional[str]


@dataclass(frozen=True)
class Contract:
    id: str
    opportunity_id: str
    customer_id: str
    owner_id: Optional[str]
    amount: Decimal
    signed_on: _dt.date
    instalments: List[Instalment]
    payments: List[Payment]
    status: ContractStatus
    created_at: _dt.datetime
    cancelled_at: Optional[_dt.datetime]
    cancel_reason: Optional[str]
    version: int


@dataclass(frozen=True)
class NewInstalment:
    due_date: _dt.date
    amount: Decimal


@dataclass(frozen=True)
class OverdueInstalment:
    contract_id: str
    customer_id: str
    owner_id: Optional[str]
    seq: int
    due_date: _dt.date
    amount: Decimal
    paid: Decimal
    open: Decimal
    days_overdue: int


@dataclass(frozen=True)
class OutstandingRow:
    #: The rep's or the customer's id.
    key: str
    contracts: int
    outstanding: Decimal
    overdue: Decimal


# Commission (section 6) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Credit:
    """A fact commission is paid on: a won deal (one row per rep with their split), a payment,
    a refund or a cancellation (these name only the deal)."""

    kind: CreditKind
    deal_id: str
    date: _dt.date
    amount: Decimal = Decimal(0)
    rep_id: Optional[str] = None
    #: Percent of the deal for ``rep_id`` (won rows; default 100).
    split: Optional[Decimal] = None
    contract_total: Optional[Decimal] = None


@dataclass(frozen=True)
class StatementLine:
    kind: LineKind
    deal_id: Optional[str]
    base: Decimal
    tier: Optional[int]
    #: Percent, or a band's or gate's multiplier.
    rate: Optional[Decimal]
    exact: Decimal
    #: Rounded once, the difference carried to the next line.
    amount: Decimal
    explanation: str


@dataclass(frozen=True)
class CommissionStatement:
    rep_id: str
    period: str
    base_total: Decimal
    quota: Optional[Decimal]
    #: Percent of quota.
    attainment: Optional[Decimal]
    lines: List[StatementLine]
    exact_total: Decimal
    total: Decimal
    #: Recoverable draw still carried after the period.
    draw_balance: Decimal


@dataclass(frozen=True)
class Lead:
    id: str
    name: str
    kind: CustomerKind
    phones: List[str]
    emails: List[str]
    source: Optional[str]
    region: Optional[str]
    industry: Optional[str]
    level: Optional[str]
    custom_fields: Dict[str, FieldValue]
    #: Capacity the lead consumes when allocated.
    weight: int
    owner_id: Optional[str]
    #: Where allocation rules parked it, waiting for a rep.
    pool_id: Optional[str]
    status: LeadStatus
    #: The customer it was converted into.
    customer_id: Optional[str]
    created_at: _dt.datetime
    updated_at: _dt.datetime
    version: int


@dataclass(frozen=True)
class LeadCaptured:
    lead: Lead
    #: Existing customers the lead may duplicate.
    duplicates: List[DuplicateMatch]


@dataclass(frozen=True)
class LeadConversion:
    lead: Lead
    customer: Customer
    duplicates: List[DuplicateMatch]
    opportunity: Optional[Opportunity]


# Lead allocation: strategies, rules, placements ----------------------------------------------------


@dataclass(frozen=True)
class RoundRobin(_Variant):
    """In turn, from a persisted pointer."""

    type: ClassVar[str] = "round_robin"


@dataclass(frozen=True)
class Weighted(_Variant):
    """Smooth weighted round robin over the reps' weights."""

    type: ClassVar[str] = "weighted"


@dataclass(frozen=True)
class LeastLoaded(_Variant):
    """The rep with the fewest open leads."""

    type: ClassVar[str] = "least_loaded"


@dataclass(frozen=True)
class Capacity(_Variant):
    """The rep with the least capacity used per unit of weight, among reps with capacity left."""

    type: ClassVar[str] = "capacity"


@dataclass(frozen=True)
class Condition:
    """A lead field (source, region, industry, level or a custom field) equal to one of the values."""

    field: str
    one_of: List[str]


@dataclass(frozen=True)
class ToReps(_Variant):
    """A rule target: allocate among these reps (all of them the allocator's) with this strategy."""

    rep_ids: List[str]
    strategy: Strategy
    type: ClassVar[str] = "reps"


@dataclass(frozen=True)
class ToPool(_Variant):
    """A rule target: put the lead into a pool."""

    pool_id: str
    type: ClassVar[str] = "pool"


#: Where an allocation rule sends a lead.
RuleTarget = Union[ToReps, ToPool]


@dataclass(frozen=True)
class Rule:
    name: str
    #: All must hold.
    conditions: List[Condition]
    target: RuleTarget


@dataclass(frozen=True)
class Rules(_Variant):
    """Ordered rules; the first that matches decides, otherwise `default`."""

    rules: List[Rule]
    default: RuleTarget
    type: ClassVar[str] = "rules"


#: How an allocator chooses a rep.
Strategy = Union[RoundRobin, Weighted, LeastLoaded, Capacity, Rules]


@dataclass(frozen=True)
class AllocatorRep:
    rep_id: str
    #: Share in the weighted and capacity strategies.
    weight: int = 1
    #: Lead weight the rep may take per local day, and in total.
    daily_cap: Optional[int] = None
    total_cap: Optional[int] = None


@dataclass(frozen=True)
class AllocatorState:
    """What the allocator remembers between batches."""

    #: Round robin: the last rep chosen.
    pointer: Optional[str]
    #: Smooth weighted round robin: each rep's current weight.
    current: Dict[str, int]


@dataclass(frozen=True)
class RepUsage:
    #: The local day `today` counts.
    day: _dt.date
    today: int
    total: int


@dataclass(frozen=True)
class Allocator:
    id: str
    name: str
    strategy: Strategy
    reps: List[AllocatorRep]
    state: AllocatorState
    #: Lead weight each rep has taken, by rep id.
    usage: Dict[str, RepUsage]
    version: int


@dataclass(frozen=True)
class PlacedWithRep(_Variant):
    rep_id: str
    type: ClassVar[str] = "rep"


@dataclass(frozen=True)
class PlacedInPool(_Variant):
    pool_id: str
    type: ClassVar[str] = "pool"


@dataclass(frozen=True)
class KeptWithOwner(_Variant):
    """Already owned and not re-allocated (`reassign_owned=False`)."""

    owner_id: str
    type: ClassVar[str] = "kept"


#: Where allocation put a lead.
Placement = Union[PlacedWithRep, PlacedInPool, KeptWithOwner]


@dataclass(frozen=True)
class Allocation:
    lead_id: str
    placement: Placement
    #: Why: the rule that matched and the strategy that chose.
    reason: str
