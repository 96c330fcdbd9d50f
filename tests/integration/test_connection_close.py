"""close() ends everything a connection started: no request outlives it."""

from __future__ import annotations

import time

import pytest

import anaplan_pandas as ap
from anaplan_pandas.simulator import (
    MODEL_ID,
    REGIONS_LIST_ID,
    REVENUE_VIEW_ID,
    WORKSPACE_ID,
    Faults,
)


def wait_for(condition, seconds=5.0):
    until = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < until, "timed out waiting"
        time.sleep(0.02)


def test_close_with_four_background_reads_running_deletes_all_four(sim):
    sim.configure(faults=Faults(pages_per_second=0.5))
    conn = ap.connect(sim.credentials, sim.api_url, sim.auth_url)
    handles = [conn.start_view_read(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, progress=None,
                                    poll_interval=0.02) for _ in range(4)]
    wait_for(lambda: len(sim.live_requests()) == 4)
    started = time.monotonic()
    conn.close()
    assert time.monotonic() - started < 3
    assert sim.live_requests() == []
    for handle in handles:
        with pytest.raises(ap.ReadRequestCancelledError) as caught:
            handle.result(timeout=5)
        assert caught.value.deleted
    assert [c.path for c in sim.calls].count("/token/logout") == 1


def test_leaving_a_with_block_early_deletes_the_request_of_an_unfinished_chunk_loop(sim):
    sim.configure(faults=Faults(pages_per_second=2))
    with ap.connect(sim.credentials, sim.api_url, sim.auth_url) as conn:
        chunks = conn.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, progress=None,
                                chunksize=100, poll_interval=0.02)
        next(chunks)  # the loop is left mid-way, the generator still open
        assert len(sim.live_requests()) == 1
    assert sim.live_requests() == []


def test_an_exception_inside_the_with_block_still_deletes_running_reads(sim):
    sim.configure(faults=Faults(pages_per_second=0.5))
    handles = []

    def analysis():
        with ap.connect(sim.credentials, sim.api_url, sim.auth_url) as conn:
            handles.append(conn.start_list_read(WORKSPACE_ID, MODEL_ID, REGIONS_LIST_ID,
                                                progress=None, poll_interval=0.02))
            wait_for(lambda: len(sim.live_requests()) == 1)
            raise KeyError("the analyst's own mistake")

    with pytest.raises(KeyError):
        analysis()
    assert sim.live_requests() == []
    assert handles[0].done()


def test_a_closed_connection_refuses_new_reads_with_a_typed_error(sim):
    conn = ap.connect(sim.credentials, sim.api_url, sim.auth_url)
    conn.close()
    for call in (lambda: conn.read_list(WORKSPACE_ID, MODEL_ID, REGIONS_LIST_ID),
                 lambda: conn.views(WORKSPACE_ID, MODEL_ID)):
        with pytest.raises(ap.AuthenticationError, match="closed"):
            call()
