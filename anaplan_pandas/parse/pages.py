r"""Turn the pages of a read request into chunks of whole CSV records.

Anaplan's documentation leaves open how pages are cut (``anaplan-api.md`` §2.3), so this
module is right in every case:

- pages after page 0 repeat the header row, or do not;
- a page ends in the middle of a record, even inside a quoted field or a multi-byte
  character (the partial record is carried into the next page);
- a UTF-8 byte order mark starts a page;
- records end in ``\n`` or ``\r\n``;
- fields are separated by a comma, a tab or another single character.

Bulk export files come in byte slices (``slices=True``): no header is repeated, and only
the first slice may start with a byte order mark.

A page that cannot be part of the data is refused with :class:`BrokenPageError` before
anything of it is taken, so that it can be downloaded again: a page without the header
when every page so far repeated it, or one whose first record has another number of
fields than the header.

Work is done on bytes with C-speed ``find``/``count``; the returned chunks are memoryviews
into the page, so no page is copied unless a record straddles it.
"""

from __future__ import annotations

import codecs
import csv
import io

BOM = b"\xef\xbb\xbf"
_QUOTE = b'"'
_NEWLINE = b"\n"


class BrokenPageError(ValueError):
    """A page that does not fit the data so far; nothing of it was taken."""


class RecordAligner:
    r"""Split a stream of pages into whole-record chunks and take the header out.

    The header is the first record of the stream. From page 1 on, a page that starts
    with exactly the header's bytes has it removed if page 1 did so too: a server either
    repeats the header on every page or on none.

    Examples
    --------
    >>> aligner = RecordAligner()
    >>> bytes(aligner.feed(b'Product,Units\nA,1\n"B, the '))
    b'A,1\n'
    >>> bytes(aligner.feed(b'second",2\n'))
    b'"B, the second",2\n'
    >>> aligner.columns
    ['Product', 'Units']
    >>> aligner.feed(b'Service temporarily unavailable\n')
    Traceback (most recent call last):
    anaplan_pandas.parse.pages.BrokenPageError: its first record has 1 field(s) where the ...
    """

    def __init__(self, *, separator: str = ",", slices: bool = False) -> None:
        self.separator = separator
        self.slices = slices
        self.header: bytes | None = None
        self.repeats_header: bool | None = None
        self._width = 0  # fields in the header record
        self._carry = b""
        self._pages = 0

    @property
    def columns(self) -> list[str]:
        """The column names from the header record (empty before the header is known)."""
        return _fields(self.header, self.separator) if self.header else []

    def feed(self, page: bytes) -> memoryview:
        """Take the next page; return the whole records it completes (possibly empty).

        Raises :class:`BrokenPageError`, taking nothing, for a page that does not fit.
        """
        first = self._pages == 0
        start = len(BOM) if page.startswith(BOM) and (first or not self.slices) else 0
        repeats = self.repeats_header
        if not first and not self.slices and self.header is not None:
            has_header = page.startswith(self.header, start)
            if repeats is None:
                repeats = has_header
            elif repeats and not has_header:
                raise BrokenPageError(
                    "it lacks the header row that every page before it started with"
                )
            if repeats and has_header:
                start += len(self.header)
        if self._carry:
            buffer, start = self._carry + page[start:], 0
        else:
            buffer = page
        header, width = self.header, self._width
        if header is None:
            end = _first_record_end(buffer, start)
            if end < 0:
                self._carry = bytes(buffer[start:])
                self._pages += 1
                return memoryview(b"")
            header = bytes(buffer[start:end])
            width = len(_fields(header, self.separator))
            start = end
        end = _last_record_end(buffer, start)
        if end > start:
            _check_first_record(buffer, start, width, self.separator)
        self.header, self._width = header, width
        if self._pages > 0:
            self.repeats_header = repeats
        self._pages += 1
        self._carry = bytes(buffer[end:]) if end < len(buffer) else b""
        return memoryview(buffer)[start:end]

    def finish(self) -> memoryview:
        """Return what remains after the last page: a final record without a line end."""
        rest, self._carry = self._carry, b""
        if self.header is None:
            self.header = rest
            return memoryview(b"")
        if _quote_count_is_odd(rest, 0, len(rest)):
            raise ValueError(
                "The last page ends inside a quoted field: the CSV data is incomplete."
            )
        return memoryview(rest)


