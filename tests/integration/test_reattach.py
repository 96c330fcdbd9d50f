"""Re-attaching to a read request that already exists: after a restart, or a killed job."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

import anaplan_pandas as ap
from anaplan_pandas.simulator import (
    CUSTOMERS_LIST_ID,
    MODEL_ID,
    REVENUE_VIEW_ID,
    WORKSPACE_ID,
    Faults,
)
from tests.conftest import assert_same_data

MISSING = "0123456789ABCDEF0123456789ABCDEF"


def started(sim, kind="view", object_id=REVENUE_VIEW_ID):
    """A read request started elsewhere and left on the server."""
    conn = ap.connect(sim.credentials, sim.api_url, sim.auth_url)
    request = ap.ReadRequest.start(conn, ap.Target.of(kind, WORKSPACE_ID, MODEL_ID, object_id))
    conn.close()
    return request.request_id


def posts(sim):
    return [c for c in sim.calls if c.method == "POST" and c.path.endswith("readRequests")]


@pytest.mark.parametrize("running", [False, True], ids=["finished", "in-progress"])
def test_a_view_read_from_an_existing_request(sim, connection, running):
    if running:
        sim.configure(faults=Faults(pages_per_second=8))
    request_id = started(sim)
    sim.reset_records()
    frame = ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, request_id=request_id,
                         **connection)
    assert_same_data(frame, sim.expected_frame("view", REVENUE_VIEW_ID))
    assert posts(sim) == []  # nothing exported a second time
    if running:
        assert any(f.state != "COMPLETE" for f in sim.page_fetches)
    assert frame.attrs["anaplan_request_id"] == request_id
    assert sim.live_requests() == []  # deleted at the end, as usual


def test_a_list_chunks_and_a_file_from_existing_requests(sim, connection, tmp_path):
    request_id = started(sim, "list", CUSTOMERS_LIST_ID)
    chunks = list(ap.read_list(WORKSPACE_ID, MODEL_ID, CUSTOMERS_LIST_ID, chunksize=1000,
                               request_id=request_id, **connection))
    assert sum(len(c) for c in chunks) == sim.expected_frame("list", CUSTOMERS_LIST_ID).num_rows
    assert {c.attrs["anaplan_request_id"] for c in chunks} == {request_id}
    request_id = started(sim)
    rows = ap.save_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, tmp_path / "v.parquet",
                        request_id=request_id, **connection)
    assert rows == sim.expected_frame("view", REVENUE_VIEW_ID).num_rows
    assert sim.live_requests() == []


def test_an_unknown_request_id_is_a_clear_error_and_nothing_is_started(sim, connection):
    with pytest.raises(ap.NotFoundError, match=f"no read request {MISSING}"):
        ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, request_id=MISSING, **connection)
    assert posts(sim) == []


def test_a_malformed_request_id_is_refused_before_any_call(sim, connection):
    with pytest.raises(ValueError, match="32 hexadecimal"):
        ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, request_id="../x", **connection)
    assert sim.calls == []


def test_a_kept_request_is_easy_to_find_and_read_again(sim, connection):
    frame = ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, keep_request=True,
                         **connection)
    request_id = frame.attrs["anaplan_request_id"]
    assert frame.attrs["anaplan_request_kept"] is True
    assert sim.live_requests() == [request_id]
    again = ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, request_id=request_id,
                         **connection)
    pd.testing.assert_frame_equal(frame, again)
    assert sim.live_requests() == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_after_a_job_is_killed_its_printed_request_id_reads_the_data(sim, connection, tmp_path):
    sim.configure(faults=Faults(pages_per_second=3))
    user, password = sim.credentials
    env = {**os.environ, "ANAPLAN_USERNAME": user, "ANAPLAN_PASSWORD": password,
           "ANAPLAN_API_URL": sim.api_url, "ANAPLAN_AUTH_URL": sim.auth_url}
    child = subprocess.Popen(
        [sys.executable, "-m", "anaplan_pandas.cli", "read-view", WORKSPACE_ID, MODEL_ID,
         str(REVENUE_VIEW_ID), "-o", str(tmp_path / "out.parquet")],
        stderr=subprocess.PIPE, text=True, env=env)
    try:
        for line in child.stderr:  # the id is printed as soon as the request exists
            found = re.search(r"read request ([0-9A-F]{32})", line)
            if found:
                break
        deadline = time.monotonic() + 20
        while not sim.page_fetches and time.monotonic() < deadline:
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)  # no clean-up at all
        child.wait(30)
    finally:
        if child.poll() is None:
            child.kill()
    request_id = found.group(1)
    assert sim.live_requests() == [request_id]
    frame = ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, request_id=request_id,
                         **connection)
    assert_same_data(frame, sim.expected_frame("view", REVENUE_VIEW_ID))
    assert sim.live_requests() == []
