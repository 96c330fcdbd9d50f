"""Where the Anaplan APIs are: defaults, environment variables and the loopback rule.

Environment variables (each overridden by the matching argument):

``ANAPLAN_API_URL``
    Integration API base, default ``https://api.anaplan.com/2/0``.
``ANAPLAN_AUTH_URL``
    Authentication API base, default ``https://auth.anaplan.com``.
"""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlsplit

DEFAULT_API_URL = "https://api.anaplan.com/2/0"
DEFAULT_AUTH_URL = "https://auth.anaplan.com"

API_URL_ENV = "ANAPLAN_API_URL"
AUTH_URL_ENV = "ANAPLAN_AUTH_URL"


def resolve_api_url(api_url: str | None = None) -> str:
    """Return the Integration API base URL: the argument, ``$ANAPLAN_API_URL`` or the default.

    Examples
    --------
    >>> resolve_api_url("http://127.0.0.1:8080/2/0/")
    'http://127.0.0.1:8080/2/0'
    """
    return check_url(api_url or os.environ.get(API_URL_ENV) or DEFAULT_API_URL, "api_url")


def resolve_auth_url(auth_url: str | None = None) -> str:
    """Return the Authentication API base URL: the argument, ``$ANAPLAN_AUTH_URL`` or the default.

    Examples
    --------
    >>> resolve_auth_url("https://us9.auth.anaplan.com")
    'https://us9.auth.anaplan.com'
    """
    return check_url(auth_url or os.environ.get(AUTH_URL_ENV) or DEFAULT_AUTH_URL, "auth_url")


def check_url(url: str, name: str) -> str:
    """Return ``url`` without a trailing slash; refuse plain ``http://`` except on loopback.

    Credentials travel with every call, so they may only cross the network encrypted.

    Examples
    --------
    >>> check_url("http://localhost:9000", "api_url")
    'http://localhost:9000'
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{name} must be an http(s) URL such as {DEFAULT_API_URL}, got {url!r}.")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ValueError(
            f"{name} {url!r} uses plain http:// to a host that is not this machine; "
            "credentials would cross the network unencrypted. Use https://."
        )
    return url.rstrip("/")


def is_loopback(hostname: str) -> bool:
    """Whether ``hostname`` names this machine (``localhost``, 127.0.0.0/8 or ``::1``).

    Examples
    --------
    >>> is_loopback("127.0.0.1"), is_loopback("api.anaplan.com")
    (True, False)
    """
    if hostname.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(hostname.strip("[]")).is_loopback
    except ValueError:
        return False
