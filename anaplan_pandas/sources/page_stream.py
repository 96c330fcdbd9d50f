"""What every source of pages shares: turning its page stream into tables and frames.

A source (a read request, an export file's chunks) knows its own HTTP lifecycle and yields
``(page_no, csv_bytes)`` in order from :meth:`PageStream.iter_pages`. This mixin gives it
the rest, the same for every source: one parser over the stream, tables as pages arrive,
or one table or DataFrame once every page is in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol

import pandas as pd
import pyarrow as pa

from anaplan_pandas.exceptions import UnexpectedResponseError
from anaplan_pandas.parse.assembly import DtypeBackend, to_frame
from anaplan_pandas.parse.frames import ColumnPlan
from anaplan_pandas.parse.page_parser import CsvPageParser, PageParseError, parse_whole


class ReadObserver(Protocol):
    """Receives progress events from a read (see :mod:`anaplan_pandas.progress.display`)."""

    def on_status(self, status: Any) -> None:
        """A status answer (a read request's, or an export task's)."""

    def on_page(self, page_no: int, size: int) -> None:
        """Page (or chunk) ``page_no`` of ``size`` bytes was downloaded."""

    def on_rows(self, rows: int) -> None:
        """``rows`` more rows were parsed."""


class NoObserver:
    """An observer that ignores every event."""

    def on_status(self, status: Any) -> None:
        """Ignored."""

    def on_page(self, page_no: int, size: int) -> None:
        """Ignored."""

    def on_rows(self, rows: int) -> None:
        """Ignored."""


class PageStream:
    """Tables and frames from a source's pages; the source provides :meth:`iter_pages`."""

    def iter_pages(self, **options: Any) -> Iterator[tuple[int, bytes]]:
        """Yield ``(page_no, csv_bytes)`` in order (the source's own lifecycle)."""
        raise NotImplementedError

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
        empty = True
        try:
            for table in parser.tables(pages, refetch=self.refetcher()):
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
