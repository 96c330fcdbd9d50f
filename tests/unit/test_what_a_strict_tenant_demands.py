"""Where a real tenant is stricter than a kind simulator: credentials, certificates, gzip."""

from __future__ import annotations

import base64
import gzip
import json
import time

import pytest
import responses

import anaplan_pandas as ap
from anaplan_pandas.simulator import MODEL_ID, REVENUE_VIEW_ID, WORKSPACE_ID, Simulator
from anaplan_pandas.simulator.certificates import TestAuthority
from anaplan_pandas.sources.read_request import ReadRequest

AUTH = "https://auth.anaplan.com"
API = "https://api.anaplan.com/2/0"
RID = "0A06B0739F0E47BB92E2326C603D86EC"
TARGET = ap.Target.of("view", WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID)


def token_info(value):
    return {"tokenInfo": {"tokenValue": value, "expiresAt": (time.time() + 2100) * 1000}}


@pytest.mark.parametrize("password", ["pässwörd", "€uro-größe", "日本語パスワード"])
@responses.activate
def test_basic_credentials_are_sent_as_utf8(password):
    responses.add(responses.POST, f"{AUTH}/token/authenticate", json=token_info("t"), status=201)
    assert ap.BasicAuth("analyst@example.com", password, AUTH).token() == "t"
    header = responses.calls[0].request.headers["Authorization"]
    assert header.startswith("Basic ")
    assert base64.b64decode(header[6:]).decode("utf-8") == f"analyst@example.com:{password}"


def test_a_non_ascii_password_logs_in_to_the_simulator():
    with Simulator(revenue_rows=2880, users={"anna@example.com": "pässwörd€"}) as sim:
        frame = ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID,
                             auth=("anna@example.com", "pässwörd€"), api_url=sim.api_url,
                             auth_url=sim.auth_url, progress=None)
    assert len(frame) == 2880


@responses.activate
def test_a_certificate_login_never_sends_the_private_key():
    certificate, key = TestAuthority().issue("integration@example.com")
    bundle = certificate + key  # one PEM file holding both, as is common
    responses.add(responses.POST, f"{AUTH}/token/authenticate", json=token_info("t"), status=201)
    auth = ap.CertificateAuth(bundle, key, auth_url=AUTH)
    assert auth.token() == "t"
    request = responses.calls[0].request
    scheme, value = request.headers["Authorization"].split(" ", 1)
    sent = base64.b64decode(value)
    assert scheme == "CACertificate"
    assert sent.strip() == certificate.strip()  # exactly the certificate block
    everything = sent + (request.body or b"") + json.dumps(dict(request.headers)).encode()
    assert b"PRIVATE KEY" not in everything


@responses.activate
def test_a_gzip_page_without_content_encoding_is_decompressed():
    data = b"Products,Units\nA,1\n"
    responses.add(responses.GET, f"{API}{TARGET.path}/readRequests/{RID}/pages/0",
                  body=gzip.compress(data), content_type="text/csv")
    transport = ap.Transport(API, ap.TokenAuth("t"))
    assert ReadRequest(transport, TARGET, RID).page(0) == data


@responses.activate
def test_a_gzip_page_cut_short_is_fetched_again():
    data = b"Products,Units\n" + b"A,1\n" * 5000
    url = f"{API}{TARGET.path}/readRequests/{RID}/pages/0"
    responses.add(responses.GET, url, body=gzip.compress(data)[:-40], content_type="text/csv",
                  headers={"Content-Encoding": "gzip"})
    responses.add(responses.GET, url, body=gzip.compress(data), content_type="text/csv",
                  headers={"Content-Encoding": "gzip"})
    transport = ap.Transport(API, ap.TokenAuth("t"), retry=ap.RetryPolicy(backoff=0.001))
    assert ReadRequest(transport, TARGET, RID).page(0) == data
    assert len(responses.calls) == 2


@responses.activate
def test_an_oauth_redirect_never_carries_the_refresh_token_away():
    responses.add(responses.POST, "https://us1a.app.anaplan.com/oauth/token", status=307,
                  headers={"Location": "http://203.0.113.9/steal"})
    auth = ap.OAuthDeviceAuth("client", refresh_token="refresh-secret",
                              prompt=lambda *a: None)
    with pytest.raises(ap.UnexpectedResponseError, match="redirect"):
        auth.token()
    assert len(responses.calls) == 1  # nothing sent to the Location


def test_a_request_id_that_is_not_an_id_is_refused_before_any_call():
    transport = ap.Transport(API, ap.TokenAuth("t"))
    for bad in ("../../lists/101000000007/readRequests/ABC", "ABC?x=", RID + "/pages/0", ""):
        with pytest.raises(ValueError, match="32 hexadecimal"):
            ReadRequest(transport, TARGET, bad)
