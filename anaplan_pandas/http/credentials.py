"""The ``auth=`` argument: plain values or the environment turned into an auth object.

Environment variables read when ``auth=None``:

``ANAPLAN_TOKEN``
    A token already obtained.
``ANAPLAN_USERNAME`` and ``ANAPLAN_PASSWORD``
    Basic authentication (under SSO the user must be an exception user).
"""

from __future__ import annotations

import os

from anaplan_pandas.exceptions import AuthenticationError
from anaplan_pandas.http.auth import AnaplanAuth, BasicAuth, TokenAuth

TOKEN_ENV = "ANAPLAN_TOKEN"
USERNAME_ENV = "ANAPLAN_USERNAME"
PASSWORD_ENV = "ANAPLAN_PASSWORD"


def plain_credentials(auth: object) -> tuple[str, ...] | None:
    """The credentials ``auth`` stands for as plain values, or ``None`` for an auth object.

    ``(username, password)`` gives ``("basic", username, password)``, a token
    ``("token", token)``, and ``None`` the environment's; what cannot be read raises the
    error :func:`resolve_auth` would.

    Examples
    --------
    >>> plain_credentials(("analyst@example.com", "secret"))
    ('basic', 'analyst@example.com', 'secret')
    """
    if isinstance(auth, AnaplanAuth):
        return None
    if isinstance(auth, str):
        return ("token", auth)
    if isinstance(auth, tuple) and len(auth) == 2 and all(isinstance(a, str) for a in auth):
        return ("basic", auth[0], auth[1])
    if auth is None:
        if os.environ.get(TOKEN_ENV):
            return ("token", os.environ[TOKEN_ENV])
        if os.environ.get(USERNAME_ENV) and os.environ.get(PASSWORD_ENV):
            return ("basic", os.environ[USERNAME_ENV], os.environ[PASSWORD_ENV])
        raise AuthenticationError(
            "No Anaplan credentials: pass auth=(username, password) or auth=token, or set "
            f"{TOKEN_ENV}, or {USERNAME_ENV} and {PASSWORD_ENV}."
        )
    raise TypeError(
        "auth must be a (username, password) tuple, a token string, an anaplan_pandas auth "
        f"object or None, got {type(auth).__name__}."
    )


def resolve_auth(auth: object = None, auth_url: str | None = None) -> AnaplanAuth:
    """Turn the ``auth=`` argument into an :class:`AnaplanAuth`.

    ``(username, password)`` means basic authentication, a ``str`` is a token, an
    :class:`AnaplanAuth` is used as it is, and ``None`` reads the environment
    (``ANAPLAN_TOKEN``, or ``ANAPLAN_USERNAME`` with ``ANAPLAN_PASSWORD``).

    Examples
    --------
    >>> resolve_auth(("analyst@example.com", "secret"))
    BasicAuth(username='analyst@example.com')
    """
    if isinstance(auth, AnaplanAuth):
        if auth.auth_url is None and auth_url is not None:
            auth.auth_url = auth_url
        return auth
    plain = plain_credentials(auth)
    assert plain is not None
    if plain[0] == "token":
        return TokenAuth(plain[1])
    return BasicAuth(plain[1], plain[2], auth_url)
