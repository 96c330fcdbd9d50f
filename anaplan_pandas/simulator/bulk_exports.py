"""Bulk export actions in the simulator: the saved exports, their tasks, their files' chunks.

As documented (``anaplan-api.md`` §6): ``GET …/exports`` lists the export definitions,
``GET …/exports/{id}`` gives their metadata (``headerNames``, ``dataTypes``, ``separator``,
``delimiter`` as the text qualifier, ``encoding``), ``POST …/exports/{id}/tasks`` needs
``{"localeName": …}`` (400 without it) and starts a task whose ``progress`` rises from 0 to 1
over ``Faults.export_seconds``. A task that completes writes the file whose id is the
export's id; ``GET …/files`` lists it as the vendor's example does (``chunkCount``, and
``headerRow`` and ``firstDataRow`` 0; ``Faults.export_file_shape="import"`` lists it as import
files are, 1/2 with the dialect), ``GET …/files/{id}/chunks`` lists its chunks (paged like
every listing), ``GET …/files/{id}/chunks/{n}`` serves it in byte slices of
``Faults.chunk_bytes``, cut anywhere: inside a record, a quoted field or a multi-byte
character, and ``GET …/files/{id}`` serves it whole (404 while it has no chunk).
``GET …/exports/{id}/tasks`` lists the export's tasks and ``DELETE …/tasks/{taskId}``
cancels one (``CANCELLING``, then ``CANCELLED``).
"""

from __future__ import annotations

import gzip
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from anaplan_pandas.simulator.exports import encode_csv, single_column
from anaplan_pandas.simulator.faults import OUTAGE_TEXT
from anaplan_pandas.simulator.records import CANCELLING_SECONDS
from anaplan_pandas.simulator.sample_model import (
    CUSTOMERS_LIST_ID,
    PRICE_BOOK_VIEW_ID,
    REGIONS_LIST_ID,
    REVENUE_VIEW_ID,
    SampleModel,
)

if TYPE_CHECKING:
    from anaplan_pandas.simulator.server import Simulator

REVENUE_EXPORT_ID = "116000000001"
PRICE_BOOK_EXPORT_ID = "116000000002"
CUSTOMERS_EXPORT_ID = "116000000003"
REGIONS_EXPORT_ID = "116000000004"
REVENUE_SINGLE_EXPORT_ID = "116000000005"
REVENUE_XLS_EXPORT_ID = "116000000006"
REVENUE_GRID_EXPORT_ID = "116000000007"
FAILURE_DETAILS = [{"type": "exportFailure", "localMessageText":
                    "The export could not be completed: the model changed while it ran."}]


@dataclass(frozen=True)
class SampleExport:
    """An export action saved in the sample model."""

    id: str
    name: str
    kind: str  # "view" or "list": what it exports
    object_id: str
    export_type: str = "TABULAR_MULTI_COLUMN"
    export_format: str = "text/csv"
    encoding: str = "UTF-8"
    separator: str = ","
    header_row: int = 1


SAMPLE_EXPORTS = [
    SampleExport(REVENUE_EXPORT_ID, "Revenue Plan.csv", "view", REVENUE_VIEW_ID),
    SampleExport(PRICE_BOOK_EXPORT_ID, "Price Book.txt", "view", PRICE_BOOK_VIEW_ID,
                 export_format="text/plain", encoding="ISO-8859-1", separator="\t"),
    SampleExport(CUSTOMERS_EXPORT_ID, "Customers.csv", "list", CUSTOMERS_LIST_ID),
    SampleExport(REGIONS_EXPORT_ID, "Regions (no header).csv", "list", REGIONS_LIST_ID,
                 header_row=0),
    SampleExport(REVENUE_SINGLE_EXPORT_ID, "Revenue Plan - single column.csv", "view",
                 REVENUE_VIEW_ID, export_type="TABULAR_SINGLE_COLUMN"),
    SampleExport(REVENUE_XLS_EXPORT_ID, "Revenue Plan.xls", "view", REVENUE_VIEW_ID,
                 export_type="GRID_CURRENT_PAGE", export_format="application/vnd.ms-excel"),
    SampleExport(REVENUE_GRID_EXPORT_ID, "Revenue Plan - grid.csv", "view", REVENUE_VIEW_ID,
                 export_type="GRID_CURRENT_PAGE"),
]


