"""The file an export writes: its layout in the file listing, and its chunks as CSV pages.

Chunks are byte slices of one file, so they are joined as bytes and decoded as a whole: a
record, or a multi-byte character, cut between two chunks is put back together before it
is parsed. Whether the file starts with a header line is not always said: the vendor's own
example lists an export file with ``headerRow`` and ``firstDataRow`` both 0, whose meaning
no source settles (``anaplan-api.md`` §6), while import files say 1/2. So the file's first
line decides when the listing does not: a line equal to the export's ``headerNames`` is
the header; any other first line is data, and the header names are put in front of it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from anaplan_pandas.catalog.export_definition import ExportDefinition, UnsupportedExportError
from anaplan_pandas.parse.pages import Utf8Recoder


@dataclass(frozen=True)
class FileLayout:
    """What the file listing says of the export's file (``None``: it does not say).

    Examples
    --------
    >>> FileLayout.from_entry({"id": "116000000000", "chunkCount": 0, "firstDataRow": 0,
    ...                        "headerRow": 0})
    FileLayout(header_row=0, first_data_row=0, chunk_count=0)
    """

    header_row: int | None = None
    first_data_row: int | None = None
    chunk_count: int | None = None

    @classmethod
    def from_entry(cls, entry: dict[str, Any] | None) -> FileLayout:
        """Read a ``files[]`` entry; fields that are absent or not whole numbers stay unknown."""
        def number(key: str) -> int | None:
            value = (entry or {}).get(key)
            try:
                return int(value) if isinstance(value, (int, str)) else None
            except ValueError:
                return None

        return cls(number("headerRow"), number("firstDataRow"), number("chunkCount"))

    @property
    def has_header(self) -> bool | None:
        """Whether the listing says there is a header line (``None``: the content decides)."""
        if (self.header_row, self.first_data_row) == (1, 2):
            return True
        if (self.header_row, self.first_data_row) == (0, 1):
            return False
        return None


def header_line(definition: ExportDefinition) -> bytes:
    """The export's header names as one CSV line in its separator (UTF-8)."""
    out = io.StringIO()
    csv.writer(out, delimiter=definition.separator, lineterminator="\n").writerow(
        definition.header_names)
    return out.getvalue().encode()


def starts_with_header(first_line: bytes, definition: ExportDefinition) -> bool:
    r"""Whether a file's first line (UTF-8) is its header: the export's header names.

    Without header names the first line must be the header (nothing else names the
    columns).

    Examples
    --------
    >>> d = ExportDefinition(header_names=("Products", "Price"))
    >>> starts_with_header(b'\xef\xbb\xbfProducts,Price\r\n', d)
    True
    >>> starts_with_header(b"Widget,1.5\n", d)
    False
    """
    if not definition.header_names:
        return True
    text = first_line.decode("utf-8", errors="replace").lstrip("\ufeff").rstrip("\r\n")
    fields = next(csv.reader([text], delimiter=definition.separator), [])
    return [f.strip() for f in fields] == [n.strip() for n in definition.header_names]


def file_pages(parts: Iterator[tuple[int, bytes]], layout_of: Callable[[], FileLayout],
               definition: ExportDefinition, what: str) -> Iterator[tuple[int, bytes]]:
    """The chunks as UTF-8 text, with a header line in front of a file that has none.

    A character cut between two chunks is carried to the next; text is held back only until
    the first line is whole, when the header is decided. An empty file yields its header
    names, so its frame has the export's columns. ``layout_of`` is asked once the file is
    known (after its task completed).
    """
    decode = Utf8Recoder(definition.encoding)
    held: bytes | None = b""  # None once the header is decided
    count = 0
    for number, data in parts:
        text = decode(data)
        count = number + 1
        if held is None:
            yield number, text
            continue
        held += text
        if b"\n" not in held:
            yield number, b""  # the first line is not whole yet
            continue
        yield number, _prefix(held, layout_of(), definition, what) + held
        held = None
    rest = decode(b"", final=True)
    if held is not None:  # the first line never ended: the file is one line, or empty
        held += rest
        rest = _prefix(held, layout_of(), definition, what) + held if held else \
            (header_line(definition) if definition.header_names else b"")
    if rest:
        yield count, rest


def _prefix(text: bytes, layout: FileLayout, definition: ExportDefinition, what: str) -> bytes:
    """The header line to put in front of a file that starts with ``text`` (or ``b""``)."""
    if layout.header_row not in (None, 0, 1):
        raise UnsupportedExportError(
            f"The file of {what} has its header on row {layout.header_row} and its data "
            f"from row {layout.first_data_row}; this library reads files whose data follows "
            "a header on row 1, or that have no header and headerNames in the export's "
            "metadata. Save the export with the header on the first row.")
    has_header = layout.has_header
    if has_header is None:
        has_header = starts_with_header(text.split(b"\n", 1)[0], definition)
    if has_header:
        return b""
    if not definition.header_names:
        raise UnsupportedExportError(
            f"The file of {what} has no header line and the export's metadata no "
            "headerNames, so its columns cannot be named. Save the export with a header row.")
    return header_line(definition)

