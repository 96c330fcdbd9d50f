"""The one retry loop of every call to Anaplan's services, and its pacing.

:func:`send_with_retries` sends a call until it has an answer worth returning: a failure
(a broken connection or body) is tried again when the caller says the call may be sent
again, a 429 or an outage status when the caller says so (honouring ``Retry-After``), and a
401 after a renewed token, once or twice. The Integration API's calls
(:class:`~anaplan_pandas.http.transport.Transport`) and the Authentication API's
(:mod:`anaplan_pandas.http.auth`) differ only in those rules, never in the loop. Every pause
is bounded by the current :class:`~anaplan_pandas.http.deadline.Deadline`.

A call that may have been applied (a POST whose body left, answered 5xx or cut off) is
never sent twice: the caller's rules say so, and this loop only asks them.
"""

from __future__ import annotations

import email.utils
import logging
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from anaplan_pandas.exceptions import AnaplanTimeoutError
from anaplan_pandas.http.deadline import Deadline, current_deadline

log = logging.getLogger("anaplan_pandas")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a call that met a passing fault.

    ``attempts`` counts every try, the first included.

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

    def __post_init__(self) -> None:
        if not (isinstance(self.attempts, int) and self.attempts >= 1):
            raise ValueError(f"attempts must be a whole number >= 1, got {self.attempts!r}.")
        for name in ("backoff", "max_backoff", "max_retry_after"):
            value = getattr(self, name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, got {value!r}.")

    def delay(self, retry: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``retry`` (1-based)."""
        if retry_after is not None:
            return min(retry_after, self.max_retry_after)
        ceiling = min(self.max_backoff, self.backoff * 2 ** (retry - 1))
        return random.uniform(ceiling / 2, ceiling)


class CallStopped(Exception):
    """The caller asked the call to stop (its result is no longer wanted)."""


@dataclass(frozen=True)
class Outcome:
    """How a call ended: its final answer, or the failure it gave up on, after ``tries``.

    The caller turns either into what its users read; the failure is never raised as it is
    (its text may quote a header), so no error carries it.
    """

    response: requests.Response | None
    failure: Exception | None
    tries: int


@dataclass(frozen=True)
class RetryRules:
    """What may be tried again: the caller's knowledge of the call, the loop's only input.

    ``failures`` are the exceptions that mean "no usable answer"; ``may_resend(error)``
    says whether the call may be sent again after one of them (never, for a write whose
    body may have arrived); ``retry_status(status)`` which answers are passing faults;
    ``renew(response)`` gets a new token after a 401 and says whether to try again.
    """

    failures: tuple[type[BaseException], ...]
    may_resend: Callable[[Exception], bool]
    retry_status: Callable[[int], bool]
    renew: Callable[[requests.Response], bool] | None = None


#: How often a 401 may be answered by a new token within one call.
RENEWALS = 2


def send_with_retries(
    send: Callable[[], requests.Response],
    rules: RetryRules,
    policy: RetryPolicy,
    doing: str,
    *,
    stop: threading.Event | None = None,
) -> Outcome:
    """Send until an answer is final, or a failure cannot be tried again.

    The answer may be an error status: what it means is the caller's to say. A passed
    deadline raises :class:`~anaplan_pandas.exceptions.AnaplanTimeoutError`, a set ``stop``
    :class:`CallStopped`.
    """
    deadline = current_deadline()
    tries = renewals = 0
    while True:
        if stop is not None and stop.is_set():
            raise CallStopped(doing)
        tries += 1
        try:
            response = send()
        except rules.failures as error:
            deadline.check(doing)
            if tries >= policy.attempts or not rules.may_resend(error):  # type: ignore[arg-type]
                return Outcome(None, error, tries)  # type: ignore[arg-type]
            delay = policy.delay(tries)
            log.debug("%s failed (%s); retry %d in %.2fs", doing, type(error).__name__, tries,
                      delay)
            pause(delay, deadline, doing, stop=stop)
            continue
        status = response.status_code
        if status == 401 and rules.renew is not None and renewals < RENEWALS \
                and rules.renew(response):
            renewals += 1
            tries -= 1  # a new token, not a retry of a failure
            continue
        retry_after = retry_after_seconds(response)
        too_long = retry_after is not None and retry_after > policy.max_retry_after
        if rules.retry_status(status) and tries < policy.attempts and not too_long:
            delay = policy.delay(tries, retry_after)
            log.debug("%s answered %d; retry %d in %.2fs", doing, status, tries, delay)
            pause(delay, deadline, doing, stop=stop, server_asked=retry_after is not None)
            continue
        return Outcome(response, None, tries)


def pause(
    seconds: float,
    deadline: Deadline,
    doing: str,
    *,
    stop: threading.Event | None = None,
    server_asked: bool = False,
) -> None:
    """Wait ``seconds`` before a retry, failing at once if that would pass ``deadline``.

    ``stop`` ends the wait early (the caller then checks why). ``server_asked`` says the wait
    is the server's ``Retry-After``, which the message then names.
    """
    left = deadline.remaining()
    if left is not None and seconds >= left:
        why = (f"Anaplan asked to wait {seconds:g} seconds (Retry-After) before trying again"
               if server_asked else f"the next try would start {seconds:.1f} seconds later")
        raise AnaplanTimeoutError(
            f"Gave up {doing}: {why}, which is past the timeout of {deadline.timeout:g} "
            "seconds. Allow more time with timeout=, or try again later."
        )
    if stop is not None:
        stop.wait(seconds)
    else:
        time.sleep(seconds)


def retry_after_seconds(response: Any) -> float | None:
    """The ``Retry-After`` wait of an answer in seconds (a number or an HTTP date), if any.

    Examples
    --------
    >>> import requests
    >>> answer = requests.Response(); answer.headers["Retry-After"] = "7"
    >>> retry_after_seconds(answer)
    7.0
    """
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
