"""One exception class per core error code, all under `CrmError`."""

from __future__ import annotations

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
    )
}


def translate(native: BaseException) -> CrmError:
    """Turns the native module's error (code, message, details_json) into its typed class."""
    code, message, details = native.args
    cls = _BY_CODE.get(code, CrmError)
    return cls(message, json.loads(details))
