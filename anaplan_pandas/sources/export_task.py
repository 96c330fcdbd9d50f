"""The lifecycle of one bulk export action: run its task, wait, download its file in chunks.

An export action is saved in the model by a model builder, with its own filters, layout and
format. Reading one takes five calls (``anaplan-api.md`` §6): the export's metadata (columns,
types, separator, encoding), ``POST …/exports/{id}/tasks`` (sent once: a blind retry could
start a second export), the task's status until ``COMPLETE`` (Anaplan reports ``progress`` as
a fraction and ``currentStep`` as text), the file's layout and chunk list (the file's id is
the export's id), then the chunks. Chunks are byte slices of one file, so they are joined as
bytes and decoded as a whole: a record, or a multi-byte character, cut between two chunks is
put back together before it is parsed.
"""

from __future__ import annotations

import csv
import io
import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from typing import Any, TypeVar

import requests

from anaplan_pandas.catalog.export_definition import (
    ExportDefinition,
    UnsupportedExportError,
    export_definition,
)
from anaplan_pandas.catalog.targets import Target
from anaplan_pandas.exceptions import (
    AnaplanTimeoutError,
    ExportFailedError,
    ReadRequestCancelledError,
    ReadRequestTimeoutError,
    UnexpectedResponseError,
)
from anaplan_pandas.http.retry import Deadline, deadline_scope
from anaplan_pandas.http.transport import BrokenBodyError, Transport
from anaplan_pandas.parse.frames import ColumnPlan
from anaplan_pandas.parse.page_parser import CsvPageParser
from anaplan_pandas.parse.pages import Utf8Recoder
from anaplan_pandas.parse.workers import DaemonPool
from anaplan_pandas.sources.page_stream import NoObserver, PageStream, ReadObserver
from anaplan_pandas.sources.read_request import CANCEL_CHECK, DOWNLOAD_GRACE, PollSchedule

log = logging.getLogger("anaplan_pandas")

T = TypeVar("T")

#: Media types of an error page served with status 200 instead of a chunk.
_NOT_A_CHUNK = ("application/json", "text/html")
TASK_STATES = ("NOT_STARTED", "IN_PROGRESS", "COMPLETE", "CANCELLING", "CANCELLED")


@dataclass(frozen=True)
class TaskStatus:
    """One answer of the task status call.

    Examples
    --------
    >>> TaskStatus.from_body({"task": {"taskId": "F3", "taskState": "IN_PROGRESS",
    ...                                "progress": 0.25, "currentStep": "Exporting"}}).progress
    0.25
    """

    task_id: str
    state: str
    progress: float | None = None
    step: str = ""
    successful: bool | None = None
    failure_dump: bool = False
    details: list[Any] = field(default_factory=list)

    @property
    def is_complete(self) -> bool:
        """Whether the task has finished, successfully or not."""
        return self.state == "COMPLETE"

    @property
    def is_failed(self) -> bool:
        """Whether the task finished without success."""
        return self.is_complete and self.successful is not True

    @property
    def is_cancelled(self) -> bool:
        """Whether the task was cancelled, or is being cancelled."""
        return self.state in ("CANCELLED", "CANCELLING")

    @classmethod
    def from_body(cls, body: dict[str, Any]) -> TaskStatus:
        """Read a ``task`` envelope, checking the fields that matter."""
        task = body.get("task")
        if not isinstance(task, dict) or not isinstance(task.get("taskId"), str) or \
                not isinstance(task.get("taskState", "NOT_STARTED"), str):
            raise ValueError(f"no task with a taskId and a taskState: {str(body)[:300]!r}")
        result = task.get("result") if isinstance(task.get("result"), dict) else {}
        progress = task.get("progress")
        successful = result.get("successful")
        if isinstance(successful, str):
            successful = successful.lower() == "true"
        details = result.get("details")
        return cls(
            task_id=task["taskId"],
            state=task.get("taskState", "NOT_STARTED"),
            progress=float(progress) if isinstance(progress, (int, float)) else None,
            step=str(task.get("currentStep") or ""),
            successful=successful if isinstance(successful, bool) else None,
            failure_dump=bool(result.get("failureDumpAvailable")),
            details=details if isinstance(details, list) else [],
        )


