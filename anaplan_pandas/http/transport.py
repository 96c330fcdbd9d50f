"""The layer that speaks HTTP to the Integration API.

One pooled ``requests.Session``. Every call runs within the read's deadline
(:mod:`anaplan_pandas.http.retry`): connecting, waiting for the answer, reading the body and
pausing before a retry. GET and DELETE are retried on 429 (honouring ``Retry-After``), 5xx,
broken connections and broken bodies (cut off midway, a gzip stream that stops early, or a
body the caller's check refuses), with exponential backoff and jitter. A POST is retried on
429 (the server did not process it) and when it provably never reached the server.
Redirects are never followed, so credentials go only to the hosts the user named. Error
statuses become the typed exceptions of :mod:`anaplan_pandas.exceptions`, with Anaplan's
``status.message`` in them and every secret redacted.
"""

from __future__ import annotations

import json
import logging
import threading
import zlib
from collections.abc import Callable
from typing import Any, Literal

import requests
import urllib3
from requests.adapters import HTTPAdapter

from anaplan_pandas.exceptions import (
    AnaplanConnectionError,
    AnaplanError,
    AnaplanHTTPError,
    AnaplanTimeoutError,
    AuthenticationError,
    ModelBusyError,
    NotFoundError,
    RateLimitError,
    UnexpectedResponseError,
)
from anaplan_pandas.http.auth import AnaplanAuth, resolve_auth
from anaplan_pandas.http.retry import (
    READ_TIMEOUT,
    Deadline,
    RetryPolicy,
    call_timeout,
    current_deadline,
    pause,
    retry_after_seconds,
)
from anaplan_pandas.http.urls import is_loopback, resolve_api_url, resolve_auth_url

log = logging.getLogger("anaplan_pandas")

__all__ = ["BrokenBodyError", "CallStopped", "RetryPolicy", "Transport", "open_transport"]

_RETRIED_METHODS = frozenset({"GET", "DELETE"})
_BODY_ERRORS = (
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    urllib3.exceptions.HTTPError,  # a body cut off midway, read from the raw stream
)
#: Bytes asked for in one read of a body: large enough to cost nothing, small enough to
#: notice a deadline or a stop between reads.
_READ_SIZE = 1 << 20


class BrokenBodyError(Exception):
    """A body that arrived whole by HTTP's account but is not what was asked for.

    Raised by body checks; the call is then retried like one whose body was cut off.
    """


class CallStopped(Exception):
    """The caller asked the call to stop (its result is no longer wanted)."""


Compression = Literal["auto", "gzip"] | None


def page_encoding(api_url: str, compression: Compression) -> str:
    """The ``Accept-Encoding`` to ask pages with.

    ``"auto"`` asks for gzip except from this machine: compression pays when the network is
    slower than decompression (about 200 MB/s a core), never on loopback (see the
    benchmark's gzip figures).

    Examples
    --------
    >>> page_encoding("https://api.anaplan.com/2/0", "auto")
    'gzip'
    >>> page_encoding("http://127.0.0.1:8080/2/0", "auto")
    'identity'
    """
    if compression == "auto":
        host = urllib3.util.parse_url(api_url).host or ""
        return "identity" if is_loopback(host) else "gzip"
    if compression == "gzip":
        return "gzip"
    if compression is None:
        return "identity"
    raise ValueError(f"compression must be 'auto', 'gzip' or None, got {compression!r}.")


def gunzip(data: bytes) -> bytes:
    r"""Decompress a gzip body, refusing one whose stream stops before its end.

    A gzip member ends with a trailer (CRC and length); a body without it lost its end,
    even if HTTP delivered every byte it announced.

    Examples
    --------
    >>> import gzip
    >>> gunzip(gzip.compress(b"a,b\n"))
    b'a,b\n'
    >>> gunzip(gzip.compress(b"a,b\n" * 100)[:-8])
    Traceback (most recent call last):
    anaplan_pandas.http.transport.BrokenBodyError: a gzip stream that stops before its end
    """
    parts = []
    while data:
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            parts.append(decoder.decompress(data))
        except zlib.error as error:
            reason = f"a damaged gzip stream ({error})"
        else:
            reason = "" if decoder.eof else "a gzip stream that stops before its end"
        if reason:
            raise BrokenBodyError(reason)
        data = decoder.unused_data
    return b"".join(parts)


