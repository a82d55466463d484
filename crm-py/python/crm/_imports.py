"""Imports from Arrow data (`Crm.import_table`, `RemoteCrm.import_table`), and the outcomes of an
import as a table (`outcomes_table`)."""

from __future__ import annotations

import json
from typing import List, Sequence, Union, cast

from . import _crm
from ._batch import ArrowData, ArrowStream, _pyarrow, arrow_source
from ._convert import converter, native
from ._records import ImportColumn, ImportOptions, ImportResult, RowOutcome

__all__ = ["outcomes_table"]


def table_source(data: object) -> object:
    """`data` as what the native module reads as a table: an Arrow table or stream (a pyarrow
    Table or RecordBatch, a pandas DataFrame, a polars DataFrame or LazyFrame, a DuckDB
    relation...) or a dict of columns. A pandas DataFrame goes without its index (a column
    ``__index_level_0__`` otherwise), as `import_csv` reads a file without one."""
    pa = _pyarrow()
    if pa is not None and type(data).__module__.split(".")[0] == "pandas" and hasattr(data, "columns"):
        data = pa.Table.from_pandas(data, preserve_index=False)
    source = arrow_source(data)
    if source is None:
        raise TypeError(
            "data must be Arrow data (a pyarrow Table, a pandas or polars DataFrame, a dict of columns), "
            f"not {type(data).__name__}"
        )
    return source


def options_json(options: ImportOptions) -> str:
    """The JSON text of an `ImportOptions`, checked as every argument is."""
    return json.dumps(converter("ImportOptions")[1](options, "options"), separators=(",", ":"))


def load_import_result(text: str) -> ImportResult:
    return cast(ImportResult, converter("ImportResult")[0](json.loads(text)))


def columns(data: ArrowData) -> List[ImportColumn]:
    """A table's columns as `ImportColumn`s, each cell as `Crm.import_table` reads it."""
    source = table_source(data)
    text = native(lambda: _crm.import_columns_json(source))
    return cast(List[ImportColumn], converter("list<ImportColumn>")[0](json.loads(text)))


def outcomes_table(outcomes: Union[ImportResult, Sequence[RowOutcome]]) -> ArrowStream:
    """The outcomes of an import (an `ImportResult` or its `outcomes`) as a pyarrow Table, one row
    per outcome, for a DataFrame (``crm.outcomes_table(result).to_pandas()``,
    ``polars.from_arrow(...)``): ``row`` and ``line`` (int64, ``line`` null for rows that came from
    a table), ``action`` (dictionary-encoded: ``created``, ``updated``, ``unchanged``, ``duplicate``,
    ``failed``), ``record_id``, ``fields`` (list of text), ``note``, and ``errors`` (a list of structs
    with ``field``, ``code``, ``message`` and ``raw``). Needs pyarrow."""
    pa = _pyarrow()
    if pa is None:
        raise TypeError("outcomes_table needs pyarrow (pip install pyarrow)")
    rows = outcomes.outcomes if isinstance(outcomes, ImportResult) else outcomes
    error = pa.struct([("field", pa.string()), ("code", pa.string()), ("message", pa.string()), ("raw", pa.string())])
    schema = pa.schema([
        ("row", pa.int64()),
        ("line", pa.int64()),
        ("action", pa.dictionary(pa.int8(), pa.string())),
        ("record_id", pa.string()),
        ("fields", pa.list_(pa.string())),
        ("note", pa.string()),
        ("errors", pa.list_(error)),
    ])
    data = {
        "row": [o.row for o in rows],
        "line": [o.line for o in rows],
        "action": [o.action.value for o in rows],
        "record_id": [o.record_id for o in rows],
        "fields": [o.fields for o in rows],
        "note": [o.note for o in rows],
        "errors": [
            [{"field": e.field, "code": e.code, "message": e.message, "raw": e.raw} for e in o.errors] for o in rows
        ],
    }
    return cast(ArrowStream, pa.Table.from_pydict(data, schema=schema))
