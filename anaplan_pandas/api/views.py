"""The functions analysts call: read a view or list into a DataFrame, in chunks, or to a file.

Each runs the method of the same name of a :class:`~anaplan_pandas.api.connection.Connection`:
the caller's (``connection=``), or the one the process's pool holds for these credentials
(:mod:`anaplan_pandas.api.pool`), so that calls with the same credentials share one login.
The connection starts a read request, streams its pages through the parser while the
export runs, and always deletes the request at the end.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any, overload

import pandas as pd

from anaplan_pandas.api.background import BackgroundRead
from anaplan_pandas.api.connection import Connection
from anaplan_pandas.api.pool import pooled
from anaplan_pandas.progress.choice import ProgressChoice
from anaplan_pandas.sinks.files import FileFormat


@overload
def read_view(
    workspace_id: str,
    model_id: str,
    view_id: int | str,
    *,
    export_type: str = ...,
    auth: object = ...,
    api_url: str | None = ...,
    auth_url: str | None = ...,
    connection: Connection | None = ...,
    progress: ProgressChoice = ...,
    chunksize: None = ...,
    **options: Any,
) -> pd.DataFrame: ...


@overload
def read_view(
    workspace_id: str,
    model_id: str,
    view_id: int | str,
    *,
    export_type: str = ...,
    auth: object = ...,
    api_url: str | None = ...,
    auth_url: str | None = ...,
    connection: Connection | None = ...,
    progress: ProgressChoice = ...,
    chunksize: int,
    **options: Any,
) -> Iterator[pd.DataFrame]: ...


def read_view(
    workspace_id: str,
    model_id: str,
    view_id: int | str,
    *,
    export_type: str = "TABULAR_MULTI_COLUMN",
    auth: object = None,
    api_url: str | None = None,
    auth_url: str | None = None,
    connection: Connection | None = None,
    progress: ProgressChoice = "auto",
    chunksize: int | None = None,
    **options: Any,
) -> pd.DataFrame | Iterator[pd.DataFrame]:
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
    connection : Connection, optional
        A connection from :func:`~anaplan_pandas.connect`, whose login every call reuses
        (then leave out ``auth`` and the URLs).
    progress : {"auto", "tqdm", "widget", None, False}
        A widget in Jupyter, a text bar in a terminal, or nothing.
    chunksize : int, optional
        Return an iterator of DataFrames of this many rows instead of one DataFrame, as in
        :func:`pandas.read_csv`; memory then stays bounded whatever the view's size.
    **options
        See :class:`ReadOptions`: ``timeout``, ``retries``, ``keep_request``,
        ``max_workers``, ``categorical``, ``dtype_backend``, ``poll_interval``, …

    Returns
    -------
    pandas.DataFrame, or an iterator of DataFrames with ``chunksize``
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
    >>> chunks = read_view(WORKSPACE_ID, MODEL_ID, 102000000001, auth=sim.credentials,
    ...                    api_url=sim.api_url, auth_url=sim.auth_url, progress=None,
    ...                    chunksize=1000)
    >>> [len(chunk) for chunk in chunks]
    [1000, 1000, 880]
    >>> sim.stop()
    """
    conn = pooled(connection, auth, api_url, auth_url, options)
    return conn.read_view(workspace_id, model_id, view_id, export_type=export_type,
                          progress=progress, chunksize=chunksize, **options)


@overload
def read_list(
    workspace_id: str,
    model_id: str,
    list_id: int | str,
    *,
    auth: object = ...,
    api_url: str | None = ...,
    auth_url: str | None = ...,
    connection: Connection | None = ...,
    progress: ProgressChoice = ...,
    chunksize: None = ...,
    **options: Any,
) -> pd.DataFrame: ...


@overload
def read_list(
    workspace_id: str,
    model_id: str,
    list_id: int | str,
    *,
    auth: object = ...,
    api_url: str | None = ...,
    auth_url: str | None = ...,
    connection: Connection | None = ...,
    progress: ProgressChoice = ...,
    chunksize: int,
    **options: Any,
) -> Iterator[pd.DataFrame]: ...


def read_list(
    workspace_id: str,
    model_id: str,
    list_id: int | str,
    *,
    auth: object = None,
    api_url: str | None = None,
    auth_url: str | None = None,
    connection: Connection | None = None,
    progress: ProgressChoice = "auto",
    chunksize: int | None = None,
    **options: Any,
) -> pd.DataFrame | Iterator[pd.DataFrame]:
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
    conn = pooled(connection, auth, api_url, auth_url, options)
    return conn.read_list(workspace_id, model_id, list_id, progress=progress,
                          chunksize=chunksize, **options)


