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

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import requests

from anaplan_pandas.catalog.catalog import Catalog, read_listing
from anaplan_pandas.catalog.export_definition import ExportDefinition
from anaplan_pandas.catalog.targets import Target
from anaplan_pandas.exceptions import (
    AnaplanError,
    ExportFailedError,
    IncompleteReadError,
    ReadRequestCancelledError,
    ReadRequestTimeoutError,
    UnexpectedResponseError,
)
from anaplan_pandas.http.bodies import BrokenBodyError
from anaplan_pandas.http.deadline import (
    Deadline,
    cleanup_deadline,
    current_deadline,
    deadline_scope,
)
from anaplan_pandas.http.transport import Transport
from anaplan_pandas.parse.frames import ColumnPlan
from anaplan_pandas.parse.page_parser import CsvPageParser
from anaplan_pandas.run.poll import Poller, PollSchedule
from anaplan_pandas.run.source import PartStatus
from anaplan_pandas.run.stream import PageStream
from anaplan_pandas.sources.export_file import FileLayout, file_pages
from anaplan_pandas.sources.export_runs import later_runs, take_turn
from anaplan_pandas.sources.task_status import TASK_STATES, TaskStatus, detail_text

log = logging.getLogger("anaplan_pandas")

#: Media types of an error page served with status 200 instead of a chunk.
_NOT_A_CHUNK = ("application/json", "text/html")