def decode_body(data: bytes, content_encoding: str) -> bytes:
    """Undo the ``Content-Encoding`` of a body (gzip strictly, deflate, identity).

    Examples
    --------
    >>> decode_body(b"plain", "")
    b'plain'
    """
    encoding = content_encoding.strip().lower()
    if encoding in ("", "identity"):
        return data
    if encoding in ("gzip", "x-gzip"):
        return gunzip(data)
    if encoding == "deflate":
        try:
            return zlib.decompress(data)
        except zlib.error:
            pass
        try:
            return zlib.decompress(data, -zlib.MAX_WBITS)
        except zlib.error as error:
            reason = f"a damaged deflate stream ({error})"
        raise BrokenBodyError(reason)
    raise BrokenBodyError(f"a body in the unrequested Content-Encoding {content_encoding!r}")


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
        tries = 0
        reauthentications = 0
        while True:
            if stop is not None and stop.is_set():
                raise CallStopped(doing)
            tries += 1
            failure: Exception | None = None
            try:
                response = self._send(method, path, all_headers, deadline, doing, stop, kwargs)
                if check is not None and response.status_code < 300:
                    check(response)
            except (requests.ConnectionError, requests.Timeout, BrokenBodyError,
                    *_BODY_ERRORS) as error:
                failure = error
            if failure is not None:
                deadline.check(doing)
                if not self._may_retry_failure(method, failure, tries):
                    raise self._failure_error(method, path, what, failure, tries)
                delay = self.retry.delay(tries)
                log.debug("%s %s failed (%s); retry %d in %.2fs", method, path,
                          _failure_name(failure), tries, delay)
                pause(delay, deadline, doing, stop=stop)
                continue
            status = response.status_code
            log.debug("%s %s -> %d", method, path, status)
            if status < 300:
                return response
            if status < 400:
                raise self._redirect_error(method, what, response)
            if status == 401 and reauthentications < 2:
                used = _token_of(response.request)
                if self.auth.token_rejected(used):
                    reauthentications += 1
                    tries -= 1  # a new token, not a retry of a failure
                    continue
            retry_after = retry_after_seconds(response)
            retryable = status == 429 or (status >= 500 and method in _RETRIED_METHODS)
            too_long = retry_after is not None and retry_after > self.retry.max_retry_after
            if retryable and tries < self.retry.attempts and not too_long:
                delay = self.retry.delay(tries, retry_after)
                log.debug("%s %s answered %d; retry %d in %.2fs", method, path, status,
                          tries, delay)
                pause(delay, deadline, doing, stop=stop, server_asked=retry_after is not None)
                continue
            raise self._status_error(method, path, what, response, tries)

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
            data = _read_body(response.raw, deadline, doing, stop)
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

    def _may_retry_failure(self, method: str, error: Exception, tries: int) -> bool:
        if tries >= self.retry.attempts:
            return False
        if method in _RETRIED_METHODS:
            return True
        return never_reached_server(error)

    def _failure_error(
        self, method: str, path: str, what: str, error: Exception, tries: int
    ) -> AnaplanError:
        times = _tries(tries)
        if isinstance(error, BrokenBodyError):
            return UnexpectedResponseError(
                f"Anaplan answered {method} {path} for {what} with a broken body {times} "
                f"({self.auth.redact(str(error))}); none of it was used. Try again later; "
                "if it persists, the service or a proxy between you and it is damaging "
                "the data."
            )
        doubt = ""
        if method == "POST" and not never_reached_server(error):
            doubt = (
                " The call may have reached Anaplan, so a read request may have been started "
                "and will expire unused after 30 minutes; it was not sent again to avoid "
                "starting a second one."
            )
        return AnaplanConnectionError(
            f"{method} {path} for {what} failed {times}: {_failure_name(error)}.{doubt} "
            "Check the network and api_url, then try again."
        )

    def _redirect_error(
        self, method: str, what: str, response: requests.Response
    ) -> UnexpectedResponseError:
        target = requests.utils.urlparse(response.headers.get("Location", ""))
        where = f"{target.scheme}://{target.netloc}" if target.netloc else "another path"
        return UnexpectedResponseError(
            f"Anaplan answered {method} for {what} with a redirect (HTTP "
            f"{response.status_code}) to {where}. Redirects are not followed, so that "
            f"credentials only go to the hosts you named; if {where} is your tenant's "
            "Integration API, pass api_url= (or set ANAPLAN_API_URL) to it."
        )

    def _status_error(
        self, method: str, path: str, what: str, response: requests.Response, tries: int
    ) -> AnaplanHTTPError:
        status = response.status_code
        message = self.auth.redact(server_message(response))
        said = f"HTTP {status}: {message}"
        if status == 401:
            return AuthenticationError(
                f"Anaplan did not accept the credentials for {what} ({said}). Check the user "
                "name and password or token (a token expires after 35 minutes); under single "
                "sign-on the user must be an exception user to use a password.",
                status_code=status,
                server_message=message,
            )
        if status in (403, 404):
            return NotFoundError(
                f"Anaplan found no {what}, or the user has no access to it ({said}). Check "
                "the ids, and that the user has a role in the model.",
                status_code=status,
                server_message=message,
            )
        if status == 409:
            return ModelBusyError(
                f"The model is busy and refused {method} for {what} ({said}). Wait until the "
                "running import, export or save has finished, then try again.",
                status_code=status,
                server_message=message,
            )
        if status == 429:
            wait = retry_after_seconds(response)
            hint = (f" after the {wait:g} seconds Anaplan asked for (Retry-After)"
                    if wait is not None else " in a minute")
            return RateLimitError(
                f"Anaplan rate-limited {method} for {what} ({said}) {_tries(tries)}. "
                f"Try again{hint}, or make fewer calls at once.",
                status_code=status,
                server_message=message,
                retry_after=wait,
            )
        doubt = ""
        if method == "POST" and status >= 500:
            doubt = (
                " The call reached Anaplan, so a read request may have been started anyway; "
                "it expires unused after 30 minutes. It was not sent again."
            )
        elif status >= 500:
            doubt = f" ({_tries(tries)}); try again later"
        return AnaplanHTTPError(
            f"Anaplan answered {method} for {what} with {said}{doubt}.",
            status_code=status,
            server_message=message,
        )


