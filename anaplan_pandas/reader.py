"""The functions analysts call: :func:`read_view` and :func:`read_list`.

They check the arguments, connect, start a read request, stream its pages through the
parser while the export runs, and always delete the request at the end.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from typing import Any

import pandas as pd
import pyarrow as pa
import requests

from anaplan_pandas.auth import AnaplanAuth, resolve_auth
from anaplan_pandas.exceptions import ExportFailedError
from anaplan_pandas.frames import DtypeBackend, to_frame
from anaplan_pandas.progress import ProgressChoice, ProgressDisplay, make_progress
from anaplan_pandas.read_request import PollSchedule, ReadRequest
from anaplan_pandas.settings import resolve_api_url, resolve_auth_url
from anaplan_pandas.targets import Target
from anaplan_pandas.transport import RetryPolicy, Transport

log = logging.getLogger("anaplan_pandas")


@dataclass(frozen=True)
class ReadOptions:
    """The keyword options of :func:`read_view` and :func:`read_list`.

    Parameters
    ----------
    poll_interval : float
        First pause between status calls, in seconds; it grows while nothing changes.
    max_poll_interval : float
        Longest pause between status calls.
    timeout : float or None
        Give up (and delete the request) if the export has not finished after this many
        seconds. ``None`` waits as long as it takes.
    retries : int
        How many times a failed export (``successful: false``) is deleted and started anew.
    keep_request : bool
        Leave the read request on the server instead of deleting it at the end.
    max_workers : int
        Pages downloaded at once.
    categorical : bool
        Item-name columns as ``category`` (compact) rather than plain strings.
    dtype_backend : {None, "numpy_nullable", "pyarrow"}
        As in :func:`pandas.read_csv`.
    verify : bool or str
        TLS verification: ``True``, ``False`` or the path of a CA bundle.
    session : requests.Session or None
        A session to send the calls through (proxies, adapters).
    """

    poll_interval: float = 0.5
    max_poll_interval: float = 5.0
    timeout: float | None = None
    retries: int = 0
    keep_request: bool = False
    max_workers: int = 4
    categorical: bool = True
    dtype_backend: DtypeBackend | None = None
    verify: bool | str = True
    session: requests.Session | None = None

    @classmethod
    def from_keywords(cls, options: dict[str, Any]) -> ReadOptions:
        """Build the options, refusing unknown names and impossible values."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise TypeError(
                f"Unknown option(s) {', '.join(unknown)}; the options are: "
                f"{', '.join(sorted(known))}."
            )
        result = cls(**options)
        if result.retries < 0 or result.max_workers < 1:
            raise ValueError("retries must be >= 0 and max_workers >= 1.")
        return result

    def schedule(self) -> PollSchedule:
        """The polling schedule these options describe."""
        return PollSchedule(
            initial=self.poll_interval, maximum=self.max_poll_interval, timeout=self.timeout
        )


def connect(
    auth: object = None,
    api_url: str | None = None,
    auth_url: str | None = None,
    *,
    verify: bool | str = True,
    session: requests.Session | None = None,
    pool_size: int = 16,
    retry: RetryPolicy | None = None,
) -> Transport:
    """Resolve credentials and URLs into a :class:`Transport` for the lower-level API.

    Examples
    --------
    >>> transport = connect(auth="token", api_url="http://127.0.0.1:8080/2/0")
    >>> transport.api_url
    'http://127.0.0.1:8080/2/0'
    """
    resolved = resolve_auth(auth, resolve_auth_url(auth_url))
    resolved.verify = verify
    return Transport(
        resolve_api_url(api_url),
        resolved,
        session=session,
        verify=verify,
        pool_size=pool_size,
        retry=retry,
    )


