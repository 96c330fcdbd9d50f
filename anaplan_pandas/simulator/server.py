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
import dataclasses
import random
import threading
import time
import uuid
from typing import Any

from anaplan_pandas.simulator.bulk_exports import BulkExports
from anaplan_pandas.simulator.exports import ExportPages, PageLayout, single_column
from anaplan_pandas.simulator.faults import Faults
from anaplan_pandas.simulator.grid import across_columns, grid_csv
from anaplan_pandas.simulator.handler import Handler, Server
from anaplan_pandas.simulator.records import (
    DEFAULT_USERS,
    DEMO_OAUTH_CLIENT,
    Call,
    PageFetch,
    ReadRequestRecord,
)
from anaplan_pandas.simulator.sample_model import (
    SampleModel,
    SampleView,
)


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
        self._server = Server(("127.0.0.1", port), Handler)
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
