"""The state machine of one large read request: start, poll, download pages, delete.

``NOT_STARTED`` and ``IN_PROGRESS`` keep polling, with an interval that grows while nothing
changes; every page that ``availablePages`` announces is downloaded at once, in parallel
and also while the export still runs; ``COMPLETE`` with ``successful: true`` ends once every
page is delivered in order; ``COMPLETE`` with ``successful: false`` raises
:class:`~anaplan_pandas.exceptions.ExportFailedError`; ``CANCELLED`` and ``CANCELLING``
raise :class:`~anaplan_pandas.exceptions.ReadRequestCancelledError`.
"""

from __future__ import annotations

import html
import logging
import threading
import time
import warnings
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

import pandas as pd
import pyarrow as pa

from anaplan_pandas.exceptions import (
    ExportFailedError,
    NotFoundError,
    ReadRequestCancelledError,
    ReadRequestError,
    ReadRequestTimeoutError,
    UnexpectedResponseError,
)
from anaplan_pandas.frames import (
    ColumnPlan,
    CsvPageParser,
    DtypeBackend,
    PageParseError,
    to_frame,
)
from anaplan_pandas.metadata import list_column_plan, view_column_plan
from anaplan_pandas.targets import Target
from anaplan_pandas.transport import Transport

log = logging.getLogger("anaplan_pandas")

#: Longest pause, in seconds, before a read notices :meth:`ReadRequest.cancel`.
CANCEL_CHECK = 0.2

EXPORT_TYPES = (
    "TABULAR_MULTI_COLUMN",
    "TABULAR_SINGLE_COLUMN",
    "GRID_ALL_PAGES",
    "GRID_CURRENT_PAGE",
)


class RequestState(str, Enum):
    """The ``requestState`` values of a read request."""

    NOT_STARTED = "NOT_STARTED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETE = "COMPLETE"
    CANCELLING = "CANCELLING"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True)
class ReadRequestStatus:
    """One answer of the status call.

    ``successful`` means something only once ``state`` is ``COMPLETE``.

    Examples
    --------
    >>> s = ReadRequestStatus("0A06B0739F0E47BB92E2326C603D86EC", "IN_PROGRESS", 50, True)
    >>> s.is_complete, s.is_cancelled
    (False, False)
    """

    request_id: str
    state: str
    available_pages: int
    successful: bool | None

    @property
    def is_complete(self) -> bool:
        """Whether the export has finished, successfully or not."""
        return self.state == RequestState.COMPLETE

    @property
    def is_failed(self) -> bool:
        """Whether the export finished with ``successful: false``."""
        return self.is_complete and self.successful is False

    @property
    def is_cancelled(self) -> bool:
        """Whether the request was cancelled or is being cancelled."""
        return self.state in (RequestState.CANCELLED, RequestState.CANCELLING)

    @classmethod
    def from_body(cls, body: dict[str, Any], target: Target) -> ReadRequestStatus:
        """Read a ``viewReadRequest`` or ``listReadRequest`` envelope, checking every field."""
        key = f"{target.kind}ReadRequest"
        payload = body.get(key)
        try:
            if not isinstance(payload, dict):
                raise TypeError(f"no {key!r} object")
            request_id = payload["requestId"]
            state = payload["requestState"]
            pages = payload.get("availablePages", 0)
            successful = payload.get("successful")
            if not isinstance(request_id, str) or not isinstance(state, str):
                raise TypeError("requestId and requestState must be strings")
            pages = int(pages)
            if pages < 0:
                raise ValueError("availablePages is negative")
            if isinstance(successful, str):
                successful = successful.lower() == "true"
        except (KeyError, TypeError, ValueError) as error:
            raise UnexpectedResponseError(
                f"Anaplan's read request answer for {target.describe()} is malformed "
                f"({error}): {str(body)[:300]!r}"
            ) from None
        return cls(request_id, state, pages, successful)


