"""No token, password, key password or refresh token in any error, repr, log or display."""

from __future__ import annotations

import logging

import pytest
import requests
import responses

import anaplan_pandas as ap
from anaplan_pandas.progress.widget import WidgetProgress
from anaplan_pandas.run.poll import PollSchedule
from anaplan_pandas.simulator.certificates import TestAuthority
from anaplan_pandas.sources.read_request import ReadRequest

SENTINEL = "S3NT1NEL-do-not-leak"
API = "https://api.anaplan.com/2/0"
AUTH = "https://auth.anaplan.com"
WS = "8a8196b15b7dbae6015b8694411d13fe"
MODEL = "75A40874E6B64FA3AE0743278996850F"
TARGET = ap.Target.of("view", WS, MODEL, "102000000001")
BASE = f"{API}{TARGET.path}/readRequests"
RID = "0A06B0739F0E47BB92E2326C603D86EC"


def auth_objects():
    certificate, key = TestAuthority().issue("u@example.com", key_password=SENTINEL)
    return [
        ap.BasicAuth("u@example.com", SENTINEL, AUTH),
        ap.TokenAuth(SENTINEL),
        ap.CertificateAuth(certificate, key, key_password=SENTINEL, auth_url=AUTH),
        ap.OAuthDeviceAuth("client", refresh_token=SENTINEL, client_secret=SENTINEL),
    ]


def status(state, pages=0, successful=True):
    return {"viewReadRequest": {"requestId": RID, "requestState": state,
                                "availablePages": pages, "successful": successful}}


def provoke_every_error():
    """Yield one instance of every error type, raised through the real code paths."""
    transport = ap.Transport(API, ap.TokenAuth(SENTINEL),
                             retry=ap.RetryPolicy(attempts=1, backoff=0.001))
    for code in (400, 401, 404, 409, 429, 500):
        responses.add(responses.GET, f"{API}/e{code}", status=code,
                      json={"status": {"code": code, "message": "no"}})
        with pytest.raises(ap.AnaplanError) as caught:
            transport.get_json(f"/e{code}", "view 1")
        yield caught.value
    responses.add(responses.GET, f"{API}/garbage", body=f"echo {SENTINEL}".encode())
    with pytest.raises(ap.UnexpectedResponseError) as caught:
        transport.get_json("/garbage", "view 1")
    yield caught.value
    responses.add(responses.GET, f"{API}/down", body=requests.ConnectionError("reset"))
    with pytest.raises(ap.AnaplanConnectionError) as caught:
        transport.get_json("/down", "view 1")
    yield caught.value
    responses.add(responses.POST, f"{AUTH}/token/authenticate", status=401,
                  json={"status": "FAILURE_BAD_CREDENTIAL", "statusMessage": "Bad"})
    with pytest.raises(ap.AuthenticationError) as caught:
        ap.BasicAuth("u", SENTINEL, AUTH).token()
    yield caught.value
    fast = PollSchedule(initial=0.001, maximum=0.001, timeout=0.01)
    for state, successful in (("COMPLETE", False), ("CANCELLED", True), ("NOT_STARTED", None)):
        responses.replace(responses.GET, f"{BASE}/{RID}", json=status(state, 0, successful))
        responses.upsert(responses.DELETE, f"{BASE}/{RID}", json=status("CANCELLED"))
        with pytest.raises(ap.ReadRequestError) as caught:
            list(ReadRequest(transport, TARGET, RID).iter_pages(schedule=fast))
        yield caught.value
    with pytest.raises(ap.AuthenticationError) as caught:
        ap.CertificateAuth(TestAuthority().issue("u")[0], b"not a key", key_password=SENTINEL)
    yield caught.value
    with pytest.raises(ap.AuthenticationError) as caught:  # a key pasted without PEM lines
        ap.CertificateAuth(TestAuthority().issue("u")[0], f"MIIE{SENTINEL}")
    yield caught.value
    responses.add(responses.POST, f"{AUTH}/token/authenticate",
                  body=requests.ConnectionError(f"Authorization: Basic {SENTINEL}"))
    with pytest.raises(ap.AnaplanConnectionError) as caught:
        ap.BasicAuth("u", SENTINEL, AUTH)._post("/token/authenticate", attempts=1)
    yield caught.value
    responses.add(responses.GET, f"{API}/echo", status=404,
                  json={"status": {"code": 404, "message": f"AnaplanAuthToken {SENTINEL}"}})
    with pytest.raises(ap.NotFoundError) as caught:
        transport.get_json("/echo", "view 1")
    yield caught.value


