"""Progress in Jupyter: an ipywidgets panel with a bar, a line of counts and Cancel."""

from __future__ import annotations

import html
import sys
from collections.abc import Callable

from anaplan_pandas.progress.model import ProgressDisplay, cleanup_said


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
                    f"rows; {cleanup_said(p.noun)}.")
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
