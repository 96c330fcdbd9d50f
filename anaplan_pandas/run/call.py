"""One public read from start to end: connect, find the object, read, always clean up.

:class:`ReadCall` holds what a call to :func:`~anaplan_pandas.read_view` (or its siblings)
asked for, and runs it: it connects (or uses a :class:`~anaplan_pandas.Connection`), resolves
names to ids, starts a read request, streams its pages through the parser into the sink the
call wants (a DataFrame, chunks, a file), shows progress, retries failed exports, and deletes
the request and logs out at the end, all within the call's deadline.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import pandas as pd
import pyarrow as pa

from anaplan_pandas.catalog.catalog import Catalog
from anaplan_pandas.catalog.metadata import list_column_plan, view_axes, view_column_plan
from anaplan_pandas.catalog.targets import ObjectKind, Target
from anaplan_pandas.exceptions import (
    AnaplanHTTPError,
    ExportFailedError,
    NotFoundError,
    ReadRequestCancelledError,
    UnexpectedResponseError,
)
from anaplan_pandas.http.auth import AnaplanAuth
from anaplan_pandas.http.retry import Deadline, deadline_scope
from anaplan_pandas.http.transport import Transport, open_transport
from anaplan_pandas.parse.assembly import rebatch, to_frame
from anaplan_pandas.parse.frames import ColumnPlan
from anaplan_pandas.parse.grid import GridError, GridShape, grid_of_pages
from anaplan_pandas.progress.display import ProgressChoice, ProgressDisplay, make_progress
from anaplan_pandas.run.options import ReadOptions
from anaplan_pandas.sinks.files import FileFormat, TableFileWriter, check_destination
from anaplan_pandas.sinks.layouts import lay_out
from anaplan_pandas.sources.read_request import ReadRequest
from anaplan_pandas.sources.view_data import read_view_data

if TYPE_CHECKING:
    from anaplan_pandas.api.connection import Connection

log = logging.getLogger("anaplan_pandas")

T = TypeVar("T")


@dataclass
class ReadCall:
    """One public call: connect, find the object, show progress, read, always clean up."""

    what: tuple[ObjectKind, object, object, object]
    export_type: str
    auth: object = field(repr=False)
    api_url: str | None
    auth_url: str | None
    progress: ProgressChoice
    options: ReadOptions
    connection: Connection | None = None
    cancel_event: threading.Event = field(default_factory=threading.Event)
    display: ProgressDisplay | None = None
    _target: Target | None = None
    _plan: ColumnPlan | None = None
    #: The id of the read request the call read last.
    request_id: str | None = None
    _axes: dict[str, list[str]] | None = None
    #: What the source's id names, in messages.
    noun: ClassVar[str] = "read request"

    def __post_init__(self) -> None:
        if self.connection is None:
            return
        given = [name for name, value in (("auth", self.auth), ("api_url", self.api_url),
                                           ("auth_url", self.auth_url),
                                           ("session", self.options.session),
                                           ("region", self.options.region)) if value is not None]
        if given or self.options.verify is not True or self.options.compression != "auto":
            raise ValueError(
                f"{', '.join(given) or 'verify/compression'} cannot be combined with "
                "connection=: the connection has its own; pass them to ap.connect()."
            )

    def frame(self) -> pd.DataFrame:
        """Read the whole view or list into one DataFrame."""
        with deadline_scope(Deadline.after(self.options.timeout)), \
                self._session() as (transport, display):
            table = None
            if self.options.method != "read_request" and self.what[0] == "view":
                table = self._data_call(transport, display, self.plan(transport))
                if self.cancel_event.is_set():
                    raise ReadRequestCancelledError(
                        f"You cancelled the read of {self.target(transport).describe()}.",
                        request_id="", target=self.target(transport), deleted=True,
                    )
            shape = self._grid_shape(transport)
            if shape is not None:
                return self._grid(transport, display, shape)
            if table is None:
                # The plan is read once the request has started, so an unknown id fails on
                # the read request itself.
                frame = self._with_retries(
                    lambda: self._run(transport, display, lambda request: request.to_frame(
                        dtype_backend=self.options.dtype_backend,
                        **self._table_options(display, self.plan(transport))))
                )
            else:
                frame = to_frame(table, dtype_backend=self.options.dtype_backend)
            return self._labelled(lay_out(frame, self.plan(transport), self.options.layout))

    def _grid_shape(self, transport: Transport) -> GridShape | None:
        """The axes of a view whose CSV has several header lines (grids), else ``None``."""
        if self.what[0] != "view":
            return None
        grid = self.export_type.startswith("GRID")
        if not grid and self.export_type != "TABULAR_MULTI_COLUMN":
            return None
        if self._axes is None:
            target = self.target(transport)  # a name that matches no view fails here
            try:
                self._axes = view_axes(transport, target)
            except (NotFoundError, UnexpectedResponseError):
                if grid:  # a grid cannot be read without knowing its axes
                    raise
                return None  # the tabular reader warns, and infers the columns
        if not grid and len(self._axes["columns"]) < 2:
            return None
        return GridShape(self._axes["rows"], self._axes["columns"], self._axes["pages"], grid)

    def _grid(self, transport: Transport, display: ProgressDisplay, shape: GridShape
              ) -> pd.DataFrame:
        """Read a view with several header lines whole and make it tidy."""
        def read(request: ReadRequest) -> pd.DataFrame:
            options = self._table_options(display, ColumnPlan())
            pages = (data for _, data in request.iter_pages(
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
                f"The {self.export_type} export of {request.describe()} does not have the "
                f"shape its metadata announces (rows {shape.rows}, columns {shape.columns}, "
                f"pages {shape.pages}): {failure}."
            )

        frame = self._with_retries(lambda: self._run(transport, display, read))
        if self.options.layout == "wide":
            return frame
        if len(shape.columns) > 1:
            raise ValueError("layout= needs one dimension across the columns; this view has "
                             f"{len(shape.columns)}: {shape.columns}.")
        plan = ColumnPlan(dimensions=shape.dimensions, leading_dimensions=len(shape.dimensions),
                          value_axis=shape.columns[0])
        return lay_out(frame, plan, self.options.layout)

    def plan(self, transport: Transport) -> ColumnPlan:
        """The column plan from the object's metadata (once)."""
        if self._plan is None:
            target = self.target(transport)
            if target.kind == "view":
                self._plan = view_column_plan(transport, target, self.export_type)
            else:
                self._plan = list_column_plan(transport, target)
        return self._plan

    def _data_call(
        self, transport: Transport, display: ProgressDisplay, plan: ColumnPlan
    ) -> pa.Table | None:
        """The synchronous data call; ``None`` if ``auto`` finds the view too big for it."""
        target = self.target(transport)
        try:
            table = read_view_data(transport, target, plan, export_type=self.export_type,
                                   categorical=self.options.categorical)
        except AnaplanHTTPError as error:
            if self.options.method == "auto" and error.status_code == 400:
                log.info("%s is too big for the data call; starting a read request",
                         target.describe())
                return None
            raise
        display.on_rows(table.num_rows)
        return table

    def chunks(self, chunksize: int) -> Iterator[pd.DataFrame]:
        """Read as an iterator of DataFrames of ``chunksize`` rows."""
        if self.options.retries:
            raise ValueError(
                "retries= cannot be combined with chunksize=: the chunks already handed out "
                "cannot be taken back. Catch ExportFailedError and read again instead."
            )
        return _within(Deadline.after(self.options.timeout), self._chunks(chunksize))

    def _streamable(self, transport: Transport, what: str) -> None:
        """Refuse to stream a view with several header lines (they are read whole)."""
        if self._grid_shape(transport) is not None:
            raise ValueError(
                f"{what} cannot stream this view: its {self.export_type} CSV has several header "
                "lines, so it is read whole. Use read_view() without chunksize, or a tabular "
                "export_type with one dimension across the columns."
            )

    def _chunks(self, chunksize: int) -> Iterator[pd.DataFrame]:
        with self._session() as (transport, display):
            self._streamable(transport, "chunksize=")
            yield from self._chunks_of(transport, display, chunksize)

    def _chunks_of(self, transport: Transport, display: ProgressDisplay, chunksize: int
                   ) -> Iterator[pd.DataFrame]:
        with self._request(transport, display) as request:
            tables = request.iter_tables(**self._table_options(display, self.plan(transport)))
            # closing: downloads stop before the request is deleted and the session closed
            with contextlib.closing(tables):
                for table in rebatch(tables, chunksize):
                    frame = to_frame(table, dtype_backend=self.options.dtype_backend)
                    yield self._labelled(lay_out(frame, self.plan(transport),
                                                 self.options.layout))

    def save(self, path: str | os.PathLike[str], file_format: FileFormat | None) -> int:
        """Stream into a Parquet or CSV file; return the rows written."""
        writer_of = lambda: TableFileWriter(path, file_format)  # noqa: E731
        check_destination(path, file_format)  # before anything is started

        def write(request: ReadRequest) -> int:
            with writer_of() as writer:
                options = self._table_options(display, self.plan(request.transport))
                for table in request.iter_tables(**options):
                    writer.write(table)
            return writer.rows

        with deadline_scope(Deadline.after(self.options.timeout)), \
                self._session() as (transport, display):
            self._streamable(transport, "save_view()")
            return self._with_retries(lambda: self._run(transport, display, write))

    def _table_options(self, display: ProgressDisplay, plan: ColumnPlan) -> dict[str, Any]:
        return {
            "plan": plan,
            "categorical": self.options.categorical,
            "schedule": self.options.schedule(),
            "max_workers": self.options.max_workers,
            "observer": display,
        }

    def _run(
        self, transport: Transport, display: ProgressDisplay, work: Callable[[ReadRequest], T]
    ) -> T:
        with self._request(transport, display) as request:
            return work(request)

    @contextlib.contextmanager
    def _request(self, transport: Transport, display: ProgressDisplay) -> Iterator[ReadRequest]:
        """The read request: the one ``request_id=`` names (first try only), or a new one."""
        opening = ReadRequest.start
        if self.options.request_id is not None and self.request_id is None:
            opening = functools.partial(ReadRequest.attach, request_id=self.options.request_id)
        with opening(transport, self.target(transport), export_type=self.export_type,
                     keep=self.options.keep_request, cancel_event=self.cancel_event) as request:
            self.request_id = request.request_id
            display.start(request.request_id, kept=self.options.keep_request)
            yield request

    def _labelled(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` with the read request's id (and whether it was kept) in its ``attrs``."""
        frame.attrs["anaplan_request_id"] = self.request_id
        frame.attrs["anaplan_request_kept"] = self.options.keep_request
        return frame

    def target(self, transport: Transport) -> Target:
        """The view or list, its names resolved to ids (once)."""
        if self._target is None:
            self._target = Catalog(transport).target(*self.what)
        return self._target

    @contextlib.contextmanager
    def _session(self) -> Iterator[tuple[Transport, ProgressDisplay]]:
        """Connect, show progress, and bound everything by the read's ``timeout=``."""
        kind, *_, object_id = self.what
        if self.connection is not None:
            transport = self.connection.transport
        else:
            transport = open_transport(
                self.auth, self.api_url, self.auth_url, verify=self.options.verify,
                session=self.options.session, compression=self.options.compression,
                region=self.options.region)
        display = self.display = self.display or make_progress(self.progress,
                                                               f"{kind} {object_id}")
        error: BaseException | None = None
        try:
            yield transport, display
        except GeneratorExit:  # the caller stopped taking chunks: a normal end
            raise
        except BaseException as raised:
            error = raised
            raise
        finally:
            display.finish(error)
            if self.connection is None:  # a connection's login outlives the call
                if not isinstance(self.auth, AnaplanAuth):
                    transport.auth.close()
                if self.options.session is None:
                    transport.session.close()

    def _with_retries(self, attempt: Callable[[], T]) -> T:
        for number in range(1, self.options.retries + 2):
            try:
                return attempt()
            except ExportFailedError as failed:
                if number > self.options.retries:
                    raise
                state = "" if failed.target.kind == "export" else (
                    ", deleted" if failed.deleted else ", kept")
                text = (f"Export failed ({self.noun} {failed.request_id}{state}); starting "
                        f"attempt {number + 1} of {self.options.retries + 1}")
                log.info(text)
                if self.display is not None:
                    self.display.message(text)
        raise AssertionError("unreachable")


def _within(deadline: Deadline, generator: Iterator[T]) -> Iterator[T]:
    """Run each step of ``generator`` (and its closing) within ``deadline``.

    The deadline is set and reset inside each step, never across a ``yield``, so the
    caller's own code between chunks runs outside it.
    """
    try:
        while True:
            with deadline_scope(deadline):
                try:
                    item = next(generator)
                except StopIteration:
                    return
            yield item
    finally:
        with deadline_scope(deadline):
            generator.close()