def chain(error):
    """The error and every error it carries as its cause or context."""
    while error is not None:
        yield error
        error = error.__cause__ or error.__context__


@responses.activate
def test_no_secret_in_any_error_type(caplog):
    caplog.set_level(logging.DEBUG)
    responses.add(responses.GET, f"{BASE}/{RID}", json=status("COMPLETE"))
    errors = list(provoke_every_error())
    kinds = {type(e) for e in errors}
    assert {ap.AuthenticationError, ap.NotFoundError, ap.ModelBusyError, ap.RateLimitError,
            ap.AnaplanHTTPError, ap.UnexpectedResponseError, ap.AnaplanConnectionError,
            ap.ExportFailedError, ap.ReadRequestCancelledError,
            ap.ReadRequestTimeoutError} <= kinds
    for error in errors:
        for carried in chain(error):
            for text in (str(carried), repr(carried), str(carried.args),
                         str(getattr(carried, "filename", "")), repr(vars(carried))):
                assert SENTINEL not in text, type(error).__name__
            assert not isinstance(carried, (requests.RequestException, OSError)), (
                f"{type(error).__name__} carries a {type(carried).__name__}")
        panel = WidgetProgress("view 1", show=False)
        panel.finish(error)
        assert SENTINEL not in panel.text.value
    for record in caplog.records:
        assert SENTINEL not in record.getMessage()


@pytest.mark.parametrize("auth", auth_objects(), ids=lambda a: type(a).__name__)
def test_no_secret_in_repr_or_str(auth):
    assert SENTINEL not in repr(auth)
    assert SENTINEL not in str(auth)
    assert auth.redact(f"x {SENTINEL} y") == "x <hidden> y"


@responses.activate
def test_debug_logging_of_a_whole_read_shows_no_secret(caplog):
    caplog.set_level(logging.DEBUG)
    responses.add(responses.POST, f"{AUTH}/token/authenticate", status=201, json={
        "tokenInfo": {"tokenValue": f"tok-{SENTINEL}", "expiresAt": 99999999999999}})
    responses.add(responses.POST, f"{AUTH}/token/logout", status=204)
    responses.add(responses.POST, BASE, json=status("NOT_STARTED"))
    responses.add(responses.GET, f"{BASE}/{RID}", json=status("COMPLETE", 1))
    responses.add(responses.GET, f"{BASE}/{RID}/pages/0", body=b"Products,Units\nA,1\n",
                  content_type="text/csv")
    responses.add(responses.DELETE, f"{BASE}/{RID}", json=status("COMPLETE"))
    responses.add(responses.GET, f"{API}/models/{MODEL}/views", status=404,
                  json={"status": {"code": 404, "message": "Not Found"}})  # no line item formats
    responses.add(responses.GET, f"{API}/models/{MODEL}/views/102000000001",
                  json={"rows": [{"id": "1", "name": "Products"}]})
    frame = ap.read_view(WS, MODEL, 102000000001, auth=("u@example.com", SENTINEL),
                         progress=None, poll_interval=0.001)
    assert len(frame) == 1
    assert caplog.records  # something was logged at DEBUG
    for record in caplog.records:
        assert SENTINEL not in record.getMessage()
