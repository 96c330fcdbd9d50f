"""The lifecycle of one large read request: start (or attach), status, pages, delete.

A :class:`ReadRequest` is a source (:mod:`anaplan_pandas.run.source`): the runner polls it,
downloads every page that ``availablePages`` announces (also while the export still runs)
and deletes it at the end. ``COMPLETE`` with ``successful: false`` raises
:class:`~anaplan_pandas.exceptions.ExportFailedError`; ``CANCELLED`` and ``CANCELLING``
raise :class:`~anaplan_pandas.exceptions.ReadRequestCancelledError`; a page the server
declared but does not serve raises :class:`~anaplan_pandas.exceptions.IncompleteReadError`.
Every one of them deletes the request first (unless it is kept).
"""

from __future__ import annotations

import html
import logging
import threading
import warnings
from collections.abc import Callable
from typing import Any

import requests

from anaplan_pandas.catalog.catalog import Catalog
from anaplan_pandas.catalog.targets import Target, check_request_id
from anaplan_pandas.exceptions import (
    AnaplanError,
    ExportFailedError,
    IncompleteReadError,
    NotFoundError,
    ReadRequestCancelledError,
    ReadRequestError,
    ReadRequestTimeoutError,
    UnexpectedResponseError,
)
from anaplan_pandas.http.bodies import BrokenBodyError, gunzip
from anaplan_pandas.http.deadline import Deadline, cleanup_deadline, deadline_scope
from anaplan_pandas.http.transport import Transport
from anaplan_pandas.parse.frames import ColumnPlan
from anaplan_pandas.run.source import PartStatus
from anaplan_pandas.run.stream import PageStream
from anaplan_pandas.sources.request_status import ReadRequestStatus, check_export_type

log = logging.getLogger("anaplan_pandas")

#: Media types a page may be sent as (a page whose ``Content-Type`` is another is broken).
CSV_TYPES = frozenset({"text/csv", "application/csv", "text/comma-separated-values",
                       "application/octet-stream", "application/gzip", "application/x-gzip"})
_GZIP_MAGIC = b"\x1f\x8b"


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
        #: Where the metadata comes from: the connection's catalog (cached), or a new one.
        self.catalog: Catalog = getattr(transport, "catalog", None) or Catalog(self.transport)
        self.target = target
        self.request_id = check_request_id(request_id)
        self.keep = keep
        self.export_type = export_type
        self.deleted = False
        self.last_status: ReadRequestStatus | None = None
        self._lock = threading.Lock()
        self.cancel_event = cancel_event or threading.Event()

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
        http: Transport = getattr(transport, "transport", transport)  # or a Connection
        response = http.request(
            "POST", f"{target.path}/readRequests", target.describe(), json=payload
        )
        status = ReadRequestStatus.from_body(http.json_of(response, target.describe()), target)
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
        self.cancel_event.set()

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
        (:func:`~anaplan_pandas.http.deadline.cleanup_deadline`), so that a read that ran out
        of time can still clean up.
        """
        self.stop_downloads()
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

    noun = "read request"
    unit = "page"

    def poll(self) -> PartStatus:
        """One status call; a failed, cancelled or undocumented request raises (deleted)."""
        status = self.status()
        self._raise_if_ended(status)
        return PartStatus(status.available_pages, status.is_complete, status)

    def part(self, part_no: int, *, stop: threading.Event | None = None) -> bytes:
        """Download page ``part_no`` (an empty body only as the sole page of a finished one)."""
        return self.page(part_no, may_be_empty=self._may_be_empty(part_no), stop=stop)

    def cleanup(self) -> None:
        """Delete the request unless it is kept; a failed DELETE is logged, not raised."""
        if self.keep:
            return
        try:
            self.delete()
        except Exception as error:
            log.warning("could not delete %s: %s", self.describe(), error)

    def _may_be_empty(self, page_no: int) -> Callable[[], bool]:
        """Whether an empty body is a real page: only the sole page of a finished export."""
        def judge() -> bool:
            status = self.last_status
            return (page_no == 0 and status is not None and status.is_complete
                    and status.available_pages == 1)
        return judge

    def gone_error(self) -> ReadRequestCancelledError:
        """The request vanished while it was read: deleted by someone else, or expired."""
        self.deleted = True  # nothing left to delete
        return ReadRequestCancelledError(
            f"Read request {self.request_id} of {self.target.describe()} no longer exists: "
            "someone deleted it while it was being read, or it expired after 30 minutes "
            "without a page being read. Start a new read.",
            request_id=self.request_id, target=self.target, deleted=True,
        )

    def cancelled_error(self) -> AnaplanError:
        """You cancelled the read (from any thread)."""
        return self._ended_error(
            ReadRequestCancelledError,
            f"You cancelled read request {self.request_id} of {self.target.describe()}.",
            "Start a new read when you want the data.",
        )

    def incomplete_error(self, what: str) -> AnaplanError:
        """The pages do not add up: ``what`` says how."""
        return self._ended_error(
            IncompleteReadError,
            f"Read request {self.request_id} of {self.target.describe()} {what}.",
            "Start a new read; if it happens again, the service is not delivering the data "
            "whole.",
        )

    def refetcher(self) -> Callable[[int], bytes] | None:
        """Pages that do not fit the data are downloaded again (by the running read)."""
        run = self._run
        return None if run is None else run.refetch

    def column_plan(self) -> ColumnPlan:
        """Which columns hold item names and which types are known, from the metadata."""
        if self.target.kind == "view":
            return self.catalog.view_plan(self.target, self.export_type)
        return self.catalog.list_plan(self.target)

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

    def timeout_error(self, deadline: Deadline, status: PartStatus | None) -> ReadRequestError:
        """The read's deadline passed (the request is deleted first)."""
        status = status.status if status is not None else self.last_status
        where = (f"still {status.state} with {status.available_pages} pages ready"
                 if status is not None else "not answering")
        return self._ended_error(
            ReadRequestTimeoutError,
            f"Read request {self.request_id} of {self.target.describe()} was {where} when "
            f"the timeout of {deadline.timeout or 0:g} seconds passed.",
            "Allow more time with timeout=, or read when the model is less busy.",
        )

    def _ended_error(self, kind: type[AnaplanError], what: str, advice: str) -> AnaplanError:
        self.cleanup()
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