def save_view(
    workspace_id: str,
    model_id: str,
    view_id: int | str,
    path: str | os.PathLike[str],
    *,
    file_format: FileFormat | None = None,
    export_type: str = "TABULAR_MULTI_COLUMN",
    auth: object = None,
    api_url: str | None = None,
    auth_url: str | None = None,
    connection: Connection | None = None,
    progress: ProgressChoice = "auto",
    **options: Any,
) -> int:
    """Stream a view into a Parquet or CSV file, page by page; return the rows written.

    The whole view is never held in memory, so views larger than memory can be saved.
    The format comes from the suffix (``.parquet``, ``.pq``, ``.csv``) or ``file_format``.
    The file appears under its name only once complete. Other parameters as in
    :func:`read_view`.

    Examples
    --------
    >>> from anaplan_pandas.simulator import Simulator, WORKSPACE_ID, MODEL_ID
    >>> sim = Simulator(revenue_rows=2880).start()  # a local Anaplan on 127.0.0.1
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "revenue.parquet")
    >>> save_view(WORKSPACE_ID, MODEL_ID, 102000000001, path, auth=sim.credentials,
    ...           api_url=sim.api_url, auth_url=sim.auth_url, progress=None)
    2880
    >>> sim.stop()
    """
    conn = pooled(connection, auth, api_url, auth_url, options)
    return conn.save_view(workspace_id, model_id, view_id, path, file_format=file_format,
                          export_type=export_type, progress=progress, **options)


def save_list(
    workspace_id: str,
    model_id: str,
    list_id: int | str,
    path: str | os.PathLike[str],
    *,
    file_format: FileFormat | None = None,
    auth: object = None,
    api_url: str | None = None,
    auth_url: str | None = None,
    connection: Connection | None = None,
    progress: ProgressChoice = "auto",
    **options: Any,
) -> int:
    """Stream a list into a Parquet or CSV file, page by page; return the rows written.

    Examples
    --------
    >>> from anaplan_pandas.simulator import Simulator, WORKSPACE_ID, MODEL_ID
    >>> sim = Simulator(revenue_rows=2880).start()  # a local Anaplan on 127.0.0.1
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "regions.csv")
    >>> save_list(WORKSPACE_ID, MODEL_ID, 101000000002, path, auth=sim.credentials,
    ...           api_url=sim.api_url, auth_url=sim.auth_url, progress=None)
    12
    >>> sim.stop()
    """
    conn = pooled(connection, auth, api_url, auth_url, options)
    return conn.save_list(workspace_id, model_id, list_id, path, file_format=file_format,
                          progress=progress, **options)


def start_view_read(
    workspace_id: str,
    model_id: str,
    view_id: int | str,
    *,
    export_type: str = "TABULAR_MULTI_COLUMN",
    auth: object = None,
    api_url: str | None = None,
    auth_url: str | None = None,
    connection: Connection | None = None,
    progress: ProgressChoice = "auto",
    **options: Any,
) -> BackgroundRead:
    """Start reading a view in the background; parameters as :func:`read_view`.

    In Jupyter, show the handle to get the progress panel with a Cancel button.

    Examples
    --------
    >>> from anaplan_pandas.simulator import Simulator
    >>> with Simulator(revenue_rows=2880) as sim:
    ...     handle = start_view_read("Sales Planning", "FP&A Model", "Revenue Plan",
    ...                              auth=sim.credentials, api_url=sim.api_url,
    ...                              auth_url=sim.auth_url, progress=None)
    ...     handle.result().shape
    (2880, 8)
    """
    conn = pooled(connection, auth, api_url, auth_url, options)
    return conn.start_view_read(workspace_id, model_id, view_id, export_type=export_type,
                                progress=progress, **options)


def start_list_read(
    workspace_id: str,
    model_id: str,
    list_id: int | str,
    *,
    auth: object = None,
    api_url: str | None = None,
    auth_url: str | None = None,
    connection: Connection | None = None,
    progress: ProgressChoice = "auto",
    **options: Any,
) -> BackgroundRead:
    """Start reading a list in the background; parameters as :func:`read_list`.

    Examples
    --------
    >>> from anaplan_pandas.simulator import Simulator, WORKSPACE_ID, MODEL_ID
    >>> with Simulator(revenue_rows=2880) as sim:
    ...     handle = start_list_read(WORKSPACE_ID, MODEL_ID, "Regions", auth=sim.credentials,
    ...                              api_url=sim.api_url, auth_url=sim.auth_url, progress=None)
    ...     len(handle.result())
    12
    """
    conn = pooled(connection, auth, api_url, auth_url, options)
    return conn.start_list_read(workspace_id, model_id, list_id, progress=progress,
                                **options)
