"""`Crm`: one organisation on the in-memory store or a SQLite file."""

from __future__ import annotations

import datetime as _dt
import os
from types import TracebackType
from typing import Dict, Optional, Type, Union

from . import _convert, _imports
from ._batch import ArrowData
from ._crm import NativeCrm
from ._errors import NotFoundError
from ._ops import Operations
from ._records import ImportOptions, ImportResult, User


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

    def import_table(self, actor: str, data: ArrowData, options: ImportOptions) -> ImportResult:
        """Imports the rows of a table as `import_csv` imports a file's: `data` is a pandas or
        polars DataFrame (or LazyFrame, collected), a pyarrow Table or RecordBatch, anything with
        ``__arrow_c_stream__``, or a dict of columns (name -> array or series). The whole table
        crosses into the core once; there each column is read as the text of its cells, named by
        the column's name (which the mapping's ``columns`` refer to): text as it is, integers and
        decimals as their exact decimal text, floats as the shortest decimal that reads back as
        the same float (so a pandas integer column with missing values imports as integers),
        dates as ``YYYY-MM-DD``, zoned timestamps as RFC 3339 (naive ones as their wall-clock
        ``YYYY-MM-DDTHH:MM:SS``), booleans as ``true``/``false``; a null (or NaN from pandas)
        leaves the field unset, as a blank cell does. Rows are numbered from 1 and have no
        ``line``. Returns the `ImportResult` `import_csv` returns.

        A nested column (lists, structs, maps) raises `InvalidInputError` naming the column
        (``field``); columns of different lengths (a dict), a mapping naming a column the table
        lacks, or bad options raise `InvalidInputError` as `import_columns` does."""
        source = _imports.table_source(data)
        opts = _imports.options_json(options)
        text = _convert.native(lambda: self._native.import_table(actor, opts, source))
        return _imports.load_import_result(text)

    def _call(self, op: str, actor: str, args: Dict[str, object]) -> object:
        text = _convert.dump_args(op, args)
        return _convert.load_result(op, _convert.native(lambda: self._native.call(op, actor, text)))

