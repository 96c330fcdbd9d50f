"""Authentication objects in the ``requests.auth.AuthBase`` style.

Each adds ``Authorization: AnaplanAuthToken <token>`` to a request. Credential-based ones
obtain the token from the Authentication API, renew it before its 35-minute lifetime ends
and obtain a new one once when the API rejects it. Renewal is single-flight: one thread
renews while the others wait for its result, and no lock is held while data downloads.
Their calls go through the one retry loop (:func:`~anaplan_pandas.http.retry.send_with_retries`)
with the rules of the Authentication API. Plain ``auth=`` values become these objects in
:mod:`anaplan_pandas.http.credentials`.
"""

from __future__ import annotations

import base64
import dataclasses
import email.utils
import logging
import threading
import time
from typing import Any

import requests
from requests.auth import AuthBase

from anaplan_pandas.exceptions import (
    AnaplanConnectionError,
    AnaplanError,
    AnaplanHTTPError,
    AuthenticationError,
    RateLimitError,
    UnexpectedResponseError,
)
from anaplan_pandas.http.deadline import (
    call_timeout,
    cleanup_deadline,
    current_deadline,
    deadline_scope,
)
from anaplan_pandas.http.retry import (
    RetryPolicy,
    RetryRules,
    retry_after_seconds,
    send_with_retries,
)
from anaplan_pandas.http.urls import resolve_auth_url

__all__ = ["AnaplanAuth", "BasicAuth", "TokenAuth"]

log = logging.getLogger("anaplan_pandas")


#: Renew this long before the token's ``expiresAt`` (or at 80 % of a shorter lifetime).
RENEW_MARGIN_SECONDS = 300.0
#: A token's lifetime when its ``expiresAt`` cannot be trusted (Anaplan: 35 minutes).
DEFAULT_LIFETIME = 35 * 60.0
#: How the calls to the authentication services are retried (5xx, 429, broken connections).
AUTH_RETRY = RetryPolicy(attempts=4, backoff=0.5, max_backoff=8.0)
#: Seconds a logout may take: it is tried once, and a token not logged out expires anyway.
LOGOUT_SECONDS = 5.0


