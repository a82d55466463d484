"""The bases the generated records and errors build on."""

from __future__ import annotations

from enum import Enum
from typing import ClassVar, Dict, Optional


class StrEnum(str, Enum):
    """An enum of the core: compares equal to its value (``Role.REP == "rep"``) and prints as it."""

    def __str__(self) -> str:
        return str(self.value)


class CrmError(Exception):
    """Base of every error the core raises. `code` is the stable code all surfaces share;
    `details` the error's fields (typed: dates, instants, enums, records), named as in the core."""

    code: ClassVar[str] = "CRM_ERROR"

    def __init__(self, message: str, details: Optional[Dict[str, object]] = None) -> None:
        super().__init__(message)
        self.details: Dict[str, object] = details or {}


class LimitReachedError(CrmError):
    """Any limit of the organisation's claim or lock policy: `user_id` has reached `limit`.
    Catch it to handle every limit; each code has its own subclass."""


class TooEarlyError(CrmError):
    """A refusal that lapses with time: the customer can be claimed from `until` on."""