class Utf8Recoder:
    r"""Bytes of a file in ``encoding`` in, UTF-8 out, across cuts inside a character.

    Examples
    --------
    >>> recode = Utf8Recoder("UTF-16-LE")
    >>> data = "Zürich\n".encode("utf-16-le")
    >>> recode(data[:3]) + recode(data[3:]) + recode(b"", final=True)
    b'Z\xc3\xbcrich\n'
    """

    def __init__(self, encoding: str) -> None:
        self.same = codecs.lookup(encoding).name == "utf-8"
        self.decoder = codecs.getincrementaldecoder(encoding)(errors="strict")

    def __call__(self, data: bytes, *, final: bool = False) -> bytes:
        """Recode the next bytes (``final``: the last ones, with nothing left pending)."""
        if self.same:
            return data  # the record aligner carries a cut character with the cut record
        return self.decoder.decode(data, final).encode("utf-8")


def split_records(chunk: memoryview, size: int) -> list[memoryview]:
    r"""Cut a chunk of whole records into pieces of about ``size`` bytes, at record ends.

    So that a big page is parsed on several threads at once. A record longer than ``size``
    stays whole.

    Examples
    --------
    >>> [bytes(p) for p in split_records(memoryview(b'a,1\nb,"x\ny"\nc,3\n'), 6)]
    [b'a,1\n', b'b,"x\ny"\n', b'c,3\n']
    """
    if len(chunk) <= size:
        return [chunk]
    buffer = bytes(chunk)
    pieces, start = [], 0
    while len(buffer) - start > size:
        end = _record_end_before(buffer, start, start + size)
        if end <= start:  # one record longer than a piece
            end = _first_record_end(buffer, start)
            if end < 0:
                break
        pieces.append(memoryview(buffer)[start:end])
        start = end
    if start < len(buffer):
        pieces.append(memoryview(buffer)[start:])
    return pieces


def _record_end_before(buffer: bytes, start: int, limit: int) -> int:
    """Index just past the last record end before ``limit`` (``start`` if there is none)."""
    pos = buffer.rfind(_NEWLINE, start, limit)
    while pos >= 0 and _quote_count_is_odd(buffer, start, pos):
        pos = buffer.rfind(_NEWLINE, start, pos)
    return pos + 1 if pos >= 0 else start


def _fields(record: bytes, separator: str = ",") -> list[str]:
    text = record.decode("utf-8", errors="replace").lstrip("\ufeff").rstrip("\r\n")
    return next(csv.reader(io.StringIO(text, newline=""), delimiter=separator), [""])


def _check_first_record(buffer: bytes, start: int, expected: int, separator: str) -> None:
    end = _first_record_end(buffer, start)
    fields = len(_fields(bytes(buffer[start:end]), separator))
    if fields != expected:
        raise BrokenPageError(
            f"its first record has {fields} field(s) where the header has {expected}"
        )


def _first_record_end(buffer: bytes, start: int) -> int:
    """Index just past the first record's line end, or -1 if no record is complete."""
    pos = buffer.find(_NEWLINE, start)
    while pos >= 0 and _quote_count_is_odd(buffer, start, pos):
        pos = buffer.find(_NEWLINE, pos + 1)
    return pos + 1 if pos >= 0 else -1


def _last_record_end(buffer: bytes, start: int) -> int:
    """Index just past the last complete record's line end (``start`` if there is none)."""
    quotes = buffer.count(_QUOTE, start)
    pos = buffer.rfind(_NEWLINE, start)
    while pos >= 0:
        if (quotes - buffer.count(_QUOTE, pos)) % 2 == 0:
            return pos + 1
        pos = buffer.rfind(_NEWLINE, start, pos)
    return start


def _quote_count_is_odd(buffer: bytes, start: int, end: int) -> bool:
    return buffer.count(_QUOTE, start, end) % 2 == 1
