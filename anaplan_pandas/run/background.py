"""Read in the background: the notebook stays usable, and a Cancel button works.

Jupyter does not deliver a button click while a cell runs, so a blocking read can only be
stopped with the kernel's stop button (which deletes the request too). A background read
returns at once with a handle; its widget has a working Cancel button, and ``result()``
waits for the DataFrame.
"""

from __future__ import annotations

import atexit
import threading
import time
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any

import pandas as pd

from anaplan_pandas.progress.display import (
    ProgressChoice,
    ProgressDisplay,
    WidgetProgress,
    in_jupyter,
    make_progress,
)
from anaplan_pandas.run.call import ReadCall
from anaplan_pandas.run.options import ReadOptions
from anaplan_pandas.sources.read_request import check_export_type

if TYPE_CHECKING:
    from anaplan_pandas.api.connection import Connection


class BackgroundRead:
    """A read running on its own thread.

    Examples
    --------
    >>> from anaplan_pandas import ReadRequestCancelledError
    >>> from anaplan_pandas.simulator import Faults, Simulator, WORKSPACE_ID, MODEL_ID
    >>> with Simulator(revenue_rows=2880, faults=Faults(not_started_seconds=60)) as sim:
    ...     handle = start_view_read(WORKSPACE_ID, MODEL_ID, 102000000001,
    ...                              auth=sim.credentials, api_url=sim.api_url,
    ...                              auth_url=sim.auth_url, progress=None)
    ...     handle.cancel()
    ...     try:
    ...         handle.result()
    ...     except ReadRequestCancelledError as error:
    ...         print("cancelled; deleted:", error.deleted)
    cancelled; deleted: True
    """

    def __init__(self, call: ReadCall, progress: ProgressChoice) -> None:
        self._call = call
        kind, *_, object_id = call.what
        label = f"{kind} {object_id}"
        self.display: ProgressDisplay
        if progress == "widget" or (progress in ("auto", True) and in_jupyter()):
            self.display = WidgetProgress(label, show=False, on_cancel=self.cancel)
        else:
            self.display = make_progress(progress, label)
        call.display = self.display
        self._future: Future[pd.DataFrame] = Future()
        self._thread = threading.Thread(target=self._run, name=f"anaplan-read-{object_id}",
                                        daemon=True)
        _RUNNING.add(self)
        self._thread.start()

    def _run(self) -> None:
        self._future.set_running_or_notify_cancel()
        try:
            self._future.set_result(self._call.frame())
        except BaseException as error:  # handed to whoever calls result()
            self._future.set_exception(error)
        finally:
            _RUNNING.discard(self)

    def cancel(self) -> None:
        """Stop the read; the request is deleted and :meth:`result` raises the cancellation."""
        self._call.cancel_event.set()

    def done(self) -> bool:
        """Whether the read has ended (with data, an error or a cancellation)."""
        return self._future.done()

    def result(self, timeout: float | None = None) -> pd.DataFrame:
        """Wait for the DataFrame (or raise the read's error)."""
        return self._future.result(timeout)

    @property
    def state(self) -> str:
        """Where the read stands: the request's state, ``DONE``, or the error's name."""
        if self._future.done() and self._future.exception() is not None:
            return type(self._future.exception()).__name__
        return self.display.progress.state

    def _ipython_display_(self) -> None:
        from IPython.display import display

        widget = getattr(self.display, "widget", None)
        display(widget if widget is not None else self.display.progress.summary())

    def __repr__(self) -> str:
        return f"BackgroundRead({self.display.progress.summary()})"


_RUNNING: set[BackgroundRead] = set()

#: Seconds, in all, that interpreter exit waits for background reads to delete their
#: requests (the DELETE has a deadline of its own, and downloads run on daemon threads).
EXIT_WAIT = 6.0


@atexit.register
def _cancel_at_exit() -> None:
    """Cancel reads still running when Python exits, so their requests are deleted."""
    for handle in list(_RUNNING):
        handle.cancel()
    until = time.monotonic() + EXIT_WAIT
    for handle in list(_RUNNING):
        handle._thread.join(max(0.0, until - time.monotonic()))


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
    call = ReadCall(("view", workspace_id, model_id, view_id), check_export_type(export_type), auth,
                 api_url, auth_url, progress, ReadOptions.from_keywords(options), connection)
    return BackgroundRead(call, progress)


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
    read_options = ReadOptions.from_keywords(options)
    read_options.require_plain("lists, which are read as they are")
    call = ReadCall(("list", workspace_id, model_id, list_id), "TABULAR_MULTI_COLUMN", auth,
                 api_url, auth_url, progress, read_options, connection)
    return BackgroundRead(call, progress)
