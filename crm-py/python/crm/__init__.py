"""crm: an embeddable CRM domain engine (Rust core) for Python.

Every call names the acting user first and is checked against their data scope. Instants are
timezone-aware `datetime`s, money and numbers `decimal.Decimal`; errors are subclasses of `CrmError`
with the stable `code` every surface shares.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from typing import Any, Dict, Iterable, List, Mapping, Optional, Type, TypeVar, Union

from . import _convert as _c
from ._crm import NativeCrm as _NativeCrm
from ._crm import NativeError as _NativeError
from ._records import (
    Channel,
    Contact,
    Customer,
    CustomerCreated,
    CustomerKind,
    CustomerStatus,
    DataScope,
    DealStatus,
    DuplicateMatch,
    DuplicateMode,
    DuplicatePolicy,
    Event,
    FieldValue,
    FollowUp,
    MatchField,
    OrgSettings,
    OverdueFollowUp,
    OwnershipChange,
    OwnershipReason,
    Role,
    Team,
    User,
)
from .errors import (
    AlreadyExistsError,
    CrmError,
    DuplicateFoundError,
    InactiveUserError,
    InvalidEmailError,
    InvalidInputError,
    InvalidPhoneError,
    InvalidStateError,
    NotFoundError,
    OutOfScopeError,
    PermissionDeniedError,
    StorageError,
    VersionConflictError,
)
from .errors import translate as _translate
from . import sla

__all__ = [
    "Crm", "UNSET", "sla", "Channel", "Contact", "Customer", "CustomerCreated", "CustomerKind", "CustomerStatus",
    "DataScope", "DealStatus", "DuplicateMatch", "DuplicateMode", "DuplicatePolicy", "Event", "FieldValue",
    "FollowUp", "MatchField", "OrgSettings", "OverdueFollowUp", "OwnershipChange", "OwnershipReason", "Role",
    "Team", "User", "CrmError", "AlreadyExistsError", "DuplicateFoundError", "InactiveUserError",
    "InvalidEmailError", "InvalidInputError", "InvalidPhoneError", "InvalidStateError", "NotFoundError",
    "OutOfScopeError", "PermissionDeniedError", "StorageError", "VersionConflictError",
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
        owner_id: Optional[str] = None, custom_fields: Optional[Mapping[str, FieldValue]] = None,
    ) -> CustomerCreated:
        args = {
            "name": name, "kind": None if kind is None else CustomerKind(kind), "level": level,
            "tags": _strings("tags", tags), "source": source, "industry": industry, "region": region,
            "phones": _strings("phones", phones), "emails": _strings("emails", emails), "owner_id": owner_id,
            "custom_fields": _custom_fields(custom_fields),
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
