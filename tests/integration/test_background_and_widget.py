"""The notebook experience: background reads with Cancel, the widget's final states."""

from __future__ import annotations

import time

import pytest

import anaplan_pandas as ap
from anaplan_pandas.progress.widget import WidgetProgress
from anaplan_pandas.simulator import MODEL_ID, REVENUE_VIEW_ID, WORKSPACE_ID, Faults
from tests.conftest import assert_same_data


def start(sim, connection, **options):
    connection = {**connection, **options}
    return ap.start_view_read(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, **connection)


def test_background_read_returns_the_frame(sim, connection):
    handle = start(sim, connection)
    frame = handle.result(timeout=60)
    assert handle.done() and handle.state == "DONE"
    assert_same_data(frame, sim.expected_frame("view", REVENUE_VIEW_ID))


def test_cancel_button_stops_the_read_and_deletes_the_request(sim, connection):
    sim.configure(faults=Faults(pages_per_second=2))
    handle = start(sim, connection, progress="widget")
    deadline = time.monotonic() + 20
    while not sim.live_requests() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not handle.done()
    handle.display.cancel_button.click()  # what the user's click does
    with pytest.raises(ap.ReadRequestCancelledError, match="You cancelled"):
        handle.result(timeout=10)
    assert sim.live_requests() == []
    assert handle.state == "ReadRequestCancelledError"
    panel = handle.display
    assert panel.bar.bar_style == "danger"
    assert "You cancelled" in panel.text.value
    assert panel.cancel_button.disabled


def test_widget_after_a_successful_read(sim, connection):
    handle = start(sim, connection, progress="widget")
    handle.result(timeout=60)
    panel = handle.display
    assert isinstance(panel, WidgetProgress)
    assert panel.bar.bar_style == "success"
    assert panel.bar.value == panel.bar.max == len(sim.page_fetches)
    assert "Read 3,456 rows" in panel.text.value
    assert sim.requests == {} or sim.live_requests() == []


def test_widget_after_a_failed_read_shows_the_advice(sim, connection):
    sim.configure(faults=Faults(fail_after_pages=1))
    handle = start(sim, connection, progress="widget")
    with pytest.raises(ap.ExportFailedError):
        handle.result(timeout=60)
    panel = handle.display
    assert panel.bar.bar_style == "danger"
    assert "ExportFailedError" in panel.text.value
    assert "retries=" in panel.text.value
    assert "deleted" in panel.text.value


def test_read_request_has_an_html_repr(sim):
    transport = ap.connect(sim.credentials, sim.api_url, sim.auth_url)
    target = ap.Target.of("view", WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID)
    with ap.ReadRequest.start(transport, target) as request:
        page = request._repr_html_()
        assert request.request_id in page
        assert "<table>" in page
    assert "deleted" in request._repr_html_()
