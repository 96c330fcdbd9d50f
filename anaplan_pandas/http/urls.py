"""Where the Anaplan APIs are: regions, defaults, environment variables, the loopback rule.

An explicit URL wins, then a ``region=`` argument, then the environment, then the default:

``ANAPLAN_API_URL``
    Integration API base, default ``https://api.anaplan.com/2/0``.
``ANAPLAN_AUTH_URL``
    Authentication API base, default ``https://auth.anaplan.com``.
``ANAPLAN_OAUTH_URL``
    OAuth service, default ``https://us1a.app.anaplan.com``.
``ANAPLAN_REGION``
    A region such as ``us9`` or ``eu3`` that sets all three.

Hosts per region come from Anaplan's "URL, IP, and allowlist requirements" page, as
recorded in ``anaplan-api.md`` §1.1. The legacy regions share the global hosts. AU1's
API host is contested between sources; the one an open-source client uses in production
is taken here, and explicit URLs override it.
"""

from __future__ import annotations

import ipaddress
import os
from typing import NamedTuple
from urllib.parse import urlsplit

import urllib3

DEFAULT_API_URL = "https://api.anaplan.com/2/0"
DEFAULT_AUTH_URL = "https://auth.anaplan.com"
DEFAULT_OAUTH_URL = "https://us1a.app.anaplan.com"

API_URL_ENV = "ANAPLAN_API_URL"
AUTH_URL_ENV = "ANAPLAN_AUTH_URL"
OAUTH_URL_ENV = "ANAPLAN_OAUTH_URL"
REGION_ENV = "ANAPLAN_REGION"

_LEGACY = ("us1", "us2", "us5", "us7", "eu1", "eu2", "eu4", "ap1")
_PREFIXED = ("us9", "eu3", "eu5", "gb1", "sg1", "ae1", "in1", "id1", "me1")


class RegionHosts(NamedTuple):
    """The three service bases of a region."""

    api: str
    auth: str
    oauth: str


REGIONS: dict[str, RegionHosts] = {
    **{r: RegionHosts(DEFAULT_API_URL, DEFAULT_AUTH_URL, DEFAULT_OAUTH_URL) for r in _LEGACY},
    **{
        r: RegionHosts(f"https://{r}.api.anaplan.com/2/0", f"https://{r}.auth.anaplan.com",
                       f"https://{r}.app.anaplan.com")
        for r in _PREFIXED
    },
    "ca1": RegionHosts("https://ca1a.api.anaplan.com/2/0", "https://ca1a.auth.anaplan.com",
                       "https://ca1a.app.anaplan.com"),
    "au1": RegionHosts("https://api.au1a.app2.anaplan.com/2/0", "https://au1a.app2.anaplan.com",
                       "https://au1a.app2.anaplan.com"),
}


def region_hosts(region: str) -> RegionHosts:
    """The API, auth and OAuth bases of a region.

    Examples
    --------
    >>> region_hosts("us9").api
    'https://us9.api.anaplan.com/2/0'
    >>> region_hosts("EU1").auth
    'https://auth.anaplan.com'
    """
    key = region.strip().lower()
    if key not in REGIONS:
        raise ValueError(
            f"Unknown Anaplan region {region!r}; known regions: {', '.join(sorted(REGIONS))}. "
            "Pass api_url and auth_url instead for any other host."
        )
    return REGIONS[key]


def _resolve(explicit: str | None, region: str | None, env: str, field: str, default: str,
             name: str) -> str:
    if explicit:
        return check_url(explicit, name)
    if region:
        return getattr(region_hosts(region), field)
    if os.environ.get(env):
        return check_url(os.environ[env], name)
    if os.environ.get(REGION_ENV):
        return getattr(region_hosts(os.environ[REGION_ENV]), field)
    return default


