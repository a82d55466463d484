"""Arrow data across the boundary: what counts as a table or column (the Arrow PyCapsule interface
that pyarrow, polars, pandas and DuckDB speak), and a pure operation run with some of its list
arguments as tables, its result a table too."""

from __future__ import annotations

import importlib
import operator
from enum import Enum
from types import ModuleType
from typing import List, Mapping, Optional, Protocol, SupportsIndex, Tuple, Union, cast

from . import _crm
from . import _records as R
from ._convert import dump_args, load_result, native


class ArrowStream(Protocol):
    """A table or stream of the Arrow PyCapsule interface: a pyarrow Table or RecordBatchReader,
    a polars DataFrame, a pandas DataFrame (pandas 2.2+), a DuckDB relation..."""

    def __arrow_c_stream__(self, requested_schema: object = None) -> object: ...


class ArrowArray(Protocol):
    """An array of the Arrow PyCapsule interface (a pyarrow Array...)."""

    def __arrow_c_array__(self, requested_schema: object = None) -> object: ...


class Collectable(Protocol):
    """A lazy frame (polars' LazyFrame): collected first."""

    def collect(self) -> ArrowStream: ...


#: Arrow data: a table or stream, an array, a lazy frame, or a mapping of column names to arrays.
ArrowData = Union[ArrowStream, ArrowArray, Collectable, Mapping[str, Union[ArrowStream, ArrowArray]]]


def arrow_source(v: object) -> Optional[object]:
    """`v` as an Arrow PyCapsule exporter (or a dict of them), or None when it is a plain Python
    value. A polars DataFrame goes as its columns (its own export would first copy it into one
    chunk), a lazy frame is collected, pandas and numpy objects without the interface go through
    pyarrow."""
    if type(v).__module__.startswith("polars") and hasattr(v, "get_columns"):
        return {s.name: s for s in v.get_columns()}
    if isinstance(v, Mapping):
        columns = {str(k): arrow_source(c) for k, c in v.items()}
        if any(c is None for c in columns.values()):
            raise TypeError("a mapping of columns needs Arrow arrays (pyarrow, polars, numpy...) as values")
        return columns
    if hasattr(v, "__arrow_c_stream__") or hasattr(v, "__arrow_c_array__"):
        return v
    if type(v).__name__ == "LazyFrame" and hasattr(v, "collect"):
        return arrow_source(v.collect())
    if type(v).__module__.split(".")[0] in ("pandas", "numpy"):
        pa = _pyarrow()
        if pa is None:
            raise TypeError(f"reading a {type(v).__name__} as Arrow needs pyarrow (pip install pyarrow)")
        table: object = pa.Table.from_pandas(v, preserve_index=False) if hasattr(v, "columns") else pa.array(v)
        return table
    return None


def _pyarrow() -> Optional[ModuleType]:
    try:
        return importlib.import_module("pyarrow")
    except ImportError:
        return None


def to_pyarrow(result: object) -> object:
    """A native result as a pyarrow Table or Array (zero-copy) when pyarrow is installed; else the
    native object, which any PyCapsule consumer takes (``polars.from_arrow``...)."""
    pa = _pyarrow()
    if pa is None:
        return result
    out: object = pa.table(result) if hasattr(result, "__arrow_c_stream__") else pa.array(result)
    return out


def whole_number(v: object) -> Optional[int]:
    """An int for an int-like scalar (numpy integers too), None for anything else."""
    if isinstance(v, bool) or not hasattr(type(v), "__index__") or hasattr(v, "__len__"):
        return None
    return operator.index(cast(SupportsIndex, v))


def columns(spec: str) -> List[Tuple[str, str]]:
    """The (field, kind) pairs of the record a list type holds; enum fields read as text."""
    out = []
    for name, field, _ in R.FIELDS[spec[spec.index("<") + 1 : -1]]:
        base = field.rstrip("?")
        named = R.NAMED.get(base)
        kind = "string" if isinstance(named, type) and issubclass(named, Enum) else base
        out.append((name, kind + field[len(base) :]))
    return out


def call(op: str, args: Mapping[str, object], zone: Optional[str] = None) -> Optional[object]:
    """Runs pure operation `op` with its Arrow arguments read as tables of records (dates in
    `zone`); its typed result, or None when no argument is Arrow data."""
    tables = []
    for name, spec, _ in R.OPERATIONS[op][1]:
        source = arrow_source(args.get(name))
        if source is not None:
            tables.append((name, source, columns(spec)))
    if not tables:
        return None
    text = dump_args(op, args, skip=[t[0] for t in tables])
    return load_result(op, native(lambda: _crm.call_table(op, text, tables, zone)))
