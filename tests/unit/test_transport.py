"""HTTP errors, retries and decoding."""

from __future__ import annotations

import gzip
import json
import time

import pytest
import requests
import responses

import anaplan_pandas as ap
from anaplan_pandas.http.errors import never_reached_server

API = "https://api.anaplan.com/2/0"
WHAT = "view 101000000001 in model 75A40874E6B64FA3AE0743278996850F"


@pytest.fixture
def transport():
    return ap.Transport(API, ap.TokenAuth("t0ken"), retry=ap.RetryPolicy(attempts=3, backoff=0.001))


@pytest.fixture
def no_sleep(monkeypatch):
    slept = []
    monkeypatch.setattr(time, "sleep", slept.append)
    return slept


def envelope(code, message):
    return {"status": {"code": code, "message": message}, "path": "/2/0/x", "timestamp": "t"}


@pytest.mark.parametrize(("status", "kind", "advice"), [
    (401, ap.AuthenticationError, "exception user"),
    (403, ap.NotFoundError, "has a role in the model"),
    (404, ap.NotFoundError, "Check the ids"),
    (409, ap.ModelBusyError, "Wait until"),
    (400, ap.AnaplanHTTPError, "HTTP 400"),
])
@responses.activate
def test_error_statuses_become_typed_errors_with_the_server_message(
        transport, status, kind, advice):
    responses.add(responses.GET, f"{API}/x", status=status, json=envelope(status, "Server says"))
    with pytest.raises(kind) as caught:
        transport.get_json("/x", WHAT)
    message = str(caught.value)
    assert "Server says" in message and WHAT in message and advice in message
    assert caught.value.status_code == status and caught.value.server_message == "Server says"
    assert "t0ken" not in message


@responses.activate
def test_429_is_retried_honouring_retry_after(transport, no_sleep):
    responses.add(responses.GET, f"{API}/x", status=429, headers={"Retry-After": "7"},
                  json=envelope(429, "Too Many Requests"))
    responses.add(responses.GET, f"{API}/x", json={"ok": True})
    assert transport.get_json("/x", WHAT) == {"ok": True}
    assert no_sleep == [7.0]


@responses.activate
def test_429_without_retry_after_backs_off(transport, no_sleep):
    responses.add(responses.GET, f"{API}/x", status=429, json=envelope(429, "Too Many Requests"))
    responses.add(responses.GET, f"{API}/x", json={"ok": True})
    assert transport.get_json("/x", WHAT) == {"ok": True}
    assert len(no_sleep) == 1 and 0 < no_sleep[0] <= 0.001  # the policy's backoff


@responses.activate
def test_retry_after_as_http_date(transport, no_sleep):
    when = time.time() + 30
    responses.add(responses.GET, f"{API}/x", status=429,
                  headers={"Retry-After": time.strftime("%a, %d %b %Y %H:%M:%S GMT",
                                                        time.gmtime(when))})
    responses.add(responses.GET, f"{API}/x", json={"ok": True})
    transport.get_json("/x", WHAT)
    assert 25 < no_sleep[0] <= 31


@responses.activate
def test_429_after_the_last_retry_is_a_rate_limit_error(transport, no_sleep):
    responses.add(responses.GET, f"{API}/x", status=429, headers={"Retry-After": "5"},
                  json=envelope(429, "Too Many Requests"))
    with pytest.raises(ap.RateLimitError, match=r"3 times\. Try again after the 5 s") as caught:
        transport.get_json("/x", WHAT)
    assert caught.value.retry_after == 5.0
    assert len(responses.calls) == 3


@responses.activate
def test_5xx_get_is_retried_with_backoff(transport, no_sleep):
    responses.add(responses.GET, f"{API}/x", status=503)
    responses.add(responses.GET, f"{API}/x", status=502)
    responses.add(responses.GET, f"{API}/x", json={"ok": 1})
    assert transport.get_json("/x", WHAT) == {"ok": 1}
    assert len(no_sleep) == 2