def resolve_api_url(api_url: str | None = None, region: str | None = None) -> str:
    """Return the Integration API base URL.

    Examples
    --------
    >>> resolve_api_url("http://127.0.0.1:8080/2/0/")
    'http://127.0.0.1:8080/2/0'
    >>> resolve_api_url(region="gb1")
    'https://gb1.api.anaplan.com/2/0'
    """
    url = _resolve(api_url, region, API_URL_ENV, "api", DEFAULT_API_URL, "api_url")
    if not urlsplit(url).path.rstrip("/").endswith("/2/0"):
        raise ValueError(
            f"api_url {url!r} lacks the API version: Anaplan's Integration API lives under "
            f"/2/0, as in {url.rstrip('/')}/2/0 (the default is {DEFAULT_API_URL})."
        )
    return url


def resolve_auth_url(auth_url: str | None = None, region: str | None = None) -> str:
    """Return the Authentication API base URL.

    Examples
    --------
    >>> resolve_auth_url(region="us9")
    'https://us9.auth.anaplan.com'
    """
    return _resolve(auth_url, region, AUTH_URL_ENV, "auth", DEFAULT_AUTH_URL, "auth_url")


def resolve_oauth_url(oauth_url: str | None = None, region: str | None = None) -> str:
    """Return the OAuth service base URL.

    Examples
    --------
    >>> resolve_oauth_url(region="ca1")
    'https://ca1a.app.anaplan.com'
    """
    return _resolve(oauth_url, region, OAUTH_URL_ENV, "oauth", DEFAULT_OAUTH_URL, "oauth_url")


def check_url(url: str, name: str) -> str:
    r"""Return ``url`` without a trailing slash, if it is safe to send credentials to.

    The URL is parsed once, by the parser the HTTP stack uses (``urllib3``), so that what is
    checked is where the call goes. Refused: a backslash, user info (``user:pass@``),
    whitespace or control characters anywhere, and plain ``http://`` to anything but this
    machine: credentials travel with every call, so they may only cross a network
    encrypted. The message never repeats user info.

    Examples
    --------
    >>> check_url("http://localhost:9000", "api_url")
    'http://localhost:9000'
    >>> check_url("http://evil.example\\@127.0.0.1/2/0", "api_url")
    Traceback (most recent call last):
    ValueError: api_url holds a backslash, which URL parsers read differently; ...
    """
    if not isinstance(url, str):
        raise ValueError(f"{name} must be a URL string, got {type(url).__name__}.")
    if "\\" in url:
        raise ValueError(f"{name} holds a backslash, which URL parsers read differently; write "
                         "the URL with forward slashes only.")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        raise ValueError(f"{name} holds whitespace or a control character; pass the URL "
                         "alone, without spaces or line ends.")
    try:
        parts = urllib3.util.parse_url(url)
    except urllib3.exceptions.LocationParseError:
        raise ValueError(f"{name} is not a URL: {_shown(url)!r}.") from None
    if parts.auth is not None or "@" in (parts.netloc or ""):
        raise ValueError(f"{name} holds user info (name or password before '@'); credentials "
                         "go in auth=, never in a URL.")
    if parts.scheme not in ("http", "https") or not parts.host:
        raise ValueError(f"{name} must be an http(s) URL such as {DEFAULT_API_URL}, got "
                         f"{_shown(url)!r}.")
    if parts.scheme == "http" and not is_loopback(parts.host):
        raise ValueError(
            f"{name} {_shown(url)!r} uses plain http:// to a host that is not this machine; "
            "credentials would cross the network unencrypted. Use https://."
        )
    return url.rstrip("/")


def _shown(url: str) -> str:
    """``url`` as a message may show it: no user info, no query string, no fragment.

    Examples
    --------
    >>> _shown("ftp://key:secret@host.example/x?sig=abc")
    'ftp://host.example/x'
    """
    head = url.split("?", 1)[0].split("#", 1)[0]
    scheme, sep, rest = head.partition("://")
    if not sep:
        scheme, rest = "", head
    host, slash, path = rest.partition("/")
    return f"{scheme}{sep}{host.rsplit('@', 1)[-1]}{slash}{path}"


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
