"""The simulator's HTTP plumbing: the route table, dispatch, recording and answers.

Every call is matched against :data:`ROUTES`, recorded before it is answered (so a client
that has its answer finds the call recorded), checked for a valid token, and answered by
the route mixins: authentication (:mod:`~anaplan_pandas.simulator.auth_routes`), catalog
(:mod:`~anaplan_pandas.simulator.catalog`), read requests
(:mod:`~anaplan_pandas.simulator.read_routes`) and bulk actions
(:mod:`~anaplan_pandas.simulator.bulk_exports`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
import socket
import time
from collections.abc import Callable
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from anaplan_pandas.simulator.auth_routes import AuthRoutes
from anaplan_pandas.simulator.bulk_exports import BulkExportRoutes
from anaplan_pandas.simulator.catalog import CatalogRoutes
from anaplan_pandas.simulator.exports import PageLayout
from anaplan_pandas.simulator.faults import Faults
from anaplan_pandas.simulator.read_routes import ReadRoutes
from anaplan_pandas.simulator.records import Call
from anaplan_pandas.simulator.sample_model import (
    MODEL_ID,
    WORKSPACE_ID,
)

if TYPE_CHECKING:
    from anaplan_pandas.simulator.server import Simulator


class Server(ThreadingHTTPServer):
    """The listening socket on 127.0.0.1: a thread per connection, daemons all."""

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
    ("DELETE",
     re.compile(rf"/2/0{_MODEL}/exports/(?P<export>\d+)/tasks/(?P<task>[0-9A-Fa-f]+)"),
     "cancel_export_task"),
    ("GET", re.compile(rf"/2/0{_MODEL}/exports/(?P<export>\d+)/tasks"), "export_tasks"),
    ("GET", re.compile(rf"/2/0{_MODEL}/files/(?P<file>\d+)"), "file"),
    ("GET", re.compile(rf"/2/0{_MODEL}/files"), "files"),
    ("GET", re.compile(rf"/2/0{_MODEL}/files/(?P<file>\d+)/chunks"), "file_chunks"),
    ("GET", re.compile(rf"/2/0{_MODEL}/files/(?P<file>\d+)/chunks/(?P<chunk>\d+)"),
     "file_chunk"),
    ("POST", re.compile(r"/_simulator/configure"), "sim_configure"),
    ("GET", re.compile(r"/_simulator/state"), "sim_state"),
    ("POST", re.compile(r"/_simulator/reset"), "sim_reset"),
]


class Handler(AuthRoutes, CatalogRoutes, ReadRoutes, BulkExportRoutes, BaseHTTPRequestHandler):
    """One call: matched to its route, recorded, checked, answered by a route mixin."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle's algorithm on, each small
    # answer would wait 40 ms for the client's delayed ACK, which no real server does.
    disable_nagle_algorithm = True
    server: Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet by default."""
        pass

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The ``Date`` header, on the simulator's (possibly skewed) clock."""
        """The ``Date`` header, on the server's clock (``clock_skew`` off the real one)."""
        now = time.time() if timestamp is None else timestamp
        return super().date_time_string(now + self.server.simulator.faults.clock_skew)

    def do_GET(self) -> None:
        """Answer a GET."""
        self._dispatch("GET")

    def do_POST(self) -> None:
        """Answer a POST."""
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        """Answer a DELETE."""
        self._dispatch("DELETE")

    # -- plumbing ---------------------------------------------------------------------------

    @property
    def sim(self) -> Simulator:
        """The simulator this server belongs to."""
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
