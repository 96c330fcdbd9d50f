"""One login per credentials in a process: tokens shared by the calls that pass the same ones.

Anaplan warns that a new token for every call may fail, and logging in for each
``read_view(auth=(user, password))`` is slow besides. Calls that pass the same credentials
to the same authentication service share one token here. The cache is keyed by a salted
hash, so it holds no password (the password lives only in the auth object of the call that
passed it); it holds the token, which it logs out when the interpreter exits.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import os
import threading
import time
from dataclasses import dataclass

import requests

#: Seconds the logout of every shared token may take at interpreter exit, in all.
EXIT_LOGOUT_SECONDS = 3.0


@dataclass
class SharedToken:
    """A token, when to renew it (monotonic clock), and where to log it out."""

    token: str
    renew_at: float
    auth_url: str
    verify: bool | str


class TokenCache:
    """Tokens by credentials (a salted hash of them), for the life of the process.

    Examples
    --------
    >>> cache = TokenCache()
    >>> key = cache.key("user", "password", "https://auth.anaplan.com")
    >>> "password" in key
    False
    >>> cache.put(key, SharedToken("t", float("inf"), "https://auth.anaplan.com", True))
    >>> cache.get(key).token
    't'
    """

    def __init__(self) -> None:
        self._salt = os.urandom(16)
        self._lock = threading.Lock()
        self._tokens: dict[str, SharedToken] = {}

    def key(self, *parts: str) -> str:
        """A key for these credentials that does not reveal them."""
        digest = hashlib.sha256(self._salt)
        for part in parts:
            digest.update(part.encode("utf-8") + b"\0")
        return digest.hexdigest()

    def get(self, key: str) -> SharedToken | None:
        """The shared token of these credentials, if there is one."""
        with self._lock:
            return self._tokens.get(key)

    def put(self, key: str, shared: SharedToken) -> None:
        """Share ``shared`` with every later call that passes the same credentials."""
        with self._lock:
            self._tokens[key] = shared

    def drop(self, key: str, token: str | None = None) -> None:
        """Forget the token of these credentials (only if it is still ``token``, if given)."""
        with self._lock:
            held = self._tokens.get(key)
            if held is not None and (token is None or held.token == token):
                del self._tokens[key]

    def log_out_all(self, seconds: float = EXIT_LOGOUT_SECONDS) -> None:
        """Log out every shared token, briefly (a token not logged out expires anyway)."""
        with self._lock:
            held, self._tokens = list(self._tokens.values()), {}
        until = time.monotonic() + seconds
        with requests.Session() as session:
            for shared in held:
                left = until - time.monotonic()
                if left <= 0:
                    return
                with contextlib.suppress(requests.RequestException):
                    session.post(f"{shared.auth_url}/token/logout", timeout=(left, left),
                                 headers={"Authorization": f"AnaplanAuthToken {shared.token}"},
                                 verify=shared.verify, allow_redirects=False)


#: The process's cache.
SHARED_TOKENS = TokenCache()
atexit.register(SHARED_TOKENS.log_out_all)
