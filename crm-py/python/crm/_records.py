"""Records and enums of the crm core, as typed, immutable Python objects."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from decimal import Decimal
from enum import Enum
from typing import Any, Dict, List, Optional, Union

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


@dataclass(frozen=True)
class DuplicatePolicy:
    on_create: DuplicateMode = DuplicateMode.WARN
    name_threshold: float = 0.85


@dataclass(frozen=True)
class OrgSettings:
    timezone: str = "Asia/Shanghai"
    duplicates: DuplicatePolicy = field(default_factory=DuplicatePolicy)
    version: int = 0


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
    locked: bool
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