class ExportTask(PageStream):
    """One run of an export action, and the chunks of the file it wrote.

    A source (:mod:`anaplan_pandas.run.source`): while the task runs it announces no
    chunk; once it is ``COMPLETE`` it declares the file's chunks, which the runner downloads
    and checks like a read request's pages. Cleaning up cancels a task that still runs
    (``DELETE …/tasks/{id}``); a finished one leaves nothing to delete (Anaplan keeps the
    file).

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

    noun = "export task"
    unit = "chunk"

    def __init__(self, transport: Transport, target: Target, task_id: str,
                 definition: ExportDefinition, *,
                 cancel_event: threading.Event | None = None) -> None:
        self.transport: Transport = getattr(transport, "transport", transport)
        self.target = target
        self.task_id = task_id
        self.request_id = task_id  # what progress displays and errors call it
        self.definition = definition
        self.last_status: TaskStatus | None = None
        self.cancel_event = cancel_event or threading.Event()
        self._layout: FileLayout | None = None
        self._ids: list[str] | None = None
        self._cleaned_up = self._cancelled_on_server = False
        self._lock = threading.Lock()
        self._turn: threading.Lock | None = None  # this process's turn at the export

    def __repr__(self) -> str:
        return f"ExportTask({self.task_id!r}, {self.target.describe()})"

    @classmethod
    def run(cls, transport: Transport, target: Target, *, locale: str = "en_US",
            definition: ExportDefinition | None = None,
            cancel_event: threading.Event | None = None,
            say: Callable[[str], None] = log.info) -> ExportTask:
        """Check the export can be read, then start one task (``POST …/tasks``).

        ``definition`` saves reading the export's metadata again when it is known. Another
        read of the same export in this process is waited for first (``say`` tells so):
        both would read the one file the export writes.
        """
        if definition is None:
            catalog = getattr(transport, "catalog", None) or Catalog(transport)
            definition = catalog.export_definition(target)
        transport = getattr(transport, "transport", transport)
        cancel_event = cancel_event or threading.Event()
        turn = take_turn(target, cancel_event, say)
        try:
            response = transport.request("POST", f"{target.path}/tasks", target.describe(),
                                         json={"localeName": locale})
            status = TaskStatus.from_body(transport.json_of(response, target.describe()))
        except ValueError as error:
            turn.release()
            raise UnexpectedResponseError(
                f"Anaplan's answer to running {target.describe()} is malformed: {error}"
            ) from None
        except BaseException:
            turn.release()
            raise
        log.info("started export task %s of %s", status.task_id, target.describe())
        task = cls(transport, target, status.task_id, definition, cancel_event=cancel_event)
        task._turn = turn
        return task

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
        self.cancel_event.set()

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

    def wait(self, schedule: PollSchedule | None = None, observer: object = None) -> TaskStatus:
        """Poll until the task is ``COMPLETE``; a failed or cancelled task raises."""
        schedule = schedule or PollSchedule()
        Poller(self, schedule, schedule.deadline(), observer).until_complete(  # type: ignore[arg-type]
            self.cancel_event)
        assert self.last_status is not None
        return self.last_status

    def poll(self) -> PartStatus:
        """The task's status; once complete, the chunks its file declares."""
        if self._ids is None:
            status = self.status()
            self._raise_if_ended(status)
            if not status.is_complete:
                return PartStatus(0, False, status)
            self._layout = self.file_layout()
            self._ids = self._declared_chunks()
        return PartStatus(len(self._ids), True, _Chunks(len(self._ids)))

    def part(self, part_no: int, *, stop: threading.Event | None = None) -> bytes:
        """Download chunk ``part_no`` of the file."""
        assert self._ids is not None
        return self.chunk(self._ids[part_no], stop=stop)

    def cleanup(self) -> None:
        """Cancel the task if it still runs (``DELETE …/tasks/{id}``); once, quietly.

        The next read of the export in this process may then start.
        """
        with self._lock:
            status = self.last_status
            turn, self._turn = self._turn, None
            running = not (self._cleaned_up or status is None or status.is_complete
                           or status.is_cancelled)
            self._cleaned_up = True
        try:
            if running:
                self._cancel_on_server()
        finally:
            if turn is not None:
                turn.release()

    def _cancel_on_server(self) -> None:
        try:
            with deadline_scope(cleanup_deadline()):
                self.transport.request("DELETE", self.path, self.describe())
        except AnaplanError as error:
            log.warning("could not cancel %s: %s", self.describe(), error)
        else:
            self._cancelled_on_server = True
            log.info("cancelled %s", self.describe())

    def _cleanup_said(self) -> str:
        if self._cancelled_on_server:
            return "The task was cancelled in Anaplan."
        return "Anaplan finishes the export on its side (the file stays in the model)."

    def gone_error(self) -> ReadRequestCancelledError:
        """The task vanished from the server while it was followed."""
        return ReadRequestCancelledError(
            f"{_upper_first(self.describe())} no longer exists in Anaplan (404 while it was "
            "followed). Run the export again.",
            request_id=self.task_id, target=self.target, deleted=True)

    def incomplete_error(self, what: str) -> IncompleteReadError:
        """The file's chunks do not add up: ``what`` says how."""
        self.cleanup()
        return IncompleteReadError(
            f"The file of {self.describe()} {what}. Run the export again; if it happens "
            "again, the service is not delivering the file whole.",
            request_id=self.task_id, target=self.target, deleted=True)

    def file_layout(self) -> FileLayout:
        """What the file listing says of the export's file (header rows, chunk count)."""
        t = self.target
        body = self.transport.get_json(f"/workspaces/{t.workspace_id}/models/{t.model_id}/files",
                                       f"files of model {t.model_id}")
        files = body.get("files") or []
        return FileLayout.from_entry(next((f for f in files if isinstance(f, dict)
                                           and str(f.get("id")) == t.object_id), None))

    def chunk_ids(self) -> list[str]:
        """The ids of the file's chunks, every page of the list, in order (none if empty)."""
        chunks = read_listing(self.transport, f"{self.file_path}/chunks", "chunks",
                              f"chunks of the file of {self.describe()}",
                              one_page_without_total=True)
        ids = [str(c.get("id")) for c in chunks if isinstance(c, dict)]
        if len(ids) != len(chunks) or not all(i.isdigit() for i in ids):
            raise UnexpectedResponseError(
                f"The chunk list of {self.describe()} is malformed: {str(chunks)[:300]!r}")
        return sorted(ids, key=int)

    def _declared_chunks(self) -> list[str]:
        """The chunk ids, checked: 0 to n-1, each once, as many as ``chunkCount`` says."""
        ids = self.chunk_ids()
        layout = self._file_layout()
        if ids != [str(n) for n in range(len(ids))]:
            shown = ", ".join(ids[:12]) + (", …" if len(ids) > 12 else "")
            raise self.incomplete_error(
                f"lists the chunks {shown}: not 0 to {len(ids) - 1} each once, so a chunk is "
                "missing or repeated")
        rows = self.definition.row_count
        if not ids and rows:
            raise self.incomplete_error(
                f"is empty although the export's metadata reports {rows:,} rows. Anaplan "
                "gives an empty file to users the export's file privacy leaves out "
                "('Administrators only'), and a private file expires after 48 hours: ask the "
                "model builder to share the file, or run the export as an administrator")
        if layout.chunk_count is not None and layout.chunk_count != len(ids):
            raise self.incomplete_error(
                f"declares {layout.chunk_count} chunks (chunkCount) but its chunk list has "
                f"{len(ids)}")
        return ids

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

    def pages_of(self, parts: Iterator[tuple[int, bytes]]) -> Iterator[tuple[int, bytes]]:
        """The chunks as UTF-8 CSV, a header in front of a file that has none.

        See :func:`~anaplan_pandas.sources.export_file.file_pages`. Once the file is read,
        a later run of the export that may have rewritten it meanwhile (from another
        process) fails the read (see :mod:`~anaplan_pandas.sources.export_runs`).
        """
        yield from file_pages(parts, self._file_layout, self.definition, self.describe())
        with deadline_scope(self._run.deadline if self._run else current_deadline()):
            overwriting = later_runs(self.transport, self.target, self.task_id)
        if overwriting:
            raise self.incomplete_error(
                f"was read while another run of the export (task {', '.join(overwriting)}) "
                "wrote the same file, so its rows may come from two runs. Read it again when "
                "no one else runs the export")

    def _file_layout(self) -> FileLayout:
        return self._layout or FileLayout()

    def parser(self, plan: ColumnPlan, *, categorical: bool, whole: bool) -> CsvPageParser:
        """A parser for this export's separator, over byte slices."""
        return CsvPageParser(plan, categorical=categorical, whole=whole,
                             separator=self.definition.separator, slices=True)

    def column_plan(self) -> ColumnPlan:
        """Types from the export's metadata (see :meth:`ExportDefinition.column_plan`)."""
        return self.definition.column_plan()

    def _raise_if_ended(self, status: TaskStatus) -> None:
        if status.is_failed:
            said = "; ".join(detail_text(d) for d in status.details) or "no details"
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

    def cancelled_error(self) -> ReadRequestCancelledError:
        """You cancelled the read: the task is cancelled if it still runs."""
        self.cleanup()
        return ReadRequestCancelledError(
            f"You cancelled the read of {self.describe()}. {self._cleanup_said()} Run the "
            "export again when you want the data.",
            request_id=self.task_id, target=self.target, deleted=True)

    def timeout_error(self, deadline: Deadline, status: PartStatus | None
                      ) -> ReadRequestTimeoutError:
        """The read's deadline passed: the task is cancelled if it still runs."""
        self.cleanup()
        task = self.last_status
        where = (f"{task.state}, {task.progress or 0:.0%} done" if task is not None
                 else "not answering")
        return ReadRequestTimeoutError(
            f"{_upper_first(self.describe())} was {where} when the timeout of "
            f"{deadline.timeout or 0:g} seconds passed. {self._cleanup_said()} Allow more time "
            "with timeout=, or run it when the model is less busy (exports lock the model "
            "while they run).",
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
