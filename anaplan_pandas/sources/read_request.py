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
from collections.abc import Callable, Iterator
from concurrent.futures import Future, wait
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, TypeVar

import requests

from anaplan_pandas.catalog.metadata import list_column_plan, view_column_plan
from anaplan_pandas.catalog.targets import Target, check_request_id
from anaplan_pandas.exceptions import (
    AnaplanError,
    AnaplanTimeoutError,
    ExportFailedError,
    NotFoundError,
    ReadRequestCancelledError,
    ReadRequestError,
    ReadRequestTimeoutError,
    UnexpectedResponseError,
)
from anaplan_pandas.http.retry import Deadline, cleanup_deadline, current_deadline, deadline_scope
from anaplan_pandas.http.transport import BrokenBodyError, Transport, gunzip
from anaplan_pandas.parse.frames import ColumnPlan
from anaplan_pandas.parse.workers import DaemonPool
from anaplan_pandas.sources.page_stream import NoObserver, PageStream, ReadObserver

log = logging.getLogger("anaplan_pandas")

T = TypeVar("T")

#: Longest pause, in seconds, before a read notices :meth:`ReadRequest.cancel`.
CANCEL_CHECK = 0.2
#: Seconds a finished read waits for page downloads still in flight before its DELETE.
DOWNLOAD_GRACE = 1.0
#: Media types a page may be sent as (a page whose ``Content-Type`` is another is broken).
CSV_TYPES = frozenset({"text/csv", "application/csv", "text/comma-separated-values",
                       "application/octet-stream", "application/gzip", "application/x-gzip"})
_GZIP_MAGIC = b"\x1f\x8b"

EXPORT_TYPES = (
    "TABULAR_MULTI_COLUMN",
    "TABULAR_SINGLE_COLUMN",
    "GRID_ALL_PAGES",
    "GRID_CURRENT_PAGE",
)


def check_export_type(export_type: object) -> str:
    """Return ``export_type`` if read requests offer it.

    Examples
    --------
    >>> check_export_type("TABULAR_SINGLE_COLUMN")
    'TABULAR_SINGLE_COLUMN'
    """
    if export_type not in EXPORT_TYPES or not isinstance(export_type, str):
        raise ValueError(
            f"export_type must be one of {', '.join(EXPORT_TYPES)}, got {export_type!r}."
        )
    return export_type


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

    @property
    def is_known(self) -> bool:
        """Whether ``state`` is one of the documented states."""
        return self.state in RequestState.__members__

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
            check_request_id(request_id, "requestId")
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

    def deadline(self) -> Deadline:
        """The deadline of a wait on this schedule: the caller's, or ``timeout`` if sooner."""
        deadline = current_deadline()
        if self.timeout is not None:
            own = Deadline.after(self.timeout)
            if deadline.at is None or (own.at or 0) < deadline.at:
                return own
        return deadline

    def next_interval(self, *, changed: bool) -> float:
        """The pause before the next status call."""
        if changed:
            self._current = self.initial
        else:
            self._current = min(self.maximum, self._current * self.factor)
        return self._current


