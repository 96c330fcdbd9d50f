"""Where the Dask reader's page tasks run: a ``dask.distributed`` cluster, or threads here.

Both offer ``submit`` (arguments may be futures of earlier tasks), ``cancel``, ``relay`` (keep
the workers' token fresh) and ``frame`` (the partitions as one Dask DataFrame).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import dask
import dask.dataframe as dd
import pandas as pd

from anaplan_pandas.http.transport import Transport
from anaplan_pandas.parse.workers import parse_workers


class Threads:
    """Runs the page tasks on threads of this process (no distributed client)."""

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(parse_workers(), thread_name_prefix="anaplan-dask")

    def submit(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Future:
        """Run ``function`` on a thread once the futures among ``args`` are done."""
        def run() -> Any:
            return function(*[a.result() if isinstance(a, Future) else a for a in args],
                            **kwargs)
        return self.pool.submit(run)

    def cancel(self, futures: list[Any]) -> None:
        """Cancel the tasks not started."""
        for future in futures:
            future.cancel()

    def relay(self, transport: Transport) -> None:
        """Nothing to relay: the tasks use this process's own login."""

    def frame(self, parts: list[Any], meta: pd.DataFrame, divisions: Any) -> dd.DataFrame:
        """The finished partitions (in this process) as one Dask DataFrame."""
        name = f"anaplan-{uuid.uuid4().hex}"
        return collection([dask.delayed(part.result(), name=f"{name}-{n}")
                            for n, part in enumerate(parts)], meta, divisions)

    def close(self) -> None:
        """Stop the threads."""
        self.pool.shutdown(wait=False, cancel_futures=True)


class Cluster:
    """Runs the page tasks on a ``dask.distributed`` cluster, relaying a fresh token."""

    def __init__(self, client: Any) -> None:
        from distributed import Variable

        self.client = client
        self.variable = Variable(f"anaplan-token-{uuid.uuid4().hex}", client=client)
        self.published: str | None = None

    def submit(self, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Run ``function`` on a worker (the futures among ``args`` resolved there)."""
        return self.client.submit(function, *args, pure=False, **kwargs)

    def cancel(self, futures: list[Any]) -> None:
        """Cancel the tasks and release their results on the workers."""
        self.client.cancel(futures)

    def relay(self, transport: Transport) -> None:
        """Publish this process's token whenever it changed (it renews as it is used)."""
        token = transport.auth.token()
        if token != self.published:
            self.variable.set(token)
            self.published = token

    def frame(self, parts: list[Any], meta: pd.DataFrame, divisions: Any) -> dd.DataFrame:
        """The partitions (futures on the workers) as one Dask DataFrame."""
        return collection(parts, meta, divisions)

    def close(self) -> None:
        """Forget the relayed token."""
        self.variable.delete()


def collection(parts: list[Any], meta: pd.DataFrame, divisions: Any) -> dd.DataFrame:
    """The partitions as one Dask DataFrame, with the dtypes ``read_view`` gives.

    Dask would turn text columns into pyarrow strings under pandas 2; they stay as read.
    """
    with dask.config.set({"dataframe.convert-string": False}):
        return dd.from_delayed(parts, meta=meta, divisions=divisions, verify_meta=False)


def executor_of(client: Any) -> Threads | Cluster:
    """The cluster of ``client``, of the current client, or threads here (``client=False``)."""
    if client is False:
        return Threads()
    if client is None:
        try:
            from distributed import default_client

            client = default_client()
        except (ImportError, ValueError):
            return Threads()
    return Cluster(client)
