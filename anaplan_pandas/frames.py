"""Parse whole-record CSV chunks with pyarrow and assemble them into a DataFrame.

Types are decided once, from the first chunk, and then fixed, so a later page cannot
change a column's type:

- dimension columns (item names) are always text, dictionary-encoded so they become
  ``category`` columns (``categorical=False`` keeps plain strings); ``001`` stays ``001``;
- columns whose type is known in advance (a list's number properties) get that type;
- other columns are inferred from the first chunk, integers widened to ``float64``
  (Anaplan numbers are doubles); a column blank on the first chunk is decided by the first
  chunk that has a value in it;
- only the empty field is a missing value (``NA`` is a valid item name in Anaplan).

A value that does not fit its fixed type later on (a text line item that looked numeric
at first) turns that column into text, with a warning, rather than failing the read.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from anaplan_pandas.pages import RecordAligner

DtypeBackend = Literal["numpy_nullable", "pyarrow"]

_TEXT = pa.string()
_CATEGORY = pa.dictionary(pa.int32(), pa.string())
_BAD_COLUMN = re.compile(r"CSV column #(\d+)")


@dataclass(frozen=True)
class ColumnPlan:
    """What is known about the columns before the data arrives.

    Parameters
    ----------
    dimensions : collection of str
        Names of columns that hold item names (always text).
    leading_dimensions : int
        How many leading columns hold item names, whatever their header says.
    types : mapping of str to pyarrow.DataType
        Columns whose type is known (for example a list's number properties).
    infer : bool
        Whether other columns are inferred from the data (``False``: they stay text).
    mixed : bool
        Whether a value column may mix numbers and text by design (the single-column
        layout); turning it into text is then expected and not warned about.

    Examples
    --------
    >>> plan = ColumnPlan(dimensions={"Product"}, leading_dimensions=3)
    >>> plan.is_dimension("Region", 1), plan.is_dimension("Revenue", 3)
    (True, False)
    """

    dimensions: frozenset[str] = field(default_factory=frozenset)
    leading_dimensions: int = 0
    types: Mapping[str, pa.DataType] = field(default_factory=dict)
    infer: bool = True
    mixed: bool = False

    def __init__(
        self,
        dimensions: Iterable[str] = (),
        leading_dimensions: int = 0,
        types: Mapping[str, pa.DataType] | None = None,
        infer: bool = True,
        mixed: bool = False,
    ) -> None:
        object.__setattr__(self, "dimensions", frozenset(dimensions))
        object.__setattr__(self, "leading_dimensions", leading_dimensions)
        object.__setattr__(self, "types", dict(types or {}))
        object.__setattr__(self, "infer", infer)
        object.__setattr__(self, "mixed", mixed)

    def is_dimension(self, name: str, position: int) -> bool:
        """Whether the column at ``position`` named ``name`` holds item names."""
        return name in self.dimensions or position < self.leading_dimensions


class TableBuilder:
    r"""Parse whole-record CSV chunks (no header) into Arrow tables of one fixed schema.

    Examples
    --------
    >>> builder = TableBuilder(["Product", "Units"], ColumnPlan(leading_dimensions=1))
    >>> builder.parse(b"001,5\n002,\n").to_pandas()["Product"].tolist()
    ['001', '002']
    """

    def __init__(
        self, columns: Sequence[str], plan: ColumnPlan | None = None, *, categorical: bool = True
    ) -> None:
        if len(set(columns)) != len(columns):
            duplicated = sorted({c for c in columns if list(columns).count(c) > 1})
            raise ValueError(f"The CSV header names columns more than once: {duplicated}.")
        self.columns = list(columns)
        plan = plan or ColumnPlan()
        self._warn_on_text = not plan.mixed
        self.dimension_columns = [
            name for i, name in enumerate(self.columns) if plan.is_dimension(name, i)
        ]
        self._fixed: dict[str, pa.DataType] = {}
        for name in self.columns:
            if name in self.dimension_columns:
                self._fixed[name] = _CATEGORY if categorical else _TEXT
            elif name in plan.types:
                self._fixed[name] = plan.types[name]
            elif not plan.infer:
                self._fixed[name] = _TEXT
        self._read_options = pacsv.ReadOptions(column_names=self.columns)
        self._parse_options = pacsv.ParseOptions(newlines_in_values=True)

    @property
    def schema(self) -> pa.Schema:
        """The schema every table is cast to; undecided columns are ``null`` so far."""
        return pa.schema([(name, self._fixed.get(name, pa.null())) for name in self.columns])

    def parse(self, chunk: bytes | memoryview) -> pa.Table:
        """Parse one chunk of whole records into a table of the current schema."""
        if len(chunk) == 0:
            return self.schema.empty_table()
        while True:
            try:
                table = pacsv.read_csv(
                    pa.py_buffer(chunk),
                    read_options=self._read_options,
                    parse_options=self._parse_options,
                    convert_options=self._convert_options(),
                )
            except pa.ArrowInvalid as error:
                if not self._loosen(str(error)):
                    raise
                continue
            return self._settle(table)

    def _convert_options(self) -> pacsv.ConvertOptions:
        return pacsv.ConvertOptions(
            column_types=self._fixed,
            null_values=[""],
            strings_can_be_null=True,
            true_values=["true", "TRUE", "True"],
            false_values=["false", "FALSE", "False"],
        )

    def _settle(self, table: pa.Table) -> pa.Table:
        """Fix the types of columns decided by this chunk and cast to the schema."""
        for name, type_ in zip(table.column_names, table.schema.types, strict=False):
            if name not in self._fixed and not pa.types.is_null(type_):
                self._fixed[name] = pa.float64() if pa.types.is_integer(type_) else type_
        schema = self.schema
        return table if table.schema.equals(schema) else table.cast(schema)

    def _loosen(self, message: str) -> bool:
        """Turn the column a conversion error names into text; return whether it did."""
        match = _BAD_COLUMN.search(message)
        if not match or "conversion error" not in message:
            return False
        name = self.columns[int(match.group(1))]
        if self._fixed.get(name) in (_TEXT, _CATEGORY):
            return False
        if self._warn_on_text:
            warnings.warn(
                f"Column {name!r} looked like {self._fixed[name]} on the first page but holds "
                "text further on; it is read as text.",
                UserWarning,
                stacklevel=4,
            )
        self._fixed[name] = _TEXT
        return True


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
    """Convert an Arrow table to pandas, freeing Arrow memory as it goes.

    ``dtype_backend`` works as in :func:`pandas.read_csv`: ``None`` for NumPy dtypes,
    ``"numpy_nullable"`` or ``"pyarrow"``.

    Examples
    --------
    >>> to_frame(pa.table({"x": [1.5, None]}), dtype_backend="numpy_nullable").dtypes["x"]
    Float64Dtype()
    """
    if dtype_backend == "pyarrow":
        mapper = pd.ArrowDtype
    elif dtype_backend == "numpy_nullable":
        mapper = _NULLABLE.get
    elif dtype_backend is None:
        mapper = None
    else:
        raise ValueError(
            f"dtype_backend must be None, 'numpy_nullable' or 'pyarrow', got {dtype_backend!r}."
        )
    return table.to_pandas(types_mapper=mapper, split_blocks=True, self_destruct=True)


_NULLABLE = {
    pa.float64(): pd.Float64Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.bool_(): pd.BooleanDtype(),
    pa.string(): pd.StringDtype(),
}


class CsvPageParser:
    r"""Pages in, Arrow tables out: record alignment, header handling and parsing together.

    Examples
    --------
    >>> parser = CsvPageParser(ColumnPlan(leading_dimensions=1))
    >>> parser.feed(b"Item,Value\n001,1.5\n").num_rows
    1
    >>> parser.finish() is None
    True
    """

    def __init__(self, plan: ColumnPlan | None = None, *, categorical: bool = True) -> None:
        self.plan = plan or ColumnPlan()
        self.categorical = categorical
        self.aligner = RecordAligner()
        self.builder: TableBuilder | None = None

    def feed(self, page: bytes) -> pa.Table | None:
        """Take one page; return the table of the records it completes, if any."""
        return self._parse(self.aligner.feed(page))

    def finish(self) -> pa.Table | None:
        """Return the table of the last record if the last page did not end with a line end."""
        return self._parse(self.aligner.finish())

    @property
    def schema(self) -> pa.Schema:
        """The schema of the tables so far (no columns before the header is known)."""
        self._ensure_builder()
        return self.builder.schema if self.builder else pa.schema([])

    def _parse(self, chunk: memoryview) -> pa.Table | None:
        self._ensure_builder()
        if self.builder is None or len(chunk) == 0:
            return None
        return self.builder.parse(chunk)

    def _ensure_builder(self) -> None:
        if self.builder is None and self.aligner.header:
            self.builder = TableBuilder(
                self.aligner.columns, self.plan, categorical=self.categorical
            )


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
            combined = pa.concat_tables(held, promote_options="permissive")
            yield combined.slice(0, rows)
            rest = combined.slice(rows)
            held, count = [rest], rest.num_rows
    if count:
        yield pa.concat_tables(held, promote_options="permissive")
