"""Parse whole-record CSV chunks with pyarrow and assemble them into a DataFrame.

Types are decided once, from the first chunk, and then fixed, so a later page cannot
change a column's type:

- dimension columns (item names) are always text, dictionary-encoded so they become
  ``category`` columns (``categorical=False`` keeps plain strings); ``001`` stays ``001``;
- columns whose type is known in advance (a list's number properties) get that type;
- other columns are decided by the first chunk: numbers (``float64``, as Anaplan's numbers
  are doubles) if every value is written as a plain number, booleans if every value is
  true or false, text otherwise; a column blank on the first chunk is text, and a full
  read turns it into numbers at the end if every value is a plain number;
- only the empty field is a missing value (``NA`` is a valid item name in Anaplan).

A value that does not fit its fixed type later on (a text line item that looked numeric
at first) turns that column into text, with a warning, rather than failing the read.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from anaplan_pandas.pages import BrokenPageError, RecordAligner

DtypeBackend = Literal["numpy_nullable", "pyarrow"]

_TEXT = pa.string()
_CATEGORY = pa.dictionary(pa.int32(), pa.string())
_BAD_COLUMN = re.compile(r"CSV column #(\d+)")
_PARSE_POOL = pa.system_memory_pool()
#: Parses, and bytes converted, between two hand-backs of freed memory (each costs a walk
#: of the heap, several milliseconds).
TRIM_EVERY = 8
TRIM_BYTES = 32 * 1024 * 1024
#: Downloads of a page that does not fit the data before the read fails (after the first).
REFETCHES = 5


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
    value_axis : str
        Name of the dimension laid across the value columns (usually ``Line Items``), for
        the long layout.

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
    value_axis: str = "Line Items"

    def __init__(
        self,
        dimensions: Iterable[str] = (),
        leading_dimensions: int = 0,
        types: Mapping[str, pa.DataType] | None = None,
        infer: bool = True,
        mixed: bool = False,
        value_axis: str = "Line Items",
    ) -> None:
        object.__setattr__(self, "dimensions", frozenset(dimensions))
        object.__setattr__(self, "leading_dimensions", leading_dimensions)
        object.__setattr__(self, "types", dict(types or {}))
        object.__setattr__(self, "infer", infer)
        object.__setattr__(self, "mixed", mixed)
        object.__setattr__(self, "value_axis", value_axis)

    def is_dimension(self, name: str, position: int) -> bool:
        """Whether the column at ``position`` named ``name`` holds item names."""
        return name in self.dimensions or position < self.leading_dimensions


class TableBuilder:
    r"""Parse whole-record CSV chunks (no header) into Arrow tables of one fixed schema.

    The first chunk fixes every column's type; later chunks are parsed with those types,
    so they can be parsed side by side (:meth:`read` is thread-safe).

    Examples
    --------
    >>> builder = TableBuilder(["Product", "Units"], ColumnPlan(leading_dimensions=1))
    >>> builder.parse(b"001,5\n002,\n").to_pandas()["Product"].tolist()
    ['001', '002']
    """

    def __init__(
        self,
        columns: Sequence[str],
        plan: ColumnPlan | None = None,
        *,
        categorical: bool = True,
        whole: bool = True,
        separator: str = ",",
    ) -> None:
        self.columns = unique_names(columns)
        plan = plan or ColumnPlan()
        self._warn_on_text = not plan.mixed
        self.dimension_columns = [
            name for i, name in enumerate(self.columns) if plan.is_dimension(name, i)
        ]
        #: Columns of unknown type that are blank or look numeric on the first chunk: read
        #: as text (nothing is lost), turned into numbers at the end of a full read if every
        #: value is a plain number.
        self.numbers_at_end: list[str] = []
        #: Those of them that held a value that is not a plain number on some page; checked
        #: page by page as each is parsed (on the parse threads), so the end of a read only
        #: converts.
        self.not_plain: set[str] = set()
        self._check_plain = whole
        self._fixed: dict[str, pa.DataType] = {}
        for name in self.columns:
            if name in self.dimension_columns:
                self._fixed[name] = _CATEGORY if categorical else _TEXT
            elif name in plan.types:
                self._fixed[name] = plan.types[name]
            elif not plan.infer:
                self._fixed[name] = _TEXT
        self._parse_options = pacsv.ParseOptions(delimiter=separator, newlines_in_values=True)
        self._parsed = 0

    @property
    def schema(self) -> pa.Schema:
        """The schema every table is cast to (``null`` for columns not yet decided)."""
        return pa.schema([(name, self._fixed.get(name, pa.null())) for name in self.columns])

    @property
    def decided(self) -> bool:
        """Whether every column's type is fixed (after the first chunk)."""
        return len(self._fixed) == len(self.columns)

    def parse(self, chunk: bytes | memoryview) -> pa.Table:
        """Parse one chunk of whole records into a table of the schema."""
        if len(chunk) == 0:
            return self.schema.empty_table()
        if not self.decided:
            self._decide(chunk)
        while True:
            try:
                return self.read(chunk)
            except pa.ArrowInvalid as error:
                if not self._loosen(str(error)):
                    raise

    def read(self, chunk: bytes | memoryview, *, use_threads: bool = True) -> pa.Table:
        """Parse with the types fixed so far (thread-safe).

        Parsing allocates from the system allocator and hands scratch memory back after
        each page: pages parsed side by side on several threads otherwise leave it resident,
        and the peak of a 2,000,000-row read grows from 1.4 to 3 times the frame's size
        (``benchmarks/bench_read.py``).
        """
        table = pacsv.read_csv(
            pa.py_buffer(chunk),
            read_options=pacsv.ReadOptions(column_names=self.columns, use_threads=use_threads),
            parse_options=self._parse_options,
            convert_options=self._convert_options(self._fixed),
            memory_pool=_PARSE_POOL,
        )
        for name in self.numbers_at_end if self._check_plain else ():
            if name not in self.not_plain and not plain_numbers(table.column(name)):
                self.not_plain.add(name)
        self._parsed += 1
        if self._parsed % TRIM_EVERY == 0:
            _hand_back_memory()
        return table

    def plain_columns(self) -> list[str]:
        """The columns to turn into numbers at the end: every value seen was a plain number."""
        return [name for name in self.numbers_at_end if name not in self.not_plain]

    def _convert_options(self, types: Mapping[str, pa.DataType]) -> pacsv.ConvertOptions:
        return pacsv.ConvertOptions(
            column_types=dict(types),
            null_values=[""],
            strings_can_be_null=True,
            true_values=["true", "TRUE", "True"],
            false_values=["false", "FALSE", "False"],
        )

    def _decide(self, chunk: bytes | memoryview) -> None:
        """Fix the type of every column of unknown type from the first chunk.

        A column whose values are all true or false is boolean. One that is blank or holds
        only plain numbers is read as text, so that a later ``0042`` or a long code keeps
        its exact text; a full read turns it into numbers at the end if every value in it
        is a plain number (:func:`promote_numbers`).
        """
        undecided = [n for n in self.columns if n not in self._fixed]
        as_text = pacsv.read_csv(
            pa.py_buffer(chunk),
            read_options=pacsv.ReadOptions(column_names=self.columns),
            parse_options=self._parse_options,
            convert_options=self._convert_options({n: _TEXT for n in undecided}),
        )
        for name in undecided:
            values = as_text.column(name).drop_null()
            if len(values) == 0 or plain_numbers(values):
                self.numbers_at_end.append(name)
                self._fixed[name] = _TEXT
            elif pc.all(pc.is_in(values, _BOOLEAN_TEXT)).as_py():
                self._fixed[name] = pa.bool_()
            else:
                self._fixed[name] = _TEXT

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
                stacklevel=5,
            )
        self._fixed[name] = _TEXT
        return True


