"""Parse whole-record CSV chunks with pyarrow into Arrow tables of fixed types.

Types are decided once, from the first chunk, and then fixed, so a later page cannot
change a column's type:

- dimension columns (item names) are always text, dictionary-encoded so they become
  ``category`` columns (``categorical=False`` keeps plain strings); ``001`` stays ``001``;
- columns whose type is known in advance (a list's number properties) get that type;
- other columns are decided by the first chunk: booleans if every value is true or false,
  text otherwise; a column that is blank or holds plain numbers there
  (:mod:`~anaplan_pandas.parse.plain_numbers`) is read as text, and in a full read each page
  turns it into numbers (``float64``, as Anaplan's numbers are doubles) as it is parsed; it
  ends as numbers only if every value of every page is a plain number (a page that proves
  otherwise makes it text, and a column already turned into numbers on earlier pages is
  read again as text: see :func:`~anaplan_pandas.parse.page_parser.parse_whole`);
- only the empty field is a missing value (``NA`` is a valid item name in Anaplan).

A value that does not fit its fixed type later on (a text line item that looked numeric
at first) turns that column into text, with a warning, rather than failing the read.
"""

from __future__ import annotations

import dataclasses
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from anaplan_pandas.parse.assembly import hand_back_memory
from anaplan_pandas.parse.plain_numbers import as_numbers, plain_numbers

_TEXT = pa.string()
_CATEGORY = pa.dictionary(pa.int32(), pa.string())
_BAD_COLUMN = re.compile(r"CSV column #(\d+)")
_PARSE_POOL = pa.system_memory_pool()
#: Pages parsed between two hand-backs of freed memory (each costs a walk of the heap,
#: several milliseconds).
TRIM_EVERY = 8


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

    def with_text(self, names: Iterable[str]) -> ColumnPlan:
        """The same plan with the columns ``names`` known to be text."""
        return dataclasses.replace(self, types={**self.types, **{n: _TEXT for n in names}})


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
        warn: bool = True,
    ) -> None:
        self.columns = unique_names(columns)
        plan = plan or ColumnPlan()
        #: Whether a typed column found to hold text is warned about (not for a layout that
        #: mixes numbers and text by design, nor where the caller warns once for all pages).
        self._warn_on_text = warn and not plan.mixed
        self.dimension_columns = [
            name for i, name in enumerate(self.columns) if plan.is_dimension(name, i)
        ]
        #: Columns of unknown type that are blank or look numeric on the first chunk: read
        #: as text (nothing is lost); in a full read (``whole``) each page turns them into
        #: numbers as it is parsed, on the parse threads, while every value is plain.
        self.numbers_at_end: list[str] = []
        #: Those of them that held a value that is not a plain number on some page.
        self.not_plain: set[str] = set()
        #: Those of them turned into numbers on some page, and those with a value anywhere.
        self.converted: set[str] = set()
        self.filled: set[str] = set()
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
        """Parse one chunk of whole records into a table of the schema.

        The first chunk is parsed once: the table that decides the types is the result.
        """
        if len(chunk) == 0:
            return self.schema.empty_table()
        while True:
            try:
                if not self.decided:
                    table = self._decide(chunk)
                    if table is not None:
                        return self._numbers(table)
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
        table = self._numbers(self._read_csv(chunk, self._fixed, use_threads))
        self._parsed += 1
        # Pages whose number columns were parsed as text, then converted, free twice as much.
        every = TRIM_EVERY // 2 if self._check_plain and self.numbers_at_end else TRIM_EVERY
        if self._parsed % every == 0:
            hand_back_memory()
        return table

    def fits(self, table: pa.Table) -> bool:
        """Whether a table parsed on another thread has the types fixed now."""
        return all(
            field.type == self._fixed[field.name]
            or (field.name in self.numbers_at_end and field.type == pa.float64())
            for field in table.schema)

    def final_schema(self) -> pa.Schema:
        """The types of the assembled data: numbers where every value was a plain number.

        A column that was blank everywhere stays text.
        """
        numbers = {name for name in self.numbers_at_end
                   if name not in self.not_plain and name in self.filled}
        return pa.schema([(name, pa.float64() if name in numbers else type_)
                          for name, type_ in zip(self.schema.names, self.schema.types,
                                                 strict=True)])

    def lost_text(self) -> list[str]:
        """Columns turned into numbers on some page that hold text on another.

        Their exact text is gone from the pages turned into numbers: the data must be
        parsed again with them as text (:func:`~anaplan_pandas.parse.page_parser.parse_whole`).
        """
        return [name for name in self.numbers_at_end
                if name in self.not_plain and name in self.converted]

    def _numbers(self, table: pa.Table) -> pa.Table:
        """Turn this page's plain-number columns into numbers (in a full read)."""
        for name in self.numbers_at_end if self._check_plain else ():
            if name in self.not_plain:
                continue
            column = table.column(name)
            numbers = as_numbers(column)
            if numbers is None:
                self.not_plain.add(name)
                continue
            if column.null_count < len(column):
                self.filled.add(name)
            self.converted.add(name)
            table = table.set_column(table.schema.get_field_index(name), name, numbers)
        return table

    def _read_csv(self, chunk: bytes | memoryview, types: Mapping[str, pa.DataType],
                  use_threads: bool = True) -> pa.Table:
        return pacsv.read_csv(
            pa.py_buffer(chunk),
            read_options=pacsv.ReadOptions(column_names=self.columns, use_threads=use_threads),
            parse_options=self._parse_options,
            convert_options=self._convert_options(types),
            memory_pool=_PARSE_POOL,
        )

    def _convert_options(self, types: Mapping[str, pa.DataType]) -> pacsv.ConvertOptions:
        return pacsv.ConvertOptions(
            column_types=dict(types),
            null_values=[""],
            strings_can_be_null=True,
            true_values=["true", "TRUE", "True"],
            false_values=["false", "FALSE", "False"],
        )

    def _decide(self, chunk: bytes | memoryview) -> pa.Table | None:
        """Fix the type of every column of unknown type from the first chunk.

        A column whose values are all true or false is boolean. One that is blank or holds
        only plain numbers is read as text, so that a later ``0042`` or a long code keeps
        its exact text; a full read turns it into numbers page by page while every value
        in it is a plain number. Returns the chunk's table when its types are the ones
        decided (no boolean column), so that the chunk need not be parsed again.
        """
        undecided = [n for n in self.columns if n not in self._fixed]
        as_text = self._read_csv(chunk, {**self._fixed, **{n: _TEXT for n in undecided}})
        for name in undecided:
            values = as_text.column(name).drop_null()
            if len(values) == 0 or plain_numbers(values):
                self.numbers_at_end.append(name)
                self._fixed[name] = _TEXT
            elif pc.all(pc.is_in(values, _BOOLEAN_TEXT)).as_py():
                self._fixed[name] = pa.bool_()
            else:
                self._fixed[name] = _TEXT
        return as_text if all(self._fixed[n] == _TEXT for n in undecided) else None

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
