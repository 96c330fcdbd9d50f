"""SIGTERM, the signal schedulers and service managers stop jobs with, handled like Ctrl-C.

By default SIGTERM ends Python at once: no ``finally`` block runs, so a read in progress
leaves its read request on the server (it expires after 30 minutes idle). After
:func:`stop_on_sigterm`, SIGTERM raises :class:`Terminated` (a ``KeyboardInterrupt``) in the
main thread instead, so the read stops, deletes its request and the script ends as after
Ctrl-C. The ``anaplan-pandas`` command does this by itself.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived; raised like Ctrl-C's ``KeyboardInterrupt`` so that reads clean up."""


def stop_on_sigterm() -> Callable[[], None]:
    """Make SIGTERM stop the program like Ctrl-C; return a function that undoes it.

    Call it once, early in a script (from the main thread). A read running when SIGTERM
    arrives deletes its read request, then :class:`Terminated` propagates: let it end the
    script, or catch it to exit with your own status (143 is the custom for SIGTERM).

    Examples
    --------
    >>> restore = stop_on_sigterm()
    >>> signal.getsignal(signal.SIGTERM).__name__
    '_raise_terminated'
    >>> restore()
    """
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("stop_on_sigterm() must be called from the main thread.")
    previous: Any = signal.signal(signal.SIGTERM, _raise_terminated)

    def restore() -> None:
        signal.signal(signal.SIGTERM, previous)

    return restore


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    raise Terminated("SIGTERM")
