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

import pandas as pd

from anaplan_pandas.api.read_call import ReadCall
from anaplan_pandas.progress.choice import ProgressChoice, make_progress
from anaplan_pandas.progress.model import ProgressDisplay
from anaplan_pandas.progress.widget import WidgetProgress, in_jupyter


class BackgroundRead:
    """A read running on its own thread.

    Examples
    --------
    >>> import anaplan_pandas as ap
    >>> from anaplan_pandas import ReadRequestCancelledError
    >>> from anaplan_pandas.simulator import Faults, Simulator, WORKSPACE_ID, MODEL_ID
    >>> with Simulator(revenue_rows=2880, faults=Faults(not_started_seconds=60)) as sim:
    ...     handle = ap.start_view_read(WORKSPACE_ID, MODEL_ID, 102000000001,
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
        object_id = call.names[2]
        label = f"{call.kind.kind} {object_id}"
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
