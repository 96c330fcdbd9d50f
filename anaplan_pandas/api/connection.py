"""A connection to an Anaplan tenant: the object in charge of every operation.

It owns the HTTP session, the authentication (one login, renewed as long as it is used,
logged out on :meth:`Connection.close`), the retry policy and the catalog (names to ids,
metadata, each fetched once). Every operation is one of its methods; the module-level
functions (``ap.read_view`` and the others) run the same method on a connection from the
process's pool (:mod:`anaplan_pandas.api.pool`), so that calls with the same credentials
share one login. :meth:`Connection.close` ends everything it started: reads still running
(in the background, or a chunk iterator not read to its end) are cancelled and their
requests deleted before it logs out.

For notebooks and scripts that read several views and lists::

    with ap.connect(auth=("analyst@example.com", "password")) as conn:
        revenue = conn.read_view("Sales Planning", "FP&A Model", "Revenue Plan")
        regions = conn.read_list("Sales Planning", "FP&A Model", "Regions")
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import pandas as pd
import requests

from anaplan_pandas.api.background import BackgroundRead
from anaplan_pandas.api.options import ReadOptions, check_chunksize
from anaplan_pandas.api.read_call import ReadCall
from anaplan_pandas.catalog.catalog import Catalog
from anaplan_pandas.exceptions import AuthenticationError
from anaplan_pandas.http.bodies import Compression
from anaplan_pandas.http.retry import RetryPolicy
from anaplan_pandas.http.transport import Transport, open_transport
from anaplan_pandas.progress.choice import ProgressChoice
from anaplan_pandas.sinks.files import FileFormat
from anaplan_pandas.sources.kinds import ExportKind, ListKind, SourceKind, ViewKind
from anaplan_pandas.sources.request_status import check_export_type

#: Seconds :meth:`Connection.close` waits for running reads to end by themselves once
#: cancelled (each deletes its request on the way out) before it deletes what is left.
CLOSE_GRACE = 2.0
#: Options that belong to the connection, not to one read.
_OWN = ("auth", "api_url", "auth_url", "session", "region", "retry")


class Connection:
    """A logged-in session with one tenant: its HTTP session, credentials and catalog.

    Create it with :func:`connect`. It logs in on first use, renews its token as long as it
    is used, and on :meth:`close` (or at the end of a ``with`` block) cancels what still
    runs and logs out.

    Examples
    --------
    >>> import anaplan_pandas as ap
    >>> from anaplan_pandas.simulator import Simulator
    >>> with Simulator(revenue_rows=2880) as sim:
    ...     with ap.connect(sim.credentials, sim.api_url, sim.auth_url) as conn:
    ...         frame = conn.read_view("Sales Planning", "FP&A Model", "Revenue Plan",
    ...                                progress=None)
    ...         names = conn.lists("Sales Planning", "FP&A Model")["name"].tolist()
    >>> frame.shape, names
    ((2880, 8), ['Products', 'Regions', 'Customers'])
    """

    def __init__(self, transport: Transport, *, owns_auth: bool = True,
                 owns_session: bool = True) -> None:
        self.transport = transport
        self.catalog = Catalog(transport)
        self.closed = False
        self._owns_auth = owns_auth
        self._owns_session = owns_session
        self._calls: set[ReadCall] = set()
        self._lock = threading.Condition()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"Connection({self.transport.api_url!r}, {self.transport.auth!r}, {state})"

    @property
    def api_url(self) -> str:
        """The Integration API base this connection talks to."""
        return self.transport.api_url

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reads ----------------------------------------------------------------------------------

    def read_view(self, workspace: str, model: str, view: int | str, *,
                  export_type: str = "TABULAR_MULTI_COLUMN", progress: ProgressChoice = "auto",
                  chunksize: int | None = None, **options: Any
                  ) -> pd.DataFrame | Iterator[pd.DataFrame]:
        """As :func:`anaplan_pandas.read_view`, on this connection."""
        call = self.read_call(ViewKind(check_export_type(export_type)), (workspace, model, view),
                          progress, options, chunks=chunksize is not None)
        return _frame_or_chunks(call, chunksize)

    def read_list(self, workspace: str, model: str, list_: int | str, *,
                  progress: ProgressChoice = "auto", chunksize: int | None = None,
                  **options: Any) -> pd.DataFrame | Iterator[pd.DataFrame]:
        """As :func:`anaplan_pandas.read_list`, on this connection."""
        call = self.read_call(ListKind(), (workspace, model, list_), progress, options,
                          plain="lists, which are read as they are")
        return _frame_or_chunks(call, chunksize)

    def read_export(self, workspace: str, model: str, export: int | str, *,
                    progress: ProgressChoice = "auto", chunksize: int | None = None,
                    locale: str = "en_US", **options: Any
                    ) -> pd.DataFrame | Iterator[pd.DataFrame]:
        """As :func:`anaplan_pandas.read_export`, on this connection."""
        call = self.read_call(_export_kind(locale, options), (workspace, model, export), progress,
                          options, plain="exports, which are read as they are saved")
        return _frame_or_chunks(call, chunksize)

    def save_view(self, workspace: str, model: str, view: int | str,
                  path: str | os.PathLike[str], *, file_format: FileFormat | None = None,
                  export_type: str = "TABULAR_MULTI_COLUMN", progress: ProgressChoice = "auto",
                  **options: Any) -> int:
        """As :func:`anaplan_pandas.save_view`, on this connection."""
        return self.read_call(ViewKind(check_export_type(export_type)), (workspace, model, view),
                          progress, options, plain="files, which are written as read"
                          ).save(path, file_format)

    def save_list(self, workspace: str, model: str, list_: int | str,
                  path: str | os.PathLike[str], *, file_format: FileFormat | None = None,
                  progress: ProgressChoice = "auto", **options: Any) -> int:
        """As :func:`anaplan_pandas.save_list`, on this connection."""
        return self.read_call(ListKind(), (workspace, model, list_), progress, options,
                          plain="lists, which are read as they are").save(path, file_format)

    def save_export(self, workspace: str, model: str, export: int | str,
                    path: str | os.PathLike[str], *, file_format: FileFormat | None = None,
                    progress: ProgressChoice = "auto", locale: str = "en_US",
                    **options: Any) -> int:
        """As :func:`anaplan_pandas.save_export`, on this connection."""
        return self.read_call(_export_kind(locale, options), (workspace, model, export), progress,
                          options, plain="exports, which are read as they are saved"
                          ).save(path, file_format)

    def start_view_read(self, workspace: str, model: str, view: int | str, *,
                        export_type: str = "TABULAR_MULTI_COLUMN",
                        progress: ProgressChoice = "auto", **options: Any) -> BackgroundRead:
        """As :func:`anaplan_pandas.start_view_read`, on this connection."""
        call = self.read_call(ViewKind(check_export_type(export_type)), (workspace, model, view),
                          progress, options)
        return BackgroundRead(call, progress)

    def start_list_read(self, workspace: str, model: str, list_: int | str, *,
                        progress: ProgressChoice = "auto", **options: Any) -> BackgroundRead:
        """As :func:`anaplan_pandas.start_list_read`, on this connection."""
        call = self.read_call(ListKind(), (workspace, model, list_), progress, options,
                          plain="lists, which are read as they are")
        return BackgroundRead(call, progress)

    # -- discovery ------------------------------------------------------------------------------

    def workspaces(self) -> pd.DataFrame:
        """The workspaces you can see, as :func:`anaplan_pandas.workspaces`."""
        return self._open_catalog().workspaces()

    def models(self, workspace: str | None = None) -> pd.DataFrame:
        """The models of a workspace (id or name), or of every workspace."""
        return self._open_catalog().models(workspace)

    def modules(self, workspace: str, model: str) -> pd.DataFrame:
        """The modules of a model (ids or names)."""
        return self._open_catalog().modules(workspace, model)

    def views(self, workspace: str, model: str) -> pd.DataFrame:
        """The views of a model (ids or names)."""
        return self._open_catalog().views(workspace, model)

    def lists(self, workspace: str, model: str) -> pd.DataFrame:
        """The lists of a model (ids or names)."""
        return self._open_catalog().lists(workspace, model)

    def exports(self, workspace: str, model: str) -> pd.DataFrame:
        """The export actions saved in a model (ids or names)."""
        return self._open_catalog().exports(workspace, model)

    def refresh(self) -> None:
        """Forget the catalog's listings and metadata (after a model builder changed them)."""
        self.catalog.refresh()

    # -- the end --------------------------------------------------------------------------------

    def close(self) -> None:
        """End everything this connection started, then log out; it cannot be used again.

        Reads still running are cancelled and given :data:`CLOSE_GRACE` seconds to delete
        their requests by themselves; what is still open then, or was not running (a chunk
        iterator waiting for its reader), is deleted here. A logout that fails is not an
        error: the token expires by itself.
        """
        with self._lock:
            if self.closed:
                return
            self.closed = True
            calls = list(self._calls)
        for call in calls:
            call.cancel_event.set()
        until = time.monotonic() + CLOSE_GRACE
        with self._lock:
            while any(c.busy for c in self._calls) and time.monotonic() < until:
                self._lock.wait(max(0.0, until - time.monotonic()))
            left = list(self._calls)
        for call in left:
            call.abort()
        if self._owns_auth:
            self.transport.auth.close()
        if self._owns_session:
            self.transport.session.close()

    def register(self, call: ReadCall) -> None:
        """A read started on this connection (it is cancelled if the connection closes)."""
        with self._lock:
            if self.closed:
                raise _closed_error()
            self._calls.add(call)

    def unregister(self, call: ReadCall) -> None:
        """A read on this connection ended."""
        with self._lock:
            self._calls.discard(call)
            self._lock.notify_all()

    def _open_catalog(self) -> Catalog:
        if self.closed:
            raise _closed_error()
        return self.catalog

    def read_call(self, kind: SourceKind, names: tuple[object, object, object],
                  progress: ProgressChoice, options: dict[str, Any], *, plain: str = "",
                  chunks: bool = False, call_type: type[ReadCall] = ReadCall,
                  **extra: Any) -> ReadCall:
        """The call of one read on this connection, its options checked before anything.

        Every reader runs one: the methods above, and readers built on the connection (the
        Dask reader passes its own ``call_type``).
        """
        if self.closed:
            raise _closed_error()
        given = [name for name in _OWN if options.get(name) is not None]
        if given or options.get("verify", True) is not True or \
                options.get("compression", "auto") != "auto":
            raise ValueError(
                f"{', '.join(given) or 'verify/compression'} cannot be combined with "
                "connection=: the connection has its own; pass them to ap.connect()."
            )
        read_options = ReadOptions.from_keywords(options)
        if plain:
            read_options.require_plain(plain)
        if chunks and read_options.method != "read_request":
            raise ValueError("method= does not apply with chunksize=, which streams a read "
                             "request.")
        return call_type(self, kind, names, progress, read_options, **extra)


