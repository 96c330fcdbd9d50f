"""Secrets a user pastes carelessly are never shown, and URLs that hide a host are refused."""

from __future__ import annotations

import pytest

import anaplan_pandas as ap
from anaplan_pandas.http.urls import check_url

TOKEN = "S3CRET-t0ken-value"


@pytest.mark.parametrize("pasted", [f"{TOKEN}\n", f"  {TOKEN}\r\n", f"\t{TOKEN} "])
def test_a_token_with_surrounding_whitespace_is_stripped(pasted):
    assert ap.TokenAuth(pasted).token() == TOKEN


@pytest.mark.parametrize("pasted", [f"{TOKEN}\nX", f"{TOKEN} {TOKEN}", f"{TOKEN}\x00"])
def test_a_token_broken_inside_is_refused_without_showing_it(pasted):
    with pytest.raises(ap.AuthenticationError) as caught:
        ap.TokenAuth(pasted)
    assert TOKEN not in str(caught.value) and TOKEN not in repr(caught.value)


@pytest.mark.parametrize("url", [
    "http://evil.example\\@127.0.0.1/2/0",          # the parsers disagree on the host
    "http://evil.example@127.0.0.1/2/0",            # user info
    "http://user:pw-XYZZY@@127.0.0.1/2/0",
    "http://evil.example%40127.0.0.1/2/0",          # not a loopback host at all
    "http://[::ffff:7f00:1]/2/0",                  # IPv4-mapped: not this machine's loopback
    "http://localhost./2/0",                        # a trailing dot is another name
    "http://127.0.0.1 /2/0",                        # whitespace
    "http://127.0.0.1/2/0\r\nX-Injected: 1",        # control characters
    "http://xn--80ak6aa92e.com/2/0",                # IDN: plain http to the network
    "ftp://127.0.0.1/2/0",
])
def test_urls_that_could_send_credentials_elsewhere_in_clear_are_refused(url):
    with pytest.raises(ValueError, match="api_url") as caught:
        check_url(url, "api_url")
    assert "XYZZY" not in str(caught.value)


def test_user_info_is_never_repeated_in_the_message():
    with pytest.raises(ValueError, match="user info") as caught:
        check_url("https://key:VERY-SECRET@api.example/2/0", "api_url")
    assert "VERY-SECRET" not in str(caught.value)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/2/0", "http://localhost/2/0",
                                 "http://[::1]:9/2/0", "https://api.anaplan.com/2/0"])
def test_loopback_over_http_and_anything_over_https_pass(url):
    assert check_url(url, "api_url") == url


def test_connect_refuses_a_differential_url_before_any_call():
    with pytest.raises(ValueError, match="backslash"):
        ap.connect(("u", "p"), "http://evil.example\\@127.0.0.1/2/0", "http://127.0.0.1:9")
    with pytest.raises(ValueError, match="user info"):
        ap.connect(("u", "p"), "http://127.0.0.1:9/2/0", "http://u:p@127.0.0.1:9")
