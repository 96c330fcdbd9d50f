"""Progress of a read: one model of the counts, three renderers.

:class:`ReadProgress` keeps the state, pages available and downloaded, rows and elapsed
time; :class:`TqdmProgress` draws it as a text bar (terminal), :class:`WidgetProgress` as an
ipywidgets panel (Jupyter), :class:`NoProgress` not at all. ``progress="auto"`` picks the
widget inside a Jupyter kernel and the text bar elsewhere.

While the export runs, the bar's total is the number of pages available so far; at
``COMPLETE`` it becomes the final page count, which the bar reaches when the last page is in.
"""

from __future__ import annotations

import html
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from anaplan_pandas.read_request import ReadRequestStatus

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
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    @property
    def elapsed(self) -> float:
        """Seconds since the read started (frozen once it ends)."""
        return (self.finished or time.monotonic()) - self.started

    def summary(self) -> str:
        """One line describing where the read stands."""
        pages = f"{self.downloaded_pages} of {self.available_pages} pages downloaded"
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

    Implements :class:`~anaplan_pandas.read_request.ReadObserver`.
    """

    def __init__(self, label: str) -> None:
        self.progress = ReadProgress(label)
        self.error: BaseException | None = None

    def start(self, request_id: str, *, kept: bool = False) -> None:
        """A read request was started (or restarted, or attached to); ``kept``: not deleted."""
        self.progress.request_id = request_id
        self.announce(request_id, kept)
        self.progress.state = "STARTED"
        self.progress.available_pages = self.progress.downloaded_pages = 0
        self.progress.total_pages = None
        self.progress.rows = self.progress.bytes = 0
        self.render()

    def on_status(self, status: ReadRequestStatus) -> None:
        """Record a status answer."""
        self.progress.state = status.state
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

    def render(self) -> None:
        """Draw the current counts."""

    def announce(self, request_id: str, kept: bool) -> None:
        """Say which read request is read (so it can be found again); the panel shows it."""

    def close(self) -> None:
        """Release the display."""


class NoProgress(ProgressDisplay):
    """Shows nothing.

    Examples
    --------
    >>> NoProgress("view 1").render()
    """


class TqdmProgress(ProgressDisplay):
    """A tqdm text bar of pages downloaded, on standard error.

    Examples
    --------
    >>> bar = TqdmProgress("view 101000000001", disable=True)
    >>> bar.finish()
    """

    def __init__(self, label: str, **tqdm_options: Any) -> None:
        super().__init__(label)
        from tqdm import tqdm

        options = {"file": sys.stderr, "unit": "page", "dynamic_ncols": True, **tqdm_options}
        self.bar = tqdm(total=0, desc=label, **options)

    def render(self) -> None:
        """Move the bar to the model's counts."""
        p = self.progress
        total = p.total_pages if p.total_pages is not None else p.available_pages
        if self.bar.total != total:
            self.bar.total = total
        self.bar.n = p.downloaded_pages
        state = "failed" if self.error is not None else p.state
        self.bar.set_postfix_str(
            f"{state}, {p.available_pages} available, {p.rows:,} rows", refresh=False
        )
        if p.finished is not None:
            self.bar.refresh()
        else:
            self.bar.update(0)  # redraws at most every tqdm ``mininterval``

    def announce(self, request_id: str, kept: bool) -> None:
        """Write the request id above the bar, at once (a scheduler's log keeps it)."""
        after = ("it will be kept: read it again with request_id= (or --request-id)" if kept
                 else "it is deleted when the read ends")
        self.bar.write(f"{self.progress.label}: read request {request_id}; {after}",
                       file=sys.stderr)
        sys.stderr.flush()

    def close(self) -> None:
        """Close the bar, leaving its last line on screen."""
        self.bar.close()


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
        """Update the bar, the text and the Cancel button."""
        p = self.progress
        self.cancel_button.disabled = p.finished is not None
        total = p.total_pages if p.total_pages is not None else p.available_pages
        self.bar.max = max(total, 1)
        self.bar.value = min(p.downloaded_pages, self.bar.max)
        if self.error is not None:
            self.bar.bar_style = "danger"
            text = f"<b>{type(self.error).__name__}</b>: {html.escape(str(self.error))}"
        elif p.state == "DONE":
            self.bar.bar_style = "success"
            self.bar.value = self.bar.max
            text = (
                f"Read {p.rows:,} rows from {p.downloaded_pages} pages "
                f"({p.bytes / 1e6:,.1f} MB) in {p.elapsed:,.1f} s."
            )
        else:
            text = html.escape(p.summary())
        request = f" — request {p.request_id}" if p.request_id else ""
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
        return TqdmProgress(label)
    if choice == "widget":
        return WidgetProgress(label)
    raise ValueError(f"progress must be 'auto', 'tqdm', 'widget', None or False, got {choice!r}.")