_BOOLEAN_TEXT = pa.array(["true", "TRUE", "True", "false", "FALSE", "False"])
# Whole numbers of up to 15 digits (a double holds them exactly; longer ones are codes),
# decimals and exponents as Anaplan writes them, NaN and Infinity.
_PLAIN_NUMBER = (
    r"^-?(0|[1-9][0-9]{0,14})$"
    r"|^-?(0|[1-9][0-9]*)(\.[0-9]+)([eE][-+]?[0-9]+)?$"
    r"|^-?(0|[1-9][0-9]*)[eE][-+]?[0-9]+$"
    r"|^-?(NaN|Infinity)$"
)


def unique_names(columns: Sequence[str]) -> list[str]:
    """Column names made usable as pandas does: blanks named, repeats numbered.

    Grid layouts leave the header cells above the row dimensions blank.

    Examples
    --------
    >>> unique_names(["", "", "Jan 24", "Jan 24"])
    ['Unnamed: 0', 'Unnamed: 1', 'Jan 24', 'Jan 24.1']
    """
    names: list[str] = []
    for i, name in enumerate(columns):
        candidate = name if name.strip() else f"Unnamed: {i}"
        base, n = candidate, 0
        while candidate in names:
            n += 1
            candidate = f"{base}.{n}"
        names.append(candidate)
    return names