def export_table(model: SampleModel, export: SampleExport) -> tuple[pa.Table, list[str]]:
    """The rows an export writes, and each column's ``dataTypes`` entry."""
    if export.kind == "list":
        item = model.lists[export.object_id]
        types = [{"Name": "ENTITY", "Parent": "ENTITY"}.get(name, item.properties.get(name,
                                                                                      "TEXT"))
                 for name in item.table.column_names]
        return item.table, types
    view = model.views[export.object_id]
    table, dims = view.table, view.dimension_columns
    if export.export_type == "TABULAR_SINGLE_COLUMN":
        table = single_column(table, dims)
        return table, ["ENTITY"] * (len(dims) + 1) + ["MIXED"]
    types = ["ENTITY" if name in dims else _data_type(table.schema.field(name).type)
             for name in table.column_names]
    return table, types


def _data_type(arrow: pa.DataType) -> str:
    if pa.types.is_boolean(arrow):
        return "BOOLEAN"
    return "NUMBER" if pa.types.is_floating(arrow) or pa.types.is_integer(arrow) else "TEXT"


@dataclass
class TaskRecord:
    """One run of an export action."""

    task_id: str
    export_id: str
    seconds: float
    fails: bool
    created: float = field(default_factory=time.monotonic)
    created_at: float = field(default_factory=time.time)
    written: bool = False
    #: When a DELETE cancelled the task (monotonic), if it did.
    cancelled: float | None = None

    def state(self, now: float) -> tuple[str, float, str]:
        """``(taskState, progress, currentStep)`` at ``now``."""
        if self.cancelled is not None:  # the SDK's task states: CANCELLING, then CANCELLED
            if now - self.cancelled < CANCELLING_SECONDS:
                return "CANCELLING", 0.0, "Cancelling."
            return "CANCELLED", 0.0, "Cancelled."
        done = 1.0 if self.seconds <= 0 else min(1.0, (now - self.created) / self.seconds)
        if self.fails and done >= 0.5:
            return "COMPLETE", 0.5, "Failed."
        if done >= 1.0:
            return "COMPLETE", 1.0, "Complete."
        if done < 0.05:
            return "NOT_STARTED", 0.0, "Waiting for the model."
        done = min(round(done, 3), 0.999)  # a running task never reports 100 %
        return "IN_PROGRESS", done, f"Exporting rows ({done:.0%})."


@dataclass(frozen=True)
class EncodedExport:
    """The file an export writes (in its encoding) and what its metadata says of it."""

    data: bytes
    data_types: list[str]
    header_names: list[str]
    rows: int


