"""Encode a sample table as Anaplan-style CSV and cut it into read-request pages.

CSV as in Anaplan's example page: a header row, fields quoted only when they hold a comma,
a double quote or a line break, numbers unformatted, blanks as empty fields. The encoding
is vectorised with pyarrow compute, so millions of rows take a second or two, and pages are
zero-copy slices of one buffer.

How pages are cut is the open question of ``anaplan-api.md`` §2.3, so it is a knob
(:class:`PageLayout`): rows whole or split at any byte, the header on the first page or on
every page, a UTF-8 byte order mark, CRLF line ends.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class PageLayout:
    r"""How the simulator cuts an export into pages.

    Parameters
    ----------
    rows_per_page : int
        Records per page when ``split="rows"``.
    split : {"rows", "bytes"}
        ``"rows"``: pages hold whole records. ``"bytes"``: pages are ``page_bytes`` long and
        may end inside a record, a quoted field or a multi-byte character.
    page_bytes : int
        Page size when ``split="bytes"``.
    header : {"first", "every"}
        The header row on page 0 only, or at the start of every page.
    bom : bool
        Start page 0 (and every page that carries the header) with a UTF-8 byte order mark.
    crlf : bool
        End records with ``\r\n`` instead of ``\n``.
    """

    rows_per_page: int = 50_000
    split: Literal["rows", "bytes"] = "rows"
    page_bytes: int = 4_000_000
    header: Literal["first", "every"] = "first"
    bom: bool = False
    crlf: bool = False

    def __post_init__(self) -> None:
        if self.split not in ("rows", "bytes") or self.header not in ("first", "every"):
            raise ValueError(f"invalid page layout {self}")
        if self.rows_per_page < 1 or self.page_bytes < 1:
            raise ValueError("rows_per_page and page_bytes must be at least 1")


class ExportPages:
    r"""The pages of one export, cut from a single encoded buffer.

    Examples
    --------
    >>> export = ExportPages(pa.table({"Item": ["a, b"], "Value": [1.5]}), PageLayout())
    >>> export.page(0)
    b'Item,Value\n"a, b",1.5\n'
    """

    def __init__(self, table: pa.Table, layout: PageLayout) -> None:
        self.layout = layout
        eol = "\r\n" if layout.crlf else "\n"
        self.header = (",".join(_escape(name) for name in table.column_names) + eol).encode()
        body, offsets = encode_rows(table, eol)
        self.body = body
        if layout.split == "rows":
            starts = list(range(0, table.num_rows, layout.rows_per_page)) or [0]
            bounds = [int(offsets[i]) for i in starts] + [len(body)]
        else:
            bounds = [*list(range(0, len(body), layout.page_bytes)), len(body)]
            if len(bounds) == 1:
                bounds = [0, 0]
        self._bounds = bounds
        self._gzipped: dict[int, bytes] = {}

    @classmethod
    def of_text(cls, data: bytes, layout: PageLayout) -> ExportPages:
        """Pages cut from ready-made CSV text (a grid) without a header of their own.

        ``split="rows"`` cuts after every ``rows_per_page`` lines, ``"bytes"`` anywhere.
        """
        export = cls(pa.table({}), layout)
        export.header, export.body = b"", memoryview(data)
        if layout.split == "rows":
            ends = (np.flatnonzero(np.frombuffer(data, np.uint8) == ord("\n")) + 1).tolist()
            bounds = [0, *ends[layout.rows_per_page - 1::layout.rows_per_page]]
            if bounds[-1] != len(data):
                bounds.append(len(data))
        else:
            bounds = [*range(0, len(data), layout.page_bytes), len(data)]
        export._bounds = bounds if len(bounds) > 1 else [0, 0]
        return export

    def gzipped(self, page_no: int) -> bytes:
        """Page ``page_no`` compressed with gzip, computed once and kept."""
        cached = self._gzipped.get(page_no)
        if cached is None:
            cached = self._gzipped[page_no] = gzip.compress(self.page(page_no), compresslevel=6)
        return cached

    @property
    def count(self) -> int:
        """Number of pages."""
        return len(self._bounds) - 1

    def page(self, page_no: int) -> bytes:
        """The bytes of page ``page_no`` as the server sends them."""
        body = bytes(self.body[self._bounds[page_no]:self._bounds[page_no + 1]])
        if page_no == 0 or self.layout.header == "every":
            return (BOM if self.layout.bom else b"") + self.header + body
        return body


def encode_rows(
    table: pa.Table, eol: str = "\n", separator: str = ","
) -> tuple[memoryview, np.ndarray]:
    r"""Encode every row as one CSV record; return the bytes and the record offsets.

    Examples
    --------
    >>> body, offsets = encode_rows(pa.table({"a": ["x", None], "b": [1.0, 2.5]}))
    >>> bytes(body), offsets.tolist()
    (b'x,1\n,2.5\n', [0, 4, 9])
    """
    if table.num_rows == 0:
        return memoryview(b""), np.zeros(1, dtype=np.int64)
    text = pa.large_string()
    fields = [pc.fill_null(_encode_column(column, separator), pa.scalar("", text))
              for column in table.columns]
    records = pc.binary_join_element_wise(*fields, pa.scalar(separator, text))
    lines = pc.binary_join_element_wise(records, pa.scalar(eol, text), pa.scalar("", text))
    lines = lines.combine_chunks() if isinstance(lines, pa.ChunkedArray) else lines
    _, offsets_buffer, data = lines.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[
        lines.offset : lines.offset + len(lines) + 1
    ]
    body = memoryview(data)[int(offsets[0]) : int(offsets[-1])]
    return body, offsets - offsets[0]


def _encode_column(column: pa.ChunkedArray, separator: str = ",") -> pa.Array:
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        encoded = column.combine_chunks().dictionary_encode()
        escaped = [
            None if value is None else _escape(value, separator)
            for value in encoded.dictionary.to_pylist()
        ]
        return pa.DictionaryArray.from_arrays(
            encoded.indices, pa.array(escaped, pa.large_string())
        ).cast(pa.large_string())
    if pa.types.is_boolean(column.type):
        return pc.if_else(column, "true", "false").cast(pa.large_string())
    return pc.cast(column, pa.large_string())


def _escape(value: str, separator: str = ",") -> str:
    if any(ch in value for ch in f'{separator}"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


def encode_csv(table: pa.Table, separator: str = ",", *, header: bool = True) -> bytes:
    r"""The whole table as one delimited text file (UTF-8), with or without its header row.

    Examples
    --------
    >>> encode_csv(pa.table({"Item": ["a\tb"], "Value": [1.5]}), "\t")
    b'Item\tValue\n"a\tb"\t1.5\n'
    """
    body, _ = encode_rows(table, separator=separator)
    names = separator.join(_escape(name, separator) for name in table.column_names)
    return ((names + "\n").encode() if header else b"") + bytes(body)


def single_column(table: pa.Table, dimensions: list[str]) -> pa.Table:
    """A view's table in the single-column layout: item names, line item, value (as text)."""
    parts = []
    values = [name for name in table.column_names if name not in dimensions]
    for name in values:
        part = table.select(dimensions)
        part = part.append_column("Line Items", pa.array([name] * table.num_rows))
        column = table.column(name)
        if not pa.types.is_string(column.type):
            column = column.cast(pa.string())
        parts.append(part.append_column("Value", column))
    return pa.concat_tables(parts)
