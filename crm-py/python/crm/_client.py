"""`Crm`: one organisation on the in-memory store or a SQLite file."""

from __future__ import annotations

import datetime as _dt
import os
from types import TracebackType
from typing import Dict, Optional, Type, Union

from . import _convert
from ._crm import NativeCrm
from ._errors import NotFoundError
from ._ops import Operations
from ._records import User


class Crm(Operations):
    """A CRM organisation. Every method but `bootstrap` and `settings` names the acting user
    first and is checked against their data scope; every change is one transaction with a
    version (a stale `expected_version` raises `VersionConflictError`) and an event.

    ``Crm(path)`` opens (or creates) a SQLite file, ``Crm()`` keeps everything in memory. With
    ``now=`` the clock is fixed at that instant (tests, replays; move it with `set_now`), else it
    is the system clock. Use it as a context manager, or call `close` when done::

        with crm.Crm("crm.db") as c:
            admin = c.admin() or c.bootstrap("Ada")
            rep = c.create_user(admin.id, name="Li Lei", role=crm.Role.REP)
    """

    def __init__(
        self, path: Optional[Union[str, "os.PathLike[str]"]] = None, *, now: Optional[_dt.datetime] = None
    ) -> None:
        file = None if path is None else os.fspath(path)
        clock = None if now is None else _convert.instant(now, "now")
        self._native = _convert.native(lambda: NativeCrm(file, clock))

    @classmethod
    def open(cls, path: Union[str, "os.PathLike[str]"], *, now: Optional[_dt.datetime] = None) -> Crm:
        """The organisation in a SQLite file (created with its schema if missing)."""
        return cls(path, now=now)

    @classmethod
    def in_memory(cls, *, now: Optional[_dt.datetime] = None) -> Crm:
        return cls(None, now=now)

    def close(self) -> None:
        """Closes the store (a SQLite file is released); later calls raise `InvalidStateError`."""
        self._native.close()

    def __enter__(self) -> Crm:
        return self

    def __exit__(
        self, kind: Optional[Type[BaseException]], error: Optional[BaseException], tb: Optional[TracebackType]
    ) -> None:
        self.close()

    def admin(self) -> Optional[User]:
        """The administrator `bootstrap` made (always the first user, ``u-1``), or None in an empty
        organisation: how a script that re-opens a file finds who may act."""
        try:
            return self.user("u-1", "u-1")
        except NotFoundError:
            return None

    def set_now(self, now: _dt.datetime) -> None:
        """Moves the fixed clock (only with ``now=`` given when opened)."""
        _convert.native(lambda: self._native.set_now(_convert.instant(now, "now")))

    @property
    def now(self) -> _dt.datetime:
        return _convert.parse_instant(_convert.native(self._native.now))

    def _call(self, op: str, actor: str, args: Dict[str, object]) -> object:
        text = _convert.dump_args(op, args)
        return _convert.load_result(op, _convert.native(lambda: self._native.call(op, actor, text)))

