"""The functions analysts call: read a view or list into a DataFrame, in chunks, or to a file.

They check the arguments and hand the work to a :class:`~anaplan_pandas.run.call.ReadCall`,
which connects, starts a read request, streams its pages through the parser while the export
runs, and always deletes the request at the end.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TypeVar, overload

import pandas as pd

from anaplan_pandas.progress.display import ProgressChoice
from anaplan_pandas.run.call import ReadCall
from anaplan_pandas.run.options import ReadOptions, check_chunksize
from anaplan_pandas.sinks.files import FileFormat
from anaplan_pandas.sources.read_request import check_export_type

if TYPE_CHECKING:
    from anaplan_pandas.api.connection import Connection

log = logging.getLogger("anaplan_pandas")

T = TypeVar("T")


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
    read_options = ReadOptions.from_keywords(options)
    chunksize = check_chunksize(chunksize)
    if chunksize is not None and read_options.method != "read_request":
        raise ValueError("method= does not apply with chunksize=, which streams a read request.")
    call = ReadCall(("view", workspace_id, model_id, view_id), check_export_type(export_type), auth,
                 api_url, auth_url, progress, read_options, connection)
    return call.frame() if chunksize is None else call.chunks(chunksize)


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
    read_options = ReadOptions.from_keywords(options)
    read_options.require_plain("lists, which are read as they are")
    chunksize = check_chunksize(chunksize)
    call = ReadCall(("list", workspace_id, model_id, list_id), "TABULAR_MULTI_COLUMN", auth,
                 api_url, auth_url, progress, read_options, connection)
    return call.frame() if chunksize is None else call.chunks(chunksize)


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
    read_options = ReadOptions.from_keywords(options)
    read_options.require_plain("files, which are written as read")
    call = ReadCall(("view", workspace_id, model_id, view_id), check_export_type(export_type), auth,
                 api_url, auth_url, progress, read_options, connection)
    return call.save(path, file_format)


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
    read_options = ReadOptions.from_keywords(options)
    read_options.require_plain("lists, which are read as they are")
    call = ReadCall(("list", workspace_id, model_id, list_id), "TABULAR_MULTI_COLUMN", auth,
                 api_url, auth_url, progress, read_options, connection)
    return call.save(path, file_format)
