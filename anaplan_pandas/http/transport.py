"""The layer that speaks HTTP to the Integration API.

One pooled ``requests.Session``. Every call runs within the read's deadline
(:mod:`anaplan_pandas.http.deadline`): connecting, waiting for the answer, reading the body
and pausing before a retry. The one retry loop (:mod:`anaplan_pandas.http.retry`) retries
GET and DELETE on 429 (honouring ``Retry-After``), 5xx, broken connections and broken bodies
(cut off midway, a gzip stream that stops early, or a body the caller's check refuses), with
exponential backoff and jitter. A POST is retried on 429 (the server did not process it) and
when it provably never reached the server. Redirects are never followed, so credentials go
only to the hosts the user named. Error statuses become the typed exceptions of
:mod:`anaplan_pandas.exceptions` (:mod:`anaplan_pandas.http.errors`).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter

from anaplan_pandas.exceptions import UnexpectedResponseError
from anaplan_pandas.http.auth import AnaplanAuth
from anaplan_pandas.http.bodies import (
    BrokenBodyError,
    Compression,
    decode_body,
    page_encoding,
    read_body,
)
from anaplan_pandas.http.credentials import resolve_auth
from anaplan_pandas.http.deadline import Deadline, call_timeout, current_deadline
from anaplan_pandas.http.errors import (
    failure_error,
    never_reached_server,
    redirect_error,
    status_error,
)
from anaplan_pandas.http.retry import (
    CallStopped,
    RetryPolicy,
    RetryRules,
    send_with_retries,
)
from anaplan_pandas.http.urls import resolve_api_url, resolve_auth_url

log = logging.getLogger("anaplan_pandas")

__all__ = ["BrokenBodyError", "CallStopped", "RetryPolicy", "Transport", "open_transport"]

_RETRIED_METHODS = frozenset({"GET", "DELETE"})
_FAILURES = (
    requests.ConnectionError,
    requests.Timeout,
    BrokenBodyError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    urllib3.exceptions.HTTPError,  # a body cut off midway, read from the raw stream
)


class Transport:
    """Send calls to the Integration API and turn failures into typed errors.

    Examples
    --------
    >>> from anaplan_pandas.http.auth import TokenAuth
    >>> transport = Transport("https://api.anaplan.com/2/0", TokenAuth("token"))
    >>> transport.url("/workspaces")
    'https://api.anaplan.com/2/0/workspaces'
    """

    def __init__(
        self,
        api_url: str,
        auth: AnaplanAuth,
        *,
        session: requests.Session | None = None,
        verify: bool | str = True,
        pool_size: int = 16,
        retry: RetryPolicy | None = None,
        compression: Compression = "auto",
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.page_encoding = page_encoding(self.api_url, compression)
        self.auth = auth
        self.retry = retry or RetryPolicy()
        self.verify = verify
        if session is None:
            session = requests.Session()
            adapter = HTTPAdapter(pool_connections=pool_size, pool_maxsize=pool_size)
            session.mount("https://", adapter)
            session.mount("http://", adapter)
        self.session = session

    def url(self, path: str) -> str:
        """Return the absolute URL of an API path."""
        return self.api_url + path

    def get_json(self, path: str, what: str, params: dict[str, Any] | None = None) -> dict:
        """GET a JSON document; ``what`` names the object for error messages."""
        return self.json_of(self.request("GET", path, what, params=params), what)

    def request(
        self,
        method: str,
        path: str,
        what: str,
        *,
        accept: str = "application/json",
        headers: dict[str, str] | None = None,
        check: Callable[[requests.Response], None] | None = None,
        stop: threading.Event | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """Send one call with retries, within the current deadline; return the response.

        ``what`` names the object (``"view 101… in model …"``) in every error message. The
        body is read and decoded inside the retry loop, so a body cut off midway, or one
        that ``check`` refuses with :class:`BrokenBodyError`, is fetched again. Setting
        ``stop`` ends the call (between reads and retries) with :class:`CallStopped`.
        """
        deadline = current_deadline()
        doing = f"{method} {path} for {what}"
        all_headers = {"Accept": accept, "Accept-Encoding": "gzip, deflate", **(headers or {})}

        def send() -> requests.Response:
            response = self._send(method, path, all_headers, deadline, doing, stop, kwargs)
            if check is not None and response.status_code < 300:
                check(response)
            return response

        rules = RetryRules(
            failures=_FAILURES,
            may_resend=lambda error: method in _RETRIED_METHODS or never_reached_server(error),
            retry_status=lambda status: status == 429 or (
                status >= 500 and method in _RETRIED_METHODS),
            renew=lambda response: self.auth.token_rejected(_token_of(response.request)),
        )
        outcome = send_with_retries(send, rules, self.retry, doing, stop=stop)
        response, tries = outcome.response, outcome.tries
        if response is None:
            assert outcome.failure is not None
            raise failure_error(method, path, what, outcome.failure, tries, self.auth.redact)
        status = response.status_code
        log.debug("%s %s -> %d", method, path, status)
        if status < 300:
            return response
        if status < 400:
            raise redirect_error(method, what, response)
        raise status_error(method, path, what, response, tries, self.auth.redact)

    def _send(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        deadline: Deadline,
        doing: str,
        stop: threading.Event | None,
        kwargs: dict[str, Any],
    ) -> requests.Response:
        """One try: send, then read and decode the whole body within the deadline."""
        response = self.session.request(
            method,
            self.url(path),
            headers=headers,
            auth=self.auth,
            timeout=call_timeout(deadline, doing),
            verify=self.verify,
            stream=True,
            allow_redirects=False,
            **kwargs,
        )
        try:
            data = read_body(response.raw, deadline, doing, stop)
            response._content = decode_body(data, response.headers.get("Content-Encoding", ""))
        except BaseException:
            response.close()  # a half-read connection must not go back to the pool
            raise
        response._content_consumed = True
        response.raw.release_conn()  # back to the pool, kept alive
        return response

    def json_of(self, response: requests.Response, what: str) -> dict:
        """Decode a JSON object body, or raise :class:`UnexpectedResponseError` quoting it."""
        try:
            body = response.json()
        except (ValueError, json.JSONDecodeError):
            body = None
        if not isinstance(body, dict):
            raise UnexpectedResponseError(
                f"Anaplan answered {response.request.method} {_path_of(response)} for {what} "
                f"with a body that is not a JSON object: {self.auth.redact(_quote(response))}. "
                "Check that api_url points at the Integration API (…/2/0)."
            )
        return body

def _token_of(request: requests.PreparedRequest) -> str | None:
    header = request.headers.get("Authorization", "")
    return header.split(" ", 1)[1] if " " in header else None


def _path_of(response: requests.Response) -> str:
    return requests.utils.urlparse(response.url).path if response.url else "?"


def _quote(response: requests.Response, limit: int = 200) -> str:
    text = response.content[:limit].decode("utf-8", errors="replace")
    more = "…" if len(response.content) > limit else ""
    kind = response.headers.get("Content-Type", "no type")
    return f"HTTP {response.status_code}, {kind}, {text!r}{more}"


def open_transport(
    auth: object = None,
    api_url: str | None = None,
    auth_url: str | None = None,
    *,
    region: str | None = None,
    verify: bool | str = True,
    session: requests.Session | None = None,
    pool_size: int = 16,
    retry: RetryPolicy | None = None,
    compression: Compression = "auto",
) -> Transport:
    """Resolve credentials and URLs into a :class:`Transport`.

    Examples
    --------
    >>> transport = open_transport(auth="token", api_url="http://127.0.0.1:8080/2/0")
    >>> transport.api_url
    'http://127.0.0.1:8080/2/0'
    """
    resolved = resolve_auth(auth, resolve_auth_url(auth_url, region))
    resolved.verify = verify
    if retry is not None:  # one policy for every call of the connection, logins included
        resolved.retry = retry
    return Transport(
        resolve_api_url(api_url, region),
        resolved,
        session=session,
        verify=verify,
        pool_size=pool_size,
        retry=retry,
        compression=compression,
    )

