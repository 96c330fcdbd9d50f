"""The read-request state machine, with the HTTP layer mocked by ``responses``."""

from __future__ import annotations

import json
import threading

import pytest
import responses

import anaplan_pandas as ap
from anaplan_pandas.run.poll import PollSchedule
from anaplan_pandas.sources.read_request import ReadRequest
from anaplan_pandas.sources.request_status import ReadRequestStatus

API = "https://api.anaplan.com/2/0"
WS = "8a8196b15b7dbae6015b8694411d13fe"
MODEL = "75A40874E6B64FA3AE0743278996850F"
VIEW = "101000000014"
RID = "0A06B0739F0E47BB92E2326C603D86EC"
TARGET = ap.Target.of("view", WS, MODEL, VIEW)
BASE = f"{API}{TARGET.path}/readRequests"
FAST = PollSchedule(initial=0.001, maximum=0.002)


def status(state, pages=0, successful=True):
    return {"meta": {"schema": f"{API}/objects/viewReadRequest"},
            "status": {"code": 200, "message": "Success"},
            "viewReadRequest": {"requestId": RID, "viewId": int(VIEW), "requestState": state,
                                "url": f"{BASE}/{RID}", "availablePages": pages,
                                "successful": successful}}


def add_start(rsps):
    body = status("NOT_STARTED")
    del body["viewReadRequest"]["availablePages"], body["viewReadRequest"]["successful"]
    rsps.add(responses.POST, BASE, json=body)


def add_statuses(rsps, *answers):
    for answer in answers:
        rsps.add(responses.GET, f"{BASE}/{RID}", json=status(*answer))


def add_pages(rsps, count):
    for n in range(count):
        rsps.add(responses.GET, f"{BASE}/{RID}/pages/{n}", body=f"page {n}".encode(),
                 content_type="text/csv")


def add_delete(rsps, state="COMPLETE"):
    rsps.add(responses.DELETE, f"{BASE}/{RID}", json=status(state))


@pytest.fixture
def transport():
    return ap.Transport(API, ap.TokenAuth("t0ken"), retry=ap.RetryPolicy(attempts=2, backoff=0.001))


def order_of(rsps):
    return [(c.request.method, c.request.url.rsplit("/2/0", 1)[1]) for c in rsps.calls]


@responses.activate
def test_every_state_on_the_way_to_complete(transport):
    add_start(responses)
    add_statuses(responses, ("NOT_STARTED",), ("IN_PROGRESS", 1, False), ("IN_PROGRESS", 2, False),
                 ("COMPLETE", 3))
    add_pages(responses, 3)
    add_delete(responses)
    with ReadRequest.start(transport, TARGET) as request:
        pages = list(request.iter_pages(schedule=FAST, max_workers=1))
    assert pages == [(0, b"page 0"), (1, b"page 1"), (2, b"page 2")]
    calls = order_of(responses)
    assert calls[0] == ("POST", f"{TARGET.path}/readRequests")
    assert json.loads(responses.calls[0].request.body) == {"exportType": "TABULAR_MULTI_COLUMN"}
    assert calls[-1] == ("DELETE", f"{TARGET.path}/readRequests/{RID}")
    # page 0 is fetched before the status that says COMPLETE
    first_page = calls.index(("GET", f"{TARGET.path}/readRequests/{RID}/pages/0"))
    complete = [i for i, c in enumerate(responses.calls)
                if c.request.method == "GET" and c.request.url.endswith(RID)
                and json.loads(c.response.content)["viewReadRequest"]["requestState"] == "COMPLETE"]
    assert first_page < complete[0]
    page_call = responses.calls[first_page].request
    assert page_call.headers["Accept"] == "text/csv"
    assert page_call.headers["Authorization"] == "AnaplanAuthToken t0ken"


@responses.activate
def test_complete_with_no_pages(transport):
    add_start(responses)
    add_statuses(responses, ("COMPLETE", 0))
    add_delete(responses)
    with ReadRequest.start(transport, TARGET) as request:
        assert list(request.iter_pages(schedule=FAST)) == []


@responses.activate
@pytest.mark.parametrize("state", ["CANCELLED", "CANCELLING"])
def test_cancelled_raises_and_deletes(transport, state):
    add_start(responses)
    add_statuses(responses, ("IN_PROGRESS", 0, False), (state, 0))
    add_delete(responses, "CANCELLED")
    with pytest.raises(ap.ReadRequestCancelledError) as caught, \
            ReadRequest.start(transport, TARGET) as request:
        list(request.iter_pages(schedule=FAST))
    assert caught.value.request_id == RID and state in str(caught.value)
    assert responses.calls[-1].request.method == "DELETE"
    assert sum(c.request.method == "DELETE" for c in responses.calls) == 1


@responses.activate
def test_failed_export_names_everything_and_advises(transport):
    add_start(responses)
    add_statuses(responses, ("IN_PROGRESS", 1, False), ("COMPLETE", 1, False))
    add_pages(responses, 1)
    add_delete(responses)
    with pytest.raises(ap.ExportFailedError) as caught, \
            ReadRequest.start(transport, TARGET) as request:
        list(request.iter_pages(schedule=FAST))
    error = caught.value
    message = str(error)
    for part in (RID, VIEW, MODEL, WS, "deleted", "retries="):
        assert part in message
    assert (error.request_id, error.view_id, error.list_id) == (RID, VIEW, None)
    assert error.deleted
    assert sum(c.request.method == "DELETE" for c in responses.calls) == 1


