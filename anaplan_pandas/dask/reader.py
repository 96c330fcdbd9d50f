"""Read a view or list into a Dask DataFrame: one partition per page, built on the workers.

``pip install "anaplan-pandas[dask]"``. With a ``dask.distributed`` client (the current one,
or ``client=``), every page is downloaded and parsed on the workers as soon as Anaplan has
exported it, also while the export runs, so a view bigger than one machine's memory lands in
the cluster's; without one, threads of this process do the same work. This process only
polls the export, fixes the column types from the first page (exactly as
:func:`~anaplan_pandas.read_view` does), keeps the workers' token fresh, shows progress, and
deletes the read request once every page is in (or on failure, timeout or Ctrl-C): no
request outlives the call, so dropping the result leaves nothing behind.

The result's ``.compute()`` equals ``read_view``'s frame: same columns, dtypes, values, order
and index. Its partitions are computed already (as after ``.persist()``); their divisions are
known.
"""

from __future__ import annotations

import dataclasses
import itertools
import operator
import time
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import dask.dataframe as dd
import pandas as pd
import pyarrow as pa
from dask.dataframe.utils import clear_known_categories

from anaplan_pandas.api.pool import pooled
from anaplan_pandas.api.read_call import ReadCall
from anaplan_pandas.dask.executors import Cluster, Threads, executor_of
from anaplan_pandas.dask.pages import (
    PageSource,
    RecordTypes,
    align_page,
    fetch_page,
    finish_parsed,
    finish_partition,
    finish_records,
    parse_aligned,
    parse_records,
    unparsable,
    with_rest,
)
from anaplan_pandas.http.deadline import Deadline, current_deadline, deadline_scope
from anaplan_pandas.parse.assembly import to_frame
from anaplan_pandas.parse.frames import ColumnPlan, TableBuilder
from anaplan_pandas.parse.page_parser import fitting_records
from anaplan_pandas.parse.pages import BrokenPageError, RecordAligner
from anaplan_pandas.progress.choice import ProgressChoice
from anaplan_pandas.progress.model import ProgressDisplay
from anaplan_pandas.run.poll import CANCEL_CHECK, Poller
from anaplan_pandas.run.source import PartStatus
from anaplan_pandas.sources.kinds import ListKind, SourceKind, ViewKind
from anaplan_pandas.sources.read_request import ReadRequest
from anaplan_pandas.sources.request_status import check_export_type

if TYPE_CHECKING:
    from anaplan_pandas.api.connection import Connection


@dataclass
class _Page:
    """The futures of one page: its records, its partition and what it says of its rows.

    ``records`` is what :func:`~anaplan_pandas.dask.pages.align_page` returned, or the
    records themselves once the last record was added.
    """

    records: Any
    parsed: Any
    facts: Any
    reported: bool = False
    with_last_record: bool = False


@dataclass(eq=False)
class DaskCall(ReadCall):
    """One call of :func:`read_view` or :func:`read_list` into a Dask DataFrame."""

    client: Any = None

    def dask_frame(self) -> dd.DataFrame:
        """Read the object into a Dask DataFrame (see the module's docstring)."""
        with deadline_scope(Deadline.after(self.options.timeout)), self._session() as display:
            self._streamable("The Dask reader")
            return self._with_retries(lambda: self._run(display, self._read))  # type: ignore[arg-type]

    def _read(self, request: ReadRequest) -> dd.DataFrame:
        executor = executor_of(self.client)
        try:
            return _PageTasks(self, request, executor).run()
        finally:
            executor.close()


