"""What the simulator remembers: read requests, and every call and page fetch it served."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from anaplan_pandas.simulator.exports import ExportPages
from anaplan_pandas.simulator.faults import Faults

CANCELLING_SECONDS = 0.3
DEMO_OAUTH_CLIENT = "5f2c0e1a9b7d4c3e8a6f1b2d3c4e5f60"
DEFAULT_USERS = {"analyst@example.com": "correct horse battery staple"}


@dataclass
class ReadRequestRecord:
    """The simulator's state of one read request."""

    request_id: str
    kind: str
    object_id: str
    workspace_id: str
    export: ExportPages
    faults: Faults
    fails: bool
    created: float = field(default_factory=time.monotonic)
    created_wall: float = field(default_factory=time.time)
    last_activity: float = field(default_factory=time.monotonic)
    deleted_state: str | None = None

    def produced_pages(self, now: float) -> int:
        """Pages the export has produced by ``now``."""
        running_since = self.created + self.faults.not_started_seconds
        if now < running_since:
            return 0
        if self.faults.pages_per_second is None:
            return self.export.count
        produced = int((now - running_since) * self.faults.pages_per_second)
        return min(self.export.count, produced)

    def complete_at(self) -> float | None:
        """Wall-clock time at which the last page exists (``None`` if it never will)."""
        if self.fails and self.faults.fail_after_pages is not None:
            return None
        rate = self.faults.pages_per_second
        produce = self.export.count / rate if rate else 0.0
        return self.created_wall + self.faults.not_started_seconds + produce

    def status(self, now: float) -> tuple[str, int, bool]:
        """``(requestState, availablePages, successful)`` at ``now``."""
        if self.deleted_state is not None:
            return self.deleted_state, 0, True
        produced = self.produced_pages(now)
        running_since = self.created + self.faults.not_started_seconds
        cancel_at = self.faults.cancel_after_pages
        if cancel_at is not None and produced >= cancel_at:
            # The server takes a moment to wind down: CANCELLING first, then CANCELLED.
            rate = self.faults.pages_per_second
            cancelled_at = running_since + (cancel_at / rate if rate else 0.0)
            state = "CANCELLING" if now < cancelled_at + CANCELLING_SECONDS else "CANCELLED"
            return state, cancel_at, True
        fail_at = self.faults.fail_after_pages
        if self.fails and fail_at is not None and produced >= min(fail_at, self.export.count):
            return "COMPLETE", min(fail_at, self.export.count), False
        if now < self.created + self.faults.not_started_seconds:
            return "NOT_STARTED", 0, False
        if produced >= self.export.count:
            return "COMPLETE", self.export.count, True
        return "IN_PROGRESS", produced, False


@dataclass(frozen=True)
class Call:
    """One HTTP call the simulator answered."""

    method: str
    path: str
    status: int
    headers: dict[str, str]


@dataclass(frozen=True)
class PageFetch:
    """One page download: which page, and the request's state when it was served."""

    request_id: str
    page_no: int
    state: str
    encoding: str