def plain_numbers(column: pa.ChunkedArray | pa.Array) -> bool:
    """Whether every non-blank text value is a number written plainly (no leading zeros).

    Examples
    --------
    >>> plain_numbers(pa.array(["1", "2.5", None, "-1e+20"])), plain_numbers(pa.array(["0042"]))
    (True, False)
    >>> plain_numbers(pa.array(["12345678901234567"]))  # too long to be a number: a code
    False
    """
    values = column.drop_null()
    return len(values) == 0 or pc.all(pc.match_substring_regex(values, _PLAIN_NUMBER)).as_py()


def promote_numbers(table: pa.Table, names: Iterable[str], *, checked: bool = False) -> pa.Table:
    """Turn text columns whose every value is a plain number into ``float64``.

    Examples
    --------
    >>> promote_numbers(pa.table({"x": ["1.5", None]}), ["x"]).schema.types
    [DataType(double)]
    """
    for name in names:
        column = table.column(name)
        has_values = column.null_count < len(column)
        if pa.types.is_string(column.type) and has_values and (checked or plain_numbers(column)):
            index = table.schema.get_field_index(name)
            table = table.set_column(index, name, column.cast(pa.float64()))
    return table


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
    promote: Iterable[str] = (),
    checked: bool = False,
    dtype_backend: DtypeBackend | None = None,
) -> pd.DataFrame:
    """Turn the tables of every page into one DataFrame, column by column, emptying ``tables``.

    Each column's pages are freed, and their memory handed back, before the next column
    is converted, so the peak stays near the size of the data plus one column, instead of
    the Arrow copy and the pandas copy side by side. Columns named in ``promote`` become
    numbers if every value is a plain number (see :func:`promote_numbers`); ``checked`` says the
    caller has checked that already, page by page.

    Examples
    --------
    >>> pages = [pa.table({"x": ["1.5"]}), pa.table({"x": ["2"]})]
    >>> tables_to_frame(pages, pages[0].schema, promote=["x"])["x"].tolist()
    [1.5, 2.0]
    >>> pages
    []
    """
    mapper = _types_mapper(dtype_backend)
    final = combine_tables([], schema).schema
    promote = set(promote)
    columns: dict[str, pd.Series] = {}
    freed = 0
    # Text-to-number casts are costly: one pool casts the chunks side by side, for every
    # column to promote.
    casting = (ThreadPoolExecutor(parse_workers(), thread_name_prefix="anaplan-cast")
               if promote else contextlib.nullcontext())
    with casting as pool:
        for name, type_ in zip(final.names, final.types, strict=True):
            chunks = [
                chunk if chunk.type == type_ else chunk.cast(type_)
                for table in tables
                for chunk in table.column(name).chunks
            ]
            column = pa.chunked_array(chunks, type=type_)
            if name in promote and len(column) > column.null_count and (
                    checked or plain_numbers(column)):
                column = pa.chunked_array(
                    list(pool.map(lambda chunk: chunk.cast(pa.float64()), column.chunks)),
                    type=pa.float64())
            columns[name] = column.to_pandas(types_mapper=mapper)
            freed += column.nbytes
            del chunks, column
            tables[:] = [table.drop_columns([name]) for table in tables]
            if freed >= TRIM_BYTES:  # a hand-back costs milliseconds: only for a lot of memory
                _hand_back_memory()
                freed = 0
    tables.clear()
    return pd.DataFrame(columns, copy=False)


def _hand_back_memory() -> None:
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


def not_utf8(chunk: bytes | memoryview) -> ValueError | None:
    r"""A clear error if ``chunk`` is not UTF-8 text, naming the first bad byte.

    Examples
    --------
    >>> print(not_utf8("Région,1\n".encode("latin-1")))  # doctest: +ELLIPSIS
    the data is not UTF-8 text: byte 0xe9 at offset 1 of the page's records ('R' before it)...
    """
    try:
        bytes(chunk).decode("utf-8")
    except UnicodeDecodeError as error:
        before = bytes(chunk[max(0, error.start - 20):error.start]).decode("utf-8", "replace")
        return ValueError(
            f"the data is not UTF-8 text: byte 0x{chunk[error.start]:02x} at offset "
            f"{error.start} of the page's records ({before!r} before it); Anaplan sends "
            "UTF-8, so the page was damaged or re-encoded on the way"
        )
    return None