class AnaplanAuth(AuthBase):
    """Base of the authentication objects: holds a token and puts it on each request.

    Subclasses implement :meth:`_obtain`; :meth:`token` is thread-safe.

    Examples
    --------
    >>> import requests
    >>> session = requests.Session()
    >>> session.auth = TokenAuth("my-token")  # any AnaplanAuth plugs into requests
    """

    def __init__(self, auth_url: str | None = None, *, verify: bool | str = True) -> None:
        self.auth_url = auth_url
        self.verify = verify
        self._token: str | None = None
        self._renew_at = 0.0  # on the monotonic clock
        self._lock = threading.Lock()
        self._http: requests.Session | None = None
        self._closed = False
        #: How outages of the authentication service are retried (the connection's policy,
        #: when it has one).
        self.retry: RetryPolicy = AUTH_RETRY

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        """Add the ``Authorization`` header to ``request``."""
        request.headers["Authorization"] = f"AnaplanAuthToken {self.token()}"
        return request

    def token(self) -> str:
        """Return a valid token, obtaining or renewing it first when needed."""
        with self._lock:
            if self._closed:
                raise AuthenticationError(
                    f"{self!r} was closed (logged out); create a new one to log in again."
                )
            if self._token is None:
                self._keep(*self._obtain())
            elif time.monotonic() > self._renew_at:
                self._keep(*self._renew(self._token))
            assert self._token is not None
            return self._token

    def _keep(self, token: str, lifetime: float) -> None:
        """Hold ``token`` and schedule its renewal, on the monotonic clock."""
        self._token = token
        self._renew_at = time.monotonic() + lifetime - min(RENEW_MARGIN_SECONDS, 0.2 * lifetime)

    def token_rejected(self, rejected: str | None) -> bool:
        """Forget ``rejected`` after the API answered 401; return whether a retry can help.

        Only the first of several threads that saw the same token rejected drops it; the
        others find a fresh token already in place.
        """
        with self._lock:
            if rejected is not None and rejected == self._token:
                self._token = None
        return self.can_reauthenticate

    @property
    def can_reauthenticate(self) -> bool:
        """Whether this object can get a new token by itself."""
        return True

    def close(self) -> None:
        """Log out, so that the token cannot be used again; the object cannot log in again.

        A logout that fails is not an error: the token expires by itself.
        """
        with self._lock:
            token, self._token = self._token, None
            self._closed = True
        if token is not None and self.can_reauthenticate:
            try:  # once, briefly: a token that is not logged out expires by itself
                with deadline_scope(cleanup_deadline(LOGOUT_SECONDS)):
                    self._post("/token/logout", token=token, attempts=1)
            except AnaplanError:
                log.debug("logout failed; the token expires by itself")

    def _obtain(self) -> tuple[str, float]:
        raise NotImplementedError

    def _renew(self, token: str) -> tuple[str, float]:
        try:
            return _token_info(self._post("/token/refresh", token=token), "refresh")
        except AuthenticationError:
            log.debug("token refresh refused; authenticating anew")
            return self._obtain()

    def redact(self, text: str) -> str:
        """Return ``text`` with every secret this object holds replaced by ``<hidden>``."""
        for secret in self._secrets():
            if secret:
                text = text.replace(secret, "<hidden>")
        return text

    def _secrets(self) -> list[str]:
        return [self._token or ""]

    def _post(
        self,
        path: str,
        *,
        base: str | None = None,
        token: str | None = None,
        attempts: int | None = None,
        **kwargs: Any,
    ) -> requests.Response:
        """POST to the Authentication API (or ``base``); refusals become typed errors.

        Outages (5xx, 429, broken connections) are retried within the current deadline:
        these calls create nothing, so sending them again is safe. An outage that outlasts
        the retries is an :class:`AnaplanConnectionError` or :class:`AnaplanHTTPError`,
        never a refusal of the credentials. Redirects are not followed.
        """
        if self._http is None:
            self._http = requests.Session()
        if base is None:
            base = self.auth_url = resolve_auth_url(self.auth_url)
        headers = kwargs.pop("headers", {})
        if token is not None:
            headers["Authorization"] = f"AnaplanAuthToken {token}"
        deadline = current_deadline()
        doing = f"calling the Anaplan authentication service at {base}{path}"
        rules = RetryRules(  # these calls create nothing, so sending them again is safe
            failures=(requests.RequestException,),
            may_resend=lambda error: True,
            retry_status=lambda status: status == 429 or status >= 500,
        )
        session = self._http

        def send() -> requests.Response:
            return session.post(base + path, headers=headers,
                                timeout=call_timeout(deadline, doing), verify=self.verify,
                                allow_redirects=False, **kwargs)

        outcome = send_with_retries(
            send, rules, self.retry if attempts is None else
            dataclasses.replace(self.retry, attempts=attempts), doing)
        response, tries = outcome.response, outcome.tries
        if response is None:
            raise AnaplanConnectionError(
                f"Could not reach the Anaplan authentication service at {base} "
                f"({type(outcome.failure).__name__}, {tries} tries). Check the network, "
                "auth_url or region, then try again.")
        status = response.status_code
        retry_after = retry_after_seconds(response)
        message = self.redact(_auth_message(response))
        said = f"HTTP {status}: {message}"
        if status in (400, 401, 403):
            raise AuthenticationError(
                f"Anaplan refused the credentials at {base}{path} ({said}). "
                f"{self._refusal_advice}",
                status_code=status,
                server_message=message,
            )
        if 300 <= status < 400:
            raise UnexpectedResponseError(
                f"The Anaplan authentication service at {base} answered {path} with a "
                f"redirect ({said}). Redirects are not followed, so that credentials only "
                "go to the hosts you named; check auth_url or region."
            )
        if status == 429:
            raise RateLimitError(
                f"The Anaplan authentication service at {base} rate-limited {path} ({said}, "
                f"{tries} tries). Try again later, or make fewer logins at once.",
                server_message=message,
                retry_after=retry_after,
            )
        if not response.ok:
            raise AnaplanHTTPError(
                f"The Anaplan authentication service at {base} is unavailable: it answered "
                f"{path} with {said} ({tries} tries). Try again later.",
                status_code=status,
                server_message=message,
            )
        return response

    _refusal_advice = (
        "Check the user name and password or token; under single sign-on the user must be "
        "an exception user to log in with a password."
    )