def _frame_or_chunks(call: ReadCall, chunksize: int | None
                     ) -> pd.DataFrame | Iterator[pd.DataFrame]:
    chunksize = check_chunksize(chunksize)
    return call.frame() if chunksize is None else call.chunks(chunksize)


def _export_kind(locale: object, options: dict[str, Any]) -> ExportKind:
    if options.get("request_id") is not None or options.get("keep_request"):
        raise ValueError("request_id= and keep_request= apply to read requests; an export "
                         "task leaves nothing to keep or re-attach to (Anaplan keeps its file).")
    if not isinstance(locale, str) or not locale.strip():
        raise ValueError(f"locale must be a locale name such as 'en_US', got {locale!r}.")
    return ExportKind(locale.strip())


def _closed_error() -> AuthenticationError:
    return AuthenticationError(
        "This connection was closed (logged out); open a new one with ap.connect().")


def connect(
    auth: object = None,
    api_url: str | None = None,
    auth_url: str | None = None,
    *,
    region: str | None = None,
    verify: bool | str = True,
    session: requests.Session | None = None,
    pool_size: int = 16,
    retry: RetryPolicy | None = None,
    compression: Compression = "auto",
) -> Connection:
    """Connect to a tenant: one login for every call made through the connection.

    ``auth``, ``api_url``, ``auth_url`` and ``region`` as in :func:`read_view`; ``verify``,
    ``session`` and ``compression`` as its options. The connection also serves the
    lower-level API: ``ReadRequest.start(conn, target)``.

    Examples
    --------
    >>> conn = connect(auth="token", api_url="http://127.0.0.1:8080/2/0")
    >>> conn.api_url
    'http://127.0.0.1:8080/2/0'
    """
    transport = open_transport(auth, api_url, auth_url, region=region, verify=verify,
                               session=session, pool_size=pool_size, retry=retry,
                               compression=compression)
    return Connection(transport)


__all__ = ["Connection", "connect"]