@dataclass(frozen=True)
class FileLayout:
    """Where the records start in the export's file: ``headerRow`` and ``firstDataRow``."""

    header_row: int = 1
    first_data_row: int = 2


class ExportTask(PageStream):
    """One run of an export action, and the chunks of the file it wrote.

    Examples
    --------
    >>> from anaplan_pandas import connect, Target
    >>> from anaplan_pandas.simulator import Simulator, WORKSPACE_ID, MODEL_ID
    >>> sim = Simulator(revenue_rows=2880).start()  # a local Anaplan on 127.0.0.1
    >>> transport = connect(sim.credentials, sim.api_url, sim.auth_url)
    >>> task = ExportTask.run(transport, Target.of("export", WORKSPACE_ID, MODEL_ID,
    ...                                            116000000001))
    >>> task.to_frame().shape
    (2880, 8)
    >>> sim.stop()
    """

    def __init__(self, transport: Transport, target: Target, task_id: str,
                 definition: ExportDefinition, *,
                 cancel_event: threading.Event | None = None) -> None:
        self.transport: Transport = getattr(transport, "transport", transport)
        self.target = target
        self.task_id = task_id
        self.request_id = task_id  # what progress displays and errors call it
        self.definition = definition
        self.last_status: TaskStatus | None = None
        self._cancel = cancel_event or threading.Event()

    def __repr__(self) -> str:
        return f"ExportTask({self.task_id!r}, {self.target.describe()})"

    def __enter__(self) -> ExportTask:
        return self

    def __exit__(self, *exc: object) -> None:
        """Nothing to delete: Anaplan keeps the file (private files for 48 hours)."""

    @classmethod
    def run(cls, transport: Transport, target: Target, *, locale: str = "en_US",
            definition: ExportDefinition | None = None,
            cancel_event: threading.Event | None = None) -> ExportTask:
        """Check the export can be read, then start one task (``POST …/tasks``).

        ``definition`` saves reading the export's metadata again when it is known.
        """
        transport = getattr(transport, "transport", transport)
        if definition is None:
            definition = export_definition(transport, target)
        response = transport.request("POST", f"{target.path}/tasks", target.describe(),
                                     json={"localeName": locale})
        try:
            status = TaskStatus.from_body(transport.json_of(response, target.describe()))
        except ValueError as error:
            raise UnexpectedResponseError(
                f"Anaplan's answer to running {target.describe()} is malformed: {error}"
            ) from None
        log.info("started export task %s of %s", status.task_id, target.describe())
        return cls(transport, target, status.task_id, definition, cancel_event=cancel_event)

    @property
    def path(self) -> str:
        """The API path of the task."""
        return f"{self.target.path}/tasks/{self.task_id}"

    @property
    def file_path(self) -> str:
        """The API path of the file the export writes (its id is the export's id)."""
        t = self.target
        return f"/workspaces/{t.workspace_id}/models/{t.model_id}/files/{t.object_id}"

    def describe(self) -> str:
        """A phrase naming the task and its export for messages."""
        return f"export task {self.task_id} of {self.target.describe()}"

    def cancel(self) -> None:
        """Stop waiting and downloading (from any thread); the read ends cancelled."""
        self._cancel.set()

    def status(self) -> TaskStatus:
        """Ask the server for the task's status."""
        body = self.transport.get_json(self.path, self.describe())
        try:
            status = TaskStatus.from_body(body)
        except ValueError as error:
            raise UnexpectedResponseError(
                f"Anaplan's status of {self.describe()} is malformed: {error}") from None
        self.last_status = status
        return status

    def wait(self, schedule: PollSchedule | None = None,
             observer: ReadObserver | None = None) -> TaskStatus:
        """Poll until the task is ``COMPLETE``; a failed or cancelled task raises."""
        schedule = schedule or PollSchedule()
        observer = observer or NoObserver()
        deadline = schedule.deadline()
        with deadline_scope(deadline):
            while True:
                status = self._or_timeout(self.status, deadline)
                observer.on_status(status)
                self._raise_if_ended(status)
                if status.is_complete:
                    return status
                pause = deadline.bound(schedule.next_interval(changed=False))
                if self._cancel.wait(pause):
                    self._raise_if_ended(status)
                if deadline.passed:
                    raise self._timeout(deadline, status)

    def file_layout(self) -> FileLayout:
        """``headerRow`` and ``firstDataRow`` of the export's file, from the file listing."""
        t = self.target
        body = self.transport.get_json(f"/workspaces/{t.workspace_id}/models/{t.model_id}/files",
                                       f"files of model {t.model_id}")
        files = body.get("files") or []
        entry = next((f for f in files if isinstance(f, dict)
                      and str(f.get("id")) == t.object_id), None)
        if entry is None:
            return FileLayout()
        try:
            return FileLayout(int(entry.get("headerRow", 1)), int(entry.get("firstDataRow", 2)))
        except (TypeError, ValueError):
            return FileLayout()

    def chunk_ids(self) -> list[str]:
        """The ids of the file's chunks, in order (none for an empty file)."""
        body = self.transport.get_json(f"{self.file_path}/chunks",
                                       f"chunks of the file of {self.describe()}")
        chunks = body.get("chunks") or []  # left out when the file has no chunk
        ids = [str(c.get("id")) for c in chunks if isinstance(c, dict)]
        if len(ids) != len(chunks) or not all(i.isdigit() for i in ids):
            raise UnexpectedResponseError(
                f"The chunk list of {self.describe()} is malformed: {str(body)[:300]!r}")
        return sorted(ids, key=int)

    def chunk(self, chunk_id: str, *, stop: threading.Event | None = None) -> bytes:
        """Download one chunk: the raw bytes of the file's slice."""
        def check(response: requests.Response) -> None:
            media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if media in _NOT_A_CHUNK:
                raise BrokenBodyError(f"a {media} body instead of file data")
            if not response.content:
                raise BrokenBodyError("an empty body")

        response = self.transport.request(
            "GET", f"{self.file_path}/chunks/{chunk_id}",
            f"chunk {chunk_id} of {self.describe()}", accept="application/octet-stream",
            headers={"Accept-Encoding": self.transport.page_encoding}, check=check, stop=stop)
        return response.content

    def iter_pages(self, *, schedule: PollSchedule | None = None, max_workers: int = 4,
                   observer: ReadObserver | None = None) -> Iterator[tuple[int, bytes]]:
        """Wait for the task, then yield ``(chunk_no, utf8_bytes)`` in order.

        Up to ``max_workers`` chunks download at once, at most ``2 * max_workers`` ahead of
        the consumer. The bytes are the file's text re-encoded as UTF-8 (carrying a
        character cut between chunks to the next); a file without a header row gets one
        from the export's header names.
        """
        if max_workers < 1:
            raise ValueError(f"max_workers must be at least 1, got {max_workers}.")
        schedule = schedule or PollSchedule()
        observer = observer or NoObserver()
        deadline = schedule.deadline()  # one for the wait and the downloads together
        with deadline_scope(deadline):
            self.wait(schedule, observer)
            layout = self._or_timeout(self.file_layout, deadline)
            ids = self._or_timeout(self.chunk_ids, deadline)
        observer.on_status(_Chunks(len(ids)))
        decode = Utf8Recoder(self.definition.encoding)
        stop = threading.Event()
        pool = DaemonPool(max_workers, "anaplan-chunk")
        pending: dict[int, Future[bytes]] = {}
        try:
            first = self._header_line(layout, empty=not ids)
            for number in range(len(ids)):
                with deadline_scope(deadline):
                    for ahead in range(number, min(len(ids), number + 2 * max_workers)):
                        if ahead not in pending:
                            pending[ahead] = pool.submit(self.chunk, ids[ahead], stop=stop)
                data = self._when_ready(pending.pop(number), deadline)
                observer.on_page(number, len(data))
                yield number, first + decode(data)
                first = b""
            rest = decode(b"", final=True)
            if first or rest:  # an empty file still has its header; a last partial character
                yield len(ids), first + rest
        finally:
            stop.set()
            pool.shutdown(wait=DOWNLOAD_GRACE)

    def parser(self, plan: ColumnPlan, *, categorical: bool, whole: bool) -> CsvPageParser:
        """A parser for this export's separator, over byte slices."""
        return CsvPageParser(plan, categorical=categorical, whole=whole,
                             separator=self.definition.separator, slices=True)

    def column_plan(self) -> ColumnPlan:
        """Types from the export's metadata (see :meth:`ExportDefinition.column_plan`)."""
        return self.definition.column_plan()

    def _header_line(self, layout: FileLayout, *, empty: bool) -> bytes:
        """The header to put in front of a file that has none, or is empty (else ``b""``).

        An empty file still gives a frame with the export's columns.
        """
        if layout.header_row == 1 and layout.first_data_row == 2 and not empty:
            return b""
        if (empty or (layout.header_row, layout.first_data_row) == (0, 1)) and \
                self.definition.header_names:
            out = io.StringIO()
            csv.writer(out, delimiter=self.definition.separator, lineterminator="\n"
                       ).writerow(self.definition.header_names)
            return out.getvalue().encode()
        raise UnsupportedExportError(
            f"The file of {self.describe()} has its header on row {layout.header_row} and "
            f"its data from row {layout.first_data_row}; this library reads files whose data "
            "follows a header on row 1, or that have no header and headerNames in the "
            "export's metadata. Save the export with the header on the first row.")

    def _when_ready(self, future: Future[bytes], deadline: Deadline) -> bytes:
        """The chunk's bytes, noticing a cancel or the deadline while waiting."""
        while not future.done():
            if self._cancel.is_set():
                raise self._cancelled()
            if deadline.passed:
                raise self._timeout(deadline, self.last_status)
            wait([future], timeout=deadline.bound(CANCEL_CHECK))
        return self._or_timeout(future.result, deadline)

    def _or_timeout(self, call: Callable[[], T], deadline: Deadline) -> T:
        try:
            return call()
        except AnaplanTimeoutError as error:
            if isinstance(error, ReadRequestTimeoutError):
                raise
            raise self._timeout(deadline, self.last_status) from None

    def _raise_if_ended(self, status: TaskStatus) -> None:
        if self._cancel.is_set():
            raise self._cancelled()
        if status.is_failed:
            said = "; ".join(_detail_text(d) for d in status.details) or "no details"
            dump = (f" Anaplan kept a dump of the rows that failed: GET {self.path}/dump."
                    if status.failure_dump else "")
            error = ExportFailedError(
                f"Anaplan could not run {self.describe()}: the task finished with "
                f"successful=false ({said}).{dump} Nothing is left to clean up. Run the export "
                "again; read_export(..., retries=2) does so by itself. If it keeps failing, "
                "check the export's definition in the model.",
                request_id=self.task_id, target=self.target, deleted=True)
            error.details = status.details
            error.failure_dump = status.failure_dump
            raise error
        if status.is_cancelled:
            raise ReadRequestCancelledError(
                f"{_upper_first(self.describe())} was cancelled on the server (state "
                f"{status.state}). Run the export again if you still need the data.",
                request_id=self.task_id, target=self.target, deleted=True)
        if status.state not in TASK_STATES:
            raise UnexpectedResponseError(
                f"{_upper_first(self.describe())} is in the state {status.state!r}, which "
                f"Anaplan does not document ({', '.join(TASK_STATES)}).")

    def _cancelled(self) -> ReadRequestCancelledError:
        return ReadRequestCancelledError(
            f"You cancelled the read of {self.describe()}. Anaplan finishes the export on its "
            "side (the file stays in the model); run it again when you want the data.",
            request_id=self.task_id, target=self.target, deleted=True)

    def _timeout(self, deadline: Deadline, status: TaskStatus | None
                 ) -> ReadRequestTimeoutError:
        where = (f"{status.state}, {status.progress or 0:.0%} done" if status is not None
                 else "not answering")
        return ReadRequestTimeoutError(
            f"{_upper_first(self.describe())} was {where} when the timeout of "
            f"{deadline.timeout or 0:g} seconds passed. Allow more time with timeout=, or run "
            "it when the model is less busy (exports lock the model while they run).",
            request_id=self.task_id, target=self.target, deleted=True)


@dataclass(frozen=True)
class _Chunks:
    """The status event that tells progress displays how many chunks there are to download.

    It reads like a finished read request's status, counted in chunks.
    """

    available_pages: int
    state: str = "COMPLETE"
    unit: str = "chunk"
    is_complete: bool = True


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def _detail_text(detail: Any) -> str:
    if isinstance(detail, dict):
        return str(detail.get("localMessageText") or detail.get("type") or detail)
    return str(detail)
