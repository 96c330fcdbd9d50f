"""The runner's part loop: every part a source declares, downloaded once, whole, in order.

:class:`PartRun` polls a source through the one :class:`~anaplan_pandas.run.poll.Poller`,
downloads up to ``max_workers`` parts at once as soon as they are announced (also while the
export still runs), keeps at most ``2 * max_workers`` parts ahead of the consumer, and
yields them in order. The same invariants hold for every source:

- every part the source declared arrives, exactly once: the loop ends only when the parts
  yielded equal the declared count, and a declared part the server does not serve is the
  source's typed error naming the part and the counts seen (never "someone deleted it"
  while the source still answers);
- a source that takes back parts it announced is refused (see the poller);
- the read's deadline bounds every call, the download threads included;
- a cancel (from any thread) is noticed within :data:`~anaplan_pandas.run.poll.CANCEL_CHECK`
  seconds;
- when the iteration ends, for any reason, the downloads in flight are stopped before
  anything else happens (the caller then cleans the source up, once).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, wait
from typing import TypeVar

from anaplan_pandas.exceptions import AnaplanError, AnaplanTimeoutError, NotFoundError
from anaplan_pandas.http.deadline import deadline_scope
from anaplan_pandas.parse.workers import DaemonPool
from anaplan_pandas.progress.model import NoObserver, ReadObserver
from anaplan_pandas.run.poll import CANCEL_CHECK, Poller, PollSchedule
from anaplan_pandas.run.source import Source

log = logging.getLogger("anaplan_pandas")

T = TypeVar("T")

#: Seconds a finished read waits for part downloads still in flight before its clean-up.
DOWNLOAD_GRACE = 1.0


class PartRun:
    """One pass over a source's parts; :meth:`stop` ends its downloads from any thread.

    Examples
    --------
    >>> from anaplan_pandas.run.source import PartStatus
    >>> class TwoParts:
    ...     def poll(self):
    ...         return PartStatus(2, complete=True)
    ...     def part(self, n, stop=None):
    ...         return b"part %d" % n
    >>> list(PartRun(TwoParts(), PollSchedule(), threading.Event()).parts())
    [(0, b'part 0'), (1, b'part 1')]
    """

    def __init__(
        self,
        source: Source,
        schedule: PollSchedule,
        cancel: threading.Event,
        *,
        max_workers: int = 4,
        observer: ReadObserver | None = None,
    ) -> None:
        if max_workers < 1:
            raise ValueError(f"max_workers must be at least 1, got {max_workers}.")
        self.source = source
        self.cancel = cancel
        self.max_workers = max_workers
        self.observer = observer or NoObserver()
        self.deadline = schedule.deadline()
        self.poller = Poller(source, schedule, self.deadline, self.observer)
        self._stop = threading.Event()
        self._pool: DaemonPool | None = None

    def parts(self) -> Iterator[tuple[int, bytes]]:
        """Yield ``(part_no, bytes)`` in order, as soon as each part is in."""
        window = 2 * self.max_workers
        pending: dict[int, Future[bytes]] = {}
        next_submit = next_yield = 0
        pool = self._pool = DaemonPool(self.max_workers, "anaplan-part")
        try:
            status = self.poller.poll()
            while True:
                if self.cancel.is_set():
                    raise self.source.cancelled_error()
                with deadline_scope(self.deadline):  # the downloads inherit the deadline
                    while next_submit < status.available and next_submit - next_yield < window:
                        pending[next_submit] = pool.submit(self.source.part, next_submit,
                                                           stop=self._stop)
                        next_submit += 1
                if status.complete and next_yield >= status.available:
                    return
                if not status.complete and self.poller.due:
                    status = self.poller.poll()
                    continue
                ready = pending.get(next_yield)
                if ready is not None and ready.done():
                    data = self._result(pending.pop(next_yield), next_yield)
                    self.observer.on_page(next_yield, len(data))
                    yield next_yield, data
                    next_yield += 1
                    continue
                until_poll = CANCEL_CHECK if status.complete else self.poller.seconds_until_due()
                pause = min(until_poll, CANCEL_CHECK, self.deadline.bound(CANCEL_CHECK))
                if ready is not None:
                    wait([ready], timeout=pause)
                else:
                    self.cancel.wait(pause)
        finally:
            self.stop()

    def refetch(self, part_no: int) -> bytes:
        """Download a part again (it did not fit the data), within the read's deadline."""
        log.info("part %d of %s does not fit the data; downloading it again", part_no,
                 self.source.describe())
        with deadline_scope(self.deadline):
            return self._or_error(lambda: self.source.part(part_no), part_no)

    def stop(self) -> None:
        """Stop the downloads in flight (before a clean-up, or at the end)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            self._stop.set()
            pool.shutdown(wait=DOWNLOAD_GRACE)

    def _result(self, future: Future[bytes], part_no: int) -> bytes:
        return self._or_error(future.result, part_no)

    def _or_error(self, call: Callable[[], T], part_no: int) -> T:
        """``call()``; a passed deadline or a part the server does not serve is a read error.

        A part answered 404 is told apart by asking the status: a source that still answers
        lacks the part the server declared; one that is gone was deleted or expired.
        """
        try:
            return call()
        except AnaplanTimeoutError:
            raise self.source.timeout_error(self.deadline, self.poller.status) from None
        except NotFoundError as error:
            if error.status_code != 404:
                raise
        if self.cancel.is_set():  # cleaned up by whoever cancelled: not a missing part
            raise self.source.cancelled_error()
        seen = [self.poller.status.available] if self.poller.status else []
        try:
            with deadline_scope(self.deadline):
                status = self.source.poll()
        except NotFoundError as error:
            if error.status_code != 404:
                raise
            raise self.source.gone_error() from None
        except AnaplanError:
            status = None
        if status is not None:
            seen.append(status.available)
        unit = self.source.unit
        counts = " then ".join(str(n) for n in seen) or "none"
        raise self.source.incomplete_error(
            f"does not serve {unit} {part_no} (404) although it still answers and announced "
            f"{unit}s 0 to {max(seen, default=part_no + 1) - 1} ({unit}s announced: {counts})")
