"""Certificate and OAuth logins against the simulator, and token renewal under load."""

from __future__ import annotations

import base64
import struct
import time

import pytest

import anaplan_pandas as ap
from anaplan_pandas.simulator import (
    MODEL_ID,
    PRODUCTS_LIST_ID,
    REVENUE_VIEW_ID,
    WORKSPACE_ID,
    Faults,
    PageLayout,
)
from anaplan_pandas.simulator.certificates import TestAuthority
from anaplan_pandas.simulator.records import DEMO_OAUTH_CLIENT
from tests.conftest import assert_same_data


@pytest.fixture(scope="module")
def authority():
    return TestAuthority()


@pytest.fixture
def trusted(sim, authority):
    sim.trusted_authorities.clear()
    sim.trust(authority.pem)
    return authority


def read_products(sim, connection, auth):
    connection["auth"] = auth
    return ap.read_list(WORKSPACE_ID, MODEL_ID, PRODUCTS_LIST_ID, **connection)


def test_certificate_login_with_the_v2_payload(sim, connection, trusted, tmp_path):
    certificate, key = trusted.issue("integration@example.com", key_password="k3y-pass")
    (tmp_path / "cert.pem").write_bytes(certificate)
    (tmp_path / "key.pem").write_bytes(key)
    auth = ap.CertificateAuth(tmp_path / "cert.pem", tmp_path / "key.pem",
                              key_password="k3y-pass", auth_url=sim.auth_url)
    frame = read_products(sim, connection, auth)
    assert_same_data(frame, sim.expected_frame("list", PRODUCTS_LIST_ID))
    login = next(c for c in sim.calls if c.path == "/token/authenticate")
    assert login.headers["Authorization"].startswith("CACertificate ")
    assert login.status == 201


def test_v2_payload_carries_a_timestamp_in_the_unit_asked(trusted):
    certificate, key = trusted.issue("integration@example.com")
    for unit, scale in (("s", 1), ("ms", 1000)):
        payload = ap.CertificateAuth(certificate, key, timestamp_unit=unit).signed_payload()
        data = base64.b64decode(payload["encodedData"])
        assert payload["encodedDataFormat"] == "v2"
        assert len(data) >= 8 + 100
        (stamp,) = struct.unpack(">Q", data[:8])
        assert abs(stamp / scale - time.time()) < 5


def test_server_expecting_milliseconds(sim, connection, trusted):
    certificate, key = trusted.issue("integration@example.com")
    sim.configure(faults=Faults(certificate_timestamp_unit="ms"))
    with pytest.raises(ap.AuthenticationError, match="timestamp"):
        read_products(sim, connection, ap.CertificateAuth(certificate, key))
    frame = read_products(sim, connection, ap.CertificateAuth(certificate, key,
                                                               timestamp_unit="ms"))
    assert len(frame) == sim.expected_frame("list", PRODUCTS_LIST_ID).num_rows


def test_v1_payload_is_refused_where_v2_is_required_and_accepted_otherwise(
        sim, connection, trusted):
    certificate, key = trusted.issue("integration@example.com")
    with pytest.raises(ap.AuthenticationError, match="v1 payload"):
        read_products(sim, connection, ap.CertificateAuth(certificate, key, payload="v1"))
    sim.configure(faults=Faults(require_v2=False))
    frame = read_products(sim, connection, ap.CertificateAuth(certificate, key, payload="v1"))
    assert len(frame) > 0


def test_certificate_from_an_unknown_authority_is_refused(sim, connection, trusted):
    certificate, key = TestAuthority("someone else").issue("intruder@example.com")
    with pytest.raises(ap.AuthenticationError, match="registered") as caught:
        read_products(sim, connection, ap.CertificateAuth(certificate, key))
    assert caught.value.status_code == 401


