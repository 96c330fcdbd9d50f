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
from anaplan_pandas.sources import export_task
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


def test_an_empty_file_from_an_export_that_reports_rows_is_an_error_that_says_why(sim,
                                                                                  connection):
    sim.configure(faults=Faults(export_file_private=True))
    with pytest.raises(ap.IncompleteReadError, match="Administrators only") as caught:
        ap.read_export(WORKSPACE_ID, MODEL_ID, CUSTOMERS_EXPORT_ID, **connection)
    assert "2,500 rows" in str(caught.value)


def test_two_reads_of_one_export_in_one_process_take_turns(sim, connection):
    sim.configure(faults=Faults(export_seconds=0.4, chunk_bytes=5000))
    expected = sim.expected_frame("list", CUSTOMERS_LIST_ID)
    results = {}

    def read(name):
        results[name] = ap.read_export(WORKSPACE_ID, MODEL_ID, CUSTOMERS_EXPORT_ID,
                                       **connection)

    threads = [threading.Thread(target=read, args=(n,)) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    for frame in results.values():
        assert_same_data(frame, expected)
    # the second task was started only once the first file was read to its end
    posts = [i for i, c in enumerate(sim.calls) if c.method == "POST"
             and c.path.endswith("/tasks")]
    chunks = [i for i, c in enumerate(sim.calls) if "/chunks/" in c.path]
    assert len(posts) == 2 and len(results) == 2
    first_file = [i for i in chunks if i < posts[1]]
    assert len(first_file) == -(-len(sim.bulk.files[CUSTOMERS_EXPORT_ID]) // 5000)


def test_a_run_started_elsewhere_while_the_file_downloads_fails_the_read(sim, connection,
                                                                          monkeypatch):
    file_pages = export_task.file_pages
    elsewhere = []

    def another_process_runs_the_export_meanwhile(parts, *args):
        for page in file_pages(parts, *args):
            if not elsewhere:
                elsewhere.append(sim.bulk.start(sim.bulk.exports[CUSTOMERS_EXPORT_ID]))
                sim.bulk.status(elsewhere[0])  # it runs, and rewrites the file
            yield page

    monkeypatch.setattr(export_task, "file_pages", another_process_runs_the_export_meanwhile)
    with pytest.raises(ap.IncompleteReadError, match="another run of the export") as caught:
        ap.read_export(WORKSPACE_ID, MODEL_ID, CUSTOMERS_EXPORT_ID, **connection)
    assert elsewhere[0].task_id in str(caught.value)


def test_runs_queued_or_cancelled_elsewhere_do_not_fail_the_read(sim, connection,
                                                                  monkeypatch):
    file_pages = export_task.file_pages
    elsewhere = []

    def others_queue_and_cancel_runs_meanwhile(parts, *args):
        for page in file_pages(parts, *args):
            if not elsewhere:
                sim.configure(faults=Faults(export_seconds=60))
                export = sim.bulk.exports[CUSTOMERS_EXPORT_ID]
                elsewhere.extend([sim.bulk.start(export), sim.bulk.start(export)])
                sim.bulk.cancel(elsewhere[1])
            yield page

    monkeypatch.setattr(export_task, "file_pages", others_queue_and_cancel_runs_meanwhile)
    frame = ap.read_export(WORKSPACE_ID, MODEL_ID, CUSTOMERS_EXPORT_ID, **connection)
    assert_same_data(frame, sim.expected_frame("list", CUSTOMERS_LIST_ID))
    states = [sim.bulk.status(task)["taskState"] for task in elsewhere]
    assert states[0] == "NOT_STARTED" and states[1] in ("CANCELLING", "CANCELLED")
