"""The one poll helper: when to ask a source for its status, and what an answer means.

Every wait on Anaplan (a read request's pages, an export task, a Dask read) polls through a
:class:`Poller`: the interval follows progress (it falls back to the first interval when
something changed, and grows while nothing does), every call runs within the read's
deadline, and an answer that takes back parts it announced is refused.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from anaplan_pandas.exceptions import AnaplanTimeoutError, NotFoundError
from anaplan_pandas.http.deadline import Deadline, current_deadline, deadline_scope
from anaplan_pandas.progress.model import NoObserver, ReadObserver
from anaplan_pandas.run.source import PartStatus, Source

#: Longest pause, in seconds, before a read notices a cancel.
CANCEL_CHECK = 0.2


@dataclass
class PollSchedule:
    """When to ask for the status: an interval that grows while nothing changes.

    The interval starts at ``initial``, is multiplied by ``factor`` after each answer
    that brings nothing new, never exceeds ``maximum``, and falls back to ``initial`` when
    new pages appear. ``timeout`` bounds the whole wait (``None``: no bound).

    Examples
    --------
    >>> s = PollSchedule(initial=1.0, factor=2.0, maximum=5.0)
    >>> [s.next_interval(changed=False) for _ in range(4)]
    [2.0, 4.0, 5.0, 5.0]
    >>> s.next_interval(changed=True)
    1.0
    """

    initial: float = 0.5
    factor: float = 1.5
    maximum: float = 5.0
    timeout: float | None = None
    _current: float = field(default=0.0, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.initial <= 0 or self.maximum < self.initial or self.factor < 1:
            raise ValueError(
                "poll intervals must satisfy 0 < initial <= maximum and factor >= 1, got "
                f"initial={self.initial}, maximum={self.maximum}, factor={self.factor}."
            )
        self._current = self.initial

    def deadline(self) -> Deadline:
        """The deadline of a wait on this schedule: the caller's, or ``timeout`` if sooner."""
        deadline = current_deadline()
        if self.timeout is not None:
            own = Deadline.after(self.timeout)
            if deadline.at is None or (own.at or 0) < deadline.at:
                return own
        return deadline

    def next_interval(self, *, changed: bool) -> float:
        """The pause before the next status call."""
        if changed:
            self._current = self.initial
        else:
            self._current = min(self.maximum, self._current * self.factor)
        return self._current


class Poller:
    """Polls one source on a schedule, within a deadline, reporting to an observer.

    Examples
    --------
    >>> class Finished:
    ...     def poll(self):
    ...         return PartStatus(2, complete=True)
    >>> poller = Poller(Finished(), PollSchedule(initial=0.01), Deadline())
    >>> poller.until_complete(threading.Event()).available
    2
    """

    def __init__(
        self,
        source: Source,
        schedule: PollSchedule,
        deadline: Deadline,
        observer: ReadObserver | None = None,
    ) -> None:
        self.source = source
        self.schedule = schedule
        self.deadline = deadline
        self.observer = observer or NoObserver()
        self.status: PartStatus | None = None
        self._next = 0.0

    def poll(self) -> PartStatus:
        """One status call within the deadline; the answer is checked and reported.

        A passed deadline is the source's timeout error, a source that answers 404 its
        "gone" error, and an answer that announces fewer parts than an earlier one its
        incomplete error (the source is cleaned up first in each case).
        """
        if self.deadline.passed:
            raise self.source.timeout_error(self.deadline, self.status)
        with deadline_scope(self.deadline):
            try:
                status = self.source.poll()
            except AnaplanTimeoutError:
                raise self.source.timeout_error(self.deadline, self.status) from None
            except NotFoundError as error:
                if error.status_code != 404:
                    raise
                raise self.source.gone_error() from None
        before = self.status
        if before is not None and status.available < before.available:
            unit = self.source.unit
            raise self.source.incomplete_error(
                f"announced {before.available} {unit}s, then only {status.available}: the "
                f"server took back {unit}s it had offered, so what was read cannot be trusted")
        self.status = status
        self.observer.on_status(status.status)
        self._next = time.monotonic() + self.schedule.next_interval(changed=status != before)
        return status

    @property
    def due(self) -> bool:
        """Whether the next status call is due."""
        return time.monotonic() >= self._next

    def seconds_until_due(self) -> float:
        """Seconds until the next status call is due (0 when it is)."""
        return max(0.0, self._next - time.monotonic())

    def until_complete(self, cancel: threading.Event) -> PartStatus:
        """Poll until the source is complete, noticing ``cancel`` and the deadline."""
        status = self.poll()
        while not status.complete:
            if cancel.wait(self.deadline.bound(self.seconds_until_due())):
                raise self.source.cancelled_error()
            status = self.poll()
        return status
