"""The Dask reader on a LocalCluster of worker processes, against the simulator."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pandas as pd
import pytest
from distributed import Client, LocalCluster

import anaplan_pandas as ap
import anaplan_pandas.dask as apd
from anaplan_pandas.api import read_call as call_module
from anaplan_pandas.dask.pages import PageSource
from anaplan_pandas.progress.model import NoProgress
from anaplan_pandas.simulator import (
    CUSTOMERS_LIST_ID,
    MODEL_ID,
    REVENUE_VIEW_ID,
    WORKSPACE_ID,
    Faults,
    PageLayout,
)

SPLIT = PageLayout(split="bytes", page_bytes=40_000, header="every")


@pytest.fixture(scope="module")
def client():
    with LocalCluster(n_workers=2, threads_per_worker=2, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        yield client


def read(kind, connection, **options):
    function, object_id = ((apd.read_view, REVENUE_VIEW_ID) if kind == "view"
                           else (apd.read_list, CUSTOMERS_LIST_ID))
    return function(WORKSPACE_ID, MODEL_ID, object_id, **connection, **options)


def expected(kind, connection):
    function, object_id = ((ap.read_view, REVENUE_VIEW_ID) if kind == "view"
                           else (ap.read_list, CUSTOMERS_LIST_ID))
    return function(WORKSPACE_ID, MODEL_ID, object_id, **connection)


def pages_read(sim):
    return len({(f.request_id, f.page_no) for f in sim.page_fetches})


def assert_equal(ddf, frame):
    computed = ddf.compute()
    pd.testing.assert_frame_equal(computed, frame)
    assert ddf.dtypes.astype(str).tolist() == frame.dtypes.astype(str).tolist()  # meta
    assert list(ddf.columns) == list(frame.columns)


@pytest.mark.parametrize("kind", ["view", "list"])
def test_split_rows_on_worker_processes_equal_read_view(sim, connection, client, kind):
    sim.configure(layout=SPLIT)
    frame = expected(kind, connection)
    sim.reset_records()
    ddf = read(kind, connection, client=client)
    assert ddf.npartitions == pages_read(sim) > 3  # one partition per page
    assert ddf.known_divisions
    assert_equal(ddf, frame)
    assert sim.live_requests() == []


@pytest.mark.parametrize(("kind", "refresh"),
                         [("view", "extend"), ("view", "rotate"), ("list", "rotate")])
def test_pages_appearing_over_time_and_a_token_that_expires_mid_read(sim, connection, client,
                                                                      kind, refresh):
    sim.configure(layout=PageLayout(rows_per_page=300),
                  faults=Faults(pages_per_second=8, token_lifetime=0.8, token_refresh=refresh))
    frame = expected(kind, connection)
    sim.reset_records()
    ddf = read(kind, connection, client=client)
    assert_equal(ddf, frame)
    page_calls = [c for c in sim.calls if "/pages/" in c.path]
    renewals = [c for c in sim.calls if c.path == "/token/refresh" and c.status == 200]
    assert renewals  # the read outlived the token: this process renewed it
    if refresh == "rotate":  # the workers took each new token from the relay
        tokens = {c.headers.get("Authorization") for c in page_calls if c.status == 200}
        assert len(tokens) >= 2
    assert any(f.state == "IN_PROGRESS" for f in sim.page_fetches)  # read while exporting
    assert sim.live_requests() == []


def test_a_failed_export_raises_and_leaves_nothing(sim, connection, client):
    sim.configure(layout=PageLayout(rows_per_page=300), faults=Faults(fail_after_pages=3))
    with pytest.raises(ap.ExportFailedError, match="successful=false"):
        read("view", connection, client=client)
    assert sim.live_requests() == []
    sim.configure(layout=PageLayout(rows_per_page=300), faults=Faults(fail_after_pages=3,
                                                                      fail_times=1))
    assert_equal(read("view", connection, client=client, retries=1),
                 expected("view", connection))


def test_without_a_cluster_threads_of_this_process_do_the_work(sim, connection):
    sim.configure(layout=SPLIT)
    frame = expected("list", connection)
    sim.reset_records()
    ddf = read("list", connection, client=False)
    assert ddf.npartitions == pages_read(sim)
    assert_equal(ddf, frame)
    assert sim.live_requests() == []


def test_a_running_request_is_read_and_deleted(sim, connection, client):
    sim.configure(layout=PageLayout(rows_per_page=500), faults=Faults(pages_per_second=5))
    conn = ap.connect(sim.credentials, sim.api_url, sim.auth_url)
    request = ap.ReadRequest.start(conn, ap.Target.of("view", WORKSPACE_ID, MODEL_ID,
                                                      REVENUE_VIEW_ID))
    ddf = read("view", connection, client=client, request_id=request.request_id)
    sim.configure(faults=Faults())
    assert_equal(ddf, expected("view", connection))
    assert sim.live_requests() == []


def test_progress_counts_the_pages_delivered(sim, connection, monkeypatch):
    displays = []

    def recording(choice, label):
        displays.append(NoProgress(label))
        return displays[-1]

    monkeypatch.setattr(call_module, "make_progress", recording)
    sim.configure(layout=PageLayout(rows_per_page=400))
    ddf = read("view", connection, client=False)
    progress = displays[0].progress
    assert progress.downloaded_pages == progress.total_pages == ddf.npartitions
    assert progress.rows == len(ddf) and progress.state == "DONE"


def test_what_travels_to_workers_holds_no_password(sim):
    source = PageSource(sim.api_url, ap.Target.of("view", WORKSPACE_ID, MODEL_ID,
                                                  REVENUE_VIEW_ID),
                        "0A06B0739F0E47BB92E2326C603D86EC", "anaplan-token-x")
    data = pickle.dumps(source)
    assert sim.credentials[1].encode() not in data and pickle.loads(data) == source


def test_the_core_install_does_not_import_dask():
    code = "import anaplan_pandas, sys; print(sorted(m for m in sys.modules if m == 'dask'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