@responses.activate
def test_kept_request_is_not_deleted_and_the_message_says_how(transport):
    add_start(responses)
    add_statuses(responses, ("COMPLETE", 0, False))
    with pytest.raises(ap.ExportFailedError) as caught, \
            ReadRequest.start(transport, TARGET, keep=True) as request:
        list(request.iter_pages(schedule=FAST))
    assert not caught.value.deleted
    assert f"anaplan-pandas delete view {WS} {MODEL} {VIEW} {RID}" in str(caught.value)
    assert all(c.request.method != "DELETE" for c in responses.calls)


@responses.activate
def test_deadline(transport):
    add_start(responses)
    add_statuses(responses, ("NOT_STARTED",))
    add_delete(responses, "CANCELLED")
    schedule = PollSchedule(initial=0.01, maximum=0.01, timeout=0.05)
    with pytest.raises(ap.ReadRequestTimeoutError, match="NOT_STARTED"), \
            ReadRequest.start(transport, TARGET) as request:
        list(request.iter_pages(schedule=schedule))
    assert responses.calls[-1].request.method == "DELETE"


@responses.activate
def test_a_page_error_still_deletes_the_request(transport):
    add_start(responses)
    add_statuses(responses, ("COMPLETE", 2))
    responses.add(responses.GET, f"{BASE}/{RID}/pages/0", body=b"ok", content_type="text/csv")
    responses.add(responses.GET, f"{BASE}/{RID}/pages/1", status=500,
                  json={"status": {"code": 500, "message": "Internal Server Error"}})
    add_delete(responses)
    with pytest.raises(ap.AnaplanHTTPError, match="Internal Server Error"), \
            ReadRequest.start(transport, TARGET) as request:
        list(request.iter_pages(schedule=FAST))
    assert responses.calls[-1].request.method == "DELETE"


@responses.activate
def test_keyboard_interrupt_in_the_consumer_deletes_the_request(transport):
    add_start(responses)
    add_statuses(responses, ("IN_PROGRESS", 2, False))
    add_pages(responses, 2)
    add_delete(responses, "CANCELLED")
    def consume():
        with ReadRequest.start(transport, TARGET) as request:
            for _ in request.iter_pages(schedule=FAST):
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        consume()
    assert responses.calls[-1].request.method == "DELETE"


@responses.activate
def test_delete_of_a_request_already_gone_is_quiet(transport):
    responses.add(responses.DELETE, f"{BASE}/{RID}", status=404,
                  json={"status": {"code": 404, "message": "Not Found"}})
    request = ReadRequest(transport, TARGET, RID)
    assert request.delete() is None
    assert request.deleted


@responses.activate
def test_failed_delete_on_exit_warns_with_the_command(transport):
    responses.add(responses.DELETE, f"{BASE}/{RID}", status=400,
                  json={"status": {"code": 400, "message": "Bad Request"}})
    with pytest.warns(RuntimeWarning, match=f"anaplan-pandas delete view .* {RID}"), \
            ReadRequest(transport, TARGET, RID):
        pass


@responses.activate
def test_pages_are_delivered_in_order_when_they_finish_out_of_order(transport):
    add_start(responses)
    add_statuses(responses, ("COMPLETE", 6))
    gate = threading.Event()

    def slow_first(request):
        gate.wait(2)
        return 200, {"Content-Type": "text/csv"}, b"page 0"

    responses.add_callback(responses.GET, f"{BASE}/{RID}/pages/0", callback=slow_first)
    for n in range(1, 6):
        responses.add(responses.GET, f"{BASE}/{RID}/pages/{n}", body=f"page {n}".encode(),
                 content_type="text/csv")
    add_delete(responses)
    with ReadRequest.start(transport, TARGET) as request:
        pages = request.iter_pages(schedule=FAST, max_workers=3)
        threading.Timer(0.2, gate.set).start()
        assert [n for n, _ in pages] == [0, 1, 2, 3, 4, 5]


@pytest.mark.parametrize("body", [
    {"viewReadRequest": {"requestState": "COMPLETE"}},
    {"viewReadRequest": {"requestId": RID, "requestState": "COMPLETE", "availablePages": "x"}},
    {"viewReadRequest": {"requestId": RID, "requestState": "COMPLETE", "availablePages": -1}},
    {"listReadRequest": {}},
    {},
])
def test_malformed_status_is_an_unexpected_response(body):
    with pytest.raises(ap.UnexpectedResponseError, match="malformed"):
        ReadRequestStatus.from_body(body, TARGET)


@responses.activate
def test_non_json_status_quotes_what_arrived(transport):
    responses.add(responses.GET, f"{BASE}/{RID}", body=b"<html>Gateway error</html>",
                  content_type="text/html")
    with pytest.raises(ap.UnexpectedResponseError, match="Gateway error"):
        ReadRequest(transport, TARGET, RID).status()


def test_unknown_export_type(transport):
    with pytest.raises(ValueError, match="export_type"):
        ReadRequest.start(transport, TARGET, "PIVOT")


def test_poll_schedule_rejects_nonsense():
    with pytest.raises(ValueError, match="0 < initial"):
        PollSchedule(initial=0)
    with pytest.raises(ValueError, match="initial <= maximum"):
        PollSchedule(initial=2, maximum=1)
