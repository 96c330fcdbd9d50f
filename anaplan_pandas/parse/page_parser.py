"""Pages in, Arrow tables out: record alignment, header handling and parsing together.

:class:`CsvPageParser` joins :class:`~anaplan_pandas.parse.pages.RecordAligner` (pages cut
anywhere, in whole records) and :class:`~anaplan_pandas.parse.frames.TableBuilder` (records into
tables of fixed types), parsing pages side by side on several threads;
:func:`parse_whole` reads the whole data again in the rare case where a column turned into
numbers on early pages holds text later.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import pandas as pd
import pyarrow as pa

from anaplan_pandas.parse.assembly import DtypeBackend, combine_tables, tables_to_frame
from anaplan_pandas.parse.frames import ColumnPlan, TableBuilder
from anaplan_pandas.parse.pages import BrokenPageError, RecordAligner, split_records
from anaplan_pandas.parse.workers import parse_workers

log = logging.getLogger("anaplan_pandas")

#: Downloads of a page that does not fit the data before the read fails (after the first).
REFETCHES = 5
#: Bytes of records parsed as one piece: a bigger page (or export chunk) is cut at record
#: ends, so that its pieces are parsed side by side.
PIECE_BYTES = 4 * 1024 * 1024


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
        """Yield tables in page order (a big page in pieces), parsing ``workers`` at once.

        The first page with data is parsed alone, so that it fixes the column types the
        others are parsed with. A page that does not fit the data (see
        :class:`~anaplan_pandas.parse.pages.BrokenPageError`) is downloaded again with
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
        """All the tables this parser produced as one table, in their final types."""
        return combine_tables(tables, self.final_schema)

    def frame(
        self, tables: list[pa.Table], dtype_backend: DtypeBackend | None = None
    ) -> pd.DataFrame:
        """All the tables this parser produced as one DataFrame (empties ``tables``)."""
        return tables_to_frame(tables, self.final_schema, dtype_backend=dtype_backend)

    @property
    def final_schema(self) -> pa.Schema:
        """The types of the assembled data (see :meth:`TableBuilder.final_schema`)."""
        self._ensure_builder()
        return self.builder.final_schema() if self.builder else pa.schema([])

    def lost_text(self) -> list[str]:
        """Columns to read again as text (see :meth:`TableBuilder.lost_text`)."""
        return self.builder.lost_text() if self.builder else []

    def _chunks(
        self, pages: Iterable[tuple[int, bytes]], refetch: Callable[[int], bytes] | None
    ) -> Iterator[tuple[int, memoryview]]:
        last = -1
        for page_no, data in pages:
            chunk = self._feed(page_no, data, refetch)
            self._ensure_builder()
            for piece in split_records(chunk, PIECE_BYTES):
                yield page_no, piece
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
        again = None if refetch is None else lambda: refetch(page_no)
        try:
            return fitting_records(self.aligner, data, again)[1]
        except BrokenPageError as error:
            raise PageParseError(page_no, error) from error

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
        if not self.builder.fits(table):  # a column was loosened meanwhile
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


def fitting_records(
    aligner: RecordAligner, page: bytes, refetch: Callable[[], bytes] | None
) -> tuple[bytes, memoryview]:
    """The page as last downloaded, and the records it completes.

    A page that does not fit the data is downloaded again (``refetch()``), up to
    :data:`REFETCHES` times. Raises :class:`~anaplan_pandas.parse.pages.BrokenPageError`,
    saying how many downloads in a row did not fit, when none does; nothing of them was
    taken.
    """
    downloads = 1
    while True:
        try:
            return page, aligner.feed(page)
        except BrokenPageError as error:
            if refetch is None or downloads > REFETCHES:
                raise BrokenPageError(
                    f"the page does not fit the data ({error}), "
                    f"{downloads} download(s) in a row; none of it was used") from None
        downloads += 1
        page = refetch()


def parse_whole(
    plan: ColumnPlan, parse: Callable[[ColumnPlan], tuple[CsvPageParser, list[pa.Table]]]
) -> tuple[CsvPageParser, list[pa.Table]]:
    """``parse(plan)`` the whole data; parse it again if a column must be text after all.

    A column that looks numeric is turned into numbers page by page as pages arrive. If a
    later page shows it holds text (``0042``, a code), the pages already turned into numbers
    no longer have its exact text, so the data is parsed again with that column as text.
    That costs a second pass, only for such rare data, and never loosens the typing rule.
    """
    while True:
        parser, tables = parse(plan)
        lost = parser.lost_text()
        if not lost:
            return parser, tables
        log.info("columns %s hold text after pages of plain numbers; reading again", lost)
        tables.clear()
        plan = plan.with_text(lost)
