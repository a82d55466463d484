"""crm: an embeddable CRM domain engine (Rust core) for Python.

`Crm` is one organisation (in memory or a SQLite file); every method but `bootstrap` and
`settings` names the acting user first and is checked against their data scope. The records,
enums and unions are the core's own, under the core's names (generated: `crm._records`): money
and other exact numbers are `decimal.Decimal`, instants timezone-aware `datetime`s, dates `date`s,
custom field values plain `str`/`Decimal`/`bool`/`date`. A tagged union is one class per variant
(`CapScopeTeam`) and an alias (`CapScope`).

Errors are `CrmError` subclasses, one per stable code (`NotFoundError` is ``NOT_FOUND``...), with
the error's fields as properties; validation errors are also `ValueError`s and `NotFoundError` a
`LookupError`, so either ``except`` works::

    with crm.Crm("crm.db") as c:
        admin = c.admin() or c.bootstrap("Ada")
        rep = c.create_user(admin.id, name="Li Lei", role=crm.Role.REP)
        try:
            c.customer(rep.id, "c-404")
        except crm.NotFoundError as e:
            print(e.code, e.kind, e.id)

Pure functions need no organisation: SLA calendars and clocks (`sla_due`, `sla_elapsed`,
`sla_working_at`, `sla_ticket_status`; in batch `sla_due_batch`, `sla_elapsed_batch` from
`crm.sla`), RFM, segment movement, churn warnings and performance (`crm.analytics`, which also
takes Arrow tables and returns them) and commission statements (`commission_statement`). The file
formats (calendar, RFM configuration, commission plan) are described in `crm.formats`.

Imports (导入) read a CSV file's text (`Crm.import_csv`) or a table (`Crm.import_table`: a pandas
or polars DataFrame, a pyarrow Table, in one crossing) through a mapping of columns to fields;
`outcomes_table` turns an import's row outcomes into a pyarrow Table.

`RemoteCrm(base_url, credential)` is the same organisation behind ``crm serve`` (crm-server): the
same methods, records and exceptions over HTTP, acting as the credential's user (`RemoteCrm.me`);
failures of the way there are `ServerError`s. `crm.http` builds its requests and reads the answers
without any I/O, for callers with their own (asyncio, httpx...).
"""

from ._base import CrmError, LimitReachedError, StrEnum, TooEarlyError
from ._client import Crm
from ._remote import RemoteCrm, urllib_transport
from ._replica import Replica
from ._errors import *  # noqa: F403
from ._ops import attribute, commission_statement, sla_due, sla_elapsed, sla_ticket_status, sla_working_at
from ._records import *  # noqa: F403
from . import analytics, formats, http, sla
from ._imports import outcomes_table
from .http import (
    ApiToken,
    BodyTooLargeError,
    InternalServerError,
    IssuedToken,
    MethodNotAllowedError,
    OverloadedError,
    ServerError,
    ServerTimeoutError,
    UnknownRouteError,
    UnreachableError,
)
from .analytics import (
    leaderboard,
    performance,
    rfm_churn_warnings,
    rfm_flows,
    rfm_movements,
    rfm_score,
)
from .sla import sla_due_batch, sla_elapsed_batch

from . import _errors, _records

__all__ = [
    "Crm", "CrmError", "LimitReachedError", "TooEarlyError", "StrEnum", "analytics", "formats", "sla",
    "attribute", "commission_statement", "sla_due", "sla_elapsed", "sla_ticket_status", "sla_working_at",
    "sla_due_batch", "sla_elapsed_batch", "rfm_score", "rfm_movements", "rfm_flows", "rfm_churn_warnings",
    "performance", "leaderboard", "outcomes_table",
    "RemoteCrm", "urllib_transport", "Replica", "http", "ApiToken", "IssuedToken", "ServerError", "UnknownRouteError",
    "MethodNotAllowedError", "OverloadedError", "BodyTooLargeError", "ServerTimeoutError", "InternalServerError",
    "UnreachableError",
]
__all__ += _records.__all__
__all__ += _errors.__all__