def test_certificate_and_key_from_the_environment(sim, connection, trusted, monkeypatch):
    certificate, key = trusted.issue("integration@example.com", key_password="pw")
    monkeypatch.setenv("ANAPLAN_CERTIFICATE", certificate.decode())
    monkeypatch.setenv("ANAPLAN_PRIVATE_KEY", key.decode())
    monkeypatch.setenv("ANAPLAN_PRIVATE_KEY_PASSWORD", "pw")
    assert len(read_products(sim, connection, ap.CertificateAuth())) > 0


def test_wrong_key_password_is_a_clear_error_without_the_password(trusted):
    certificate, key = trusted.issue("integration@example.com", key_password="right")
    with pytest.raises(ap.AuthenticationError, match="password is wrong") as caught:
        ap.CertificateAuth(certificate, key, key_password="wr0ng-s3cret")
    assert "wr0ng-s3cret" not in str(caught.value)


def test_oauth_device_grant_then_rotating_refresh_tokens(sim, connection):
    sim.configure(faults=Faults(device_interval=0.05, token_lifetime=0.6))
    shown, stored = [], []

    def approve(uri, code, complete):
        shown.append((uri, code, complete))
        sim.approve_device(code)

    auth = ap.OAuthDeviceAuth(DEMO_OAUTH_CLIENT, oauth_url=sim.base_url, prompt=approve,
                              on_refresh_token=stored.append)
    frame = read_products(sim, connection, auth)
    assert len(frame) == sim.expected_frame("list", PRODUCTS_LIST_ID).num_rows
    assert len(shown) == 1 and shown[0][1] in shown[0][2]
    time.sleep(0.7)  # the access token expires: the refresh token renews it, no prompt
    read_products(sim, connection, auth)
    assert len(shown) == 1
    assert len(stored) >= 2 and len(set(stored)) == len(stored)  # rotated at each use
    assert stored[-1] in sim.refresh_tokens and stored[0] not in sim.refresh_tokens


def test_oauth_refresh_token_from_an_earlier_run(sim, connection):
    sim.configure(faults=Faults(device_interval=0.05))
    first = ap.OAuthDeviceAuth(DEMO_OAUTH_CLIENT, oauth_url=sim.base_url,
                               prompt=lambda u, code, c: sim.approve_device(code))
    stored = []
    first.on_refresh_token = stored.append
    read_products(sim, connection, first)
    again = ap.OAuthDeviceAuth(DEMO_OAUTH_CLIENT, oauth_url=sim.base_url,
                               refresh_token=stored[-1],
                               prompt=lambda *a: pytest.fail("no prompt expected"))
    assert len(read_products(sim, connection, again)) > 0


def test_oauth_device_login_that_nobody_confirms(sim):
    sim.configure(faults=Faults(device_interval=0.02))
    auth = ap.OAuthDeviceAuth(DEMO_OAUTH_CLIENT, oauth_url=sim.base_url,
                              prompt=lambda *a: None, device_timeout=0.3)
    with pytest.raises(ap.AuthenticationError, match="in time"):
        auth.token()


def test_unknown_oauth_client(sim):
    auth = ap.OAuthDeviceAuth("not-a-client", oauth_url=sim.base_url, prompt=lambda *a: None)
    with pytest.raises(ap.AuthenticationError, match="Unknown client"):
        auth.token()


def test_eight_downloads_stay_parallel_across_a_token_renewal(sim, connection):
    sim.configure(layout=PageLayout(rows_per_page=100),  # 35 pages: several rounds of 8
                  faults=Faults(page_delay=0.3, token_lifetime=1.0))
    auth = ap.BasicAuth(*sim.credentials, auth_url=sim.auth_url)
    connection["auth"] = auth
    ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, max_workers=8, **connection)
    renewals = [c for c in sim.calls if c.path in ("/token/authenticate", "/token/refresh")]
    assert len(renewals) >= 2  # logged in, then renewed mid-read
    assert sim.max_concurrent_pages == 8
    assert not [c for c in sim.calls if c.path.startswith("/2/0/") and c.status == 401]
