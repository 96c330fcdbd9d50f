r"""Views whose CSV has several header lines, made tidy.

These are the grid layouts, and tabular exports with several dimensions across the columns.

A grid (``GRID_ALL_PAGES``, ``GRID_CURRENT_PAGE``; Anaplan's help on view data) is: a line
with the selected page items (left out when the view has no page dimensions), one header
line per column dimension with empty cells over the row-dimension columns, then data rows
that start with one cell per row dimension; ``GRID_ALL_PAGES`` repeats the block for each
combination of page items. The view's metadata says how many lines of each to expect, and
the data is checked against it.

The result is tidy: the page-dimension columns first (named by the dimension), then the
row-dimension columns, then one column per column item, named by the item (a MultiIndex over
the columns when there are several column dimensions). Values are typed as in tabular reads:
a column becomes numbers only if every value is a plain number, booleans if every value is
true or false; blanks are missing.

Grids are read whole (they are views meant for people, rarely large).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from anaplan_pandas.parse.assembly import DtypeBackend, to_frame
from anaplan_pandas.parse.page_parser import not_utf8
from anaplan_pandas.parse.pages import BOM
from anaplan_pandas.parse.plain_numbers import as_numbers

_BOOLEAN = pa.array(["true", "TRUE", "True", "false", "FALSE", "False"])
_TRUE = pa.array(["true", "TRUE", "True"])


class GridError(ValueError):
    """The CSV does not have the shape the view's metadata announces."""


@dataclass(frozen=True)
class GridShape:
    """The dimensions on a view's axes, and whether the CSV is a grid or a tabular export.

    Examples
    --------
    >>> GridShape(rows=["Products"], columns=["Line Items"], pages=["Regions"]).leading
    1
    """

    rows: list[str]
    columns: list[str]
    pages: list[str]
    grid: bool = True

    @property
    def leading(self) -> int:
        """How many leading cells of a data row hold item names."""
        return len(self.rows) if self.grid else len(self.rows) + len(self.pages)

    @property
    def dimensions(self) -> list[str]:
        """The names of the tidy frame's item-name columns, in order."""
        return self.pages + self.rows if self.grid else self.rows + self.pages


def join_pages(pages: Iterable[bytes], header_lines: int) -> bytes:
    r"""The CSV of a whole export from its pages, a header repeated on every page removed.

    Whether pages repeat the header is unknown (``anaplan-api.md`` §2.3): as for tabular
    reads, page 1 decides, by starting with exactly the first ``header_lines`` lines of page 0.

    Examples
    --------
    >>> join_pages([b"R\n,Units\na,1\n", b"R\n,Units\nb,2\n"], 2)
    b'R\n,Units\na,1\nb,2\n'
    >>> join_pages([b"R\n,Units\na,1\n", b"b,2\n"], 2)
    b'R\n,Units\na,1\nb,2\n'
    """
    parts: list[bytes] = []
    header = b""
    repeats: bool | None = None
    for number, page in enumerate(pages):
        page = page[len(BOM):] if page.startswith(BOM) else page
        if number == 0:
            header = b"".join(page.splitlines(keepends=True)[:header_lines])
        elif header:
            if repeats is None:
                repeats = page.startswith(header)
            if repeats and page.startswith(header):
                page = page[len(header):]
        parts.append(page)
    return b"".join(parts)


def grid_of_pages(
    pages: Iterable[bytes],
    shape: GridShape,
    *,
    categorical: bool = True,
    dtype_backend: DtypeBackend | None = None,
) -> pd.DataFrame:
    r"""The tidy DataFrame of an export's pages (see :func:`grid_frame`).

    Examples
    --------
    >>> shape = GridShape(rows=["Product"], columns=["Line Items"], pages=[])
    >>> grid_of_pages([b",Units\nA,1\n", b",Units\nB,2\n"], shape)["Units"].tolist()
    [1.0, 2.0]
    """
    pages = list(pages)
    first = pages[0] if pages else b""
    header = _header_lines(first, shape)
    return grid_frame(join_pages(pages, header), shape, categorical=categorical,
                      dtype_backend=dtype_backend)


def _header_lines(page: bytes, shape: GridShape) -> int:
    """How many lines the header block at the start of ``page`` has."""
    page_line = 1 if shape.grid and shape.pages else 0
    if shape.grid:
        return page_line + len(shape.columns)
    text = page.decode("utf-8", errors="replace").lstrip("\ufeff")
    records = []
    for record in csv.reader(io.StringIO(text, newline="")):
        records.append(record)
        if len(records) > len(shape.columns):
            break
    return len(_header(records, 0, shape)) if records else 1


