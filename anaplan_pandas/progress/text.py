"""Progress in a terminal or a log: a tqdm bar, or plain lines now and then."""

from __future__ import annotations

import sys
import time
from typing import Any

from anaplan_pandas.progress.model import ProgressDisplay, announcement


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
        self.bar.write(announcement(self.progress, kept), file=self.file)
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
        self.message(announcement(self.progress, kept))

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