def read_view(
    workspace_id: str,
    model_id: str,
    view_id: int | str,
    *,
    export_type: str = "TABULAR_MULTI_COLUMN",
    auth: object = None,
    api_url: str | None = None,
    auth_url: str | None = None,
    progress: ProgressChoice = "auto",
    **options: Any,
) -> pd.DataFrame:
    """Read an Anaplan view of any size into a DataFrame through a large read request.

    Parameters
    ----------
    workspace_id, model_id : str
        32 hexadecimal characters each.
    view_id : int or str
        The view's (or module's default view's) numeric id.
    export_type : str
        ``TABULAR_MULTI_COLUMN`` (line items across the columns), ``TABULAR_SINGLE_COLUMN``
        (one value per row), ``GRID_ALL_PAGES`` or ``GRID_CURRENT_PAGE``.
    auth : tuple, str, AnaplanAuth or None
        ``(username, password)``, a token, an auth object, or ``None`` for the environment
        (``ANAPLAN_TOKEN``, or ``ANAPLAN_USERNAME`` and ``ANAPLAN_PASSWORD``).
    api_url, auth_url : str, optional
        Integration and Authentication API bases (``ANAPLAN_API_URL``, ``ANAPLAN_AUTH_URL``).
    progress : {"auto", "tqdm", "widget", None, False}
        A widget in Jupyter, a text bar in a terminal, or nothing.
    **options
        See :class:`ReadOptions`: ``timeout``, ``retries``, ``keep_request``,
        ``max_workers``, ``categorical``, ``dtype_backend``, ``poll_interval``, …

    Returns
    -------
    pandas.DataFrame
        Item-name columns first (as text), then the values.

    Raises
    ------
    ExportFailedError
        Anaplan failed the export; the request has been deleted. Read again, or pass
        ``retries=``.
    AuthenticationError, NotFoundError, ModelBusyError, RateLimitError, AnaplanHTTPError
        See the README's table of errors.

    Examples
    --------
    >>> from anaplan_pandas.simulator import Simulator, WORKSPACE_ID, MODEL_ID
    >>> sim = Simulator(revenue_rows=2880).start()  # a local Anaplan on 127.0.0.1
    >>> df = read_view(WORKSPACE_ID, MODEL_ID, 102000000001, auth=sim.credentials,
    ...                api_url=sim.api_url, auth_url=sim.auth_url, progress=None)
    >>> df.columns.tolist()
    ['Products', 'Time', 'Regions', 'Units', 'Price', 'Revenue', 'Cost', 'Comment']
    >>> sim.stop()
    """
    target = Target.of("view", workspace_id, model_id, view_id)
    return _read(
        target,
        export_type,
        auth,
        api_url,
        auth_url,
        progress,
        ReadOptions.from_keywords(options),
    )


def read_list(
    workspace_id: str,
    model_id: str,
    list_id: int | str,
    *,
    auth: object = None,
    api_url: str | None = None,
    auth_url: str | None = None,
    progress: ProgressChoice = "auto",
    **options: Any,
) -> pd.DataFrame:
    """Read an Anaplan list of any size into a DataFrame through a large read request.

    Parameters are those of :func:`read_view`, without ``export_type``. Number properties
    become numbers and boolean properties booleans; names, codes, parents and every other
    property stay text.

    Examples
    --------
    >>> from anaplan_pandas.simulator import Simulator, WORKSPACE_ID, MODEL_ID
    >>> sim = Simulator(revenue_rows=2880).start()  # a local Anaplan on 127.0.0.1
    >>> regions = read_list(WORKSPACE_ID, MODEL_ID, 101000000002, auth=sim.credentials,
    ...                     api_url=sim.api_url, auth_url=sim.auth_url, progress=None)
    >>> regions["Name"].head(3).tolist()
    ['North America', 'NA', 'EMEA']
    >>> sim.stop()
    """
    target = Target.of("list", workspace_id, model_id, list_id)
    return _read(
        target,
        "TABULAR_MULTI_COLUMN",  # not sent for lists
        auth,
        api_url,
        auth_url,
        progress,
        ReadOptions.from_keywords(options),
    )


def _read(
    target: Target,
    export_type: str,
    auth: object,
    api_url: str | None,
    auth_url: str | None,
    progress: ProgressChoice,
    options: ReadOptions,
) -> pd.DataFrame:
    made_auth = not isinstance(auth, AnaplanAuth)
    transport = connect(auth, api_url, auth_url, verify=options.verify, session=options.session)
    display = make_progress(progress, f"{target.kind} {target.object_id}")
    error: BaseException | None = None
    try:
        for attempt in range(options.retries + 1):
            try:
                table = read_table(transport, target, export_type, options, display)
                break
            except ExportFailedError as failed:
                if attempt == options.retries:
                    raise
                log.warning(
                    "Export failed (read request %s, %s); starting attempt %d of %d",
                    failed.request_id,
                    "deleted" if failed.deleted else "kept",
                    attempt + 2,
                    options.retries + 1,
                )
        return to_frame(table, dtype_backend=options.dtype_backend)
    except BaseException as raised:
        error = raised
        raise
    finally:
        display.finish(error)
        if made_auth:
            transport.auth.close()
        if options.session is None:
            transport.session.close()


def read_table(
    transport: Transport,
    target: Target,
    export_type: str,
    options: ReadOptions,
    display: ProgressDisplay,
) -> pa.Table:
    """Run one read request to the end and return its data as one Arrow table.

    The metadata is read once the request has started, so an unknown id fails on the
    read request itself.
    """
    with ReadRequest.start(transport, target, export_type, keep=options.keep_request) as request:
        display.start(request.request_id)
        return request.to_table(
            categorical=options.categorical,
            schedule=options.schedule(),
            max_workers=options.max_workers,
            observer=display,
        )
