"""The progress model and its renderers."""

from __future__ import annotations

import io

import pytest

from anaplan_pandas.progress.choice import make_progress
from anaplan_pandas.progress.model import NoProgress
from anaplan_pandas.progress.text import LineProgress, TqdmProgress
from anaplan_pandas.progress.widget import WidgetProgress, in_jupyter
from anaplan_pandas.sources.request_status import ReadRequestStatus


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
    assert (1, None) in totals  # while the export runs: a count, no total, no percentage
    assert totals[-1] == (3, 3)  # the total once COMPLETE says it, and the bar full
    text = out.getvalue()
    running = [line for line in text.split("\r") if "export running" in line]
    assert running and not [line for line in running if "%" in line]
    assert "DONE" in text and "30 rows" in text


def test_an_interrupted_bar_shows_where_it_stopped():
    out = io.StringIO()
    bar = TqdmProgress("view 1", file=out, mininterval=0)
    bar.start("RID123")
    bar.on_status(ReadRequestStatus("RID123", "IN_PROGRESS", 7, False))
    for page in range(5):
        bar.on_page(page, 1000)
    bar.finish(KeyboardInterrupt())
    last = out.getvalue().replace("\r", "\n").strip().splitlines()[-1]
    assert "100%" not in last and "5page" in last.replace(" ", "")
    assert "interrupted; the read request was deleted" in last


def test_retry_messages_never_glue_onto_the_bar():
    out = io.StringIO()
    bar = TqdmProgress("view 1", file=out, mininterval=0)
    bar.on_status(ReadRequestStatus("RID123", "IN_PROGRESS", 1, False))
    bar.message("Export failed (read request RID123, deleted); starting attempt 2 of 3")
    lines = out.getvalue().replace("\r", "\n").splitlines()
    assert "Export failed (read request RID123, deleted); starting attempt 2 of 3" in lines


def test_plain_lines_where_no_bar_can_be_drawn():
    out = io.StringIO()
    lines = LineProgress("view 1", file=out, every=0)
    drive(lines)
    written = out.getvalue().splitlines()
    assert written[0] == "view 1: read request RID123; it is deleted when the read ends"
    assert any("IN_PROGRESS, 1 pages" in line for line in written)
    assert written[-1].startswith("view 1: DONE, 3 of 3 pages, 30 rows")
    assert all("\r" not in line for line in written)


def test_widget_while_running_and_after_the_stop_button():
    panel = WidgetProgress("view 101000000001", show=False)
    panel.start("RID123")
    panel.on_status(ReadRequestStatus("RID123", "IN_PROGRESS", 4, False))
    panel.on_page(0, 1000)
    assert panel.bar.layout.visibility == "hidden"  # no bar until the total is known
    assert "Export running: 1 pages read so far" in panel.text.value
    panel.finish(KeyboardInterrupt())
    assert "Interrupted" in panel.text.value and "request was deleted" in panel.text.value


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
    # pytest captures standard error, so it is no terminal: plain lines, not a bar
    assert isinstance(make_progress("tqdm", "x"), LineProgress)
    assert isinstance(make_progress("auto", "x"), LineProgress)  # not in Jupyter here
    assert not in_jupyter()
    with pytest.raises(ValueError, match="progress must be"):
        make_progress("bar", "x")
