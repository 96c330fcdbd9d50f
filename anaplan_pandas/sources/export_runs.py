"""Runs of one export never tear: one at a time in this process, and checked across others.

The file an export writes has the export's id, so the next run of the same export rewrites
it, also while an earlier run's file is being downloaded (``anaplan-api.md`` §6). Inside one
process, runs of the same export take turns (:func:`take_turn`): the second waits until the
first has read its file. Other processes cannot be waited for, so once a file is read the
export's task list is asked (:func:`later_runs`) whether another run started after this
one and got to write; if one did, the read fails rather than hand over rows of two runs.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from anaplan_pandas.catalog.catalog import read_listing
from anaplan_pandas.catalog.targets import Target
from anaplan_pandas.exceptions import AnaplanError, AnaplanTimeoutError, ReadRequestCancelledError
from anaplan_pandas.http.deadline import current_deadline
from anaplan_pandas.http.transport import Transport

log = logging.getLogger("anaplan_pandas")

#: Task states of a later run that cannot have written the file (yet).
HARMLESS_STATES = frozenset({"NOT_STARTED", "CANCELLING", "CANCELLED"})

_TURNS: dict[tuple[str, str], threading.Lock] = {}
_GUARD = threading.Lock()


def take_turn(target: Target, cancel: threading.Event,
              on_wait: Callable[[str], None]) -> threading.Lock:
    """Wait until no other read of this export runs in this process; return the held turn.

    ``on_wait`` is told, once, that the read waits (for its progress display). A cancel or
    the read's deadline ends the wait with a typed error.

    Examples
    --------
    >>> target = Target.of("export", "8a8196b15b7dbae6015b8694411d13fe",
    ...                    "75A40874E6B64FA3AE0743278996850F", 116000000001)
    >>> turn = take_turn(target, threading.Event(), print)
    >>> turn.release()
    """
    with _GUARD:
        turn = _TURNS.setdefault((target.model_id, target.object_id), threading.Lock())
    if turn.acquire(blocking=False):
        return turn
    on_wait(f"Waiting for another read of {target.describe()} in this process to finish: "
            "runs of one export write the same file.")
    deadline = current_deadline()
    while not turn.acquire(timeout=deadline.bound(0.2)):
        if cancel.is_set():
            raise ReadRequestCancelledError(
                f"You cancelled the read of {target.describe()} while it waited for another "
                "read of the same export; nothing was started.",
                request_id="", target=target, deleted=True)
        if deadline.passed:
            raise AnaplanTimeoutError(deadline.message(
                f"waiting for another read of {target.describe()} to finish"))
    return turn


def later_runs(transport: Transport, target: Target, task_id: str) -> list[str]:
    """The runs of the export started after ``task_id`` that may have rewritten its file.

    A task list that cannot be read, or that does not hold ``task_id``, tells nothing: the
    answer is then empty, and the log says why.
    """
    try:
        tasks: list[Any] = read_listing(transport, f"{target.path}/tasks", "tasks",
                                        f"tasks of {target.describe()}",
                                        one_page_without_total=True)
    except AnaplanError as error:
        log.info("could not list the tasks of %s (%s): another run cannot be ruled out",
                 target.describe(), error)
        return []
    tasks = sorted((t for t in tasks if isinstance(t, dict)),
                   key=lambda t: t.get("creationTime") or 0)
    ids = [str(t.get("taskId", "")).upper() for t in tasks]
    if task_id.upper() not in ids:
        log.info("%s does not list task %s: another run cannot be ruled out",
                 target.describe(), task_id)
        return []
    after = tasks[ids.index(task_id.upper()) + 1:]
    return [str(t.get("taskId")) for t in after if t.get("taskState") not in HARMLESS_STATES]
