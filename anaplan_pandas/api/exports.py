"""Read a bulk export action (saved in the model by a model builder) like a view.

:func:`read_export` and :func:`save_export` run the export's task, show its progress as
Anaplan reports it (a fraction and the current step), download the file's chunks several at
once and parse them as they arrive into a DataFrame, chunks of rows or a file: the same
parser, sinks, deadline, retries and errors as :func:`~anaplan_pandas.read_view`. An
:class:`ExportCall` is a :class:`~anaplan_pandas.run.call.ReadCall` whose source is an
:class:`~anaplan_pandas.sources.export_task.ExportTask` instead of a read request.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, overload

import pandas as pd

from anaplan_pandas.catalog.export_definition import ExportDefinition, export_definition
from anaplan_pandas.http.transport import Transport
from anaplan_pandas.parse.frames import ColumnPlan
from anaplan_pandas.progress.display import ProgressChoice, ProgressDisplay
from anaplan_pandas.run.call import ReadCall
from anaplan_pandas.run.options import ReadOptions, check_chunksize
from anaplan_pandas.sinks.files import FileFormat
from anaplan_pandas.sources.export_task import ExportTask

if TYPE_CHECKING:
    from anaplan_pandas.api.connection import Connection


@dataclass
class ExportCall(ReadCall):
    """One call of :func:`read_export` or :func:`save_export`: run the task, read the file."""

    locale: str = "en_US"
    noun: ClassVar[str] = "export task"
    _definition: ExportDefinition | None = None

    def definition(self, transport: Transport) -> ExportDefinition:
        """The export's metadata, checked to be one table of delimited text (once)."""
        if self._definition is None:
            self._definition = export_definition(transport, self.target(transport))
        return self._definition

    def plan(self, transport: Transport) -> ColumnPlan:
        """Column types from the export's ``dataTypes``."""
        return self.definition(transport).column_plan()

    @contextlib.contextmanager
    def _request(self, transport: Transport, display: ProgressDisplay) -> Iterator[ExportTask]:
        with ExportTask.run(transport, self.target(transport), locale=self.locale,
                            definition=self.definition(transport),
                            cancel_event=self.cancel_event) as task:
            self.request_id = task.task_id
            display.start(task.task_id, noun=self.noun)
            yield task

    def _labelled(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` with the export task's id in its ``attrs``."""
        frame.attrs["anaplan_task_id"] = self.request_id
        return frame


def _export_call(what: tuple[Any, ...], auth: object, api_url: str | None, auth_url: str | None,
                 progress: ProgressChoice, connection: Connection | None, locale: str,
                 options: dict[str, Any]) -> ExportCall:
    read_options = ReadOptions.from_keywords(options)
    read_options.require_plain("exports, which are read as they are saved")
    if read_options.request_id is not None or read_options.keep_request:
        raise ValueError("request_id= and keep_request= apply to read requests; an export "
                         "task leaves nothing to keep or re-attach to (Anaplan keeps its file).")
    if not isinstance(locale, str) or not locale.strip():
        raise ValueError(f"locale must be a locale name such as 'en_US', got {locale!r}.")
    return ExportCall(("export", *what), "", auth, api_url, auth_url, progress, read_options,
                      connection, locale=locale.strip())


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
    call = _export_call((workspace_id, model_id, export_id), auth, api_url, auth_url, progress,
                        connection, locale, options)
    chunksize = check_chunksize(chunksize)
    return call.frame() if chunksize is None else call.chunks(chunksize)


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
    call = _export_call((workspace_id, model_id, export_id), auth, api_url, auth_url, progress,
                        connection, locale, options)
    return call.save(path, file_format)