class ReadRequest(PageStream):
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
        self.transport: Transport = getattr(transport, "transport", transport)  # or a Connection
        self.target = target
        self.request_id = check_request_id(request_id)
        self.keep = keep
        self.export_type = export_type
        self.deleted = False
        self.last_status: ReadRequestStatus | None = None
        self._downloads: tuple[DaemonPool, threading.Event] | None = None
        self._deadline = Deadline()
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
            payload: dict[str, Any] | None = {"exportType": check_export_type(export_type)}
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

    @classmethod
    def attach(
        cls,
        transport: Transport,
        target: Target,
        request_id: str,
        export_type: str = "TABULAR_MULTI_COLUMN",
        *,
        keep: bool = False,
        cancel_event: threading.Event | None = None,
    ) -> ReadRequest:
        """The handle of an existing read request, checked to exist (its status is asked).

        For a request left running by a restarted kernel or a crashed script: its pages are
        read as if this process had started it.
        """
        request = cls(transport, target, request_id, keep=keep, export_type=export_type,
                      cancel_event=cancel_event)
        try:
            request.status()
        except NotFoundError as error:
            if error.status_code != 404:
                raise  # 403: no access; the error says so
        else:
            log.info("attached to read request %s of %s", request_id, target.describe())
            return request
        raise NotFoundError(
            f"There is no read request {request_id} for {target.describe()}: it was "
            "deleted, it expired after 30 minutes without a page being read, or it "
            "belongs to another view or list. Read again without request_id= to start a "
            "new one.",
            status_code=404,
        )

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

    def page(
        self,
        page_no: int,
        *,
        may_be_empty: bool | Callable[[], bool] = False,
        stop: threading.Event | None = None,
    ) -> bytes:
        """Download one page (0-based) and return its CSV bytes, decompressed.

        A page answered 200 whose body is not a page (empty unless ``may_be_empty``, of a
        media type other than CSV, or a gzip stream that stops early) is fetched again like
        a body cut off midway; if it stays broken the read fails naming the page.
        """
        def check(response: requests.Response) -> None:
            media = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
            if media and media not in CSV_TYPES:
                raise BrokenBodyError(f"a {media} body instead of CSV")
            body = response.content
            if body.startswith(_GZIP_MAGIC):  # gzip without Content-Encoding
                body = response._content = gunzip(body)
            if not body and not (may_be_empty() if callable(may_be_empty) else may_be_empty):
                raise BrokenBodyError("an empty body")

        response = self.transport.request(
            "GET", f"{self.path}/pages/{page_no}", f"page {page_no} of {self.describe()}",
            accept="text/csv",
            headers={"Accept-Encoding": self.transport.page_encoding},
            check=check,
            stop=stop,
        )
        return response.content

    def delete(self) -> ReadRequestStatus | None:
        """Delete the request on the server; a request already gone (404) is not an error.

        The call gets a short deadline of its own
        (:func:`~anaplan_pandas.http.retry.cleanup_deadline`), so that a read that ran out of time
        can still clean up.
        """
        self._stop_downloads()
        with self._lock:
            if self.deleted:
                return None
            with deadline_scope(cleanup_deadline()):
                try:
                    response = self.transport.request("DELETE", self.path, self.describe())
                except NotFoundError as error:
                    if error.status_code != 404:
                        raise
                    response = None
            self.deleted = True
        if response is None:
            log.info("%s was already gone", self.describe())
            return None
        log.info("deleted %s", self.describe())
        if not response.content:  # 204, or 200 without a body: deleted all the same
            return None
        try:
            return ReadRequestStatus.from_body(
                self.transport.json_of(response, self.describe()), self.target)
        except UnexpectedResponseError:
            return None

    def delete_command(self) -> str:
        """The command that deletes this request, for messages."""
        return (f"anaplan-pandas delete {self.target.kind} {self.target.workspace_id} "
                f"{self.target.model_id} {self.target.object_id} {self.request_id}")

    def __enter__(self) -> ReadRequest:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if self.keep:
            log.info("kept %s as asked", self.describe())
            return
        try:
            self.delete()
        except Exception as error:  # the caller's own error must not be masked
            left = (f"Read request {self.request_id} was NOT deleted ({error}); it expires by "
                    f"itself after 30 minutes idle, or delete it with: {self.delete_command()}")
            if isinstance(exc, AnaplanError):
                exc.append(left)
            else:
                warnings.warn(left, RuntimeWarning, stacklevel=2)

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
        the consumer. Every call runs within ``schedule.timeout`` (and within the deadline
        of the read that called this, if it ends earlier). When the iteration ends, for any
        reason, the downloads still in flight are stopped before anything else happens.
        """
        if max_workers < 1:
            raise ValueError(f"max_workers must be at least 1, got {max_workers}.")
        schedule = schedule or PollSchedule()
        observer = observer or NoObserver()
        deadline = schedule.deadline()
        window = 2 * max_workers
        pending: dict[int, Future[bytes]] = {}
        next_submit = next_yield = 0
        stop = threading.Event()
        pool = DaemonPool(max_workers, "anaplan-page")
        self._downloads = (pool, stop)
        self._deadline = deadline
        try:
            status = self._poll(deadline)
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
                with deadline_scope(deadline):  # the downloads inherit the deadline
                    while (next_submit < status.available_pages
                           and next_submit - next_yield < window):
                        pending[next_submit] = pool.submit(
                            self.page, next_submit, may_be_empty=self._may_be_empty(next_submit),
                            stop=stop)
                        next_submit += 1
                if status.is_complete and next_yield >= status.available_pages:
                    return
                now = time.monotonic()
                if not status.is_complete and now >= next_poll:
                    if deadline.passed:
                        raise self._timeout_error(deadline, status)
                    new = self._poll(deadline)
                    changed = new != status
                    status = new
                    observer.on_status(status)
                    next_poll = time.monotonic() + schedule.next_interval(changed=changed)
                    continue
                ready = pending.get(next_yield)
                if ready is not None and ready.done():
                    data = self._result(pending.pop(next_yield), deadline, status)
                    observer.on_page(next_yield, len(data))
                    yield next_yield, data
                    next_yield += 1
                    continue
                # Wake at least every CANCEL_CHECK seconds to notice a cancel().
                until_poll = CANCEL_CHECK if status.is_complete else max(0.0, next_poll - now)
                pause = min(until_poll, CANCEL_CHECK, deadline.bound(CANCEL_CHECK))
                if ready is not None:
                    wait([ready], timeout=pause)
                else:
                    self._cancel.wait(pause)
        finally:
            self._stop_downloads()

    def _refetch(self, page_no: int) -> bytes:
        """Download a page again (it did not fit the data), within the read's deadline."""
        log.info("page %d of %s does not fit the data; downloading it again", page_no,
                 self.describe())
        with deadline_scope(self._deadline):
            return self.page(page_no, may_be_empty=self._may_be_empty(page_no))

    def _may_be_empty(self, page_no: int) -> Callable[[], bool]:
        """Whether an empty body is a real page: only the sole page of a finished export."""
        def judge() -> bool:
            status = self.last_status
            return (page_no == 0 and status is not None and status.is_complete
                    and status.available_pages == 1)
        return judge

    def _stop_downloads(self) -> None:
        """Stop the page downloads of a running iteration (before a DELETE, or at its end)."""
        downloads, self._downloads = self._downloads, None
        if downloads is not None:
            pool, stop = downloads
            stop.set()
            pool.shutdown(wait=DOWNLOAD_GRACE)

    def _poll(self, deadline: Deadline) -> ReadRequestStatus:
        """One status call within ``deadline`` (see :meth:`_or_read_error`)."""
        with deadline_scope(deadline):
            return self._or_read_error(self.status, deadline, lambda: self.last_status)

    def _result(
        self, future: Future[bytes], deadline: Deadline, status: ReadRequestStatus
    ) -> bytes:
        """A page download's bytes (see :meth:`_or_read_error`)."""
        return self._or_read_error(future.result, deadline, lambda: status)

    def _or_read_error(
        self,
        call: Callable[[], T],
        deadline: Deadline,
        status: Callable[[], ReadRequestStatus | None],
    ) -> T:
        """``call()``; a passed deadline, or a request that is gone (404), is a read error."""
        try:
            return call()
        except AnaplanTimeoutError:
            gone = False
        except NotFoundError as error:
            if error.status_code != 404:
                raise
            gone = True
        raise self._gone_error() if gone else self._timeout_error(deadline, status())

    def _gone_error(self) -> ReadRequestCancelledError:
        """The request vanished while it was read: deleted by someone else, or expired."""
        self.deleted = True  # nothing left to delete
        return ReadRequestCancelledError(
            f"Read request {self.request_id} of {self.target.describe()} no longer exists: "
            "someone deleted it while it was being read, or it expired after 30 minutes "
            "without a page being read. Start a new read.",
            request_id=self.request_id, target=self.target, deleted=True,
        )

    def column_plan(self) -> ColumnPlan:
        """Which columns hold item names and which types are known, from the metadata."""
        if self.target.kind == "view":
            return view_column_plan(self.transport, self.target, self.export_type)
        return list_column_plan(self.transport, self.target)

    def refetcher(self) -> Callable[[int], bytes]:
        """Pages that do not fit the data are downloaded again."""
        return self._refetch

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
        if not status.is_known:
            raise self._ended_error(
                UnexpectedResponseError,
                f"Read request {self.request_id} of {self.target.describe()} is in the state "
                f"{status.state!r}, which Anaplan does not document (NOT_STARTED, IN_PROGRESS, "
                "COMPLETE, CANCELLING, CANCELLED), so its data cannot be trusted.",
                "Start a new read; report the state if it comes back.",
            )

    def _timeout_error(
        self, deadline: Deadline, status: ReadRequestStatus | None
    ) -> ReadRequestError:
        where = (f"still {status.state} with {status.available_pages} pages ready"
                 if status is not None else "not answering")
        return self._ended_error(
            ReadRequestTimeoutError,
            f"Read request {self.request_id} of {self.target.describe()} was {where} when "
            f"the timeout of {deadline.timeout or 0:g} seconds passed.",
            "Allow more time with timeout=, or read when the model is less busy.",
        )

    def _ended_error(self, kind: type[AnaplanError], what: str, advice: str) -> AnaplanError:
        if not self.keep:
            try:
                self.delete()
            except Exception as error:
                log.warning("could not delete %s: %s", self.describe(), error)
        if self.deleted:
            cleanup = "The request has been deleted on the server."
        else:
            cleanup = (
                f"The request was NOT deleted; it expires after 30 minutes idle, or delete it "
                f"before starting a new one: ReadRequest.delete(), or {self.delete_command()}."
            )
        message = f"{what} {cleanup} {advice}"
        if issubclass(kind, ReadRequestError):
            return kind(message, request_id=self.request_id, target=self.target,
                        deleted=self.deleted)
        return kind(message)
