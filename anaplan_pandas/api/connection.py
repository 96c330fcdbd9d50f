"""A connection to an Anaplan tenant: one login, reused by every call, closed once.

For notebooks and scripts that read several views and lists::

    with ap.connect(auth=("analyst@example.com", "password")) as conn:
        revenue = conn.read_view("Sales Planning", "FP&A Model", "Revenue Plan")
        regions = conn.read_list("Sales Planning", "FP&A Model", "Regions")

The module-level functions (``ap.read_view`` and the others) work without one; calls that
pass the same password credentials still share one login (see
:mod:`anaplan_pandas.http.token_cache`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd
import requests

from anaplan_pandas.api import exports as export_reader
from anaplan_pandas.api import views as reader
from anaplan_pandas.catalog.catalog import Catalog
from anaplan_pandas.http.retry import RetryPolicy
from anaplan_pandas.http.transport import Compression, Transport, open_transport
from anaplan_pandas.run import background

F = TypeVar("F", bound=Callable[..., Any])


def _bound(function: F) -> F:
    """``function`` with this connection passed as ``connection=``."""
    @functools.wraps(function)
    def method(self: Connection, *args: Any, **kwargs: Any) -> Any:
        return function(*args, connection=self, **kwargs)

    method.__doc__ = (f"As :func:`anaplan_pandas.{function.__name__}`, through this "
                      "connection (no ``auth=`` or URLs).")
    return method  # type: ignore[return-value]


class Connection:
    """A logged-in session with one tenant: its HTTP session, credentials and listings.

    Create it with :func:`connect`. It logs in on first use, renews its token as long as it
    is used, and logs out on :meth:`close` (or at the end of a ``with`` block).

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

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self.catalog = Catalog(transport)
        self.closed = False

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"Connection({self.transport.api_url!r}, {self.transport.auth!r}, {state})"

    def __getattr__(self, name: str) -> Any:
        # The lower-level API (ReadRequest, Catalog) takes a connection as a transport.
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.transport, name)

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Log out and close the HTTP session; the connection cannot be used again."""
        if self.closed:
            return
        self.closed = True
        self.transport.auth.close()
        self.transport.session.close()

    read_view = _bound(reader.read_view)
    read_list = _bound(reader.read_list)
    save_view = _bound(reader.save_view)
    save_list = _bound(reader.save_list)
    read_export = _bound(export_reader.read_export)
    save_export = _bound(export_reader.save_export)
    start_view_read = _bound(background.start_view_read)
    start_list_read = _bound(background.start_list_read)

    def workspaces(self) -> pd.DataFrame:
        """The workspaces you can see, as :func:`anaplan_pandas.workspaces`."""
        return self.catalog.workspaces()

    def models(self, workspace: str | None = None) -> pd.DataFrame:
        """The models of a workspace (id or name), or of every workspace."""
        return self.catalog.models(workspace)

    def modules(self, workspace: str, model: str) -> pd.DataFrame:
        """The modules of a model (ids or names)."""
        return self.catalog.modules(workspace, model)

    def views(self, workspace: str, model: str) -> pd.DataFrame:
        """The views of a model (ids or names)."""
        return self.catalog.views(workspace, model)

    def lists(self, workspace: str, model: str) -> pd.DataFrame:
        """The lists of a model (ids or names)."""
        return self.catalog.lists(workspace, model)

    def exports(self, workspace: str, model: str) -> pd.DataFrame:
        """The export actions saved in a model (ids or names)."""
        return self.catalog.exports(workspace, model)


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
    return Connection(open_transport(auth, api_url, auth_url, region=region, verify=verify,
                                     session=session, pool_size=pool_size, retry=retry,
                                     compression=compression, share=False))


__all__ = ["Connection", "connect"]
