"""Download threads that can never hold up the end of a program.

``concurrent.futures.ThreadPoolExecutor`` joins its threads when the interpreter exits, so a
download stuck on a silent server would keep a finished script (or a cancelled background
read) alive until its socket timed out. These threads are daemons, they run each call in
the context (deadline) of the code that submitted it, and :meth:`DaemonPool.shutdown`
waits for the calls in flight only as long as it is told.
"""

from __future__ import annotations

import contextvars
import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import wait as futures_wait
from typing import Any, TypeVar

T = TypeVar("T")


def parse_workers() -> int:
    """Threads that parse pages side by side: one more than the cores, at most 8."""
    return min(8, (os.cpu_count() or 1) + 1)


class DaemonPool:
    """A few daemon threads that run submitted calls.

    Examples
    --------
    >>> pool = DaemonPool(2, "example")
    >>> pool.submit(sum, [1, 2, 3]).result()
    6
    >>> pool.shutdown(wait=1.0)
    """

    def __init__(self, workers: int, name: str) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}.")
        self._workers = workers
        self._name = name
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._running: set[Future[Any]] = set()
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, call: Callable[..., T], *args: Any, **kwargs: Any) -> Future[T]:
        """Run ``call(*args, **kwargs)`` on a pool thread, in a copy of this context."""
        future: Future[T] = Future()
        context = contextvars.copy_context()
        with self._lock:
            if self._closed:
                raise RuntimeError("the pool has been shut down")
            self._queue.put((future, context, call, args, kwargs))
            if len(self._threads) < self._workers:
                thread = threading.Thread(target=self._work, daemon=True,
                                          name=f"{self._name}-{len(self._threads)}")
                self._threads.append(thread)
                thread.start()
        return future

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            future, context, call, args, kwargs = item
            if not future.set_running_or_notify_cancel():
                continue
            with self._lock:
                self._running.add(future)
            try:
                result = context.run(call, *args, **kwargs)
            except BaseException as error:
                future.set_exception(error)
            else:
                future.set_result(result)
            finally:
                with self._lock:
                    self._running.discard(future)

    def shutdown(self, wait: float = 0.0) -> None:
        """Cancel the calls not started, and wait up to ``wait`` seconds for the others."""
        with self._lock:
            self._closed = True
            running = list(self._running)
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                item[0].cancel()
        for _ in self._threads:
            self._queue.put(None)
        if running and wait > 0:
            futures_wait(running, timeout=wait)
