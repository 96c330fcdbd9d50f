"""The runner's invariants, the same for every source: every declared part, once, or an error.

Read-request pages and export chunks with the HTTP layer mocked by ``responses``.
"""

from __future__ import annotations

import pytest
import responses

import anaplan_pandas as ap
from anaplan_pandas.sources.read_request import ReadRequest
from tests.unit.test_export_task import BASE as EXPORT_BASE
from tests.unit.test_export_task import EXPORT, TASK, read, setup_export
from tests.unit.test_read_request import (
    BASE,
    FAST,
    RID,
    TARGET,
    add_delete,
    add_pages,
    add_start,
    add_statuses,
    order_of,
    transport,  # noqa: F401 (a fixture)
)


def deletes(rsps):
    return [path for method, path in order_of(rsps) if method == "DELETE"]


@responses.activate
def test_a_complete_request_that_does_not_serve_a_declared_page_names_it_and_is_deleted(
        transport):  # noqa: F811
    add_start(responses)
    add_statuses(responses, ("COMPLETE", 3))
    add_pages(responses, 2)  # page 2 answers 404
    responses.add(responses.GET, f"{BASE}/{RID}/pages/2", status=404,
                  json={"status": {"code": 404, "message": "Not Found"}})
    add_delete(responses)
    with pytest.raises(ap.IncompleteReadError) as caught, \
            ReadRequest.start(transport, TARGET) as request:
        list(request.iter_pages(schedule=FAST))
    message = str(caught.value)
    assert "page 2" in message and "3" in message and "deleted" in message
    assert "someone deleted" not in message
    assert caught.value.deleted
    assert len(deletes(responses)) == 1


@responses.activate
def test_pages_taken_back_between_two_status_calls_are_an_error_and_the_request_is_deleted(
        transport):  # noqa: F811
    add_start(responses)
    add_statuses(responses, ("IN_PROGRESS", 3, False), ("IN_PROGRESS", 1, False))
    add_pages(responses, 3)
    add_delete(responses)
    schedule = ap.PollSchedule(initial=0.05, maximum=0.05)
    with pytest.raises(ap.IncompleteReadError, match="announced 3 pages, then only 1"), \
            ReadRequest.start(transport, TARGET) as request:
        list(request.iter_pages(schedule=schedule, max_workers=1))
    assert len(deletes(responses)) == 1


@responses.activate
def test_a_request_that_vanished_is_told_apart_from_a_missing_page(transport):  # noqa: F811
    add_start(responses)
    add_statuses(responses, ("COMPLETE", 2))
    not_found = {"status": {"code": 404, "message": "Not Found"}}
    responses.add(responses.GET, f"{BASE}/{RID}/pages/0", status=404, json=not_found)
    responses.add(responses.GET, f"{BASE}/{RID}/pages/1", status=404, json=not_found)
    responses.add(responses.GET, f"{BASE}/{RID}", status=404, json=not_found)
    with pytest.raises(ap.ReadRequestCancelledError, match="no longer exists"), \
            ReadRequest.start(transport, TARGET) as request:
        list(request.iter_pages(schedule=FAST))


@responses.activate
@pytest.mark.parametrize(("listed", "declared", "said"), [
    ([b"Item,Value\n", b"001,1.5\n"], 3, "chunkCount"),
])
def test_an_export_file_whose_chunk_list_does_not_match_its_chunk_count_is_refused(
        listed, declared, said):
    setup_export(listed, file_entry={"chunkCount": declared})
    with pytest.raises(ap.IncompleteReadError, match=said):
        read()


@responses.activate
@pytest.mark.parametrize("ids", [["0", "2"], ["0", "0", "1"], ["1", "2"]])
def test_export_chunk_ids_with_a_gap_or_a_repeat_are_refused(ids):
    setup_export([b"Item,Value\n", b"001,1.5\n", b"002,2\n"])
    responses.replace(responses.GET, f"{EXPORT_BASE}/files/{EXPORT}/chunks",
                      json={"chunks": [{"id": i, "name": f"Chunk {i}"} for i in ids]})
    with pytest.raises(ap.IncompleteReadError, match="chunk"):
        read()


@responses.activate
def test_a_timeout_while_the_export_runs_cancels_its_task():
    setup_export([b"Item,Value\n"])
    responses.replace(responses.GET, f"{EXPORT_BASE}/exports/{EXPORT}/tasks/{TASK}",
                      json={"task": {"taskId": TASK, "taskState": "IN_PROGRESS",
                                     "progress": 0.5}})
    responses.add(responses.DELETE, f"{EXPORT_BASE}/exports/{EXPORT}/tasks/{TASK}",
                  json={"task": {"taskId": TASK, "taskState": "CANCELLING"}})
    with pytest.raises(ap.ReadRequestTimeoutError, match="was cancelled in Anaplan"):
        read(timeout=0.3)
    assert [c.request.method for c in responses.calls].count("DELETE") == 1


@responses.activate
@pytest.mark.parametrize(("later", "fails"), [("IN_PROGRESS", True), ("COMPLETE", True),
                                              ("NOT_STARTED", False), ("CANCELLED", False)])
def test_a_later_run_that_may_have_rewritten_the_file_fails_the_read(later, fails):
    setup_export([b"Item,Value\n001,1.5\n"])
    responses.replace(responses.GET, f"{EXPORT_BASE}/exports/{EXPORT}/tasks", json={"tasks": [
        {"taskId": TASK, "taskState": "COMPLETE", "creationTime": 1},
        {"taskId": "A" * 32, "taskState": later, "creationTime": 2}]})
    if fails:
        with pytest.raises(ap.IncompleteReadError, match="A" * 32):
            read()
    else:
        assert len(read()) == 1


@responses.activate
def test_a_task_list_that_cannot_be_read_does_not_fail_the_read():
    setup_export([b"Item,Value\n001,1.5\n"])
    responses.replace(responses.GET, f"{EXPORT_BASE}/exports/{EXPORT}/tasks", status=405,
                      json={"status": {"code": 405, "message": "Method Not Allowed"}})
    assert len(read()) == 1