class BasicAuth(AnaplanAuth):
    """Log in with a user name and password (``POST /token/authenticate``).

    Examples
    --------
    >>> auth = BasicAuth("analyst@example.com", "secret")
    >>> auth
    BasicAuth(username='analyst@example.com')
    """

    def __init__(
        self,
        username: str,
        password: str,
        auth_url: str | None = None,
        *,
        verify: bool | str = True,
    ) -> None:
        super().__init__(auth_url, verify=verify)
        self.username = username
        self._password = password

    def __repr__(self) -> str:
        return f"BasicAuth(username={self.username!r})"

    def _secrets(self) -> list[str]:
        return [*super()._secrets(), self._password]

    def _obtain(self) -> tuple[str, float]:
        # UTF-8, as Anaplan's own clients send it (requests' HTTPBasicAuth uses Latin-1).
        pair = f"{self.username}:{self._password}".encode()
        header = "Basic " + base64.b64encode(pair).decode("ascii")
        response = self._post("/token/authenticate", headers={"Authorization": header})
        return _token_info(response, "authenticate")


class TokenAuth(AnaplanAuth):
    """Use a token obtained elsewhere; it cannot be renewed by this object.

    Examples
    --------
    >>> TokenAuth("abc")
    TokenAuth(token=<hidden>)
    """

    def __init__(self, token: str) -> None:
        super().__init__()
        token = token.strip()  # copied from a file or `echo`: a line end comes along
        if not token:
            raise AuthenticationError("The token is empty; pass the token string Anaplan issued.")
        if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in token):
            raise AuthenticationError(
                "The token holds spaces, line ends or control characters inside it, so it "
                "cannot be sent; pass the token string exactly as Anaplan issued it.")
        self._token = token
        self._renew_at = float("inf")

    def __repr__(self) -> str:
        return "TokenAuth(token=<hidden>)"

    @property
    def can_reauthenticate(self) -> bool:
        """A static token cannot be replaced."""
        return False

    def token_rejected(self, rejected: str | None) -> bool:
        """Keep the token (it cannot be replaced); a retry cannot help."""
        return False

    def token(self) -> str:
        """Return the token (it was given, so it is never renewed)."""
        assert self._token is not None
        return self._token


def _token_info(response: requests.Response, call: str) -> tuple[str, float]:
    """The token and its lifetime in seconds from a ``tokenInfo`` answer."""
    try:
        info = response.json()["tokenInfo"]
        token, expires_at = str(info["tokenValue"]), float(info["expiresAt"]) / 1000.0
    except (ValueError, KeyError, TypeError):
        token = ""
    if not token:
        raise UnexpectedResponseError(
            f"The Anaplan authentication service answered /token/{call} without a tokenInfo "
            f"object (HTTP {response.status_code}, {len(response.content)} bytes); check that "
            "auth_url points at the Authentication API."
        )
    return token, token_lifetime(expires_at, response.headers.get("Date"))


def token_lifetime(expires_at: float, server_date: str | None, now: float | None = None) -> float:
    """Seconds a token lives, from its ``expiresAt`` (epoch seconds), robust to clock skew.

    The local clock is used while it agrees with the answer; when ``expiresAt`` is already
    past (or absurdly far) by the local clock, the answer's ``Date`` header is the server's
    clock, and without one the documented 35 minutes are assumed.

    Examples
    --------
    >>> token_lifetime(3_100.0, None, now=1_000.0)
    2100.0
    >>> token_lifetime(3_100.0, "Thu, 01 Jan 1970 00:16:40 GMT", now=9_999.0)  # skewed
    2100.0
    >>> token_lifetime(1_000.0, None, now=9_999.0)
    2100.0
    """
    now = time.time() if now is None else now
    lifetime = expires_at - now
    if 0 < lifetime <= 86_400:
        return lifetime
    if server_date:
        try:
            lifetime = expires_at - email.utils.parsedate_to_datetime(server_date).timestamp()
        except (TypeError, ValueError):
            lifetime = 0.0
        if 0 < lifetime <= 86_400:
            return lifetime
    return DEFAULT_LIFETIME


def _auth_message(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason or "no message"
    if isinstance(body, dict):
        for key in ("statusMessage", "error_description", "error", "status"):
            if body.get(key):
                return str(body[key])
    return response.reason or "no message"
