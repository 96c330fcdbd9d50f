"""Assemble the tables of every page into one DataFrame, or into chunks of rows.

The parser (:mod:`anaplan_pandas.parse.frames`) hands over one Arrow table per page, already in
its final types; this module concatenates them, converts them to pandas column by column
(handing memory back as it goes, so that the Arrow copy and the pandas copy never stand side
by side in full), and regroups streams of tables into chunks of a fixed number of rows.
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal

import pandas as pd
import pyarrow as pa

DtypeBackend = Literal["numpy_nullable", "pyarrow"]

#: Bytes converted between two hand-backs of freed memory (each costs a walk of the heap,
#: several milliseconds).
TRIM_BYTES = 32 * 1024 * 1024
_TEXT = pa.string()


def combine_tables(tables: Sequence[pa.Table], schema: pa.Schema) -> pa.Table:
    """Concatenate tables at the Arrow level, cast to the final ``schema``.

    Examples
    --------
    >>> t = pa.table({"x": [1.0]})
    >>> combine_tables([t, t], t.schema).num_rows
    2
    """
    final = pa.schema(
        [f.with_type(_TEXT) if pa.types.is_null(f.type) else f for f in schema]
    )
    cast = [t if t.schema.equals(final) else t.cast(final) for t in tables]
    return pa.concat_tables(cast) if cast else final.empty_table()


def to_frame(
    table: pa.Table, *, dtype_backend: DtypeBackend | None = None
) -> pd.DataFrame:
    """Convert an Arrow table to pandas.

    ``dtype_backend`` works as in :func:`pandas.read_csv`: ``None`` for NumPy dtypes,
    ``"numpy_nullable"`` or ``"pyarrow"``.

    Examples
    --------
    >>> to_frame(pa.table({"x": [1.5, None]}), dtype_backend="numpy_nullable").dtypes["x"]
    Float64Dtype()
    """
    return table.to_pandas(types_mapper=_types_mapper(dtype_backend))


def tables_to_frame(
    tables: list[pa.Table],
    schema: pa.Schema,
    *,
    dtype_backend: DtypeBackend | None = None,
) -> pd.DataFrame:
    """Turn the tables of every page into one DataFrame, column by column, emptying ``tables``.

    Each column's pages are freed, and their memory handed back, before the next column
    is converted, so the peak stays near the size of the data plus one column, instead of
    the Arrow copy and the pandas copy side by side. Pages whose column is not yet of the
    ``schema``'s type are cast to it.

    Examples
    --------
    >>> pages = [pa.table({"x": [1.5]}), pa.table({"x": [2.0]})]
    >>> tables_to_frame(pages, pages[0].schema)["x"].tolist()
    [1.5, 2.0]
    >>> pages
    []
    """
    mapper = _types_mapper(dtype_backend)
    final = combine_tables([], schema).schema
    columns: dict[str, pd.Series] = {}
    freed = 0
    for name, type_ in zip(final.names, final.types, strict=True):
        chunks = [
            chunk if chunk.type == type_ else chunk.cast(type_)
            for table in tables
            for chunk in table.column(name).chunks
        ]
        column = pa.chunked_array(chunks, type=type_)
        columns[name] = column.to_pandas(types_mapper=mapper)
        freed += column.nbytes
        del chunks, column
        tables[:] = [table.drop_columns([name]) for table in tables]
        if freed >= TRIM_BYTES:  # a hand-back costs milliseconds: only for a lot of memory
            hand_back_memory()
            freed = 0
    tables.clear()
    return pd.DataFrame(columns, copy=False)


def hand_back_memory() -> None:
    """Return freed parse memory to the operating system now.

    glibc keeps memory freed on other threads' arenas until asked; pyarrow's
    ``release_unused`` does not reach them, so ``malloc_trim`` is called where glibc is.
    """
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


def _load_malloc_trim() -> Any:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to do
        return None


_MALLOC_TRIM = _load_malloc_trim()


def _types_mapper(dtype_backend: DtypeBackend | None) -> Any:
    if dtype_backend == "pyarrow":
        return pd.ArrowDtype
    if dtype_backend == "numpy_nullable":
        return _NULLABLE.get
    if dtype_backend is None:
        return None
    raise ValueError(
        f"dtype_backend must be None, 'numpy_nullable' or 'pyarrow', got {dtype_backend!r}."
    )


_NULLABLE = {
    pa.float64(): pd.Float64Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.bool_(): pd.BooleanDtype(),
    pa.string(): pd.StringDtype(),
}


def rebatch(tables: Iterable[pa.Table], rows: int) -> Iterator[pa.Table]:
    """Regroup a stream of tables into tables of exactly ``rows`` rows (the last may be short).

    Examples
    --------
    >>> t = pa.table({"x": [1.0, 2.0, 3.0]})
    >>> [b.num_rows for b in rebatch([t, t, t], 4)]
    [4, 4, 1]
    """
    if rows < 1:
        raise ValueError(f"chunksize must be at least 1, got {rows}.")
    held: list[pa.Table] = []
    count = 0
    for table in tables:
        held.append(table)
        count += table.num_rows
        while count >= rows:
            combined = _concat_as_latest(held)
            yield combined.slice(0, rows)
            rest = combined.slice(rows)
            held, count = [rest], rest.num_rows
    if count:
        yield _concat_as_latest(held)


def _concat_as_latest(tables: list[pa.Table]) -> pa.Table:
    """Concatenate, casting to the newest schema (a column may have turned into text)."""
    schema = tables[-1].schema
    return pa.concat_tables([t if t.schema.equals(schema) else t.cast(schema) for t in tables])
