"""The layer that speaks HTTP to the Integration API.

One pooled ``requests.Session``; connect and read timeouts on every call; GET and DELETE
retried on 429 (honouring ``Retry-After``), 5xx, broken connections and bodies cut off
midway, with exponential backoff, jitter and a cap. A POST is retried only when it provably
never reached the server. Error statuses become the typed exceptions of
:mod:`anaplan_pandas.exceptions`, with Anaplan's ``status.message`` in them.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import time
from dataclasses import dataclass
from typing import Any, Literal

import requests
import urllib3
from requests.adapters import HTTPAdapter

from anaplan_pandas.auth import AnaplanAuth, resolve_auth
from anaplan_pandas.exceptions import (
    AnaplanConnectionError,
    AnaplanHTTPError,
    AuthenticationError,
    ModelBusyError,
    NotFoundError,
    RateLimitError,
    UnexpectedResponseError,
)
from anaplan_pandas.settings import is_loopback, resolve_api_url, resolve_auth_url

log = logging.getLogger("anaplan_pandas")

_RETRIED_METHODS = frozenset({"GET", "DELETE"})
_BODY_ERRORS = (
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
    urllib3.exceptions.HTTPError,  # a body cut off midway, read from the raw stream
)


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


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a call that met a passing fault.

    Examples
    --------
    >>> 0.5 <= RetryPolicy(backoff=0.5).delay(2) <= 1.0  # 0.5 × 2, with jitter
    True
    >>> RetryPolicy().delay(1, retry_after=7.0)  # the server's Retry-After wins
    7.0
    """

    attempts: int = 6
    backoff: float = 0.5
    max_backoff: float = 30.0
    max_retry_after: float = 300.0

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``retry`` (1-based)."""
        if retry_after is not None:
            return min(retry_after, self.max_retry_after)
        ceiling = min(self.max_backoff, self.backoff * 2 ** (retry - 1))
        return random.uniform(ceiling / 2, ceiling)


class Transport:
    """Send calls to the Integration API and turn failures into typed errors.

    Examples
    --------
    >>> from anaplan_pandas.auth import TokenAuth
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
        timeout: tuple[float, float] = (10.0, 120.0),
        retry: RetryPolicy | None = None,
        compression: Compression = "auto",
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.page_encoding = page_encoding(self.api_url, compression)
        self.auth = auth
        self.timeout = timeout
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
        **kwargs: Any,
    ) -> requests.Response:
        """Send one call with retries; return the successful response.

        ``what`` names the object (``"view 101… in model …"``) in every error message.
        The body is read inside the retry loop, in one piece, so a body cut off midway is
        fetched again.
        """
        all_headers = {"Accept": accept, **(headers or {})}
        retries = 0
        reauthenticated = False
        while True:
            try:
                response = self.session.request(
                    method,
                    self.url(path),
                    headers=all_headers,
                    auth=self.auth,
                    timeout=self.timeout,
                    verify=self.verify,
                    stream=True,
                    **kwargs,
                )
                # One read of the whole body: several times faster than requests'
                # 10 KiB chunks for multi-megabyte pages.
                response._content = response.raw.read(decode_content=True)
                response._content_consumed = True
                response.raw.release_conn()  # back to the pool, kept alive
            except (requests.ConnectionError, requests.Timeout, *_BODY_ERRORS) as error:
                if not self._may_retry_failure(method, error, retries):
                    raise self._connection_error(method, path, what, error) from None
                retries += 1
                delay = self.retry.delay(retries)
                log.debug("%s %s failed (%s); retry %d in %.2fs", method, path,
                          type(error).__name__, retries, delay)
                time.sleep(delay)
                continue
            status = response.status_code
            log.debug("%s %s -> %d", method, path, status)
            if status < 400:
                return response
            if status == 401 and not reauthenticated:
                used = _token_of(response.request)
                if self.auth.token_rejected(used):
                    reauthenticated = True
                    continue
            retryable = method in _RETRIED_METHODS and (status == 429 or status >= 500)
            if retryable and retries + 1 < self.retry.attempts:
                retries += 1
                delay = self.retry.delay(retries, _retry_after(response))
                log.debug("%s %s answered %d; retry %d in %.2fs", method, path, status,
                          retries, delay)
                time.sleep(delay)
                continue
            raise self._status_error(method, path, what, response)

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
                "Check that "
                "api_url points at the Integration API (…/2/0)."
            )
        return body

    def _may_retry_failure(self, method: str, error: Exception, retries: int) -> bool:
        if retries + 1 >= self.retry.attempts:
            return False
        if method in _RETRIED_METHODS:
            return True
        return never_reached_server(error)

    def _connection_error(
        self, method: str, path: str, what: str, error: Exception
    ) -> AnaplanConnectionError:
        doubt = ""
        if method == "POST" and not never_reached_server(error):
            doubt = (
                " The call may have reached Anaplan, so a read request may have been started "
                "and will expire unused after 30 minutes; it was not sent again to avoid "
                "starting a second one."
            )
        return AnaplanConnectionError(
            f"{method} {path} for {what} failed after {self.retry.attempts} tries: "
            f"{type(error).__name__}.{doubt} Check the network and api_url, then try again."
        )

    def _status_error(
        self, method: str, path: str, what: str, response: requests.Response
    ) -> AnaplanHTTPError:
        status = response.status_code
        message = server_message(response)
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
            wait = _retry_after(response)
            hint = f" in {wait:g} seconds" if wait is not None else " in a minute"
            return RateLimitError(
                f"Anaplan rate-limited {method} for {what} ({said}) after "
                f"{self.retry.attempts} tries. Try again{hint}, or make fewer calls at once.",
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
        return AnaplanHTTPError(
            f"Anaplan answered {method} for {what} with {said}.{doubt}",
            status_code=status,
            server_message=message,
        )


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


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


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


def connect(
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
    """Resolve credentials and URLs into a :class:`Transport` for the lower-level API.

    Examples
    --------
    >>> transport = connect(auth="token", api_url="http://127.0.0.1:8080/2/0")
    >>> transport.api_url
    'http://127.0.0.1:8080/2/0'
    """
    resolved = resolve_auth(auth, resolve_auth_url(auth_url, region))
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