class _PageTasks:
    """The polling loop: page tasks submitted as pages appear, then the DataFrame."""

    def __init__(self, call: DaskCall, request: ReadRequest, executor: Threads | Cluster
                 ) -> None:
        self.call, self.request, self.executor = call, request, executor
        assert call.display is not None
        self.display: ProgressDisplay = call.display
        self.transport = request.transport
        self.poller = Poller(request, call.options.schedule(), current_deadline(), self.display)
        self.pages: list[_Page] = []
        self.futures: list[Any] = []
        self.aligner: Any = RecordAligner()
        self.types: RecordTypes | None = None
        self.ended = False  # the last page was submitted knowing it is the last

    def run(self) -> dd.DataFrame:
        try:
            self.executor.relay(self.transport)
            source = self._source()
            local = self._decide()
            if self.types is None:  # an export without even a header: no column, no row
                return dd.from_pandas(pd.DataFrame(), npartitions=1)
            while not self._all_in():
                if not self._complete() and self.poller.due:
                    self.poller.poll()
                self.executor.relay(self.transport)
                self._submit(source, local)
                self._report()
                self._check_time()
                time.sleep(CANCEL_CHECK / 4)
            return self._frame()
        except BaseException:
            self.executor.cancel(self.futures)
            raise

    def _source(self) -> PageSource:
        cluster = self.executor if isinstance(self.executor, Cluster) else None
        return PageSource(
            self.transport.api_url, self.request.target, self.request.request_id,
            cluster.variable.name if cluster else None,
            verify=self.transport.verify,
            compression="gzip" if self.transport.page_encoding == "gzip" else None,
            local=None if cluster else self.transport)

    @property
    def status(self) -> PartStatus | None:
        return self.poller.status

    def _check_time(self) -> None:
        """Stop on the caller's deadline or a cancel, like the in-process reader."""
        if self.call.cancel_event.is_set():
            raise self.request.cancelled_error()
        if self.poller.deadline.passed:
            raise self.request.timeout_error(self.poller.deadline, self.status)

    def _complete(self) -> bool:
        return self.status is not None and self.status.complete

    def _decide(self) -> list[bytes]:
        """Fix the column types here from the first page with records, as ``read_view`` does.

        Returns the pages downloaded for it, which the tasks take instead of downloading
        them again.
        """
        aligner = RecordAligner()
        local: list[bytes] = []
        builder: TableBuilder | None = None
        while builder is None or not builder.decided:
            status = self.poller.poll()
            while len(local) >= status.available and not status.complete:
                self._check_time()
                time.sleep(self.poller.seconds_until_due())
                status = self.poller.poll()
            if len(local) >= status.available:
                break  # a finished export without one record
            page, records = self._aligned(aligner, len(local))
            local.append(page)
            if aligner.header is not None and builder is None:
                builder = TableBuilder(aligner.columns, self.call.plan(),
                                       categorical=self.call.options.categorical, whole=False)
            if builder is not None and len(records):
                builder.parse(records)
        if builder is None:
            return local
        fixed = dict(zip(builder.schema.names, builder.schema.types, strict=True))
        dimensions = set(builder.dimension_columns)
        self.types = RecordTypes(
            plan=ColumnPlan(dimensions=dimensions, types={
                n: t for n, t in fixed.items() if n not in dimensions and t != pa.null()},
                infer=False, mixed=self.call.plan().mixed),
            columns=tuple(builder.columns), categorical=self.call.options.categorical,
            separator=",", numbers_at_end=tuple(builder.numbers_at_end),
            dtype_backend=self.call.options.dtype_backend)
        return local

    def _aligned(self, aligner: RecordAligner, page_no: int) -> tuple[bytes, memoryview]:
        """Page ``page_no`` and its records, downloaded again while it does not fit."""
        page = self.request.page(page_no, may_be_empty=page_no == 0 and self._complete())
        try:
            return fitting_records(aligner, page, lambda: self.request.page(page_no))
        except BrokenPageError as error:
            raise unparsable(page_no, self.request, error) from None

    def _submit(self, source: PageSource, local: list[bytes]) -> None:
        """Tasks for every page that appeared; the last record once the export is complete."""
        status = self.status
        assert status is not None and self.types is not None
        submit = self.executor.submit
        while len(self.pages) < status.available:
            n = len(self.pages)
            final = status.complete and n == status.available - 1
            page = local[n] if n < len(local) else submit(fetch_page, source, n, final=final)
            aligned = submit(align_page, source, n, page, self.aligner, final=final)
            self.aligner = submit(operator.getitem, aligned, 1)
            parsed = submit(parse_aligned, aligned, self.types)
            self.pages.append(_Page(aligned, parsed, submit(operator.getitem, parsed, 1)))
            self.futures += [f for f in (page, aligned, self.aligner, parsed)
                             if not isinstance(f, bytes)]
            self.ended = final
        if status.complete and not self.ended and self.pages:
            # The last page was submitted before the export was known to be complete: a
            # last record without a line end is still with the aligner.
            rest = submit(finish_records, self.aligner).result()
            if rest:
                last = self.pages[-1]
                last.records = submit(with_rest, last.records, rest)
                last.with_last_record = True
                last.parsed = submit(parse_records, last.records, self.types)
                last.facts = submit(operator.getitem, last.parsed, 1)
                last.reported = False
                self.futures += [last.records, last.parsed]
            self.ended = True

    def _report(self) -> None:
        """Progress for the partitions done, in page order."""
        for n, page in enumerate(self.pages):
            if page.reported:
                continue
            if not page.facts.done():
                return
            facts = page.facts.result()  # raises the task's error, if it failed
            if n >= self.display.progress.downloaded_pages:
                self.display.on_page(n, facts["bytes"])
            self.display.on_rows(facts["rows"])
            page.reported = True

    def _all_in(self) -> bool:
        status = self.status
        if status is None or not status.complete or not self.ended:
            return False
        return len(self.pages) >= status.available and all(
            page.reported for page in self.pages)

    def _frame(self) -> dd.DataFrame:
        """The partitions in their final types, rows numbered on, as one DataFrame."""
        assert self.types is not None
        submit = self.executor.submit
        facts = [page.facts.result() for page in self.pages]
        loosened = sorted({name for f in facts for name in f["loosened"]})
        if loosened:  # typed from page 0, text further on: text in every partition
            if not self.types.plan.mixed:
                warnings.warn(f"Columns {loosened} looked like numbers or booleans on the "
                              "first page but hold text further on; they are read as text.",
                              UserWarning, stacklevel=10)  # the caller of read_view
            self.types = dataclasses.replace(self.types,
                                             plan=self.types.plan.with_text(loosened))
            for page in self.pages:
                parse = parse_records if page.with_last_record else parse_aligned
                page.parsed = submit(parse, page.records, self.types)
                page.facts = submit(operator.getitem, page.parsed, 1)
                self.futures.append(page.parsed)
            facts = [page.facts.result() for page in self.pages]
        not_plain = {name for f in facts for name in f["not_plain"]}
        filled = {name for f in facts for name in f["filled"]}
        numbers = [n for n in self.types.numbers_at_end if n in filled and n not in not_plain]
        *starts, total = itertools.accumulate((f["rows"] for f in facts), initial=0)
        backend = self.types.dtype_backend
        parts = [submit(finish_parsed, page.parsed, numbers, start, backend)
                 for page, start in zip(self.pages, starts, strict=True)]
        self.futures += parts
        schema = TableBuilder(self.types.columns, self.types.plan,
                              categorical=self.types.categorical, whole=False).schema
        meta = finish_partition(to_frame(schema.empty_table(), dtype_backend=backend),
                                numbers, 0, backend)
        meta = clear_known_categories(meta)  # each partition has its own item names
        sizes = [f["rows"] for f in facts]
        divisions = (*starts, total - 1) if total and all(sizes) else None
        return self.executor.frame(parts, meta, divisions)


