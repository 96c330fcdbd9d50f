"""Credentials, URLs and what never leaks."""

from __future__ import annotations

import time

import pytest
import responses

import anaplan_pandas as ap
from anaplan_pandas.http.credentials import resolve_auth
from anaplan_pandas.http.urls import check_url, resolve_api_url, resolve_auth_url

AUTH = "https://auth.anaplan.com"
SECRET = "s3ntinel-secret"


def token_info(value, seconds=2100):
    return {"status": "SUCCESS", "statusMessage": "Login successful",
            "tokenInfo": {"tokenValue": value, "expiresAt": int((time.time() + seconds) * 1000),
                          "tokenId": "id", "refreshTokenId": "rid"}}


@responses.activate
def test_basic_auth_obtains_then_refreshes_before_expiry():
    responses.add(responses.POST, f"{AUTH}/token/authenticate", json=token_info("a", 1),
                  status=201)
    responses.add(responses.POST, f"{AUTH}/token/refresh", json=token_info("a", 2100))
    auth = ap.BasicAuth("u@example.com", SECRET, AUTH)
    assert auth.token() == "a"  # lives a second: renewed at 80 % of it
    time.sleep(0.85)
    assert auth.token() == "a"
    assert auth.token() == "a"  # renewed for 35 minutes: no third call
    assert [c.request.url.rsplit("/", 1)[1] for c in responses.calls] == ["authenticate",
                                                                         "refresh"]
    assert responses.calls[0].request.headers["Authorization"].startswith("Basic ")
    assert responses.calls[1].request.headers["Authorization"] == "AnaplanAuthToken a"


@responses.activate
def test_refresh_refused_means_authenticate_again():
    responses.add(responses.POST, f"{AUTH}/token/authenticate", json=token_info("a", 0.2))
    responses.add(responses.POST, f"{AUTH}/token/refresh", status=401,
                  json={"status": "FAILURE_BAD_CREDENTIAL", "statusMessage": "expired"})
    responses.add(responses.POST, f"{AUTH}/token/authenticate", json=token_info("b"))
    auth = ap.BasicAuth("u@example.com", SECRET, AUTH)
    assert auth.token() == "a"
    time.sleep(0.2)
    assert auth.token() == "b"


@responses.activate
def test_bad_credentials_message_has_no_password():
    responses.add(responses.POST, f"{AUTH}/token/authenticate", status=401,
                  json={"status": "FAILURE_BAD_CREDENTIAL", "statusMessage": "Bad credentials"})
    auth = ap.BasicAuth("u@example.com", SECRET, AUTH)
    with pytest.raises(ap.AuthenticationError) as caught:
        auth.token()
    assert "Bad credentials" in str(caught.value) and SECRET not in str(caught.value)
    assert SECRET not in repr(auth)


@responses.activate
def test_malformed_token_answer():
    responses.add(responses.POST, f"{AUTH}/token/authenticate", json={"status": "SUCCESS"})
    with pytest.raises(ap.UnexpectedResponseError, match="tokenInfo"):
        ap.BasicAuth("u", SECRET, AUTH).token()


@responses.activate
def test_close_logs_out():
    responses.add(responses.POST, f"{AUTH}/token/authenticate", json=token_info("a"))
    responses.add(responses.POST, f"{AUTH}/token/logout", status=204)
    auth = ap.BasicAuth("u", SECRET, AUTH)
    auth.token()
    auth.close()
    assert responses.calls[-1].request.url.endswith("/token/logout")


def test_token_repr_hides_the_token():
    assert SECRET not in repr(ap.TokenAuth(SECRET))


def test_resolve_auth_forms(monkeypatch):
    assert isinstance(resolve_auth(("u", "p")), ap.BasicAuth)
    assert resolve_auth("tok").token() == "tok"
    existing = ap.TokenAuth("x")
    assert resolve_auth(existing) is existing
    monkeypatch.setenv("ANAPLAN_TOKEN", "from-env")
    assert resolve_auth(None).token() == "from-env"
    monkeypatch.delenv("ANAPLAN_TOKEN")
    monkeypatch.setenv("ANAPLAN_USERNAME", "u")
    monkeypatch.setenv("ANAPLAN_PASSWORD", "p")
    assert resolve_auth(None).username == "u"


def test_missing_credentials_name_the_variables():
    with pytest.raises(ap.AuthenticationError, match="ANAPLAN_USERNAME and ANAPLAN_PASSWORD"):
        resolve_auth(None)


def test_wrong_auth_type():
    with pytest.raises(TypeError, match="auth must be"):
        resolve_auth(42)


def test_urls_from_arguments_environment_and_defaults(monkeypatch):
    assert resolve_api_url() == "https://api.anaplan.com/2/0"
    assert resolve_auth_url() == "https://auth.anaplan.com"
    monkeypatch.setenv("ANAPLAN_API_URL", "https://us9.api.anaplan.com/2/0/")
    assert resolve_api_url() == "https://us9.api.anaplan.com/2/0"
    assert resolve_api_url("http://127.0.0.1:9/2/0") == "http://127.0.0.1:9/2/0"


@pytest.mark.parametrize("url", ["http://api.anaplan.com/2/0", "http://10.0.0.1/2/0", "ftp://x",
                                 "api.anaplan.com"])
def test_plain_http_is_refused_except_on_loopback(url):
    with pytest.raises(ValueError, match="api_url"):
        check_url(url, "api_url")


@pytest.mark.parametrize("url", ["http://localhost:1", "http://127.0.0.5:1", "http://[::1]:1"])
def test_loopback_http_is_allowed(url):
    assert check_url(url, "api_url") == url


@pytest.mark.parametrize(("region", "api", "auth"), [
    ("us1", "https://api.anaplan.com/2/0", "https://auth.anaplan.com"),
    ("eu2", "https://api.anaplan.com/2/0", "https://auth.anaplan.com"),
    ("us9", "https://us9.api.anaplan.com/2/0", "https://us9.auth.anaplan.com"),
    ("GB1", "https://gb1.api.anaplan.com/2/0", "https://gb1.auth.anaplan.com"),
    ("ca1", "https://ca1a.api.anaplan.com/2/0", "https://ca1a.auth.anaplan.com"),
])
def test_region_picks_the_hosts(region, api, auth):
    transport = ap.connect("tok", region=region)
    assert transport.api_url == api
    assert resolve_auth_url(region=region) == auth


def test_explicit_urls_override_the_region(monkeypatch):
    assert ap.connect("tok", "https://proxy.example.com/2/0", region="us9").api_url == (
        "https://proxy.example.com/2/0")
    monkeypatch.setenv("ANAPLAN_REGION", "eu3")
    assert resolve_api_url() == "https://eu3.api.anaplan.com/2/0"
    monkeypatch.setenv("ANAPLAN_API_URL", "https://other.example.com/2/0")
    assert resolve_api_url() == "https://other.example.com/2/0"


def test_unknown_region_lists_the_known_ones():
    with pytest.raises(ValueError, match="known regions: ae1, ap1"):
        ap.connect("tok", region="mars1")
