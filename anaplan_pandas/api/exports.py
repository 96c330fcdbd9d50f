"""Read a bulk export action (saved in the model by a model builder) like a view.

:func:`read_export` and :func:`save_export` run the export's task, show its progress as
Anaplan reports it (a fraction and the current step), download the file's chunks several at
once and parse them as they arrive into a DataFrame, chunks of rows or a file: the same
runner, parser, sinks, deadline, retries and errors as :func:`~anaplan_pandas.read_view`,
with an :class:`~anaplan_pandas.sources.export_task.ExportTask` as the source.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any, overload

import pandas as pd

from anaplan_pandas.api.connection import Connection
from anaplan_pandas.api.pool import pooled
from anaplan_pandas.progress.choice import ProgressChoice
from anaplan_pandas.sinks.files import FileFormat


@overload
def read_export(workspace_id: str, model_id: str, export_id: int | str, *,
                auth: object = ..., api_url: str | None = ..., auth_url: str | None = ...,
                connection: Connection | None = ..., progress: ProgressChoice = ...,
                chunksize: None = ..., locale: str = ..., **options: Any) -> pd.DataFrame: ...


@overload
def read_export(workspace_id: str, model_id: str, export_id: int | str, *,
                auth: object = ..., api_url: str | None = ..., auth_url: str | None = ...,
                connection: Connection | None = ..., progress: ProgressChoice = ...,
                chunksize: int, locale: str = ..., **options: Any) -> Iterator[pd.DataFrame]: ...


def read_export(
    workspace_id: str,
    model_id: str,
    export_id: int | str,
    *,
    auth: object = None,
    api_url: str | None = None,
    auth_url: str | None = None,
    connection: Connection | None = None,
    progress: ProgressChoice = "auto",
    chunksize: int | None = None,
    locale: str = "en_US",
    **options: Any,
) -> pd.DataFrame | Iterator[pd.DataFrame]:
    """Run an export action saved in the model and read the file it writes into a DataFrame.

    Workspace, model and export are ids or names (``"Revenue Plan"`` finds
    ``"Revenue Plan.csv"``). Column names, types, separator and encoding come from the
    export's metadata: item names stay text, ``NUMBER`` and ``BOOLEAN`` columns are typed,
    ``MIXED`` ones follow the rules of :func:`~anaplan_pandas.read_view`. The progress
    display shows Anaplan's own percentage while the export runs, then the file's chunks.
    Other parameters as in :func:`~anaplan_pandas.read_view` (``timeout``, ``retries``,
    ``max_workers``, ``categorical``, ``dtype_backend``, ...); ``locale`` is sent with the
    task (Anaplan requires one).

    Raises
    ------
    ExportFailedError
        The task finished with ``successful: false``; ``details`` holds what Anaplan said.
        Run it again, or pass ``retries=``.
    UnsupportedExportError
        The export writes a spreadsheet or a grid layout, not one table of text.

    Examples
    --------
    >>> from anaplan_pandas.simulator import Simulator, WORKSPACE_ID, MODEL_ID
    >>> sim = Simulator(revenue_rows=2880).start()  # a local Anaplan on 127.0.0.1
    >>> df = read_export(WORKSPACE_ID, MODEL_ID, "Price Book", auth=sim.credentials,
    ...                  api_url=sim.api_url, auth_url=sim.auth_url, progress=None)
    >>> df.dtypes.astype(str)[["Products", "List Price", "Discontinued"]].tolist()
    ['category', 'float64', 'bool']
    >>> sim.stop()
    """
    conn = pooled(connection, auth, api_url, auth_url, options)
    return conn.read_export(workspace_id, model_id, export_id, progress=progress,
                            chunksize=chunksize, locale=locale, **options)


def save_export(
    workspace_id: str,
    model_id: str,
    export_id: int | str,
    path: str | os.PathLike[str],
    *,
    file_format: FileFormat | None = None,
    auth: object = None,
    api_url: str | None = None,
    auth_url: str | None = None,
    connection: Connection | None = None,
    progress: ProgressChoice = "auto",
    locale: str = "en_US",
    **options: Any,
) -> int:
    """Run an export action and stream its file into Parquet or CSV; return the rows written.

    As :func:`~anaplan_pandas.save_view`: chunk by chunk, never the whole file in memory,
    under its final name only once complete (local paths or fsspec URLs). Other parameters
    as in :func:`read_export`.

    Examples
    --------
    >>> from anaplan_pandas.simulator import Simulator, WORKSPACE_ID, MODEL_ID
    >>> sim = Simulator(revenue_rows=2880).start()  # a local Anaplan on 127.0.0.1
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "revenue.parquet")
    >>> save_export(WORKSPACE_ID, MODEL_ID, 116000000001, path, auth=sim.credentials,
    ...             api_url=sim.api_url, auth_url=sim.auth_url, progress=None)
    2880
    >>> sim.stop()
    """
    conn = pooled(connection, auth, api_url, auth_url, options)
    return conn.save_export(workspace_id, model_id, export_id, path, file_format=file_format,
                            progress=progress, locale=locale, **options)
