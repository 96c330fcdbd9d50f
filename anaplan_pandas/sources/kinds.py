"""What a read asks of the object it reads: how to open its source, and its columns.

The runner holds one :class:`SourceKind` and never asks which one: a view and a list open a
read request (or attach to one), an export action runs a task; each says how its columns
are typed, whether its CSV has several header lines (a grid), whether the synchronous
``/data`` call can read it, and what its source's id is called.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar, Protocol

from anaplan_pandas.catalog.catalog import Catalog
from anaplan_pandas.catalog.targets import ObjectKind, Target
from anaplan_pandas.exceptions import NotFoundError, UnexpectedResponseError
from anaplan_pandas.http.transport import Transport
from anaplan_pandas.parse.frames import ColumnPlan
from anaplan_pandas.parse.grid import GridShape
from anaplan_pandas.run.stream import PageStream
from anaplan_pandas.sources.export_task import ExportTask
from anaplan_pandas.sources.read_request import ReadRequest
from anaplan_pandas.sources.view_data import ViewData


class SourceKind(Protocol):
    """How to read one kind of object."""

    kind: ObjectKind
    #: What the source's id is called in messages.
    noun: ClassVar[str]
    #: Whether the source is deleted at the end (a read request), or left (a task's file).
    deletable: ClassVar[bool]

    def open(self, transport: Transport, target: Target, cancel: threading.Event, *,
             request_id: str | None, keep: bool, say: Callable[[str], None]) -> PageStream:
        """Start (or attach to) the source of one read (``say`` tells the user of a wait)."""

    def labels(self, request_id: str | None, kept: bool) -> dict[str, object]:
        """What a frame's ``attrs`` say of the source it came from."""

    def plan(self, catalog: Catalog, target: Target) -> ColumnPlan:
        """The column plan from the object's metadata."""

    def grid_shape(self, catalog: Catalog, target: Target) -> GridShape | None:
        """The axes of a CSV with several header lines, else ``None``."""

    def data_call(self, transport: Transport, target: Target,
                  cancel: threading.Event) -> PageStream | None:
        """The synchronous ``/data`` source, where there is one."""


@dataclass(frozen=True)
class ViewKind:
    """A view, read through a read request (or the ``/data`` call) in ``export_type``."""

    export_type: str = "TABULAR_MULTI_COLUMN"
    kind: ObjectKind = "view"
    noun: ClassVar[str] = "read request"
    deletable: ClassVar[bool] = True

    def labels(self, request_id: str | None, kept: bool) -> dict[str, object]:
        """The read request's id, and whether it was kept."""
        return {"anaplan_request_id": request_id, "anaplan_request_kept": kept}

    def open(self, transport: Transport, target: Target, cancel: threading.Event, *,
             request_id: str | None, keep: bool, say: Callable[[str], None]) -> ReadRequest:
        """A new read request, or the one ``request_id`` names."""
        if request_id is not None:
            return ReadRequest.attach(transport, target, request_id, self.export_type,
                                      keep=keep, cancel_event=cancel)
        return ReadRequest.start(transport, target, self.export_type, keep=keep,
                                 cancel_event=cancel)

    def plan(self, catalog: Catalog, target: Target) -> ColumnPlan:
        """Item-name columns from the view's axes, value types from its line items."""
        return catalog.view_plan(target, self.export_type)

    def grid_shape(self, catalog: Catalog, target: Target) -> GridShape | None:
        """The axes of a grid, or of a tabular export with several column dimensions."""
        grid = self.export_type.startswith("GRID")
        if not grid and self.export_type != "TABULAR_MULTI_COLUMN":
            return None
        try:
            axes = catalog.view_axes(target)
        except (NotFoundError, UnexpectedResponseError):
            if grid:  # a grid cannot be read without knowing its axes
                raise
            return None  # the tabular reader warns, and infers the columns
        if not grid and len(axes["columns"]) < 2:
            return None
        return GridShape(axes["rows"], axes["columns"], axes["pages"], grid)

    def data_call(self, transport: Transport, target: Target,
                  cancel: threading.Event) -> ViewData:
        """The synchronous data call of the view."""
        return ViewData(transport, target, export_type=self.export_type, cancel_event=cancel)


class OneTable:
    """What lists and exports share: one header line, and no ``/data`` call."""

    def grid_shape(self, catalog: Catalog, target: Target) -> GridShape | None:
        """One header line (grid exports are refused with the export's definition)."""
        return None

    def data_call(self, transport: Transport, target: Target,
                  cancel: threading.Event) -> ViewData | None:
        """No data call."""
        return None


@dataclass(frozen=True)
class ListKind(OneTable, ViewKind):
    """A list, read through a read request."""

    kind: ObjectKind = "list"

    def plan(self, catalog: Catalog, target: Target) -> ColumnPlan:
        """Types from the list's property formats."""
        return catalog.list_plan(target)


@dataclass(frozen=True)
class ExportKind(OneTable):
    """An export action saved in the model, read by running its task."""

    locale: str = "en_US"
    kind: ObjectKind = "export"
    noun: ClassVar[str] = "export task"
    deletable: ClassVar[bool] = False

    def labels(self, request_id: str | None, kept: bool) -> dict[str, object]:
        """The export task's id."""
        return {"anaplan_task_id": request_id}

    def open(self, transport: Transport, target: Target, cancel: threading.Event, *,
             request_id: str | None, keep: bool, say: Callable[[str], None]) -> ExportTask:
        """Run the export's task (its metadata comes from the connection's catalog)."""
        return ExportTask.run(transport, target, locale=self.locale, cancel_event=cancel,
                              say=say)

    def plan(self, catalog: Catalog, target: Target) -> ColumnPlan:
        """Types from the export's ``dataTypes``."""
        return catalog.export_definition(target).column_plan()
