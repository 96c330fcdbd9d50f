"""Progress of a read: one model of the counts, and the observer every renderer is.

:class:`ReadProgress` keeps the state, pages available and downloaded, rows, bytes and
elapsed time; :class:`ProgressDisplay` updates it from the runner's events and asks its
subclass to draw it: :class:`~anaplan_pandas.progress.text.TqdmProgress` (a terminal bar),
:class:`~anaplan_pandas.progress.text.LineProgress` (plain lines for logs),
:class:`~anaplan_pandas.progress.widget.WidgetProgress` (Jupyter), :class:`NoProgress`.
:func:`~anaplan_pandas.progress.choice.make_progress` picks one from ``progress=``.

Anaplan does not say how many pages a read request will have until it is ``COMPLETE``.
While it runs, the displays count up (pages, rows, MB) and show no percentage and no bar that
could read as nearly done; the bar appears, determinate, once the total is known. A bulk
export task is different: Anaplan reports its ``progress`` as a fraction, so the bar shows
that percentage (with ``currentStep``) while it runs, then the chunks of its file. A read that
ends early shows where it stopped.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Protocol


class ReadObserver(Protocol):
    """Receives progress events from a read."""

    def on_status(self, status: Any) -> None:
        """A status answer (a read request's, or an export task's)."""

    def on_page(self, page_no: int, size: int) -> None:
        """Page (or chunk) ``page_no`` of ``size`` bytes was downloaded."""

    def on_rows(self, rows: int) -> None:
        """``rows`` more rows were parsed."""


class NoObserver:
    """An observer that ignores every event."""

    def on_status(self, status: Any) -> None:
        """Ignored."""

    def on_page(self, page_no: int, size: int) -> None:
        """Ignored."""

    def on_rows(self, rows: int) -> None:
        """Ignored."""


@dataclass
class ReadProgress:
    """The counts a progress display shows.

    Examples
    --------
    >>> p = ReadProgress("view 101000000001")
    >>> p.available_pages, p.downloaded_pages, p.total_pages
    (0, 0, None)
    """

    label: str
    request_id: str | None = None
    state: str = "STARTING"
    available_pages: int = 0
    downloaded_pages: int = 0
    total_pages: int | None = None
    rows: int = 0
    bytes: int = 0
    #: An export task's own progress (0 to 1) and ``currentStep``; ``None`` for read requests.
    fraction: float | None = None
    step: str = ""
    #: What is downloaded: read-request pages, or the chunks of an export's file.
    unit: str = "page"
    #: What ``request_id`` names: a read request, or an export task.
    noun: str = "read request"
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    @property
    def exporting(self) -> bool:
        """Whether an export task runs, reporting its own percentage."""
        return self.fraction is not None and self.total_pages is None

    @property
    def elapsed(self) -> float:
        """Seconds since the read started (frozen once it ends)."""
        return (self.finished or time.monotonic()) - self.started

    def summary(self) -> str:
        """One line describing where the read stands."""
        if self.exporting:
            step = f" ({self.step})" if self.step else ""
            return (f"{self.label}: {self.state}, export {self.fraction or 0:.0%} done{step}, "
                    f"{self.elapsed:,.1f} s")
        pages = f"{self.downloaded_pages} of {self.available_pages} {self.unit}s downloaded"
        if self.total_pages is None:
            pages += " (export running)"
        mb = self.bytes / 1e6
        rate = mb / self.elapsed if self.elapsed > 0 else 0.0
        return (
            f"{self.label}: {self.state}, {pages}, {self.rows:,} rows, {mb:,.1f} MB "
            f"({rate:,.1f} MB/s), {self.elapsed:,.1f} s"
        )


class ProgressDisplay:
    """Base of the renderers: updates the model, then calls :meth:`render`.

    Implements :class:`ReadObserver`.
    """

    def __init__(self, label: str) -> None:
        self.progress = ReadProgress(label)
        self.error: BaseException | None = None

    def start(self, request_id: str, *, kept: bool = False, noun: str = "read request"
              ) -> None:
        """A read request was started (or restarted, or attached to); ``kept``: not deleted.

        ``noun`` says what the id names (``"export task"`` for a bulk export).
        """
        self.progress.request_id = request_id
        self.progress.noun = noun
        self.progress.unit = "page" if noun == "read request" else "chunk"
        self.announce(request_id, kept)
        self.progress.state = "STARTED"
        self.progress.available_pages = self.progress.downloaded_pages = 0
        self.progress.total_pages = self.progress.fraction = None
        self.progress.rows = self.progress.bytes = 0
        self.render()

    def on_status(self, status: Any) -> None:
        """Record a status answer: a read request's, or an export task's (its fraction)."""
        self.progress.state = status.state
        if not hasattr(status, "available_pages"):  # an export task reports a fraction
            self.progress.fraction = status.progress or 0.0
            self.progress.step = status.step
        else:
            self.progress.unit = getattr(status, "unit", "page")
            self.progress.available_pages = status.available_pages
            if status.is_complete:
                self.progress.total_pages = status.available_pages
        self.render()

    def on_page(self, page_no: int, size: int) -> None:
        """Record a downloaded page."""
        self.progress.downloaded_pages = page_no + 1
        self.progress.bytes += size
        self.render()

    def on_rows(self, rows: int) -> None:
        """Record rows parsed."""
        self.progress.rows += rows
        self.render()

    def finish(self, error: BaseException | None = None) -> None:
        """The read ended: successfully, or with ``error``."""
        self.progress.finished = time.monotonic()
        self.error = error
        if error is None:
            self.progress.state = "DONE"
        self.render()
        self.close()

    def message(self, text: str) -> None:
        """Show a message (a retry, say) without disturbing the display."""
        print(text, file=sys.stderr)

    @property
    def outcome(self) -> str:
        """How the read ended, in a few words (or its state while it runs)."""
        if self.error is None:
            return self.progress.state
        if isinstance(self.error, KeyboardInterrupt):
            return f"interrupted; {cleanup_said(self.progress.noun)}"
        return f"failed ({type(self.error).__name__})"

    def render(self) -> None:
        """Draw the current counts."""

    def announce(self, request_id: str, kept: bool) -> None:
        """Say which read request is read (so it can be found again); the panel shows it."""

    def close(self) -> None:
        """Release the display."""


class NoProgress(ProgressDisplay):
    """Shows nothing; messages go to the ``anaplan_pandas`` logger as warnings.

    Examples
    --------
    >>> NoProgress("view 1").render()
    """

    def message(self, text: str) -> None:
        """Log ``text`` (a retry, say) as a warning."""
        logging.getLogger("anaplan_pandas").warning(text)


def announcement(progress: ReadProgress, kept: bool) -> str:
    """The line that names the request a read uses, and what becomes of it."""
    if progress.noun != "read request":
        after = "Anaplan keeps the file it writes"
    elif kept:
        after = "it will be kept: read it again with request_id= (or --request-id)"
    else:
        after = "it is deleted when the read ends"
    return f"{progress.label}: {progress.noun} {progress.request_id}; {after}"


def cleanup_said(noun: str) -> str:
    """What happened to the server's side of a read that was interrupted."""
    if noun == "read request":
        return "the read request was deleted"
    return f"the {noun} goes on in Anaplan, which keeps the file it writes"
