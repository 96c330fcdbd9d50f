"""Progress of a read: one model of the counts, four renderers.

:class:`ReadProgress` keeps the state, pages available and downloaded, rows, bytes and
elapsed time; :class:`TqdmProgress` draws it as a text bar (terminal), :class:`LineProgress`
as plain lines now and then (output piped to a file or a scheduler's log, where a bar cannot
be drawn), :class:`WidgetProgress` as an ipywidgets panel (Jupyter), :class:`NoProgress` not
at all. ``progress="auto"`` picks the widget inside a Jupyter kernel, the bar in a terminal,
plain lines elsewhere.

Anaplan does not say how many pages a read request will have until it is ``COMPLETE``.
While it runs, the displays count up (pages, rows, MB) and show no percentage and no bar that
could read as nearly done; the bar appears, determinate, once the total is known. A bulk
export task is different: Anaplan reports its ``progress`` as a fraction, so the bar shows
that percentage (with ``currentStep``) while it runs, then the chunks of its file. A read that
ends early shows where it stopped.
"""

from __future__ import annotations

import html
import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from anaplan_pandas.sources.read_request import ReadRequestStatus

ProgressChoice = Literal["auto", "tqdm", "widget"] | bool | None


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

    Implements :class:`~anaplan_pandas.sources.read_request.ReadObserver`.
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

    def on_status(self, status: ReadRequestStatus | Any) -> None:
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
            return f"interrupted; {_cleanup_said(self.progress.noun)}"
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


class TqdmProgress(ProgressDisplay):
    """A tqdm text bar of pages downloaded, on standard error.

    While the export runs the bar only counts pages (no total, no percentage); once it is
    ``COMPLETE`` the total is set and the bar fills. Messages go above the bar.

    Examples
    --------
    >>> bar = TqdmProgress("view 101000000001", disable=True)
    >>> bar.finish()
    """

    def __init__(self, label: str, **tqdm_options: Any) -> None:
        super().__init__(label)
        from tqdm import tqdm

        options = {"file": sys.stderr, "unit": "page", "dynamic_ncols": True, **tqdm_options}
        self.file = options["file"]
        self.bar = tqdm(total=None, desc=label, **options)

    def render(self) -> None:
        """Move the bar to the model's counts (to the export's percentage while it runs)."""
        p = self.progress
        if p.exporting:
            self.bar.unit, self.bar.total, self.bar.n = "%", 100, round(100 * (p.fraction or 0))
            self.bar.set_postfix_str(f"{self.outcome}, exporting: {p.step}", refresh=False)
        else:
            self.bar.unit = p.unit
            if self.bar.total != p.total_pages:
                self.bar.total = p.total_pages  # None while the export runs: no percentage
            self.bar.n = p.downloaded_pages
            running = "" if p.total_pages is not None else ", export running"
            self.bar.set_postfix_str(
                f"{self.outcome}{running}, {p.available_pages} available, {p.rows:,} rows, "
                f"{p.bytes / 1e6:,.1f} MB", refresh=False
            )
        if p.finished is not None:
            self.bar.refresh()
        else:
            self.bar.update(0)  # redraws at most every tqdm ``mininterval``

    def announce(self, request_id: str, kept: bool) -> None:
        """Write the request id above the bar, at once (a scheduler's log keeps it)."""
        self.bar.write(_announcement(self.progress, kept), file=self.file)
        self.file.flush()

    def close(self) -> None:
        """Close the bar, leaving its last line on screen."""
        self.bar.close()

    def message(self, text: str) -> None:
        """Write ``text`` above the bar, never glued to it."""
        self.bar.write(text, file=self.file)


class LineProgress(ProgressDisplay):
    """Plain lines on standard error, for output that is not a terminal.

    One line when the request starts, when the state changes, at most every ``every``
    seconds while pages arrive, and at the end.

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> lines = LineProgress("view 1", file=out)
    >>> lines.finish()
    >>> out.getvalue().splitlines()[-1].startswith("view 1: DONE")
    True
    """

    def __init__(self, label: str, *, file: Any = None, every: float = 10.0) -> None:
        super().__init__(label)
        self.file = file or sys.stderr
        self.every = every
        self._said = (None, 0.0)

    def announce(self, request_id: str, kept: bool) -> None:
        """Write the request id at once (a scheduler's log keeps it)."""
        self.message(_announcement(self.progress, kept))

    def render(self) -> None:
        """Write a line when the state changes, now and then, and at the end."""
        state, when = self._said
        now = time.monotonic()
        outcome = self.outcome
        if outcome != state or now - when >= self.every or self.progress.finished is not None:
            self._said = (outcome, now)
            p = self.progress
            if p.exporting:
                print(p.summary(), file=self.file, flush=True)
                return
            total = f" of {p.total_pages}" if p.total_pages is not None else ""
            print(f"{p.label}: {outcome}, {p.downloaded_pages}{total} {p.unit}s, {p.rows:,} rows, "
                  f"{p.bytes / 1e6:,.1f} MB, {p.elapsed:,.1f} s", file=self.file, flush=True)

    def message(self, text: str) -> None:
        """Write ``text`` as a line of its own."""
        print(text, file=self.file, flush=True)