def _read_body(
    raw: urllib3.HTTPResponse, deadline: Deadline, doing: str, stop: threading.Event | None
) -> bytes:
    """The raw body, read in pieces so that the deadline and ``stop`` bound it."""
    connection = getattr(raw, "connection", None)
    sock = getattr(connection, "sock", None)
    parts = []
    while True:
        if stop is not None and stop.is_set():
            raise CallStopped(doing)
        left = deadline.remaining()
        if left is not None:
            if left <= 0:
                raise AnaplanTimeoutError(deadline.message(doing))
            if sock is not None:
                sock.settimeout(min(READ_TIMEOUT, left))
        part = raw.read1(_READ_SIZE, decode_content=False)
        if not part:
            return b"".join(parts)
        parts.append(part)


def _tries(tries: int) -> str:
    return "once" if tries == 1 else f"{tries} times"


def _failure_name(error: Exception) -> str:
    if isinstance(error, BrokenBodyError):
        return str(error)
    return type(error).__name__


def never_reached_server(error: Exception) -> bool:
    """Whether a failed call provably never reached the server (so a POST may be resent).

    Examples
    --------
    >>> never_reached_server(requests.exceptions.ConnectTimeout())
    True
    """
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return True
    if isinstance(error, requests.ConnectionError):
        text = repr(error.args[0]) if error.args else ""
        return "NewConnectionError" in text or "NameResolutionError" in text
    return False


def server_message(response: requests.Response) -> str:
    """Anaplan's explanation in an error body, or the HTTP reason phrase.

    Examples
    --------
    >>> r = requests.Response(); r._content = b'{"status": {"code": 404, "message": "Not Found"}}'
    >>> server_message(r)
    'Not Found'
    """
    try:
        body = response.json()
    except ValueError:
        return response.reason or "no message"
    if isinstance(body, dict):
        status = body.get("status")
        if isinstance(status, dict) and status.get("message"):
            return str(status["message"])
        for key in ("statusMessage", "error_description", "message"):
            if body.get(key):
                return str(body[key])
    return response.reason or "no message"


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
    share: bool = True,
) -> Transport:
    """Resolve credentials and URLs into a :class:`Transport`.

    Examples
    --------
    >>> transport = open_transport(auth="token", api_url="http://127.0.0.1:8080/2/0")
    >>> transport.api_url
    'http://127.0.0.1:8080/2/0'
    """
    resolved = resolve_auth(auth, resolve_auth_url(auth_url, region), share=share)
    resolved.verify = verify
    return Transport(
        resolve_api_url(api_url, region),
        resolved,
        session=session,
        verify=verify,
        pool_size=pool_size,
        retry=retry,
        compression=compression,
    )
