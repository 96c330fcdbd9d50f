"""One read from start to end, on a connection: find the object, read, always clean up.

:class:`ReadCall` holds what a read asked for and runs it on its connection: it resolves
names to ids through the connection's catalog, opens the source its
:class:`~anaplan_pandas.sources.kinds.SourceKind` says (a read request, an export task, the
``/data`` call), streams the source's pages through the parser into the sink the call wants
(a DataFrame, chunks, a file), shows progress, starts again after a failed export
(``retries=``), and cleans the source up at the end, within the call's deadline. It never
asks which kind of object it reads; the runner (:mod:`anaplan_pandas.run`) holds the loop,
the retries live in the transport, the clean-up in the source.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import pandas as pd
import pyarrow as pa

from anaplan_pandas.catalog.catalog import Catalog
from anaplan_pandas.catalog.targets import Target
from anaplan_pandas.exceptions import (
    AnaplanHTTPError,
    ExportFailedError,
    NotFoundError,
    UnexpectedResponseError,
)
from anaplan_pandas.http.deadline import Deadline, deadline_scope
from anaplan_pandas.http.transport import Transport
from anaplan_pandas.parse.assembly import rebatch, to_frame
from anaplan_pandas.parse.frames import ColumnPlan
from anaplan_pandas.parse.grid import GridError, GridShape, grid_of_pages
from anaplan_pandas.progress.choice import ProgressChoice, make_progress
from anaplan_pandas.progress.model import ProgressDisplay
from anaplan_pandas.run.stream import PageStream
from anaplan_pandas.sinks.files import FileFormat, TableFileWriter, check_destination
from anaplan_pandas.sinks.layouts import lay_out
from anaplan_pandas.sources.kinds import SourceKind

if TYPE_CHECKING:
    from anaplan_pandas.api.options import ReadOptions

log = logging.getLogger("anaplan_pandas")

T = TypeVar("T")


class Host(Protocol):
    """What a read needs of the connection it runs on."""

    transport: Transport
    catalog: Catalog

    def register(self, call: ReadCall) -> None:
        """The read started (the connection cancels it if it closes)."""

    def unregister(self, call: ReadCall) -> None:
        """The read ended."""


@dataclass(eq=False)  # each call is its own, in the connection's set
class ReadCall:
    """One read on a connection: find the object, show progress, read, always clean up."""

    connection: Host
    kind: SourceKind
    names: tuple[object, object, object]
    progress: ProgressChoice
    options: ReadOptions
    cancel_event: threading.Event = field(default_factory=threading.Event)
    display: ProgressDisplay | None = None
    #: The id of the source the call read last (a read request's, an export task's).
    request_id: str | None = None
    #: Whether the call is working now (not a chunk iterator waiting for its reader).
    busy: bool = False
    _target: Target | None = None
    _plan: ColumnPlan | None = None
    _source: PageStream | None = None

    def frame(self) -> pd.DataFrame:
        """Read the whole object into one DataFrame."""
        with deadline_scope(Deadline.after(self.options.timeout)), self._session() as display:
            table = self._data_call(display) if self.options.method != "read_request" else None
            shape = self.kind.grid_shape(self.connection.catalog, self.target())
            if shape is not None:
                return self._grid(display, shape)
            if table is None:
                # The plan is read once the source has started, so an unknown id fails on
                # the source itself.
                frame = self._with_retries(lambda: self._run(display, lambda source: (
                    source.to_frame(dtype_backend=self.options.dtype_backend,
                                    **self._table_options(display, self.plan())))))
            else:
                frame = to_frame(table, dtype_backend=self.options.dtype_backend)
            return self._labelled(lay_out(frame, self.plan(), self.options.layout))

    def chunks(self, chunksize: int) -> Iterator[pd.DataFrame]:
        """Read as an iterator of DataFrames of ``chunksize`` rows."""
        if self.options.retries:
            raise ValueError(
                "retries= cannot be combined with chunksize=: the chunks already handed out "
                "cannot be taken back. Catch ExportFailedError and read again instead."
            )
        return _within(Deadline.after(self.options.timeout), self._chunks(chunksize), self)

    def save(self, path: str | os.PathLike[str], file_format: FileFormat | None) -> int:
        """Stream into a Parquet or CSV file; return the rows written."""
        check_destination(path, file_format)  # before anything is started

        def write(source: PageStream) -> int:
            with TableFileWriter(path, file_format) as writer:
                for table in source.iter_tables(**self._table_options(display, self.plan())):
                    writer.write(table)
            return writer.rows

        with deadline_scope(Deadline.after(self.options.timeout)), self._session() as display:
            self._streamable(f"save_{self.kind.kind}()")
            return self._with_retries(lambda: self._run(display, write))

    def target(self) -> Target:
        """The object, its names resolved to ids (once) through the connection's catalog."""
        if self._target is None:
            self._target = self.connection.catalog.target(self.kind.kind, *self.names)
        return self._target

    def plan(self) -> ColumnPlan:
        """The column plan from the object's metadata (once)."""
        if self._plan is None:
            self._plan = self.kind.plan(self.connection.catalog, self.target())
        return self._plan

    def abort(self) -> None:
        """Stop the read from any thread and free what it holds on the server now."""
        self.cancel_event.set()
        source = self._source
        if source is not None:
            source.cleanup()  # type: ignore[attr-defined]

    def _data_call(self, display: ProgressDisplay) -> pa.Table | None:
        """The synchronous data call; ``None`` if there is none, or too big (``auto``)."""
        source = self.kind.data_call(self.connection, self.target(), self.cancel_event)
        if source is None:
            return None
        try:
            return source.to_table(**self._table_options(display, self.plan()))
        except AnaplanHTTPError as error:
            if self.options.method == "auto" and error.status_code == 400:
                log.info("%s is too big for the data call; starting a read request",
                         self.target().describe())
                return None
            raise

    def _grid(self, display: ProgressDisplay, shape: GridShape) -> pd.DataFrame:
        """Read a view with several header lines whole and make it tidy."""
        def read(source: PageStream) -> pd.DataFrame:
            options = self._table_options(display, ColumnPlan())
            pages = (data for _, data in source.iter_pages(
                schedule=options["schedule"], max_workers=options["max_workers"],
                observer=display))
            try:
                frame = grid_of_pages(pages, shape, categorical=self.options.categorical,
                                      dtype_backend=self.options.dtype_backend)
            except GridError as error:
                failure = str(error)
            else:
                display.on_rows(len(frame))
                return frame
            raise UnexpectedResponseError(
                f"The {self.kind.export_type} export of {source.describe()} does not have the "
                f"shape its metadata announces (rows {shape.rows}, columns {shape.columns}, "
                f"pages {shape.pages}): {failure}."
            )

        frame = self._with_retries(lambda: self._run(display, read))
        if self.options.layout == "wide":
            return self._labelled(frame)
        if len(shape.columns) > 1:
            raise ValueError("layout= needs one dimension across the columns; this view has "
                             f"{len(shape.columns)}: {shape.columns}.")
        plan = ColumnPlan(dimensions=shape.dimensions, leading_dimensions=len(shape.dimensions),
                          value_axis=shape.columns[0])
        return self._labelled(lay_out(frame, plan, self.options.layout))

    def _streamable(self, what: str) -> None:
        """Refuse to stream a view with several header lines (they are read whole)."""
        if self.kind.grid_shape(self.connection.catalog, self.target()) is not None:
            raise ValueError(
                f"{what} cannot stream this view: its {self.kind.export_type} CSV has several "
                "header lines, so it is read whole. Use read_view() without chunksize, or a "
                "tabular export_type with one dimension across the columns."
            )

    def _chunks(self, chunksize: int) -> Iterator[pd.DataFrame]:
        with self._session() as display:
            self._streamable("chunksize=")
            with self._opened(display) as source:
                tables = source.iter_tables(**self._table_options(display, self.plan()))
                # closing: downloads stop before the source is cleaned up
                with contextlib.closing(tables):
                    for table in rebatch(tables, chunksize):
                        frame = to_frame(table, dtype_backend=self.options.dtype_backend)
                        yield self._labelled(lay_out(frame, self.plan(), self.options.layout))

    def _table_options(self, display: ProgressDisplay, plan: ColumnPlan) -> dict[str, Any]:
        return {
            "plan": plan,
            "categorical": self.options.categorical,
            "schedule": self.options.schedule(),
            "max_workers": self.options.max_workers,
            "observer": display,
        }

    def _run(self, display: ProgressDisplay, work: Callable[[PageStream], T]) -> T:
        with self._opened(display) as source:
            return work(source)

    @contextlib.contextmanager
    def _opened(self, display: ProgressDisplay) -> Iterator[PageStream]:
        """The source of one try, cleaned up when the block ends, however it ends.

        ``request_id=`` names the source of the first try only. An id the catalog resolved
        from a name that answers 404 is looked up again once (the object may have been
        replaced), so the catalog is never silently stale.
        """
        attach = self.options.request_id if self.request_id is None else None

        def open_source() -> PageStream:
            return self.kind.open(self.connection, self.target(), self.cancel_event,
                                  request_id=attach, keep=self.options.keep_request,
                                  say=display.message)

        try:
            source = open_source()
        except NotFoundError as error:
            if error.status_code != 404 or not self._refreshed():
                raise
            source = open_source()
        self._source = source
        try:
            with source:
                self.request_id = source.request_id  # type: ignore[attr-defined]
                display.start(source.request_id,  # type: ignore[attr-defined]
                              kept=self.options.keep_request and self.kind.deletable,
                              noun=self.kind.noun)
                yield source
        finally:
            self._source = None

    def _refreshed(self) -> bool:
        """After a 404: whether the catalog, read afresh, names another object."""
        target = self.target()
        if target.names is None or target.names[2] is None:
            return False  # an id the user gave: nothing to look up again
        self.connection.catalog.refresh()
        self._target = self._plan = None
        return self.target().object_id != target.object_id

    def _labelled(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` with the source's id (and whether it was kept) in its ``attrs``."""
        frame.attrs.update(self.kind.labels(self.request_id, self.options.keep_request))
        return frame

    @contextlib.contextmanager
    def _session(self) -> Iterator[ProgressDisplay]:
        """Show progress while the read is registered with its connection."""
        label = f"{self.kind.kind} {self.names[2]}"
        display = self.display = self.display or make_progress(self.progress, label)
        error: BaseException | None = None
        self.connection.register(self)
        self.busy = True
        try:
            yield display
        except GeneratorExit:  # the caller stopped taking chunks: a normal end
            raise
        except BaseException as raised:
            error = raised
            raise
        finally:
            self.busy = False
            self.connection.unregister(self)
            display.finish(error)

    def _with_retries(self, attempt: Callable[[], T]) -> T:
        for number in range(1, self.options.retries + 2):
            try:
                return attempt()
            except ExportFailedError as failed:
                if number > self.options.retries:
                    raise
                state = "" if not self.kind.deletable else (
                    ", deleted" if failed.deleted else ", kept")
                text = (f"Export failed ({self.kind.noun} {failed.request_id}{state}); "
                        f"starting attempt {number + 1} of {self.options.retries + 1}")
                log.info(text)
                if self.display is not None:
                    self.display.message(text)
        raise AssertionError("unreachable")


def _within(deadline: Deadline, generator: Iterator[T], call: ReadCall) -> Iterator[T]:
    """Run each step of ``generator`` (and its closing) within ``deadline``.

    The deadline is set and reset inside each step, never across a ``yield``, so the
    caller's own code between chunks runs outside it (and the call is not ``busy`` then).
    """
    try:
        while True:
            call.busy = True
            with deadline_scope(deadline):
                try:
                    item = next(generator)
                except StopIteration:
                    return
            call.busy = False
            yield item
    finally:
        with deadline_scope(deadline):
            generator.close()
