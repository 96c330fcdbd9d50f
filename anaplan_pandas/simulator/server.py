"""A local Anaplan: a threaded HTTP server on 127.0.0.1 that behaves as the docs describe.

It implements the Authentication API (authenticate, refresh, validate, logout), the
listings that find the sample model, view and list metadata, and the four calls of view
and list large read requests, and bulk export actions (tasks, files and chunks; see
:mod:`~anaplan_pandas.simulator.bulk_exports`), with the documented envelopes and error
bodies. Read requests progress over time (``availablePages`` grows), pages can be
fetched while ``IN_PROGRESS``, a DELETE frees a request (404 afterwards) and an idle
request expires after 30 minutes.

Knobs (:class:`Faults`, :class:`~anaplan_pandas.simulator.exports.PageLayout`) inject what a
real tenant does on a bad day: failure after k pages, cancellation, 429 with
``Retry-After``, 503, slow or cut-off pages, a bandwidth limit, short-lived tokens.
Everything that happens is recorded (:attr:`Simulator.calls`, :attr:`Simulator.page_fetches`)
so tests can check what a client really did.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import json
import random
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from anaplan_pandas.simulator.auth_routes import AuthRoutes
from anaplan_pandas.simulator.bulk_exports import BulkExportRoutes, BulkExports
from anaplan_pandas.simulator.catalog import CatalogRoutes
from anaplan_pandas.simulator.exports import ExportPages, PageLayout, single_column
from anaplan_pandas.simulator.faults import Faults, broken_page
from anaplan_pandas.simulator.grid import across_columns, grid_csv
from anaplan_pandas.simulator.sample_model import (
    MODEL_ID,
    REVENUE_VIEW_ID,
    WORKSPACE_ID,
    SampleModel,
    SampleView,
)

CANCELLING_SECONDS = 0.3
DEMO_OAUTH_CLIENT = "5f2c0e1a9b7d4c3e8a6f1b2d3c4e5f60"
DEFAULT_USERS = {"analyst@example.com": "correct horse battery staple"}


@dataclass
class ReadRequestRecord:
    """The simulator's state of one read request."""

    request_id: str
    kind: str
    object_id: str
    workspace_id: str
    export: ExportPages
    faults: Faults
    fails: bool
    created: float = field(default_factory=time.monotonic)
    created_wall: float = field(default_factory=time.time)
    last_activity: float = field(default_factory=time.monotonic)
    deleted_state: str | None = None

    def produced_pages(self, now: float) -> int:
        """Pages the export has produced by ``now``."""
        running_since = self.created + self.faults.not_started_seconds
        if now < running_since:
            return 0
        if self.faults.pages_per_second is None:
            return self.export.count
        produced = int((now - running_since) * self.faults.pages_per_second)
        return min(self.export.count, produced)

    def complete_at(self) -> float | None:
        """Wall-clock time at which the last page exists (``None`` if it never will)."""
        if self.fails and self.faults.fail_after_pages is not None:
            return None
        rate = self.faults.pages_per_second
        produce = self.export.count / rate if rate else 0.0
        return self.created_wall + self.faults.not_started_seconds + produce

    def status(self, now: float) -> tuple[str, int, bool]:
        """``(requestState, availablePages, successful)`` at ``now``."""
        if self.deleted_state is not None:
            return self.deleted_state, 0, True
        produced = self.produced_pages(now)
        running_since = self.created + self.faults.not_started_seconds
        cancel_at = self.faults.cancel_after_pages
        if cancel_at is not None and produced >= cancel_at:
            # The server takes a moment to wind down: CANCELLING first, then CANCELLED.
            rate = self.faults.pages_per_second
            cancelled_at = running_since + (cancel_at / rate if rate else 0.0)
            state = "CANCELLING" if now < cancelled_at + CANCELLING_SECONDS else "CANCELLED"
            return state, cancel_at, True
        fail_at = self.faults.fail_after_pages
        if self.fails and fail_at is not None and produced >= min(fail_at, self.export.count):
            return "COMPLETE", min(fail_at, self.export.count), False
        if now < self.created + self.faults.not_started_seconds:
            return "NOT_STARTED", 0, False
        if produced >= self.export.count:
            return "COMPLETE", self.export.count, True
        return "IN_PROGRESS", produced, False


@dataclass(frozen=True)
class Call:
    """One HTTP call the simulator answered."""

    method: str
    path: str
    status: int
    headers: dict[str, str]


