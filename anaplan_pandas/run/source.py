"""What the runner asks of every source: one protocol for read requests, tasks, ``/data``.

A source knows the HTTP lifecycle of one Anaplan object and nothing about pandas. The runner
(:mod:`anaplan_pandas.run.parts`) polls it (:meth:`Source.poll`), downloads the parts it
announces (:meth:`Source.part`), checks that every declared part arrived once and whole, and
cleans it up (:meth:`Source.cleanup`) on every exit. It never asks which kind of source it
holds; the messages of the errors it raises are the source's own.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Protocol

from anaplan_pandas.exceptions import AnaplanError
from anaplan_pandas.http.deadline import Deadline


@dataclass(frozen=True)
class PartStatus:
    """What a source says of its parts at one status call.

    ``available`` parts can be downloaded now (0-based, in order); once ``complete``, that
    count is the declared total, and every one of them must arrive. ``status`` is the
    server's own answer, handed to progress displays.

    Examples
    --------
    >>> PartStatus(3, complete=False).available
    3
    """

    available: int
    complete: bool
    status: Any = None


class Source(Protocol):
    """One Anaplan object whose data arrives in parts."""

    #: What the source's id names in messages ("read request", "export task").
    noun: str
    #: The server's id of the source (a read request id, a task id).
    request_id: str
    #: What one part is called in messages and progress ("page", "chunk").
    unit: str

    def describe(self) -> str:
        """A phrase naming the source and its object for messages."""

    def poll(self) -> PartStatus:
        """Ask the server where the source stands; raise its typed error if it has ended."""

    def part(self, part_no: int, *, stop: threading.Event | None = None) -> bytes:
        """Download part ``part_no`` (0-based) whole, or raise a typed error."""

    def cleanup(self) -> None:
        """Free what the source holds on the server; safe to call more than once."""

    def cancelled_error(self) -> AnaplanError:
        """The error of a read its user cancelled (the source is cleaned up first)."""

    def timeout_error(self, deadline: Deadline, status: PartStatus | None) -> AnaplanError:
        """The error of a read whose deadline passed (the source is cleaned up first)."""

    def gone_error(self) -> AnaplanError:
        """The error of a source that vanished from the server while it was read."""

    def incomplete_error(self, what: str) -> AnaplanError:
        """The error of parts that do not add up (``what`` says how; cleaned up first)."""
