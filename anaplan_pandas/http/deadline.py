"""One deadline for everything a call does, carried by a context variable.

A read has one :class:`Deadline` (its ``timeout=``). Every HTTP call, every pause before a
retry and every ``Retry-After`` wait is bounded by it, including the login and the calls
made on the download threads, which inherit it through a context variable. The clean-up
``DELETE`` runs under a short deadline of its own (:data:`CLEANUP_SECONDS`), so a read that
timed out can still delete its request.

Without ``timeout=``, single calls are still bounded: :data:`CONNECT_TIMEOUT` seconds to
connect and :data:`READ_TIMEOUT` seconds of silence while waiting for an answer.
"""


from __future__ import annotations

import contextlib
import contextvars
import time
from collections.abc import Iterator
from dataclasses import dataclass

from anaplan_pandas.exceptions import AnaplanTimeoutError

#: Seconds to establish a connection, at most.
CONNECT_TIMEOUT = 10.0
#: Seconds of silence from the server, at most, while waiting for its answer or its body.
READ_TIMEOUT = 120.0
#: Seconds the clean-up calls (the ``DELETE`` of a read request, the logout) may take at
#: most; within a read's deadline, what is left of it, but never less than
#: :data:`CLEANUP_FLOOR`, so that a read that ran out of time can still clean up.
CLEANUP_SECONDS = 5.0
CLEANUP_FLOOR = 0.75


@dataclass(frozen=True)
class Deadline:
    """A point in time (monotonic clock) after which no call may run; ``None``: no bound.

    Examples
    --------
    >>> Deadline.after(None).remaining() is None
    True
    >>> 0 < Deadline.after(5).remaining() <= 5
    True
    """

    at: float | None = None
    timeout: float | None = None

    @classmethod
    def after(cls, seconds: float | None) -> Deadline:
        """The deadline ``seconds`` from now (``None``: never)."""
        if seconds is None:
            return cls()
        return cls(time.monotonic() + seconds, seconds)

    def remaining(self) -> float | None:
        """Seconds left (never negative), or ``None`` when there is no deadline."""
        if self.at is None:
            return None
        return max(0.0, self.at - time.monotonic())

    def bound(self, seconds: float) -> float:
        """``seconds``, or less if the deadline comes first."""
        left = self.remaining()
        return seconds if left is None else min(seconds, left)

    @property
    def passed(self) -> bool:
        """Whether the deadline has passed (never, when there is none)."""
        return self.at is not None and time.monotonic() >= self.at

    def check(self, doing: str) -> None:
        """Raise :class:`AnaplanTimeoutError` if the deadline has passed."""
        if self.passed:
            raise AnaplanTimeoutError(self.message(doing))

    def message(self, doing: str) -> str:
        """The sentence that says the deadline passed while ``doing``."""
        return (
            f"The timeout of {self.timeout:g} seconds passed while {doing}. Allow more time "
            "with timeout=, or try again when Anaplan answers faster."
        )


_NEVER = Deadline()
_CURRENT: contextvars.ContextVar[Deadline] = contextvars.ContextVar(
    "anaplan_pandas_deadline", default=_NEVER
)


def current_deadline() -> Deadline:
    """The deadline of the read running in this context (none outside a read).

    Examples
    --------
    >>> current_deadline().at is None
    True
    """
    return _CURRENT.get()


@contextlib.contextmanager
def deadline_scope(deadline: Deadline) -> Iterator[Deadline]:
    """Make ``deadline`` the bound of every call made in this block (and its copies).

    Examples
    --------
    >>> with deadline_scope(Deadline.after(30)) as deadline:
    ...     current_deadline() is deadline
    True
    """
    token = _CURRENT.set(deadline)
    try:
        yield deadline
    finally:
        _CURRENT.reset(token)


def cleanup_deadline(seconds: float = CLEANUP_SECONDS) -> Deadline:
    """The deadline of a clean-up call made now: short, and its own.

    Examples
    --------
    >>> cleanup_deadline().timeout
    5.0
    >>> with deadline_scope(Deadline.after(0.01)):
    ...     cleanup_deadline().timeout
    0.75
    """
    left = current_deadline().remaining()
    if left is not None:
        seconds = min(seconds, max(CLEANUP_FLOOR, left))
    return Deadline.after(seconds)


def call_timeout(deadline: Deadline, doing: str) -> tuple[float, float]:
    """The ``(connect, read)`` timeouts of one call, within ``deadline``.

    Examples
    --------
    >>> call_timeout(Deadline(), "reading")
    (10.0, 120.0)
    """
    deadline.check(doing)
    return deadline.bound(CONNECT_TIMEOUT), deadline.bound(READ_TIMEOUT)