def grid_frame(
    data: bytes,
    shape: GridShape,
    *,
    categorical: bool = True,
    dtype_backend: DtypeBackend | None = None,
) -> pd.DataFrame:
    r"""Parse a grid (or a tabular export with several header lines) into a tidy DataFrame.

    Examples
    --------
    >>> data = b"North\n,Units,Price\nA,1,2.5\nB,3,\nSouth\n,Units,Price\nA,5,1\n"
    >>> shape = GridShape(rows=["Product"], columns=["Line Items"], pages=["Region"])
    >>> grid_frame(data, shape).to_dict("list")  # doctest: +NORMALIZE_WHITESPACE
    {'Region': ['North', 'North', 'South'], 'Product': ['A', 'B', 'A'],
     'Units': [1.0, 3.0, 5.0], 'Price': [2.5, nan, 1.0]}
    """
    problem = not_utf8(data)
    if problem is not None:
        raise GridError(str(problem))
    records = [r for r in csv.reader(io.StringIO(data.decode("utf-8"), newline="")) if r]
    labels, rows = _split(records, shape)
    depth = len(labels[0]) if labels and isinstance(labels[0], tuple) else 1
    dimension_names = shape.dimensions
    prefix = len(dimension_names) - shape.leading  # page items put in front of each row
    columns: dict[object, pa.Array] = {}
    for i, name in enumerate(dimension_names):
        values = pa.array([row[i] or None for row in rows], pa.string())
        columns[_label(name, depth)] = values.dictionary_encode() if categorical else values
    for j, label in enumerate(labels):
        column = pa.array([row[prefix + shape.leading + j] or None for row in rows], pa.string())
        columns[label] = _typed(column)
    table = pa.table({str(i): c for i, c in enumerate(columns.values())})
    frame = to_frame(table, dtype_backend=dtype_backend)
    keys = list(columns)
    if depth > 1:
        frame.columns = pd.MultiIndex.from_tuples(keys, names=shape.columns)
    else:
        frame.columns = pd.Index(keys)
    return frame


def _split(records: list[list[str]], shape: GridShape) -> tuple[list, list[list[str]]]:
    """The column labels, and every data row with its page items in front."""
    if not shape.columns:
        raise GridError("the view's metadata shows no dimension on the columns")
    lead, depth = shape.leading, len(shape.columns)
    i = 0
    page_items: list[str] = []
    if shape.grid and shape.pages:
        page_items, i = _page_line(records, 0, len(shape.pages)), 1
    header = _header(records, i, shape)
    i += len(header)
    width = len(header[0])
    rows: list[list[str]] = []
    while i < len(records):
        record = records[i]
        if shape.grid and shape.pages and records[i + 1:i + 1 + depth] == header:
            page_items, i = _page_line(records, i, len(shape.pages)), i + 1 + depth
            continue
        if len(record) != width:
            raise GridError(
                f"line {i + 1} has {len(record)} cells where the header has {width}"
            )
        if not all(record[:lead]):
            raise GridError(f"line {i + 1} lacks an item name in its first {lead} cell(s)")
        rows.append(page_items + record)
        i += 1
    if len(header) == 1:
        labels: list = header[0][lead:]
    else:
        labels = list(zip(*(line[lead:] for line in header), strict=True))
    return labels, rows


def _page_line(records: list[list[str]], i: int, pages: int) -> list[str]:
    if i >= len(records) or len([c for c in records[i] if c]) < pages:
        raise GridError(f"line {i + 1} should name the {pages} selected page item(s)")
    return records[i][:pages]


def _header(records: list[list[str]], i: int, shape: GridShape) -> list[list[str]]:
    """The header lines: one per column dimension (a tabular export may have just one)."""
    lead, depth = shape.leading, len(shape.columns)
    lines = records[i:i + depth]
    if shape.grid:
        if len(lines) < depth or any(any(line[:lead]) or len(line) <= lead for line in lines):
            raise GridError(
                f"lines {i + 1}-{i + depth} should be {depth} header line(s) with {lead} empty "
                "cell(s) over the row dimensions"
            )
        return lines
    # Tabular: the first line always; each further one only while its leading cells are
    # empty (a data row always names its items).
    count = 1
    while count < len(lines) and not any(lines[count][:lead]):
        count += 1
    if count not in (1, depth):
        raise GridError(
            f"the export has {count} header lines for {depth} column dimensions; this layout "
            "is not one anaplan-pandas knows"
        )
    return lines[:count]


def _label(name: str, depth: int) -> object:
    return name if depth <= 1 else (name, *[""] * (depth - 1))


def _typed(column: pa.Array) -> pa.Array:
    values = column.drop_null()
    numbers = as_numbers(pa.chunked_array([column])) if len(values) else None
    if numbers is not None:
        return numbers.combine_chunks()
    if len(values) and pc.all(pc.is_in(values, _BOOLEAN)).as_py():
        truth = pc.is_in(column, _TRUE)
        return pc.if_else(pc.is_valid(column), truth, pa.scalar(None, pa.bool_()))
    return column
