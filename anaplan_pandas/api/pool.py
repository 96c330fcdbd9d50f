"""The process's logins for the module-level functions: one per credentials and URLs.

``ap.read_view(..., auth=(user, password))`` runs :meth:`Connection.read_view` on a
connection from this pool. Every call with the same credentials, URLs and TLS settings
shares one transport: one login and one HTTP session, as calls through one
:func:`~anaplan_pandas.connect` do. Each call gets a connection of its own on that
transport, with a catalog of its own: a module-level call resolves names afresh, as a
script that runs for days expects, while a :func:`~anaplan_pandas.connect` connection
keeps what it learnt. The pool is keyed by a salted hash of the credentials (it holds no
password of its own: the password lives in the pooled auth object), and at interpreter
exit it cancels the reads still running on its connections and logs out. An auth object or
a ``requests.Session`` passed by the caller is used as it is and never closed here.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import threading
import weakref
from typing import Any

import requests

from anaplan_pandas.api.connection import Connection
from anaplan_pandas.api.options import ReadOptions
from anaplan_pandas.http.credentials import plain_credentials
from anaplan_pandas.http.deadline import Deadline, deadline_scope
from anaplan_pandas.http.retry import RetryPolicy
from anaplan_pandas.http.transport import Transport, open_transport
from anaplan_pandas.http.urls import resolve_api_url, resolve_auth_url

#: Seconds the logout of every pooled connection may take at interpreter exit, in all.
EXIT_LOGOUT_SECONDS = 3.0
#: The options of a module-level call that pick its connection rather than shape its read.
CONNECTION_OPTIONS = ("verify", "session", "compression", "region", "retry")


class ConnectionPool:
    """Transports by credentials and URLs, for the life of the process.

    Examples
    --------
    >>> pool = ConnectionPool()
    >>> a = pool.connection("token", "http://127.0.0.1:8080/2/0", None)
    >>> a.transport is pool.connection("token", "http://127.0.0.1:8080/2/0", None).transport
    True
    >>> pool.close_all()
    """

    def __init__(self) -> None:
        self._salt = os.urandom(16)
        self._lock = threading.Lock()
        self._transports: dict[tuple[Any, ...], tuple[Transport, bool, bool]] = {}
        self._connections: weakref.WeakSet[Connection] = weakref.WeakSet()

    def connection(self, auth: object, api_url: str | None, auth_url: str | None, *,
                   verify: bool | str = True, session: requests.Session | None = None,
                   compression: Any = "auto", retry: RetryPolicy | None = None,
                   region: str | None = None) -> Connection:
        """A connection on the pooled transport for these credentials and settings."""
        key = self._key(auth, api_url, auth_url, region, verify, session, compression, retry)
        with self._lock:
            held = self._transports.get(key)
            if held is None:
                transport = open_transport(auth, api_url, auth_url, region=region,
                                           verify=verify, session=session,
                                           compression=compression, retry=retry)
                held = self._transports[key] = (transport, plain_credentials(auth) is not None,
                                                session is None)
            connection = Connection(held[0], owns_auth=False, owns_session=False)
            self._connections.add(connection)
            return connection

    def close_all(self, seconds: float = EXIT_LOGOUT_SECONDS) -> None:
        """Cancel the reads running on pooled connections, then log out, briefly."""
        with self._lock:
            connections, self._connections = list(self._connections), weakref.WeakSet()
            held, self._transports = list(self._transports.values()), {}
        with deadline_scope(Deadline.after(seconds)):
            for connection in connections:
                connection.close()
            for transport, owns_auth, owns_session in held:
                if owns_auth:
                    transport.auth.close()
                if owns_session:
                    transport.session.close()

    def _key(self, auth: object, api_url: str | None, auth_url: str | None,
             region: str | None, *settings: object) -> tuple[Any, ...]:
        plain = plain_credentials(auth)
        if plain is None:
            who: object = ("object", id(auth), auth)  # the caller's own auth object
        else:
            digest = hashlib.sha256(self._salt)
            for part in plain:
                digest.update(part.encode("utf-8") + b"\0")
            who = digest.hexdigest()
        urls = (resolve_api_url(api_url, region), resolve_auth_url(auth_url, region))
        return (who, *urls, *(id(s) if isinstance(s, requests.Session) else s
                              for s in settings))


#: The process's pool.
POOL = ConnectionPool()
atexit.register(POOL.close_all)


def pooled(connection: Connection | None, auth: object, api_url: str | None,
           auth_url: str | None, options: dict[str, Any]) -> Connection:
    """The connection a module-level call runs on: the caller's, or the pool's.

    The connection options (``verify``, ``session``, ``compression``, ``region``) are taken
    out of ``options`` here; with ``connection=`` none of them may be given.

    Examples
    --------
    >>> pooled(None, "token", "http://127.0.0.1:8080/2/0", None, {}).api_url
    'http://127.0.0.1:8080/2/0'
    """
    if connection is not None:
        for name, value in (("auth", auth), ("api_url", api_url), ("auth_url", auth_url)):
            if value is not None:
                options[name] = value  # refused by the connection, naming it
        return connection
    settings = {name: options.pop(name) for name in CONNECTION_OPTIONS if name in options}
    ReadOptions(**settings).check()  # the same checks, and words, as every other option
    return POOL.connection(auth, api_url, auth_url, **settings)