@responses.activate
def test_post_is_not_retried_on_5xx_and_says_a_request_may_exist(transport, no_sleep):
    responses.add(responses.POST, f"{API}/x", status=503, json=envelope(503, "Unavailable"))
    with pytest.raises(ap.AnaplanHTTPError, match="may have been started") as caught:
        transport.request("POST", "/x", WHAT, json={})
    assert caught.value.status_code == 503
    assert len(responses.calls) == 1


@responses.activate
def test_post_is_retried_when_it_never_reached_the_server(transport, no_sleep):
    refused = requests.ConnectionError("NewConnectionError: Connection refused")
    responses.add(responses.POST, f"{API}/x", body=refused)
    responses.add(responses.POST, f"{API}/x", json={"ok": 1})
    assert transport.request("POST", "/x", WHAT, json={}).json() == {"ok": 1}


@responses.activate
def test_post_read_timeout_is_not_retried(transport, no_sleep):
    responses.add(responses.POST, f"{API}/x", body=requests.ReadTimeout("read timed out"))
    with pytest.raises(ap.AnaplanConnectionError, match="may have been started"):
        transport.request("POST", "/x", WHAT, json={})
    assert len(responses.calls) == 1


@responses.activate
def test_broken_connection_on_get_is_retried_then_reported(transport, no_sleep):
    responses.add(responses.GET, f"{API}/x", body=requests.ConnectionError("reset"))
    with pytest.raises(ap.AnaplanConnectionError, match="failed 3 times"):
        transport.get_json("/x", WHAT)
    assert len(responses.calls) == 3


@responses.activate
def test_gzip_bodies_are_decoded(transport):
    data = b"Item,Value\n001,1\n"
    responses.add(responses.GET, f"{API}/page", body=gzip.compress(data),
                  headers={"Content-Encoding": "gzip"}, content_type="text/csv")
    assert transport.request("GET", "/page", WHAT, accept="text/csv").content == data


@responses.activate
def test_non_json_body_is_quoted(transport):
    responses.add(responses.GET, f"{API}/x", body=b"Service temporarily down",
                  content_type="text/plain")
    with pytest.raises(ap.UnexpectedResponseError, match="Service temporarily down"):
        transport.get_json("/x", WHAT)


@responses.activate
def test_json_that_is_not_an_object_is_refused(transport):
    responses.add(responses.GET, f"{API}/x", json=[1, 2])
    with pytest.raises(ap.UnexpectedResponseError, match="not a JSON object"):
        transport.get_json("/x", WHAT)


@responses.activate
def test_401_reauthenticates_once_with_credentials():
    auth = ap.BasicAuth("u@example.com", "pw", "https://auth.anaplan.com")
    tokens = iter(["first", "second"])
    responses.add_callback(
        responses.POST, "https://auth.anaplan.com/token/authenticate",
        callback=lambda r: (201, {}, json.dumps({"tokenInfo": {
            "tokenValue": next(tokens), "expiresAt": (time.time() + 2100) * 1000}})))
    responses.add(responses.GET, f"{API}/x", status=401, json=envelope(401, "Unauthorized"))
    responses.add(responses.GET, f"{API}/x", json={"ok": 1})
    transport = ap.Transport(API, auth)
    assert transport.get_json("/x", WHAT) == {"ok": 1}
    sent = [c.request.headers.get("Authorization") for c in responses.calls
            if c.request.url.startswith(API)]
    assert sent == ["AnaplanAuthToken first", "AnaplanAuthToken second"]


@responses.activate
def test_401_with_a_static_token_is_an_authentication_error(transport):
    responses.add(responses.GET, f"{API}/x", status=401, json=envelope(401, "Unauthorized"))
    with pytest.raises(ap.AuthenticationError):
        transport.get_json("/x", WHAT)
    assert len(responses.calls) == 1


def test_never_reached_server():
    assert never_reached_server(requests.exceptions.ConnectTimeout())
    assert not never_reached_server(requests.ReadTimeout())
    assert not never_reached_server(requests.ConnectionError("Connection reset by peer"))
