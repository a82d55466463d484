"""One exception class per core error code, all under `CrmError`.

The refusals of the public pool and of allocation have typed accessors for their details::

    CrmError
    ├── InvalidStateError
    │   └── AlreadyOwnedError          ALREADY_OWNED: someone owns the customer (lost a claim race)
    ├── LimitReachedError              (any limit of the organisation's policy)
    │   ├── DailyLimitReachedError     DAILY_LIMIT_REACHED
    │   ├── OwnershipCapReachedError   OWNERSHIP_CAP_REACHED
    │   └── LockLimitReachedError      LOCK_LIMIT_REACHED
    ├── TooEarlyError                  (claimable again at `until`)
    │   ├── CoolDownError              COOL_DOWN
    │   └── WaitingPeriodError         WAITING_PERIOD
    ├── NoEligibleRepError             NO_ELIGIBLE_REP
    ├── TransitionNotAllowedError      TRANSITION_NOT_ALLOWED: the pipeline (or the actor's role) forbids the move
    └── RequiredFieldsMissingError     REQUIRED_FIELDS_MISSING: a stage's guard fields are empty
"""

from __future__ import annotations

import datetime as _dt
import json
from typing import Any, Dict, List, Type


class CrmError(Exception):
    """Base of every error the crm core raises. `code` is stable across all surfaces."""

    code: str = "CRM_ERROR"

    def __init__(self, message: str, details: Dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: Dict[str, Any] = details or {}


class NotFoundError(CrmError):
    code = "NOT_FOUND"


class AlreadyExistsError(CrmError):
    code = "ALREADY_EXISTS"


class VersionConflictError(CrmError):
    """Someone else changed the record since you read it: `details['expected']`, `details['actual']`."""

    code = "VERSION_CONFLICT"


class OutOfScopeError(CrmError):
    code = "OUT_OF_SCOPE"


class PermissionDeniedError(CrmError):
    code = "PERMISSION_DENIED"


class InactiveUserError(CrmError):
    code = "INACTIVE_USER"


class InvalidPhoneError(CrmError, ValueError):
    code = "INVALID_PHONE"


class InvalidEmailError(CrmError, ValueError):
    code = "INVALID_EMAIL"


class InvalidInputError(CrmError, ValueError):
    code = "INVALID_INPUT"


class DuplicateFoundError(CrmError):
    """Creation was blocked: `matches` are the existing customers it looks like."""

    code = "DUPLICATE_FOUND"

    @property
    def matches(self) -> List[Any]:
        from ._convert import record
        from ._records import DuplicateMatch

        return [record(DuplicateMatch, m) for m in self.details.get("matches", [])]


class InvalidStateError(CrmError):
    code = "INVALID_STATE"


class StorageError(CrmError):
    code = "STORAGE"


class AlreadyOwnedError(InvalidStateError):
    """The customer has an owner: it was claimed first by someone else (a claim race is decided by
    the store; the loser gets this)."""

    code = "ALREADY_OWNED"

    @property
    def customer_id(self) -> str:
        return str(self.details["customer_id"])

    @property
    def owner_id(self) -> str:
        return str(self.details["owner_id"])


class LimitReachedError(CrmError):
    """Base of the refusals by a limit of the organisation's claim or lock policy: `user_id` has
    reached `limit`. Catch it to handle any limit; each code has its own subclass."""

    @property
    def user_id(self) -> str:
        return str(self.details["user_id"])

    @property
    def limit(self) -> int:
        return int(self.details["limit"])


class DailyLimitReachedError(LimitReachedError):
    """The rep has made `limit` claims on the local day `date` (all pools together)."""

    code = "DAILY_LIMIT_REACHED"

    @property
    def date(self) -> _dt.date:
        return _dt.date.fromisoformat(self.details["date"])


class OwnershipCapReachedError(LimitReachedError):
    """The claim would take the rep past the strictest matching ownership cap."""

    code = "OWNERSHIP_CAP_REACHED"

    @property
    def cap(self) -> str:
        """Which cap refused: ``"rep"``, ``"team"`` or ``"everyone"``."""
        return str(self.details["cap"])

    @property
    def owned(self) -> int:
        """The customers the rep owns, as that cap counts them."""
        return int(self.details["owned"])


class LockLimitReachedError(LimitReachedError):
    """The owner already has `limit` customers locked."""

    code = "LOCK_LIMIT_REACHED"


class TooEarlyError(CrmError):
    """Base of the refusals that lapse with time: the customer can be claimed from `until` on."""

    @property
    def customer_id(self) -> str:
        return str(self.details["customer_id"])

    @property
    def until(self) -> _dt.datetime:
        from ._convert import parse_instant

        return parse_instant(self.details["until"])


class CoolDownError(TooEarlyError):
    """The previous owner (`user_id`) may not re-claim the customer yet."""

    code = "COOL_DOWN"

    @property
    def user_id(self) -> str:
        return str(self.details["user_id"])


class WaitingPeriodError(TooEarlyError):
    """The customer entered its pool too recently to be claimed."""

    code = "WAITING_PERIOD"


class NoEligibleRepError(CrmError):
    """Allocation could not place `lead_id`: every candidate is inactive, at capacity or has no
    weight (`reason` says which). The whole batch was refused."""

    code = "NO_ELIGIBLE_REP"

    @property
    def lead_id(self) -> str:
        return str(self.details["lead_id"])

    @property
    def reason(self) -> str:
        return str(self.details["reason"])


class TransitionNotAllowedError(CrmError):
    """The pipeline does not allow moving `opportunity_id` from `from_stage` to `to_stage`, or the
    actor may not reopen it (`reason` says which). Nothing changed."""

    code = "TRANSITION_NOT_ALLOWED"

    @property
    def opportunity_id(self) -> str:
        return str(self.details["opportunity_id"])

    @property
    def from_stage(self) -> str:
        return str(self.details["from"])

    @property
    def to_stage(self) -> str:
        return str(self.details["to"])

    @property
    def reason(self) -> str:
        return str(self.details["reason"])


class RequiredFieldsMissingError(CrmError):
    """`stage` requires `fields` that the opportunity leaves empty. Nothing changed."""

    code = "REQUIRED_FIELDS_MISSING"

    @property
    def opportunity_id(self) -> str:
        return str(self.details["opportunity_id"])

    @property
    def stage(self) -> str:
        return str(self.details["stage"])

    @property
    def fields(self) -> List[str]:
        return [str(f) for f in self.details["fields"]]


_BY_CODE: Dict[str, Type[CrmError]] = {
    cls.code: cls
    for cls in (
        NotFoundError,
        AlreadyExistsError,
        VersionConflictError,
        OutOfScopeError,
        PermissionDeniedError,
        InactiveUserError,
        InvalidPhoneError,
        InvalidEmailError,
        InvalidInputError,
        DuplicateFoundError,
        InvalidStateError,
        StorageError,
        AlreadyOwnedError,
        DailyLimitReachedError,
        OwnershipCapReachedError,
        LockLimitReachedError,
        CoolDownError,
        WaitingPeriodError,
        NoEligibleRepError,
        TransitionNotAllowedError,
        RequiredFieldsMissingError,
    )
}


def translate(native: BaseException) -> CrmError:
    """Turns the native module's error (code, message, details_json) into its typed class."""
    code, message, details = native.args
    cls = _BY_CODE.get(code, CrmError)
    return cls(message, json.loads(details))