@dataclass(frozen=True)
class PageFetch:
    """One page download: which page, and the request's state when it was served."""

    request_id: str
    page_no: int
    state: str
    encoding: str


class Simulator:
    """A local Anaplan on 127.0.0.1, started in a background thread.

    Examples
    --------
    >>> from anaplan_pandas.simulator import Simulator
    >>> with Simulator(revenue_rows=2880) as sim:
    ...     sim.api_url.startswith("http://127.0.0.1:")
    True
    """

    def __init__(
        self,
        *,
        revenue_rows: int = 1_008_000,
        customers: int = 20_000,
        layout: PageLayout | None = None,
        faults: Faults | None = None,
        users: dict[str, str] | None = None,
        port: int = 0,
        model: SampleModel | None = None,
    ) -> None:
        self.model = model or SampleModel.build(revenue_rows=revenue_rows, customers=customers)
        self.layout = layout or PageLayout()
        self.faults = faults or Faults()
        self.users = dict(users or DEFAULT_USERS)
        self.requests: dict[str, ReadRequestRecord] = {}
        self.calls: list[Call] = []
        self.page_fetches: list[PageFetch] = []
        self.failed_exports = 0
        self.completed_requests: dict[str, float | None] = {}
        self.trusted_authorities: list[Any] = []
        self.oauth_clients: set[str] = {DEMO_OAUTH_CLIENT}
        self.device_grants: dict[str, dict[str, Any]] = {}
        self.refresh_tokens: dict[str, str] = {}
        self.max_concurrent_pages = 0
        self._pages_in_flight = 0
        self._tokens: dict[str, float] = {}
        self._exports: dict[tuple[Any, ...], ExportPages] = {}
        self._broken_in_a_row: dict[tuple[str, int], int] = {}
        self._lock = threading.RLock()
        self._rng = random.Random(self.faults.seed)
        self.stopping = threading.Event()
        self.bulk = BulkExports(self)
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.simulator = self
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``: the Authentication API base (``auth_url``)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        """The Integration API base (``api_url``)."""
        return f"{self.base_url}/2/0"

    @property
    def auth_url(self) -> str:
        """The Authentication API base (``auth_url``)."""
        return self.base_url

    @property
    def credentials(self) -> tuple[str, str]:
        """A user name and password the simulator accepts."""
        return next(iter(self.users.items()))

    def start(self) -> Simulator:
        """Serve in a background thread; return ``self``."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="anaplan-simulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket (hung calls end too)."""
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted."""
        self._server.serve_forever()

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- knobs and records --------------------------------------------------------------------

    def configure(self, *, layout: PageLayout | None = None, faults: Faults | None = None) -> None:
        """Change the page layout or the faults for the requests started from now on."""
        with self._lock:
            if layout is not None:
                self.layout = layout
            if faults is not None:
                self.faults = faults
                self._rng = random.Random(faults.seed)
                self.failed_exports = self.bulk.failed_tasks = 0

    def reset_records(self) -> None:
        """Forget the recorded calls and page fetches."""
        with self._lock:
            self.calls.clear()
            self.page_fetches.clear()
            self.max_concurrent_pages = 0

    def expire_requests(self) -> None:
        """Reclaim every read request now, as 30 idle minutes would."""
        with self._lock:
            self.requests.clear()

    def live_requests(self) -> list[str]:
        """Ids of read requests that exist and have not been deleted."""
        now = time.monotonic()
        with self._lock:
            self._expire(now)
            return [r for r, rec in self.requests.items() if rec.deleted_state is None]

    def warm(self) -> None:
        """Encode the default exports now, so the first read is not slowed by it."""
        for view_id in self.model.views:
            self._export("view", view_id, "TABULAR_MULTI_COLUMN")
        for list_id in self.model.lists:
            self._export("list", list_id, "TABULAR_MULTI_COLUMN")

    def trust(self, authority_pem: bytes) -> None:
        """Accept certificate logins with certificates this CA issued."""
        from cryptography import x509

        self.trusted_authorities.append(x509.load_pem_x509_certificate(authority_pem))

    def approve_device(self, user_code: str) -> None:
        """Confirm an OAuth device login, as the user does in the browser."""
        with self._lock:
            for grant in self.device_grants.values():
                if grant["user_code"] == user_code:
                    grant["approved"] = True
                    return
        raise KeyError(f"no device login waits for code {user_code!r}")

    def issue_token(self) -> str:
        """Create a valid token directly (for token-based ``auth=``)."""
        return self._new_token()

    def expected_frame(self, kind: str, object_id: str) -> Any:
        """The sample data of a view or list as an Arrow table (what a read must return)."""
        source = self.model.views if kind == "view" else self.model.lists
        return source[str(object_id)].table

    # -- internals used by the handler ------------------------------------------------------

    def _new_token(self) -> str:
        token = base64.urlsafe_b64encode(uuid.uuid4().bytes + uuid.uuid4().bytes).decode()
        with self._lock:
            self._tokens[token] = time.time() + self.faults.token_lifetime
        return token

    def _token_valid(self, token: str | None) -> bool:
        with self._lock:
            return token is not None and self._tokens.get(token, 0) > time.time()

    def _export(self, kind: str, object_id: str, export_type: str) -> ExportPages:
        key = (kind, object_id, export_type, self.layout, self.faults.time_across_columns)
        with self._lock:
            if key not in self._exports:
                source = self.model.views if kind == "view" else self.model.lists
                table = source[object_id].table
                shown = self.view_as_shown(source[object_id]) if kind == "view" else None
                if shown is not None and shown is not source[object_id]:
                    rows = [d.name for d in shown.rows + shown.pages]
                    data = across_columns(table, rows, "Time",
                                          header=str(self.faults.time_across_columns))
                    self._exports[key] = ExportPages.of_text(data, self.layout)
                    return self._exports[key]
                if export_type.startswith("GRID"):
                    view = source[object_id]
                    data = grid_csv(table, [d.name for d in view.rows],
                                    [d.name for d in view.pages],
                                    all_pages=export_type == "GRID_ALL_PAGES")
                    self._exports[key] = ExportPages.of_text(data, self.layout)
                    return self._exports[key]
                if export_type == "TABULAR_SINGLE_COLUMN":
                    table = single_column(table, source[object_id].dimension_columns)
                self._exports[key] = ExportPages(table, self.layout)
            return self._exports[key]

    def view_as_shown(self, view: SampleView) -> SampleView:
        """The view with Time moved across the columns when ``time_across_columns`` says so."""
        times = [d for d in view.rows if d.name == "Time"]
        if not (self.faults.time_across_columns and times):
            return view
        return dataclasses.replace(view, rows=[d for d in view.rows if d.name != "Time"],
                                   columns=times + view.columns)

    def _start_request(self, kind: str, object_id: str, workspace_id: str,
                       export_type: str) -> ReadRequestRecord:
        export = self._export(kind, object_id, export_type)
        with self._lock:
            fails = self.faults.fail_after_pages is not None and (
                self.faults.fail_times < 0 or self.failed_exports < self.faults.fail_times
            )
            if fails:
                self.failed_exports += 1
            record = ReadRequestRecord(uuid.uuid4().hex.upper(), kind, object_id, workspace_id,
                                       export, self.faults, fails)
            self.requests[record.request_id] = record
            return record

    def _expire(self, now: float) -> None:
        for request_id, record in list(self.requests.items()):
            if now - record.last_activity > record.faults.request_expiry:
                del self.requests[request_id]

    def _break_page(self, request_id: str, page_no: int) -> bool:
        """Whether to break this download (a page is broken at most ``broken_tries`` in a row)."""
        key = (request_id, page_no)
        with self._lock:
            broken = self._broken_in_a_row.get(key, 0)
            if broken < self.faults.broken_tries and self._roll(self.faults.broken_pages):
                self._broken_in_a_row[key] = broken + 1
                return True
            self._broken_in_a_row.pop(key, None)
            return False

    def _choice(self, options: tuple[str, ...]) -> str:
        with self._lock:
            return self._rng.choice(options)

    def _roll(self, share: float) -> bool:
        if share <= 0:
            return False
        with self._lock:
            return self._rng.random() < share



class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64
    simulator: Simulator


# Model-scoped calls answer with or without the workspace in front ("path duality", OAS).
_MODEL = r"(?:/workspaces/(?P<ws>[^/]+))?/models/(?P<model>[^/]+)"
_READ = rf"{_MODEL}/(?P<kind>view|list)s/(?P<obj>\d+)"
_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("POST", re.compile(r"/token/authenticate"), "authenticate"),
    ("POST", re.compile(r"/token/refresh"), "refresh"),
    ("GET", re.compile(r"/token/validate"), "validate"),
    ("POST", re.compile(r"/token/logout"), "logout"),
    ("POST", re.compile(r"/oauth/device/code"), "device_code"),
    ("POST", re.compile(r"/oauth/token"), "oauth_token"),
    ("GET", re.compile(r"/2/0/workspaces"), "workspaces"),
    ("GET", re.compile(r"/2/0/workspaces/(?P<ws>[^/]+)"), "workspace"),
    ("GET", re.compile(r"/2/0/workspaces/(?P<ws>[^/]+)/models"), "models"),
    ("GET", re.compile(r"/2/0/workspaces/(?P<ws>[^/]+)/models/(?P<model>[^/]+)"), "not_allowed"),
    ("GET", re.compile(r"/2/0/models"), "models"),
    ("GET", re.compile(r"/2/0/models/(?P<model>[^/]+)"), "model"),
    ("GET", re.compile(rf"/2/0{_MODEL}/modules"), "modules"),
    ("GET", re.compile(rf"/2/0{_MODEL}/views"), "views"),
    ("GET", re.compile(rf"/2/0{_MODEL}/modules/(?P<module>\d+)/views"), "views"),
    ("GET", re.compile(rf"/2/0{_MODEL}/lineItems"), "line_items"),
    ("GET", re.compile(rf"/2/0{_MODEL}/modules/(?P<obj>\d+)/lineItems"), "line_items"),
    ("GET", re.compile(rf"/2/0{_MODEL}/views/(?P<obj>\d+)"), "view_metadata"),
    ("GET", re.compile(r"/2/0/models/(?P<model>[^/]+)/views/(?P<obj>\d+)/data"), "view_data"),
    ("GET", re.compile(rf"/2/0{_MODEL}/lists"), "lists"),
    ("GET", re.compile(rf"/2/0{_MODEL}/lists/(?P<obj>\d+)"), "list_metadata"),
    ("GET", re.compile(rf"/2/0{_MODEL}/lists/(?P<obj>\d+)/items"), "list_items"),
    ("POST", re.compile(rf"/2/0{_READ}/readRequests/?"), "start_read"),
    ("GET", re.compile(rf"/2/0{_READ}/readRequests/(?P<rid>[0-9A-Fa-f]+)"), "read_status"),
    ("GET", re.compile(rf"/2/0{_READ}/readRequests/(?P<rid>[0-9A-Fa-f]+)/pages/(?P<page>\d+)"),
     "read_page"),
    ("DELETE", re.compile(rf"/2/0{_READ}/readRequests/(?P<rid>[0-9A-Fa-f]+)"), "delete_read"),
    ("GET", re.compile(rf"/2/0{_MODEL}/exports"), "exports"),
    ("GET", re.compile(rf"/2/0{_MODEL}/exports/(?P<export>\d+)"), "export_metadata"),
    ("POST", re.compile(rf"/2/0{_MODEL}/exports/(?P<export>\d+)/tasks"), "run_export"),
    ("GET", re.compile(rf"/2/0{_MODEL}/exports/(?P<export>\d+)/tasks/(?P<task>[0-9A-Fa-f]+)"),
     "export_task"),
    ("GET", re.compile(rf"/2/0{_MODEL}/files"), "files"),
    ("GET", re.compile(rf"/2/0{_MODEL}/files/(?P<file>\d+)/chunks"), "file_chunks"),
    ("GET", re.compile(rf"/2/0{_MODEL}/files/(?P<file>\d+)/chunks/(?P<chunk>\d+)"),
     "file_chunk"),
    ("POST", re.compile(r"/_simulator/configure"), "sim_configure"),
    ("GET", re.compile(r"/_simulator/state"), "sim_state"),
    ("POST", re.compile(r"/_simulator/reset"), "sim_reset"),
]


class _Handler(AuthRoutes, CatalogRoutes, BulkExportRoutes, BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle's algorithm on, each small
    # answer would wait 40 ms for the client's delayed ACK, which no real server does.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet by default
        pass

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` header, on the server's clock (``clock_skew`` off the real one)."""
        now = time.time() if timestamp is None else timestamp
        return super().date_time_string(now + self.server.simulator.faults.clock_skew)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def sim(self) -> Simulator:
        return self.server.simulator

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        self.query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        self.body = self.rfile.read(length) if length else b""
        self.status_sent = 0
        self.recorded = False
        route_path = parts.path.rstrip("/") or "/"
        self.route_path = route_path
        for route_method, pattern, name in _ROUTES:
            match = pattern.fullmatch(route_path)
            if match and route_method == method:
                self.args = match.groupdict()
                try:
                    self._run(name, route_path)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True
                return
        allowed = any(p.fullmatch(route_path) for _, p, _ in _ROUTES)
        self._error(405 if allowed else 404, "Method Not Allowed" if allowed else "Not Found")
        self._record(method, route_path)

    def _run(self, name: str, path: str) -> None:
        handler: Callable[[], None] = getattr(self, f"_{name}")
        faults = self.sim.faults
        call = f"{self.command} {path}"
        if faults.hang and re.search(faults.hang, call):
            self.sim.stopping.wait(faults.hang_seconds)
            self.close_connection = True
            return
        api = path.startswith("/2/0/")
        if self._reset(call, api):
            return
        if faults.redirect and api:
            self._send(307, b"", "text/plain",
                       {"Location": faults.redirect.rstrip("/") + path.removeprefix("/2/0")})
        elif api and not self._authorized():
            self._error(401, "Unauthorized")
        elif api and self._injected_fault(call):
            pass
        elif not api and path.startswith(("/token/", "/oauth/")) and self.sim._roll(
                faults.auth_unavailable):
            self._auth_failure(503, "FAILURE_SERVICE_UNAVAILABLE", "Service Unavailable")
        else:
            handler()
        self._record(self.command, path)

    def _reset(self, call: str, api: bool) -> bool:
        """Close the connection without an answer, as a dropped connection does."""
        faults = self.sim.faults
        applies = re.search(faults.fault_paths, call) if faults.fault_paths else api
        if not (applies and self.sim._roll(faults.reset)):
            return False
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
        self._record(self.command, call.split(" ", 1)[1])
        return True

    def send_response(self, code: int, message: str | None = None) -> None:
        """Send the status line, recording the call first.

        So a client that has its answer finds the call in :attr:`Simulator.calls`.
        """
        self.status_sent = code
        self._record(self.command, self.route_path)
        super().send_response(code, message)

    def _record(self, method: str, path: str) -> None:
        if self.recorded:
            return
        self.recorded = True
        with self.sim._lock:
            self.sim.calls.append(Call(method, path, self.status_sent, dict(self.headers)))

    def _authorized(self) -> bool:
        header = self.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        return scheme in ("AnaplanAuthToken", "Bearer") and self.sim._token_valid(token)

    def _injected_fault(self, call: str) -> bool:
        faults = self.sim.faults
        if faults.fault_paths and not re.search(faults.fault_paths, call):
            return False
        if self.sim._roll(faults.rate_limit):
            self._error(429, "Too Many Requests", headers={"Retry-After": faults.retry_after})
            return True
        if self.sim._roll(faults.unavailable):
            self._error(503, "Service Unavailable")
            return True
        return False

    def _send(self, status: int, body: bytes, content_type: str,
              headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.status_sent = status
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, payload: dict[str, Any]) -> None:
        self._send(status, json.dumps(payload).encode(), "application/json")

    def _ok(self, schema: str | None = None, **payload: Any) -> None:
        meta: dict[str, Any] = {}
        if schema:
            meta["schema"] = f"https://api.anaplan.com/2/0/objects/{schema}"
        self._json(200, {"meta": meta, "status": {"code": 200, "message": "Success"}, **payload})

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        if self.sim.faults.echo_token:  # a careless server quotes the caller's credentials
            message = f"{message} (Authorization: {self.headers.get('Authorization', '')})"
        body = {
            "status": {"code": status, "message": message},
            "path": urlsplit(self.path).path,
            "timestamp": datetime.now(timezone.utc).isoformat(),
        }
        self._send(status, json.dumps(body).encode(), "application/json", headers)

    def _listing(self, key: str, items: list[dict[str, Any]]) -> None:
        faults = self.sim.faults
        try:
            offset = int(self.query.get("offset", 0))
            limit = min(int(self.query.get("limit", faults.listing_cap)), faults.listing_cap)
        except ValueError:
            self._error(400, "Bad Request: limit and offset must be numbers")
            return
        page = items[offset : offset + limit]
        payload: dict[str, Any] = {"meta": {"schema": f"https://api.anaplan.com/2/0/objects/{key}"},
                                   "status": {"code": 200, "message": "Success"}}
        if faults.listing_paging == "full":
            paging: dict[str, Any] = {"currentPageSize": len(page), "totalSize": len(items),
                                      "offset": offset}
            base = f"{self.sim.api_url}{urlsplit(self.path).path.removeprefix('/2/0')}"
            if offset + len(page) < len(items):
                paging["next"] = f"{base}?limit={limit}&offset={offset + limit}"
            if offset > 0:
                paging["previous"] = f"{base}?limit={limit}&offset={max(0, offset - limit)}"
            payload["meta"]["paging"] = paging
        elif faults.listing_paging == "null":
            payload["meta"]["paging"] = None
        if page:  # empty collections leave their key out, as Anaplan does
            payload[key] = page
        self._json(200, payload)

    def _sample(self, objects: dict[str, Any]) -> Any:
        """The view or list the path names, or ``None`` after answering 404."""
        if not self._model_ok():
            return None
        found = objects.get(self.args["obj"])
        if found is None:
            self._error(404, "Not Found")
        return found

    def _model_ok(self) -> bool:
        if self.args.get("model") != MODEL_ID or self.args.get("ws") not in (None, WORKSPACE_ID):
            self._error(404, "Not Found")
            return False
        return True

    # -- large read requests ----------------------------------------------------------------

    def _read_payload(self, record: ReadRequestRecord, *, full: bool) -> dict[str, Any]:
        state, pages, successful = record.status(time.monotonic())
        base = self.sim.api_url + (f"/workspaces/{record.workspace_id}" if record.workspace_id
                                   else "")
        faults = self.sim.faults
        if faults.request_state and record.deleted_state is None:
            state = faults.request_state
        payload: dict[str, Any] = {
            "requestId": faults.request_id or record.request_id,
            "requestState": state,
            "url": f"{base}/models/{MODEL_ID}/{record.kind}s/{record.object_id}/readRequests/"
                   f"{record.request_id}",
        }
        if full:
            payload[f"{record.kind}Id"] = int(record.object_id)
            payload["availablePages"] = pages
            payload["successful"] = successful
        return {f"{record.kind}ReadRequest": payload}

    def _start_read(self) -> None:
        if not self._model_ok():
            return
        kind, object_id = self.args["kind"], self.args["obj"]
        source = self.sim.model.views if kind == "view" else self.sim.model.lists
        if object_id not in source:
            self._error(404, "Not Found")
            return
        export_type = "TABULAR_MULTI_COLUMN"
        if kind == "view":
            try:
                export_type = json.loads(self.body or b"{}").get("exportType", "")
            except (ValueError, AttributeError):
                self._error(400, "Bad Request: the body is not JSON")
                return
            if export_type not in ("TABULAR_MULTI_COLUMN", "TABULAR_SINGLE_COLUMN",
                                   "GRID_ALL_PAGES", "GRID_CURRENT_PAGE") or (
                    export_type != "TABULAR_MULTI_COLUMN" and self.sim.faults.time_across_columns
                    and object_id == REVENUE_VIEW_ID):
                self._error(400, f"Invalid exportType {export_type!r}")
                return
        record = self.sim._start_request(kind, object_id, self.args.get("ws") or "", export_type)
        self._ok(f"{kind}ReadRequest", **self._read_payload(record, full=False))

    def _record_of(self) -> ReadRequestRecord | None:
        if not self._model_ok():
            return None
        with self.sim._lock:
            self.sim._expire(time.monotonic())
            record = self.sim.requests.get(self.args["rid"])
        if record is None or (record.kind, record.object_id) != (self.args["kind"],
                                                                 self.args["obj"]):
            self._error(404, "Not Found")
            return None
        return record

    def _read_status(self) -> None:
        record = self._record_of()
        if record is not None:
            self._ok(f"{record.kind}ReadRequest", **self._read_payload(record, full=True))

    def _read_page(self) -> None:
        record = self._record_of()
        if record is None:
            return
        page_no = int(self.args["page"])
        state, available, _ = record.status(time.monotonic())
        if page_no >= available:
            self._error(404, f"Page {page_no} is not available")
            return
        if page_no % 100 == 0:
            record.last_activity = time.monotonic()
        faults = self.sim.faults
        if faults.page_charset.lower() not in ("utf-8", "utf8"):
            text = record.export.page(page_no).decode("utf-8", "replace")
            body = text.encode(faults.page_charset, "replace")
            encoding = "identity"
        elif faults.gzip and "gzip" in self.headers.get("Accept-Encoding", ""):
            body, encoding = record.export.gzipped(page_no), "gzip"
        else:
            body, encoding = record.export.page(page_no), "identity"
        headers = {"Content-Type": "text/csv"}
        if encoding == "gzip":
            headers["Content-Encoding"] = "gzip"
        if self.sim._break_page(record.request_id, page_no):
            kind = self.sim._choice(faults.broken_kinds)
            # From page 2 on, once pages 0 and 1 have shown that every page repeats it.
            repeated = page_no > 1 and record.export.layout.header == "every"
            header = record.export.header if repeated else b""
            whole = page_no == 0 or record.export.layout.split == "rows"
            body, headers = broken_page(kind, record.export.page(page_no), header,
                                        whole_records=whole)
            encoding = f"broken:{kind}"
        with self.sim._lock:
            self.sim.page_fetches.append(PageFetch(record.request_id, page_no, state, encoding))
        with self.sim._lock:
            self.sim._pages_in_flight += 1
            self.sim.max_concurrent_pages = max(self.sim.max_concurrent_pages,
                                                self.sim._pages_in_flight)
        try:
            self._send_page(body, headers, faults)
        finally:
            with self.sim._lock:
                self.sim._pages_in_flight -= 1

    def _send_page(self, body: bytes, headers: dict[str, str], faults: Faults) -> None:
        if faults.page_delay:
            time.sleep(faults.page_delay)
        truncate = self.sim._roll(faults.truncate_pages)
        self.send_response(200)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.status_sent = 200
        if truncate:
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        _write_throttled(self.wfile, body, faults.bandwidth)

    def _delete_read(self) -> None:
        record = self._record_of()
        if record is None:
            return
        answer = self.sim.faults.delete_status
        if answer is not None and answer >= 400:
            self._error(answer, "Forbidden" if answer == 403 else "Refused")
            return
        state, _, _ = record.status(time.monotonic())
        final = "COMPLETE" if state == "COMPLETE" else "CANCELLED"
        with self.sim._lock:
            record.deleted_state = final
            self.sim.requests.pop(record.request_id, None)
            self.sim.completed_requests[record.request_id] = record.complete_at()
        if answer == 204:
            self._send(204, b"", "application/json")
            return
        payload = self._read_payload(record, full=False)
        payload[f"{record.kind}ReadRequest"].update(requestState=final, successful=True)
        self._ok(f"{record.kind}ReadRequest", **payload)

    # -- control, for a simulator in another process ----------------------------------------

    def _sim_configure(self) -> None:
        try:
            settings = json.loads(self.body or b"{}")
            layout = PageLayout(**settings["layout"]) if "layout" in settings else None
            faults = Faults(**settings["faults"]) if "faults" in settings else None
        except (ValueError, TypeError, KeyError) as error:
            self._error(400, f"Bad configuration: {error}")
            return
        self.sim.configure(layout=layout, faults=faults)
        self._json(200, {"layout": dataclasses.asdict(self.sim.layout),
                         "faults": dataclasses.asdict(self.sim.faults)})

    def _sim_reset(self) -> None:
        self.sim.reset_records()
        self._json(200, {})

    def _sim_state(self) -> None:
        with self.sim._lock:
            fetches = [dataclasses.asdict(f) for f in self.sim.page_fetches]
            complete_at = {r: rec.complete_at() for r, rec in self.sim.requests.items()}
            complete_at.update(self.sim.completed_requests)
            calls = [c.path for c in self.sim.calls]
        self._json(200, {"live_requests": self.sim.live_requests(), "page_fetches": fetches,
                         "complete_at": complete_at, "calls": calls})


def _write_throttled(stream: Any, body: bytes, bandwidth: float | None) -> None:
    if not bandwidth:
        stream.write(body)
        return
    chunk = max(1024, int(bandwidth / 50))
    started = time.monotonic()
    for sent in range(0, len(body), chunk):
        stream.write(body[sent : sent + chunk])
        ahead = (sent + chunk) / bandwidth - (time.monotonic() - started)
        if ahead > 0:
            time.sleep(ahead)