class BulkExports:
    """The simulator's export actions, their tasks and the files they wrote."""

    def __init__(self, simulator: Simulator) -> None:
        self.sim = simulator
        self.exports = {e.id: e for e in SAMPLE_EXPORTS}
        self.tasks: dict[str, TaskRecord] = {}
        self.files: dict[str, bytes] = {}  # file id (the export's) -> its bytes
        self.failed_tasks = 0
        self._encoded: dict[str, EncodedExport] = {}
        self._gzipped: dict[tuple[str, int, int, int], bytes] = {}
        self._lock = threading.Lock()

    def encoded(self, export: SampleExport) -> EncodedExport:
        """The file an export writes and its metadata, built once and kept."""
        with self._lock:
            if export.id not in self._encoded:
                table, types = export_table(self.sim.model, export)
                text = encode_csv(table, export.separator, header=export.header_row > 0)
                self._encoded[export.id] = EncodedExport(
                    text.decode("utf-8").encode(export.encoding), types, table.column_names,
                    table.num_rows)
            return self._encoded[export.id]

    def start(self, export: SampleExport) -> TaskRecord:
        """A new task of ``export``, failing if ``Faults.export_fails`` says so."""
        faults = self.sim.faults
        with self._lock:
            fails = faults.export_fails < 0 or self.failed_tasks < faults.export_fails
            if fails:
                self.failed_tasks += 1
            task = TaskRecord(uuid.uuid4().hex.upper(), export.id, faults.export_seconds, fails)
            self.tasks[task.task_id] = task
            return task

    def status(self, task: TaskRecord) -> dict[str, Any]:
        """The task's status body; a task seen complete writes its file."""
        state, progress, step = task.state(time.monotonic())
        body: dict[str, Any] = {"taskId": task.task_id, "taskState": state,
                                "currentStep": step, "progress": progress,
                                # epoch milliseconds, as the vendor's task examples show
                                "creationTime": int(task.created_at * 1000)}
        if state == "COMPLETE":
            body["result"] = {"successful": not task.fails, "failureDumpAvailable": False,
                              "objectId": task.export_id,
                              "details": FAILURE_DETAILS if task.fails else []}
            if not task.fails and not task.written:
                data = self.encoded(self.exports[task.export_id]).data
                if self.sim.faults.export_file_private:
                    data = b""  # what a user the file's privacy leaves out is given
                with self._lock:
                    self.files[task.export_id] = data
                    task.written = True
        return body

    def cancel(self, task: TaskRecord) -> None:
        """Cancel a task that has not completed (a completed one stays as it is)."""
        with self._lock:
            if task.cancelled is None and task.state(time.monotonic())[0] != "COMPLETE":
                task.cancelled = time.monotonic()

    def chunk_count(self, file_id: str) -> int:
        """How many chunks the file has (none before an export wrote it)."""
        size = max(1, self.sim.faults.chunk_bytes)
        return -(-len(self.files.get(file_id, b"")) // size)

    def chunk(self, file_id: str, number: int, *, gzipped: bool = False) -> bytes:
        """The file's ``number``-th byte slice (gzip-compressed once, then kept)."""
        size = max(1, self.sim.faults.chunk_bytes)
        data = self.files.get(file_id, b"")
        piece = data[number * size:(number + 1) * size]
        if not gzipped:
            return piece
        key = (file_id, number, size, id(data))
        with self._lock:
            cached = self._gzipped.get(key)
        if cached is None:
            cached = gzip.compress(piece, 6)
            with self._lock:
                self._gzipped[key] = cached
        return cached


class BulkExportRoutes:
    """Handlers of the export, task and file calls (mixed into the request handler)."""

    sim: Simulator
    args: dict[str, str]
    body: bytes
    headers: Any

    def _export_of(self) -> SampleExport | None:
        if not self._model_ok():  # type: ignore[attr-defined]
            return None
        export = self.sim.bulk.exports.get(self.args["export"])
        if export is None:
            self._error(404, "Not Found")  # type: ignore[attr-defined]
        return export

    def _exports(self) -> None:
        if self._model_ok():  # type: ignore[attr-defined]
            self._listing("exports", [  # type: ignore[attr-defined]
                {"id": e.id, "name": e.name, "exportType": e.export_type,
                 "exportFormat": e.export_format, "encoding": e.encoding,
                 "layout": e.export_type} for e in self.sim.bulk.exports.values()])

    def _export_metadata(self) -> None:
        export = self._export_of()
        if export is None:
            return
        encoded = self.sim.bulk.encoded(export)
        names = encoded.header_names
        self._ok("exportMetadata", exportMetadata={  # type: ignore[attr-defined]
            "columnCount": len(names), "dataTypes": encoded.data_types, "delimiter": '"',
            "encoding": export.encoding, "exportFormat": export.export_format,
            "headerNames": names, "listNames": [""] * len(names), "rowCount": encoded.rows,
            "separator": export.separator})

    def _run_export(self) -> None:
        export = self._export_of()
        if export is None:
            return
        try:
            locale = json.loads(self.body or b"{}").get("localeName")
        except (ValueError, AttributeError):
            locale = None
        if not isinstance(locale, str) or not locale:
            self._error(400, "Bad Request: localeName is required")  # type: ignore[attr-defined]
            return
        task = self.sim.bulk.start(export)
        self._ok("task", task={"taskId": task.task_id})  # type: ignore[attr-defined]

    def _task_of(self) -> TaskRecord | None:
        export = self._export_of()
        if export is None:
            return None
        task = self.sim.bulk.tasks.get(self.args["task"].upper())
        if task is None or task.export_id != export.id:
            self._error(404, "Not Found")  # type: ignore[attr-defined]
            return None
        return task

    def _export_task(self) -> None:
        task = self._task_of()
        if task is not None:
            self._ok("task", task=self.sim.bulk.status(task))  # type: ignore[attr-defined]

    def _cancel_export_task(self) -> None:
        # DELETE …/tasks/{taskId} cancels a running task (SDK ``cancel_task``; OAS)
        task = self._task_of()
        if task is not None:
            self.sim.bulk.cancel(task)
            self._ok("task", task=self.sim.bulk.status(task))  # type: ignore[attr-defined]

    def _export_tasks(self) -> None:
        # GET …/exports/{id}/tasks lists the export's tasks (SDK ``list_task_status``)
        export = self._export_of()
        if export is not None:
            tasks = [t for t in self.sim.bulk.tasks.values() if t.export_id == export.id]
            self._listing("tasks", [  # type: ignore[attr-defined]
                {"taskId": t.task_id, "taskState": self.sim.bulk.status(t)["taskState"],
                 "creationTime": int(t.created_at * 1000)}
                for t in sorted(tasks, key=lambda t: t.created)])

    def _files(self) -> None:
        if not self._model_ok():  # type: ignore[attr-defined]
            return
        entries = []
        for export in self.sim.bulk.exports.values():
            count = self.sim.bulk.chunk_count(export.id)
            if self.sim.faults.export_file_shape == "vendor":
                # help.anaplan.com "Get the list of export files": {"id", "name",
                # "chunkCount", "firstDataRow": 0, "headerRow": 0}, nothing else
                entries.append({"id": export.id, "name": export.name, "chunkCount": count,
                                "firstDataRow": 0, "headerRow": 0})
                continue
            entries.append({"id": export.id, "name": export.name, "chunkCount": count,
                            "delimiter": '"', "encoding": export.encoding,
                            "firstDataRow": export.header_row + 1, "format": "txt",
                            "headerRow": export.header_row, "separator": export.separator})
        self._listing("files", entries)  # type: ignore[attr-defined]

    def _file_chunks(self) -> None:
        if not self._model_ok():  # type: ignore[attr-defined]
            return
        if self.args["file"] not in self.sim.bulk.exports:
            self._error(404, "Not Found")  # type: ignore[attr-defined]
            return
        count = self.sim.bulk.chunk_count(self.args["file"])
        # {"id": "0", "name": "Chunk 0"}, paged like every listing; the key is left out
        # when the file has no chunk (anaplan-api.md §6)
        self._listing("chunks", [  # type: ignore[attr-defined]
            {"id": str(n), "name": f"Chunk {n}"} for n in range(count)])

    def _file(self) -> None:
        # GET …/files/{id}: the whole file, or 404 while it has no chunk (OAS live; the
        # SDK's get_file for a file of one chunk)
        if not self._model_ok():  # type: ignore[attr-defined]
            return
        file_id = self.args["file"]
        if file_id not in self.sim.bulk.exports or not self.sim.bulk.chunk_count(file_id):
            self._error(404, "Not Found")  # type: ignore[attr-defined]
            return
        self._send(200, self.sim.bulk.files[file_id],  # type: ignore[attr-defined]
                   "application/octet-stream", {})

    def _file_chunk(self) -> None:
        if not self._model_ok():  # type: ignore[attr-defined]
            return
        number = int(self.args["chunk"])
        if number >= self.sim.bulk.chunk_count(self.args["file"]):
            self._error(404, "Not Found")  # type: ignore[attr-defined]
            return
        faults = self.sim.faults
        headers: dict[str, str] = {}
        if self.sim._break_page(f"file {self.args['file']}", number):
            kind = self.sim._choice(faults.broken_kinds)
            body = b"" if kind == "empty" else OUTAGE_TEXT
            content_type = "application/octet-stream" if kind == "empty" else "text/html"
        else:
            content_type = "application/octet-stream"
            gzipped = faults.gzip and "gzip" in self.headers.get("Accept-Encoding", "")
            body = self.sim.bulk.chunk(self.args["file"], number, gzipped=gzipped)
            if gzipped:
                headers = {"Content-Encoding": "gzip"}
        self._send(200, body, content_type, headers)  # type: ignore[attr-defined]