def _announcement(progress: ReadProgress, kept: bool) -> str:
    if progress.noun != "read request":
        after = "Anaplan keeps the file it writes"
    elif kept:
        after = "it will be kept: read it again with request_id= (or --request-id)"
    else:
        after = "it is deleted when the read ends"
    return f"{progress.label}: {progress.noun} {progress.request_id}; {after}"


def _cleanup_said(noun: str) -> str:
    if noun == "read request":
        return "the read request was deleted"
    return f"the {noun} goes on in Anaplan, which keeps the file it writes"


class WidgetProgress(ProgressDisplay):
    """An ipywidgets panel: a bar of pages and a line of counts, ending in a summary.

    Examples
    --------
    >>> panel = WidgetProgress("view 101000000001", show=False)
    >>> panel.finish()
    >>> panel.bar.bar_style
    'success'
    """

    def __init__(
        self, label: str, *, show: bool = True, on_cancel: Callable[[], None] | None = None
    ) -> None:
        super().__init__(label)
        import ipywidgets

        self.bar = ipywidgets.IntProgress(value=0, min=0, max=1, description="pages")
        self.text = ipywidgets.HTML()
        self.cancel_button = ipywidgets.Button(description="Cancel", icon="stop",
                                               button_style="warning")
        self.cancel_button.on_click(lambda _: on_cancel() if on_cancel else None)
        children = [self.bar, self.text] + ([self.cancel_button] if on_cancel else [])
        self.widget = ipywidgets.VBox(children)
        if show:
            from IPython.display import display

            display(self.widget)

    def render(self) -> None:
        """Update the bar, the text and the Cancel button.

        The bar is hidden while the export runs (its total is not known yet), and shows
        where a read stopped.
        """
        p = self.progress
        self.cancel_button.disabled = p.finished is not None
        known = p.total_pages is not None
        self.bar.layout.visibility = "visible" if known or p.state == "DONE" else "hidden"
        self.bar.max = max(p.total_pages or p.downloaded_pages, 1)
        self.bar.value = min(p.downloaded_pages, self.bar.max)
        self.bar.description = f"{p.unit}s"
        if p.exporting and self.error is None:
            self.bar.layout.visibility = "visible"
            self.bar.description = "export"
            self.bar.max, self.bar.value = 100, round(100 * (p.fraction or 0))
            text = html.escape(p.summary())
        elif isinstance(self.error, KeyboardInterrupt):
            self.bar.bar_style = "warning"
            text = (f"<b>Interrupted</b> after {p.downloaded_pages} {p.unit}s and {p.rows:,} "
                    f"rows; {_cleanup_said(p.noun)}.")
        elif self.error is not None:
            self.bar.bar_style = "danger"
            text = f"<b>{type(self.error).__name__}</b>: {html.escape(str(self.error))}"
        elif not known and p.state != "DONE":
            text = html.escape(
                f"Export running: {p.downloaded_pages} {p.unit}s read so far ({p.available_pages} "
                f"available), {p.rows:,} rows, {p.bytes / 1e6:,.1f} MB, {p.elapsed:,.1f} s")
        elif p.state == "DONE":
            self.bar.bar_style = "success"
            self.bar.value = self.bar.max
            text = (
                f"Read {p.rows:,} rows from {p.downloaded_pages} {p.unit}s "
                f"({p.bytes / 1e6:,.1f} MB) in {p.elapsed:,.1f} s."
            )
        else:
            text = html.escape(p.summary())
        request = f" — {p.noun} {p.request_id}" if p.request_id else ""
        self.text.value = f"{text}<br><small>{html.escape(p.label)}{request}</small>"


def in_jupyter() -> bool:
    """Whether code runs inside a Jupyter (IPython kernel) session.

    Examples
    --------
    >>> in_jupyter()
    False
    """
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    try:
        ip = shell.get_ipython()  # type: ignore[attr-defined]
    except AttributeError:
        return False
    return ip is not None and "IPKernelApp" in getattr(ip, "config", {})


def _draws_bars(stream: Any) -> bool:
    """Whether ``stream`` is a terminal with a width, where a bar can be drawn."""
    try:
        return bool(stream.isatty()) and os.get_terminal_size(stream.fileno()).columns > 0
    except (AttributeError, OSError, ValueError):
        return False


def make_progress(choice: ProgressChoice, label: str) -> ProgressDisplay:
    """Build the display that ``progress=`` asks for.

    Examples
    --------
    >>> type(make_progress(None, "view 1")).__name__
    'NoProgress'
    """
    if choice is None or choice is False:
        return NoProgress(label)
    if choice is True or choice == "auto":
        choice = "widget" if in_jupyter() else "tqdm"
    if choice == "tqdm":
        return TqdmProgress(label) if _draws_bars(sys.stderr) else LineProgress(label)
    if choice == "widget":
        return WidgetProgress(label)
    raise ValueError(f"progress must be 'auto', 'tqdm', 'widget', None or False, got {choice!r}.")
