"""The keyword options of the read functions, checked before anything is sent.

A bad value is a ``ValueError`` (or ``TypeError`` for a wrong kind of value) raised before
the login, so that no read request is started only to fail.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from typing import Any, Literal

import requests

from anaplan_pandas.catalog.targets import check_request_id
from anaplan_pandas.http.bodies import Compression
from anaplan_pandas.http.retry import RetryPolicy
from anaplan_pandas.http.urls import region_hosts
from anaplan_pandas.parse.assembly import DtypeBackend
from anaplan_pandas.run.poll import PollSchedule
from anaplan_pandas.sinks.layouts import Layout


@dataclass(frozen=True)
class ReadOptions:
    """The keyword options of :func:`read_view` and :func:`read_list`.

    Parameters
    ----------
    poll_interval : float
        First pause between status calls, in seconds; it grows while nothing changes.
    max_poll_interval : float
        Longest pause between status calls.
    timeout : float or None
        Give up (and delete the request) if the export has not finished after this many
        seconds. ``None`` waits as long as it takes.
    retries : int
        How many times a failed export (``successful: false``) is deleted and started anew.
    keep_request : bool
        Leave the read request on the server instead of deleting it at the end.
    max_workers : int
        Pages downloaded at once.
    categorical : bool
        Item-name columns as ``category`` (compact) rather than plain strings.
    dtype_backend : {None, "numpy_nullable", "pyarrow"}
        As in :func:`pandas.read_csv`.
    verify : bool or str
        TLS verification: ``True``, ``False`` or the path of a CA bundle.
    session : requests.Session or None
        A session to send the calls through (proxies, adapters).
    compression : {"auto", "gzip", None}
        Ask for gzip-compressed pages: ``"auto"`` does except from this machine.
    region : str or None
        The tenant's region (``us9``, ``eu3``, …), which picks the API and auth hosts;
        explicit ``api_url`` and ``auth_url`` override it.
    retry : RetryPolicy or None
        How calls that meet a passing fault (a dropped connection, 5xx, 429) are tried
        again: attempts and backoff (default :class:`~anaplan_pandas.RetryPolicy()`).
    method : {"read_request", "data", "auto"}
        Views only: ``"data"`` reads a view under 1,000,000 cells in one synchronous call;
        ``"auto"`` tries that first and falls back to a read request when Anaplan says the
        view is too big.
    request_id : str or None
        Read the pages of this existing read request (still running or finished: after a
        kernel restart, say) instead of starting a new one; it is deleted at the end as
        usual, unless ``keep_request``. A read that must start again (``retries``) starts
        a new one.
    layout : {"wide", "multiindex", "long"}
        Views only: as read (item-name columns first, one column per line item), the
        item names as a MultiIndex, or one value per row (item names, line item, value).
    """

    poll_interval: float = 0.5
    max_poll_interval: float = 5.0
    timeout: float | None = None
    retries: int = 0
    keep_request: bool = False
    max_workers: int = 4
    categorical: bool = True
    dtype_backend: DtypeBackend | None = None
    verify: bool | str = True
    session: requests.Session | None = None
    compression: Compression = "auto"
    region: str | None = None
    retry: RetryPolicy | None = None
    method: Literal["read_request", "data", "auto"] = "read_request"
    layout: Layout = "wide"
    request_id: str | None = None

    @classmethod
    def from_keywords(cls, options: dict[str, Any]) -> ReadOptions:
        """Build the options, refusing unknown names and impossible values."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise TypeError(
                f"Unknown option(s) {', '.join(unknown)}; the options are: "
                f"{', '.join(sorted(known))}."
            )
        result = cls(**options)
        result.check()
        return result

    def check(self) -> None:
        """Refuse impossible values with a ``ValueError`` naming the option.

        Examples
        --------
        >>> ReadOptions(timeout=float("nan")).check()
        Traceback (most recent call last):
        ValueError: timeout must be a number of seconds greater than 0 (or None), got nan.
        """
        _positive_seconds("poll_interval", self.poll_interval)
        _positive_seconds("max_poll_interval", self.max_poll_interval)
        if self.max_poll_interval < self.poll_interval:
            raise ValueError(
                f"max_poll_interval ({self.max_poll_interval:g}) must be at least "
                f"poll_interval ({self.poll_interval:g})."
            )
        if self.timeout is not None:
            _positive_seconds("timeout", self.timeout, or_none=True)
        _whole("retries", self.retries, 0)
        _whole("max_workers", self.max_workers, 1)
        for name in ("keep_request", "categorical"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} must be True or False, got {getattr(self, name)!r}.")
        _one_of("dtype_backend", self.dtype_backend, (None, "numpy_nullable", "pyarrow"))
        _one_of("compression", self.compression, ("auto", "gzip", None))
        _one_of("method", self.method, ("read_request", "data", "auto"))
        _one_of("layout", self.layout, ("wide", "multiindex", "long"))
        if not isinstance(self.verify, (bool, str)):
            raise ValueError(
                f"verify must be True, False or a CA bundle's path, got {self.verify!r}."
            )
        if self.session is not None and not isinstance(self.session, requests.Session):
            raise ValueError(
                f"session must be a requests.Session, got {type(self.session).__name__}."
            )
        if self.region is not None:
            region_hosts(str(self.region))
        if self.retry is not None and not isinstance(self.retry, RetryPolicy):
            raise ValueError(
                f"retry must be an ap.RetryPolicy, got {type(self.retry).__name__}.")
        if self.request_id is not None:
            check_request_id(self.request_id)

    def require_plain(self, what: str) -> None:
        """Refuse ``layout=`` and ``method=`` where they cannot apply."""
        if self.layout != "wide" or self.method != "read_request":
            raise ValueError(f"layout= and method= do not apply to {what}.")

    def schedule(self) -> PollSchedule:
        """The polling schedule these options describe."""
        return PollSchedule(
            initial=self.poll_interval, maximum=self.max_poll_interval, timeout=self.timeout
        )


def check_chunksize(chunksize: object) -> int | None:
    """Return ``chunksize`` if it is ``None`` or a whole number of rows >= 1.

    Examples
    --------
    >>> check_chunksize(2.5)
    Traceback (most recent call last):
    ValueError: chunksize must be a whole number >= 1, got 2.5.
    """
    if chunksize is None:
        return None
    _whole("chunksize", chunksize, 1)
    return int(chunksize)  # type: ignore[call-overload]


def _positive_seconds(name: str, value: object, *, or_none: bool = False) -> None:
    ok = (isinstance(value, (int, float)) and not isinstance(value, bool)
          and math.isfinite(value) and value > 0)
    if not ok:
        alternative = " (or None)" if or_none else ""
        raise ValueError(
            f"{name} must be a number of seconds greater than 0{alternative}, got {value!r}."
        )


def _whole(name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be a whole number >= {minimum}, got {value!r}.")


def _one_of(name: str, value: object, allowed: tuple[object, ...]) -> None:
    if value not in allowed or (value is not None and not isinstance(value, str)):
        listed = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} must be one of {listed}, got {value!r}.")