@dataclass
class PollSchedule:
    """When to ask for the status: an interval that grows while nothing changes.

    The interval starts at ``initial``, is multiplied by ``factor`` after each answer
    that brings nothing new, never exceeds ``maximum``, and falls back to ``initial`` when
    new pages appear. ``timeout`` bounds the whole wait (``None``: no bound).

    Examples
    --------
    >>> s = PollSchedule(initial=1.0, factor=2.0, maximum=5.0)
    >>> [s.next_interval(changed=False) for _ in range(4)]
    [2.0, 4.0, 5.0, 5.0]
    >>> s.next_interval(changed=True)
    1.0
    """

    initial: float = 0.5
    factor: float = 1.5
    maximum: float = 5.0
    timeout: float | None = None
    _current: float = field(default=0.0, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.initial <= 0 or self.maximum < self.initial or self.factor < 1:
            raise ValueError(
                "poll intervals must satisfy 0 < initial <= maximum and factor >= 1, got "
                f"initial={self.initial}, maximum={self.maximum}, factor={self.factor}."
            )
        self._current = self.initial

    def next_interval(self, *, changed: bool) -> float:
        """The pause before the next status call."""
        if changed:
            self._current = self.initial
        else:
            self._current = min(self.maximum, self._current * self.factor)
        return self._current


class ReadObserver(Protocol):
    """Receives the progress of a read (a progress display implements this)."""

    def on_status(self, status: ReadRequestStatus) -> None:
        """A status answer arrived."""

    def on_page(self, page_no: int, size: int) -> None:
        """Page ``page_no`` (``size`` bytes) was handed on, in order."""

    def on_rows(self, rows: int) -> None:
        """``rows`` more rows were parsed."""


class _NoObserver:
    def on_status(self, status: ReadRequestStatus) -> None:
        pass

    def on_page(self, page_no: int, size: int) -> None:
        pass

    def on_rows(self, rows: int) -> None:
        pass


class ReadRequest:
    """A handle on one large read request of a view or list.

    Use it as a context manager: leaving the ``with`` block deletes the request on the
    server (on success, on error and on Ctrl-C) unless ``keep=True``.

    Examples
    --------
    >>> from anaplan_pandas import connect, Target
    >>> from anaplan_pandas.simulator import Simulator, WORKSPACE_ID, MODEL_ID
    >>> sim = Simulator(revenue_rows=2880).start()  # a local Anaplan on 127.0.0.1
    >>> transport = connect(sim.credentials, sim.api_url, sim.auth_url)
    >>> target = Target.of("view", WORKSPACE_ID, MODEL_ID, 102000000002)
    >>> with ReadRequest.start(transport, target) as request:
    ...     pages = [page_no for page_no, csv_bytes in request.iter_pages()]
    >>> pages, request.deleted
    ([0], True)
    >>> sim.stop()
    """

    def __init__(
        self,
        transport: Transport,
        target: Target,
        request_id: str,
        *,
        keep: bool = False,
        export_type: str = "TABULAR_MULTI_COLUMN",
        cancel_event: threading.Event | None = None,
    ) -> None:
        self.transport = transport
        self.target = target
        self.request_id = request_id
        self.keep = keep
        self.export_type = export_type
        self.deleted = False
        self.last_status: ReadRequestStatus | None = None
        self._lock = threading.Lock()
        self._cancel = cancel_event or threading.Event()

    def __repr__(self) -> str:
        return f"ReadRequest({self.request_id!r}, {self.target.describe()})"

    @classmethod
    def start(
        cls,
        transport: Transport,
        target: Target,
        export_type: str = "TABULAR_MULTI_COLUMN",
        *,
        keep: bool = False,
        cancel_event: threading.Event | None = None,
    ) -> ReadRequest:
        """Start a read request (``POST …/readRequests``) and return its handle.

        Setting ``cancel_event`` (from any thread) stops a read in progress, as
        :meth:`cancel` does.
        """
        if target.kind == "view":
            if export_type not in EXPORT_TYPES:
                raise ValueError(
                    f"export_type must be one of {', '.join(EXPORT_TYPES)}, got {export_type!r}."
                )
            payload: dict[str, Any] | None = {"exportType": export_type}
        else:
            payload = {}
        response = transport.request(
            "POST", f"{target.path}/readRequests", target.describe(), json=payload
        )
        status = ReadRequestStatus.from_body(transport.json_of(response, target.describe()), target)
        request = cls(transport, target, status.request_id, keep=keep, export_type=export_type,
                      cancel_event=cancel_event)
        request.last_status = status
        log.info("started read request %s for %s", status.request_id, target.describe())
        return request

    @property
    def path(self) -> str:
        """The API path of this request."""
        return f"{self.target.path}/readRequests/{self.request_id}"

    def cancel(self) -> None:
        """Stop a read in progress (from any thread): it ends with ReadRequestCancelledError.

        The request is deleted on the way out, unless it is kept (``keep=True``).
        """
        self._cancel.set()

    def _repr_html_(self) -> str:
        status = self.last_status
        rows = [
            ("Request", self.request_id),
            ("Object", self.target.describe()),
            ("State", "deleted" if self.deleted else status.state if status else "unknown"),
            ("Pages available", str(status.available_pages) if status else "–"),
        ]
        cells = "".join(f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
                        f"<td style='text-align:left'>{html.escape(v)}</td></tr>"
                        for k, v in rows)
        return f"<table><caption>Anaplan read request</caption>{cells}</table>"

    def describe(self) -> str:
        """A phrase naming the request and its object for messages."""
        return f"read request {self.request_id} of {self.target.describe()}"

    def status(self) -> ReadRequestStatus:
        """Ask the server for the current status."""
        body = self.transport.get_json(self.path, self.describe())
        status = ReadRequestStatus.from_body(body, self.target)
        self.last_status = status
        return status

    def page(self, page_no: int) -> bytes:
        """Download one page (0-based) as the raw CSV bytes the server sent."""
        response = self.transport.request(
            "GET", f"{self.path}/pages/{page_no}", f"page {page_no} of {self.describe()}",
            accept="text/csv",
            headers={"Accept-Encoding": self.transport.page_encoding},
        )
        return response.content

    def delete(self) -> ReadRequestStatus | None:
        """Delete the request on the server; a request already gone is not an error."""
        with self._lock:
            if self.deleted:
                return None
            try:
                response = self.transport.request("DELETE", self.path, self.describe())
            except NotFoundError:
                self.deleted = True
                return None
            self.deleted = True
        log.info("deleted %s", self.describe())
        body = self.transport.json_of(response, self.describe())
        try:
            return ReadRequestStatus.from_body(body, self.target)
        except UnexpectedResponseError:
            return None

    def __enter__(self) -> ReadRequest:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self.keep:
            log.info("kept %s as asked", self.describe())
            return
        try:
            self.delete()
        except Exception as error:  # the caller's own error must not be masked
            warnings.warn(
                f"Could not delete {self.describe()} ({error}); it expires by itself after "
                f"30 minutes, or delete it with: anaplan-pandas delete {self.target.kind} "
                f"{self.target.workspace_id} {self.target.model_id} {self.target.object_id} "
                f"{self.request_id}",
                RuntimeWarning,
                stacklevel=2,
            )

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
        the consumer.
        """
        if max_workers < 1:
            raise ValueError(f"max_workers must be at least 1, got {max_workers}.")
        schedule = schedule or PollSchedule()
        observer = observer or _NoObserver()
        deadline = None if schedule.timeout is None else time.monotonic() + schedule.timeout
        window = 2 * max_workers
        pending: dict[int, Future[bytes]] = {}
        next_submit = next_yield = 0
        pool = ThreadPoolExecutor(max_workers, thread_name_prefix="anaplan-page")
        try:
            status = self.status()
            observer.on_status(status)
            next_poll = time.monotonic() + schedule.initial
            while True:
                self._raise_if_ended(status)
                if self._cancel.is_set():
                    raise self._ended_error(
                        ReadRequestCancelledError,
                        f"You cancelled read request {self.request_id} of "
                        f"{self.target.describe()}.",
                        "Start a new read when you want the data.",
                    )
                while next_submit < status.available_pages and next_submit - next_yield < window:
                    pending[next_submit] = pool.submit(self.page, next_submit)
                    next_submit += 1
                if status.is_complete and next_yield >= status.available_pages:
                    return
                now = time.monotonic()
                if not status.is_complete and now >= next_poll:
                    if deadline is not None and now > deadline:
                        raise self._timeout_error(schedule.timeout or 0.0, status)
                    new = self.status()
                    changed = new != status
                    status = new
                    observer.on_status(status)
                    next_poll = time.monotonic() + schedule.next_interval(changed=changed)
                    continue
                ready = pending.get(next_yield)
                if ready is not None and ready.done():
                    data = pending.pop(next_yield).result()
                    observer.on_page(next_yield, len(data))
                    yield next_yield, data
                    next_yield += 1
                    continue
                # Wake at least every CANCEL_CHECK seconds to notice a cancel().
                until_poll = CANCEL_CHECK if status.is_complete else max(0.0, next_poll - now)
                pause = min(until_poll, CANCEL_CHECK)
                if ready is not None:
                    wait([ready], timeout=pause)
                else:
                    self._cancel.wait(pause)
        finally:
            for future in pending.values():
                future.cancel()
            pool.shutdown(wait=False, cancel_futures=True)

    def column_plan(self) -> ColumnPlan:
        """Which columns hold item names and which types are known, from the metadata."""
        if self.target.kind == "view":
            return view_column_plan(self.transport, self.target, self.export_type)
        return list_column_plan(self.transport, self.target)

    def iter_tables(
        self,
        *,
        plan: ColumnPlan | None = None,
        categorical: bool = True,
        schedule: PollSchedule | None = None,
        max_workers: int = 4,
        observer: ReadObserver | None = None,
    ) -> Iterator[pa.Table]:
        """Yield the rows of each page as an Arrow table, in order, as pages arrive.

        Column types are fixed from the first page; a column of unknown type that is blank
        or looks numeric there stays text (only :meth:`to_table` and :meth:`to_frame`, which
        see all the data, turn it into numbers). An empty view
        yields one empty table with its columns. ``plan`` defaults to :meth:`column_plan`.
        """
        parser = CsvPageParser(plan or self.column_plan(), categorical=categorical)
        yield from self._tables(parser, schedule, max_workers, observer or _NoObserver())

    def iter_frames(
        self, *, dtype_backend: DtypeBackend | None = None, **options: Any
    ) -> Iterator[pd.DataFrame]:
        """Yield one DataFrame per page as pages arrive; options as :meth:`iter_tables`."""
        for table in self.iter_tables(**options):
            yield to_frame(table, dtype_backend=dtype_backend)

    def to_table(
        self,
        *,
        plan: ColumnPlan | None = None,
        categorical: bool = True,
        schedule: PollSchedule | None = None,
        max_workers: int = 4,
        observer: ReadObserver | None = None,
    ) -> pa.Table:
        """Read every page and return one Arrow table (concatenated, not copied)."""
        parser, tables = self._collect(plan, categorical, schedule, max_workers, observer)
        return parser.table(tables)

    def to_frame(
        self,
        *,
        plan: ColumnPlan | None = None,
        categorical: bool = True,
        schedule: PollSchedule | None = None,
        max_workers: int = 4,
        observer: ReadObserver | None = None,
        dtype_backend: DtypeBackend | None = None,
    ) -> pd.DataFrame:
        """Read every page and return one DataFrame; options as :meth:`to_table`.

        The DataFrame is built column by column from the pages' tables, freeing each
        column's Arrow memory as it goes, which keeps the peak low.
        """
        parser, tables = self._collect(plan, categorical, schedule, max_workers, observer)
        return parser.frame(tables, dtype_backend)

    def _collect(
        self,
        plan: ColumnPlan | None,
        categorical: bool,
        schedule: PollSchedule | None,
        max_workers: int,
        observer: ReadObserver | None,
    ) -> tuple[CsvPageParser, list[pa.Table]]:
        """The parser that read every page, and every page's table."""
        parser = CsvPageParser(plan or self.column_plan(), categorical=categorical)
        tables = list(self._tables(parser, schedule, max_workers, observer or _NoObserver()))
        return parser, tables

    def _tables(
        self,
        parser: CsvPageParser,
        schedule: PollSchedule | None,
        max_workers: int,
        observer: ReadObserver,
    ) -> Iterator[pa.Table]:
        pages = self.iter_pages(schedule=schedule, max_workers=max_workers, observer=observer)
        empty = True
        try:
            for table in parser.tables(pages):
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

    def _raise_if_ended(self, status: ReadRequestStatus) -> None:
        if status.is_failed:
            raise self._ended_error(
                ExportFailedError,
                f"Anaplan could not export {self.target.describe()}: read request "
                f"{self.request_id} finished with successful=false after "
                f"{status.available_pages} pages.",
                "Start a new read; read_view(..., retries=2) deletes and restarts by itself.",
            )
        if status.is_cancelled:
            raise self._ended_error(
                ReadRequestCancelledError,
                f"Read request {self.request_id} of {self.target.describe()} was cancelled on "
                f"the server (state {status.state}), so its data will not arrive.",
                "Start a new read if you still need the data.",
            )

    def _timeout_error(self, timeout: float, status: ReadRequestStatus) -> ReadRequestError:
        return self._ended_error(
            ReadRequestTimeoutError,
            f"Read request {self.request_id} of {self.target.describe()} was still "
            f"{status.state} with {status.available_pages} pages ready after the "
            f"timeout of {timeout:g} seconds.",
            "Allow more time with timeout=, or read when the model is less busy.",
        )

    def _ended_error(
        self, kind: type[ReadRequestError], what: str, advice: str
    ) -> ReadRequestError:
        if not self.keep:
            try:
                self.delete()
            except Exception as error:
                log.warning("could not delete %s: %s", self.describe(), error)
        if self.deleted:
            cleanup = "The request has been deleted on the server."
        else:
            cleanup = (
                f"The request was kept on the server; delete it before starting a new one: "
                f"ReadRequest.delete(), or anaplan-pandas delete {self.target.kind} "
                f"{self.target.workspace_id} {self.target.model_id} {self.target.object_id} "
                f"{self.request_id}."
            )
        return kind(
            f"{what} {cleanup} {advice}",
            request_id=self.request_id,
            target=self.target,
            deleted=self.deleted,
        )
