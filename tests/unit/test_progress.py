"""The progress model and its renderers."""

from __future__ import annotations

import io

import pytest

from anaplan_pandas.progress import (
    NoProgress,
    TqdmProgress,
    WidgetProgress,
    in_jupyter,
    make_progress,
)
from anaplan_pandas.read_request import ReadRequestStatus


def drive(display, fail=None):
    display.start("RID123")
    display.on_status(ReadRequestStatus("RID123", "NOT_STARTED", 0, None))
    display.on_status(ReadRequestStatus("RID123", "IN_PROGRESS", 2, False))
    display.on_page(0, 1000)
    display.on_rows(10)
    display.on_status(ReadRequestStatus("RID123", "COMPLETE", 3, True))
    display.on_page(1, 1000)
    display.on_page(2, 1000)
    display.on_rows(20)
    display.finish(fail)


def test_tqdm_bar_tracks_available_pages_and_reaches_its_total():
    out = io.StringIO()
    bar = TqdmProgress("view 1", file=out, mininterval=0)
    totals = []
    original = bar.render

    def spy():
        original()
        totals.append((bar.bar.n, bar.bar.total))

    bar.render = spy
    drive(bar)
    assert (1, 2) in totals  # one of two available pages while the export runs
    assert totals[-1] == (3, 3)  # all pages at COMPLETE
    assert "DONE" in out.getvalue() and "30 rows" in out.getvalue()


def test_widget_after_success():
    panel = WidgetProgress("view 101000000001", show=False)
    drive(panel)
    assert panel.bar.bar_style == "success"
    assert panel.bar.value == panel.bar.max == 3
    assert "Read 30 rows from 3 pages" in panel.text.value
    assert "RID123" in panel.text.value


def test_widget_after_failure_shows_the_error_and_advice():
    panel = WidgetProgress("view 101000000001", show=False)
    drive(panel, fail=RuntimeError("export failed <delete and retry>"))
    assert panel.bar.bar_style == "danger"
    assert "RuntimeError" in panel.text.value
    assert "&lt;delete and retry&gt;" in panel.text.value  # escaped, not HTML


def test_choices():
    assert isinstance(make_progress(None, "x"), NoProgress)
    assert isinstance(make_progress(False, "x"), NoProgress)
    assert isinstance(make_progress("tqdm", "x"), TqdmProgress)
    assert isinstance(make_progress("auto", "x"), TqdmProgress)  # not in Jupyter here
    assert not in_jupyter()
    with pytest.raises(ValueError, match="progress must be"):
        make_progress("bar", "x")
