"""Logouts, OAuth outages and keys on the unhappy paths: typed errors, nothing shown."""

from __future__ import annotations

import time

import pytest
import requests
import responses

import anaplan_pandas as ap
from anaplan_pandas.api.options import ReadOptions
from anaplan_pandas.api.read_call import ReadCall
from anaplan_pandas.sources.kinds import ViewKind

AUTH = "https://auth.anaplan.com"
OAUTH = "https://us1a.app.anaplan.com"


def token_info(value):
    return {"tokenInfo": {"tokenValue": value, "expiresAt": (time.time() + 2100) * 1000}}


@responses.activate
def test_a_failed_logout_is_not_an_error_and_a_closed_auth_does_not_log_in_again():
    responses.add(responses.POST, f"{AUTH}/token/authenticate", json=token_info("t"))
    responses.add(responses.POST, f"{AUTH}/token/logout", body=requests.ConnectionError("down"))
    auth = ap.BasicAuth("u", "p", AUTH)
    auth.token()
    auth.close()  # must not raise
    with pytest.raises(ap.AuthenticationError, match="was closed"):
        auth.token()
    assert [c.request.url.rsplit("/", 1)[1] for c in responses.calls] == ["authenticate",
                                                                         "logout"]


@responses.activate
def test_oauth_keeps_its_refresh_token_when_the_service_is_down(monkeypatch):
    monkeypatch.setattr(time, "sleep", lambda seconds: None)
    responses.add(responses.POST, f"{OAUTH}/oauth/token", status=503, json={"error": "down"})
    prompted = []
    auth = ap.OAuthDeviceAuth("client", refresh_token="keep-me", oauth_url=OAUTH,
                              prompt=lambda *a: prompted.append(a))
    with pytest.raises(ap.AnaplanHTTPError, match="unavailable") as caught:
        auth.token()
    assert not isinstance(caught.value, ap.AuthenticationError)  # an outage, not a refusal
    assert prompted == []
    assert auth._refresh_token == "keep-me"


@responses.activate
def test_oauth_device_poll_losing_the_connection_is_a_typed_error():
    responses.add(responses.POST, f"{OAUTH}/oauth/token", status=400,
                  json={"error": "invalid_grant"})
    responses.add(responses.POST, f"{OAUTH}/oauth/device/code", json={
        "device_code": "d", "user_code": "U", "verification_uri": "https://x", "interval": 0})
    responses.add(responses.POST, f"{OAUTH}/oauth/token", body=requests.ConnectionError("x"))
    auth = ap.OAuthDeviceAuth("client", refresh_token="old", oauth_url=OAUTH,
                              prompt=lambda *a: None)
    with pytest.raises(ap.AnaplanConnectionError, match="device login"):
        auth.token()


def test_key_text_is_never_quoted_in_an_error():
    from anaplan_pandas.simulator.certificates import TestAuthority

    certificate, _ = TestAuthority().issue("u")
    bare_key = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7" * 5
    with pytest.raises(ap.AuthenticationError) as caught:
        ap.CertificateAuth(certificate, bare_key)
    assert bare_key[:20] not in str(caught.value)


def test_the_call_record_does_not_show_the_password():
    conn = ap.connect(("u", "s3cret-pw"), "http://127.0.0.1:9/2/0", "http://127.0.0.1:9")
    call = ReadCall(conn, ViewKind(), ("w", "m", "1"), None, ReadOptions())
    assert "s3cret-pw" not in repr(call)




