"""What every source of parts shares: its pages through the runner, then tables and frames.

A source (a read request, an export file's chunks, the ``/data`` call) knows its own HTTP
lifecycle (:class:`~anaplan_pandas.run.source.Source`). This mixin gives it the rest, the
same for every source: :meth:`PageStream.iter_pages` runs the part loop of
:mod:`anaplan_pandas.run.parts` over it, and one parser turns the pages into tables as they
arrive, or into one table or DataFrame once every page is in.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd
import pyarrow as pa

from anaplan_pandas.exceptions import UnexpectedResponseError
from anaplan_pandas.parse.assembly import DtypeBackend, to_frame
from anaplan_pandas.parse.frames import ColumnPlan
from anaplan_pandas.parse.page_parser import CsvPageParser, PageParseError, parse_whole
from anaplan_pandas.progress.model import NoObserver, ReadObserver
from anaplan_pandas.run.parts import PartRun
from anaplan_pandas.run.poll import PollSchedule


class PageStream:
    """Pages, tables and frames of a source (which implements the source protocol)."""

    #: Set from any thread to stop a read in progress (it ends with the cancelled error).
    cancel_event: threading.Event
    _run: PartRun | None = None

    def iter_pages(
        self,
        *,
        schedule: PollSchedule | None = None,
        max_workers: int = 4,
        observer: ReadObserver | None = None,
    ) -> Iterator[tuple[int, bytes]]:
        """Yield ``(page_no, csv_bytes)`` in page order as soon as each page is ready.

        Polls the status on ``schedule``, downloads up to ``max_workers`` pages at once
        (also while the export runs) and keeps at most ``2 * max_workers`` pages ahead of
        the consumer (see :mod:`anaplan_pandas.run.parts`). Every call runs within
        ``schedule.timeout`` (and within the deadline of the read that called this, if it
        ends earlier). When the iteration ends, for any reason, the downloads still in
        flight are stopped before anything else happens.
        """
        run = PartRun(self, schedule or PollSchedule(), self.cancel_event,  # type: ignore[arg-type]
                      max_workers=max_workers, observer=observer)
        self._run = run
        return self.pages_of(run.parts())

    def pages_of(self, parts: Iterator[tuple[int, bytes]]) -> Iterator[tuple[int, bytes]]:
        """The CSV pages of the source's parts (as they are, unless the source recodes)."""
        return parts

    def __enter__(self) -> PageStream:
        return self

    def __exit__(self, *exc: object) -> None:
        """Leaving a ``with`` block cleans the source up (see ``cleanup``)."""
        self.cleanup()  # type: ignore[attr-defined]

    def stop_downloads(self) -> None:
        """Stop the downloads of a running iteration (before a clean-up, or at its end)."""
        run = self._run
        if run is not None:
            run.stop()

    def describe(self) -> str:
        """A phrase naming the source for messages."""
        raise NotImplementedError

    def column_plan(self) -> ColumnPlan:
        """What the metadata says about the columns."""
        raise NotImplementedError

    def parser(self, plan: ColumnPlan, *, categorical: bool, whole: bool) -> CsvPageParser:
        """The parser of this source's pages (the CSV dialect is the source's to say)."""
        return CsvPageParser(plan, categorical=categorical, whole=whole)

    def refetcher(self) -> Callable[[int], bytes] | None:
        """How to download a page again that does not fit the data (``None``: never)."""
        return None

    def iter_tables(
        self,
        *,
        plan: ColumnPlan | None = None,
        categorical: bool = True,
        observer: ReadObserver | None = None,
        **options: Any,
    ) -> Iterator[pa.Table]:
        """Yield the rows of each page as an Arrow table, in order, as pages arrive.

        Column types are fixed from the first page; a column of unknown type that is blank
        or looks numeric there stays text (only :meth:`to_table` and :meth:`to_frame`, which
        see all the data, turn it into numbers). An empty object yields one empty table with
        its columns. ``plan`` defaults to :meth:`column_plan`; other options go to
        :meth:`iter_pages`.
        """
        parser = self.parser(plan or self.column_plan(), categorical=categorical, whole=False)
        yield from self._tables(parser, observer or NoObserver(), options)

    def iter_frames(
        self, *, dtype_backend: DtypeBackend | None = None, **options: Any
    ) -> Iterator[pd.DataFrame]:
        """Yield one DataFrame per page as pages arrive; options as :meth:`iter_tables`."""
        for table in self.iter_tables(**options):
            yield to_frame(table, dtype_backend=dtype_backend)

    def to_table(self, **options: Any) -> pa.Table:
        """Read every page and return one Arrow table; options as :meth:`iter_tables`."""
        parser, tables = self._collect(**options)
        return parser.table(tables)

    def to_frame(self, *, dtype_backend: DtypeBackend | None = None, **options: Any
                 ) -> pd.DataFrame:
        """Read every page and return one DataFrame; options as :meth:`iter_tables`.

        The DataFrame is built column by column from the pages' tables, freeing each
        column's Arrow memory as it goes, which keeps the peak low.
        """
        parser, tables = self._collect(**options)
        return parser.frame(tables, dtype_backend)

    def _collect(
        self,
        *,
        plan: ColumnPlan | None = None,
        categorical: bool = True,
        observer: ReadObserver | None = None,
        **options: Any,
    ) -> tuple[CsvPageParser, list[pa.Table]]:
        """The parser that read every page, and every page's table (see :func:`parse_whole`).

        If the pages must be read a second time, they are downloaded again, unobserved.
        """
        observers = [observer or NoObserver()]

        def parse(plan: ColumnPlan) -> tuple[CsvPageParser, list[pa.Table]]:
            parser = self.parser(plan, categorical=categorical, whole=True)
            seen = observers.pop() if observers else NoObserver()
            return parser, list(self._tables(parser, seen, options))

        return parse_whole(plan or self.column_plan(), parse)

    def _tables(
        self, parser: CsvPageParser, observer: ReadObserver, options: dict[str, Any]
    ) -> Iterator[pa.Table]:
        pages = self.iter_pages(observer=observer, **options)
        refetch = self.refetcher()
        empty = True
        try:
            for table in parser.tables(pages, refetch=refetch):
                observer.on_rows(table.num_rows)
                empty = False
                yield table
            if empty and parser.builder is not None:
                yield parser.schema.empty_table()
        except PageParseError as error:
            raise UnexpectedResponseError(
                f"The CSV of {error.where} of {self.describe()} could not be parsed: "
                f"{error.reason}"
            ) from error