class PageParseError(ValueError):
    """A page's CSV could not be parsed; ``page_no`` is -1 for the end of the data."""

    def __init__(self, page_no: int, error: Exception) -> None:
        self.where = f"page {page_no}" if page_no >= 0 else "the end of the data"
        self.reason = str(error)
        super().__init__(f"{self.where}: {self.reason}")
        self.page_no = page_no


def parse_workers() -> int:
    """Threads that parse pages side by side: one more than the cores, at most 8."""
    return min(8, (os.cpu_count() or 1) + 1)


class CsvPageParser:
    r"""Pages in, Arrow tables out: record alignment, header handling and parsing together.

    :meth:`tables` parses the pages of a stream side by side on several threads, which
    beats one parse at a time with pyarrow's own threads (pages of a few MB are too small
    to keep every core busy); :meth:`feed` and :meth:`finish` take one page at a time.

    Examples
    --------
    >>> parser = CsvPageParser(ColumnPlan(leading_dimensions=1))
    >>> parser.feed(b"Item,Value\n001,1.5\n").num_rows
    1
    >>> parser.finish() is None
    True
    >>> pages = [(0, b"Item,Value\nA,1\nB,"), (1, b"2\n")]
    >>> [t.num_rows for t in CsvPageParser().tables(pages)]
    [1, 1]
    """

    def __init__(
        self,
        plan: ColumnPlan | None = None,
        *,
        categorical: bool = True,
        whole: bool = True,
        separator: str = ",",
        slices: bool = False,
    ) -> None:
        self.plan = plan or ColumnPlan()
        self.categorical = categorical
        self.whole = whole  # the tables will be assembled at the end (numbers settled)
        self.separator = separator
        self.aligner = RecordAligner(separator=separator, slices=slices)
        self.builder: TableBuilder | None = None

    def feed(self, page: bytes) -> pa.Table | None:
        """Take one page; return the table of the records it completes, if any."""
        return self._parse(self.aligner.feed(page))

    def finish(self) -> pa.Table | None:
        """Return the table of the last record if the last page did not end with a line end."""
        return self._parse(self.aligner.finish())

    def tables(
        self,
        pages: Iterable[tuple[int, bytes]],
        workers: int | None = None,
        refetch: Callable[[int], bytes] | None = None,
    ) -> Iterator[pa.Table]:
        """Yield one table per page, in order, parsing up to ``workers`` pages at once.

        The first page with data is parsed alone, so that it fixes the column types the
        others are parsed with. A page that does not fit the data (see
        :class:`~anaplan_pandas.pages.BrokenPageError`) is downloaded again with
        ``refetch(page_no)``, up to :data:`REFETCHES` times. Errors are raised as
        :class:`PageParseError`.
        """
        workers = workers or parse_workers()
        pool = ThreadPoolExecutor(workers, thread_name_prefix="anaplan-parse")
        pending: deque[tuple[int, memoryview, Future[pa.Table]]] = deque()
        started = False
        try:
            for page_no, chunk in self._chunks(pages, refetch):
                if self.builder is None or len(chunk) == 0:
                    continue
                if not started or workers == 1:
                    while pending:
                        yield self._collect(*pending.popleft())
                    yield self._sequential(page_no, chunk)
                    started = True
                    continue
                future = pool.submit(self.builder.read, chunk, use_threads=False)
                pending.append((page_no, chunk, future))
                while pending and (pending[0][2].done() or len(pending) > 2 * workers):
                    yield self._collect(*pending.popleft())
            while pending:
                yield self._collect(*pending.popleft())
        finally:
            for *_, future in pending:
                future.cancel()
            pool.shutdown(wait=False, cancel_futures=True)

    @property
    def schema(self) -> pa.Schema:
        """The schema of the tables so far (no columns before the header is known)."""
        self._ensure_builder()
        return self.builder.schema if self.builder else pa.schema([])

    def table(self, tables: list[pa.Table]) -> pa.Table:
        """All the tables this parser produced as one table, numbers settled at the end."""
        promote = self.builder.plain_columns() if self.builder else []
        return promote_numbers(combine_tables(tables, self.schema), promote, checked=True)

    def frame(
        self, tables: list[pa.Table], dtype_backend: DtypeBackend | None = None
    ) -> pd.DataFrame:
        """All the tables this parser produced as one DataFrame (empties ``tables``)."""
        promote = self.builder.plain_columns() if self.builder else []
        return tables_to_frame(tables, self.schema, promote=promote, checked=True,
                               dtype_backend=dtype_backend)

    def _chunks(
        self, pages: Iterable[tuple[int, bytes]], refetch: Callable[[int], bytes] | None
    ) -> Iterator[tuple[int, memoryview]]:
        last = -1
        for page_no, data in pages:
            chunk = self._feed(page_no, data, refetch)
            self._ensure_builder()
            yield page_no, chunk
            last = page_no
        try:
            rest = self.aligner.finish()
        except ValueError as error:
            raise PageParseError(last, error) from error
        self._ensure_builder()
        yield -1, rest

    def _feed(
        self, page_no: int, data: bytes, refetch: Callable[[int], bytes] | None
    ) -> memoryview:
        """Align one page, downloading it again while it does not fit the data."""
        downloads = 1
        while True:
            try:
                return self.aligner.feed(data)
            except BrokenPageError as error:
                if refetch is None or downloads > REFETCHES:
                    broken = PageParseError(page_no, ValueError(
                        f"the page does not fit the data ({error}), "
                        f"{downloads} download(s) in a row; none of it was used"))
                else:
                    broken = None
            if broken is not None:
                raise broken
            downloads += 1
            data = refetch(page_no)

    def _sequential(self, page_no: int, chunk: memoryview) -> pa.Table:
        assert self.builder is not None
        try:
            return self.builder.parse(chunk)
        except (pa.ArrowInvalid, ValueError) as error:
            failure: Exception = error
        raise PageParseError(page_no, not_utf8(chunk) or failure)

    def _collect(self, page_no: int, chunk: memoryview, future: Future[pa.Table]) -> pa.Table:
        assert self.builder is not None
        try:
            table = future.result()
        except pa.ArrowInvalid:  # a type to loosen, or a real error: redo it in order
            return self._sequential(page_no, chunk)
        if not table.schema.equals(self.builder.schema):  # a column was loosened meanwhile
            return self._sequential(page_no, chunk)
        return table

    def _parse(self, chunk: memoryview) -> pa.Table | None:
        self._ensure_builder()
        if self.builder is None or len(chunk) == 0:
            return None
        return self.builder.parse(chunk)

    def _ensure_builder(self) -> None:
        if self.builder is None and self.aligner.header:
            self.builder = TableBuilder(
                self.aligner.columns, self.plan, categorical=self.categorical, whole=self.whole,
                separator=self.separator,
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


Layout = Literal["wide", "multiindex", "long"]


def lay_out(frame: pd.DataFrame, plan: ColumnPlan, layout: Layout) -> pd.DataFrame:
    """Arrange a view's frame: as read, with a MultiIndex, or one value per row.

    ``wide`` keeps the frame as read, ``multiindex`` moves the item names into the index,
    ``long`` melts the value columns into (item names, line item, ``Value``) rows.

    Examples
    --------
    >>> frame = pd.DataFrame({"Product": ["A"], "Units": [1.0], "Price": [2.5]})
    >>> lay_out(frame, ColumnPlan(leading_dimensions=1), "long").values.tolist()
    [['A', 'Units', 1.0], ['A', 'Price', 2.5]]
    """
    if layout == "wide":
        return frame
    dimensions = [c for i, c in enumerate(frame.columns) if plan.is_dimension(c, i)]
    if not dimensions:
        raise ValueError(f"layout={layout!r} needs item-name columns, and this data has none.")
    if layout == "multiindex":
        return frame.set_index(dimensions)
    if layout == "long":
        if plan.mixed:  # the single-column layout is long already
            return frame
        values = [c for c in frame.columns if c not in dimensions]
        value_name = "Value"
        while value_name in frame.columns:
            value_name = f"{value_name}_"
        long = frame.melt(id_vars=dimensions, value_vars=values, var_name=plan.value_axis,
                          value_name=value_name)
        # melt lists column by column; keep the view's row order, one row after another
        row_major = np.arange(len(long)).reshape(len(values), len(frame)).T.ravel()
        return long.iloc[row_major].reset_index(drop=True)
    raise ValueError(f"layout must be 'wide', 'multiindex' or 'long', got {layout!r}.")
