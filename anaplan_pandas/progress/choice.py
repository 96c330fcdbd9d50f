"""``progress=``: which display a read shows (a widget in Jupyter, a bar in a terminal)."""

from __future__ import annotations

import os
import sys
from typing import Any, Literal

from anaplan_pandas.progress.model import NoProgress, ProgressDisplay
from anaplan_pandas.progress.text import LineProgress, TqdmProgress
from anaplan_pandas.progress.widget import WidgetProgress, in_jupyter

ProgressChoice = Literal["auto", "tqdm", "widget"] | bool | None


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
