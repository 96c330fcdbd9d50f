"""Exports as trustworthy as view pages, against the simulator as the vendor documents it."""

from __future__ import annotations

import threading
import time

import pytest
import requests

import anaplan_pandas as ap
from anaplan_pandas.simulator import (
    CUSTOMERS_LIST_ID,
    MODEL_ID,
    REGIONS_LIST_ID,
    WORKSPACE_ID,
    Faults,
)
from anaplan_pandas.simulator.bulk_exports import CUSTOMERS_EXPORT_ID, REGIONS_EXPORT_ID
from tests.conftest import assert_same_data

FILES = f"/2/0/workspaces/{WORKSPACE_ID}/models/{MODEL_ID}/files"


@pytest.mark.parametrize("shape", ["vendor", "import"])
@pytest.mark.parametrize(("export", "listed"), [(CUSTOMERS_EXPORT_ID, CUSTOMERS_LIST_ID),
                                               (REGIONS_EXPORT_ID, REGIONS_LIST_ID)],
                         ids=["with-header-line", "without-header-line"])
def test_both_file_listing_shapes_give_the_same_frame(sim, connection, shape, export, listed):
    sim.configure(faults=Faults(export_file_shape=shape, chunk_bytes=3000))
    frame = ap.read_export(WORKSPACE_ID, MODEL_ID, export, **connection)
    assert_same_data(frame, sim.expected_frame("list", listed))


def test_the_vendor_listing_shape_is_what_the_simulator_serves(sim, connection):
    ap.read_export(WORKSPACE_ID, MODEL_ID, CUSTOMERS_EXPORT_ID, **connection)
    token = sim.issue_token()
    headers = {"Authorization": f"AnaplanAuthToken {token}"}
    files = requests.get(sim.base_url + FILES, headers=headers, timeout=5).json()["files"]
    entry = next(f for f in files if f["id"] == CUSTOMERS_EXPORT_ID)
    assert set(entry) == {"id", "name", "chunkCount", "firstDataRow", "headerRow"}
    assert (entry["headerRow"], entry["firstDataRow"]) == (0, 0)
    whole = requests.get(f"{sim.base_url}{FILES}/{CUSTOMERS_EXPORT_ID}", headers=headers,
                         timeout=5)
    assert whole.status_code == 200 and whole.content.startswith(b"Name,")


def test_a_paged_chunk_list_is_read_to_its_end(sim, connection):
    sim.configure(faults=Faults(chunk_bytes=1000, listing_cap=7))
    frame = ap.read_export(WORKSPACE_ID, MODEL_ID, CUSTOMERS_EXPORT_ID, **connection)
    assert_same_data(frame, sim.expected_frame("list", CUSTOMERS_LIST_ID))
    chunk_lists = [c for c in sim.calls if c.path.endswith("/chunks")]
    assert len(chunk_lists) > 1  # more than one page of chunks was asked for


def test_a_timeout_while_the_export_runs_cancels_its_task_in_anaplan(sim, connection):
    sim.configure(faults=Faults(export_seconds=60))
    started = time.monotonic()
    with pytest.raises(ap.ReadRequestTimeoutError, match="was cancelled in Anaplan") as caught:
        ap.read_export(WORKSPACE_ID, MODEL_ID, CUSTOMERS_EXPORT_ID, timeout=0.5, **connection)
    assert time.monotonic() - started < 2.5
    task_id = caught.value.request_id
    cancels = [c for c in sim.calls if c.method == "DELETE" and c.path.endswith(task_id)]
    assert len(cancels) == 1 and cancels[0].status == 200
    time.sleep(0.4)
    assert sim.bulk.status(sim.bulk.tasks[task_id])["taskState"] == "CANCELLED"


def test_an_export_cancelled_in_anaplan_says_so(sim, connection):
    sim.configure(faults=Faults(export_seconds=5))
    before = set(sim.bulk.tasks)

    def cancel_in_anaplan():
        until = time.monotonic() + 5
        while not set(sim.bulk.tasks) - before and time.monotonic() < until:
            time.sleep(0.01)
        for task_id in set(sim.bulk.tasks) - before:
            sim.bulk.cancel(sim.bulk.tasks[task_id])

    threading.Thread(target=cancel_in_anaplan, daemon=True).start()
    with pytest.raises(ap.ReadRequestCancelledError, match="cancelled on the server"):
        ap.read_export(WORKSPACE_ID, MODEL_ID, CUSTOMERS_EXPORT_ID, **connection)