def read_view(
    workspace_id: str,
    model_id: str,
    view_id: int | str,
    *,
    export_type: str = "TABULAR_MULTI_COLUMN",
    auth: object = None,
    api_url: str | None = None,
    auth_url: str | None = None,
    connection: Connection | None = None,
    progress: ProgressChoice = "auto",
    client: Any = None,
    **options: Any,
) -> dd.DataFrame:
    """Read a view into a Dask DataFrame with one partition per page of its export.

    Parameters as in :func:`anaplan_pandas.read_view` (names or ids, ``timeout``,
    ``retries``, ``request_id``, ``keep_request``, ``categorical``, ``dtype_backend``, ...);
    ``client`` is the ``dask.distributed`` client whose workers download and parse the pages
    (default: the current one; without one, or with ``client=False``, threads of this
    process).

    Examples
    --------
    >>> import anaplan_pandas.dask as apd
    >>> from anaplan_pandas.simulator import Simulator, WORKSPACE_ID, MODEL_ID, PageLayout
    >>> sim = Simulator(revenue_rows=2880, layout=PageLayout(rows_per_page=1000)).start()
    >>> ddf = apd.read_view(WORKSPACE_ID, MODEL_ID, 102000000001, auth=sim.credentials,
    ...                     api_url=sim.api_url, auth_url=sim.auth_url, progress=None)
    >>> ddf.npartitions, len(ddf.compute())
    (3, 2880)
    >>> sim.stop()
    """
    return _read(ViewKind(check_export_type(export_type)), (workspace_id, model_id, view_id),
                 auth, api_url, auth_url, progress, connection, client, options)


def read_list(
    workspace_id: str,
    model_id: str,
    list_id: int | str,
    *,
    auth: object = None,
    api_url: str | None = None,
    auth_url: str | None = None,
    connection: Connection | None = None,
    progress: ProgressChoice = "auto",
    client: Any = None,
    **options: Any,
) -> dd.DataFrame:
    """Read a list into a Dask DataFrame with one partition per page of its export.

    Parameters as in :func:`read_view`, without ``export_type``.

    Examples
    --------
    >>> import anaplan_pandas.dask as apd
    >>> from anaplan_pandas.simulator import Simulator, WORKSPACE_ID, MODEL_ID
    >>> with Simulator(revenue_rows=2880) as sim:
    ...     regions = apd.read_list(WORKSPACE_ID, MODEL_ID, 101000000002, auth=sim.credentials,
    ...                             api_url=sim.api_url, auth_url=sim.auth_url, progress=None)
    ...     regions["Name"].compute().head(2).tolist()
    ['North America', 'NA']
    """
    return _read(ListKind(), (workspace_id, model_id, list_id), auth, api_url, auth_url,
                 progress, connection, client, options)


def _read(kind: SourceKind, names: tuple[object, object, object], auth: object,
          api_url: str | None, auth_url: str | None, progress: ProgressChoice,
          connection: Connection | None, client: Any, options: dict[str, Any]) -> dd.DataFrame:
    conn = pooled(connection, auth, api_url, auth_url, options)
    call = conn.read_call(kind, names, progress, options, call_type=DaskCall,
                          plain="the Dask reader, whose partitions are the pages", client=client)
    return call.dask_frame()  # type: ignore[attr-defined]
