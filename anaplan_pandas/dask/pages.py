"""What Dask workers run for :mod:`anaplan_pandas.dask`: download, align and parse one page.

Everything here pickles, so that it runs on ``dask.distributed`` worker processes. What
travels is a :class:`PageSource`: the API address, the read request and where to find a
token, never a password or a private key. The token itself is relayed through a
``distributed.Variable`` that the process which started the read keeps fresh (it renews the
token as it polls), so a read longer than a token's 35 minutes still finishes: a worker
whose token is refused takes the newer one from the variable.

A page is three tasks: :func:`fetch_page` (pages download side by side, also while the
export runs), :func:`align_page` (cheap, and chained from page to page: it carries a
record cut between two pages over to the next one, exactly as the in-process reader does)
and :func:`parse_records` (side by side again), so that each partition holds the records
that end on its page and no record is lost or split.
"""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa

from anaplan_pandas.catalog.targets import Target
from anaplan_pandas.exceptions import UnexpectedResponseError
from anaplan_pandas.http.auth import AnaplanAuth
from anaplan_pandas.http.transport import Transport
from anaplan_pandas.parse.assembly import DtypeBackend, to_frame
from anaplan_pandas.parse.frames import ColumnPlan, TableBuilder
from anaplan_pandas.parse.page_parser import fitting_records, not_utf8
from anaplan_pandas.parse.pages import BrokenPageError, RecordAligner
from anaplan_pandas.parse.plain_numbers import as_numbers
from anaplan_pandas.sources.read_request import ReadRequest

#: Seconds a worker waits for a renewed token after its token was refused.
TOKEN_WAIT = 30.0
_TRANSPORTS: dict[tuple[str, str], Transport] = {}
_TRANSPORTS_LOCK = threading.Lock()


class RelayedTokenAuth(AnaplanAuth):
    """The token of another process, read from a ``distributed.Variable`` it keeps fresh.

    Examples
    --------
    >>> RelayedTokenAuth("anaplan-token-1")
    RelayedTokenAuth('anaplan-token-1')
    """

    def __init__(self, variable: str) -> None:
        super().__init__()
        self.variable = variable

    def __repr__(self) -> str:
        return f"RelayedTokenAuth({self.variable!r})"

    def token(self) -> str:
        """The newest token the reading process published."""
        from distributed import Variable

        token = Variable(self.variable).get(timeout=TOKEN_WAIT)
        self._token = token
        return str(token)

    def token_rejected(self, rejected: str | None) -> bool:
        """Wait (briefly) for the reading process to publish a token newer than ``rejected``."""
        waited = time.monotonic() + TOKEN_WAIT
        while time.monotonic() < waited:
            if self.token() != rejected:
                return True
            time.sleep(0.2)
        return False

    def close(self) -> None:
        """Nothing to log out: the token belongs to the reading process."""


@dataclass(frozen=True)
class PageSource:
    """Where a worker downloads the pages of one read request from (pickles; no secret)."""

    api_url: str
    target: Target
    request_id: str
    token_variable: str | None  # None: the pages are read in this process
    verify: bool | str = True
    compression: Any = "auto"
    #: The transport of the reading process, for in-process reads only (never pickled).
    local: Transport | None = field(default=None, compare=False, repr=False)

    def transport(self) -> Transport:
        """The transport of this process (one per worker process and token variable)."""
        if self.local is not None:
            return self.local
        assert self.token_variable is not None
        key = (self.api_url, self.token_variable)
        with _TRANSPORTS_LOCK:
            if key not in _TRANSPORTS:
                _TRANSPORTS[key] = Transport(self.api_url, RelayedTokenAuth(self.token_variable),
                                             verify=self.verify, compression=self.compression)
            return _TRANSPORTS[key]

    def request(self) -> ReadRequest:
        """A handle on the read request (no call is made)."""
        return ReadRequest(self.transport(), self.target, self.request_id)


@dataclass(frozen=True)
class RecordTypes:
    """The column types fixed from page 0 by the reading process, for every partition."""

    plan: ColumnPlan
    columns: tuple[str, ...]
    categorical: bool
    separator: str
    numbers_at_end: tuple[str, ...]
    dtype_backend: DtypeBackend | None = None


def fetch_page(source: PageSource, page_no: int, *, final: bool = False) -> bytes:
    """Download one page (an empty one only where the export has nothing else)."""
    return source.request().page(page_no, may_be_empty=final and page_no == 0)


def align_page(
    source: PageSource, page_no: int, page: bytes, aligner: RecordAligner, *, final: bool
) -> tuple[bytes, RecordAligner]:
    """The whole records that ``page`` completes, and the aligner to carry to the next page.

    A page that does not fit the data is downloaded again, as in the in-process reader;
    ``final`` takes the last record even without a line end.
    """
    aligner = copy.deepcopy(aligner)
    try:
        _, view = fitting_records(aligner, page, lambda: fetch_page(source, page_no))
    except BrokenPageError as error:
        raise unparsable(page_no, source.request(), error) from None
    records = bytes(view)
    if final:
        records += bytes(aligner.finish())
    return records, aligner


def unparsable(page_no: int, request: ReadRequest, error: Exception) -> UnexpectedResponseError:
    """The error of a page whose CSV cannot be read, worded as the in-process reader's."""
    return UnexpectedResponseError(
        f"The CSV of page {page_no} of {request.describe()} could not be parsed: {error}")


def parse_aligned(aligned: tuple[bytes, RecordAligner], types: RecordTypes
                  ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """:func:`parse_records` of what :func:`align_page` returned (one task fewer a page)."""
    return parse_records(aligned[0], types)


def with_rest(aligned: tuple[bytes, RecordAligner], rest: bytes) -> bytes:
    """The last page's records and the last record, which had no line end."""
    return aligned[0] + rest


def finish_parsed(parsed: tuple[pd.DataFrame, dict[str, Any]], numbers: list[str], start: int,
                  dtype_backend: DtypeBackend | None) -> pd.DataFrame:
    """:func:`finish_partition` of what :func:`parse_records` returned."""
    return finish_partition(parsed[0], numbers, start, dtype_backend)


def finish_records(aligner: RecordAligner) -> bytes:
    """The last record, when the last page ends without a line end (else ``b""``)."""
    try:
        return bytes(copy.deepcopy(aligner).finish())
    except ValueError as error:
        raise UnexpectedResponseError(str(error)) from None


def parse_records(records: bytes, types: RecordTypes) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One partition from whole records, in the fixed types; and what it says of them.

    The columns that may still become numbers stay text here; the facts returned (rows,
    which of those columns hold a value that is not a plain number, which hold any value,
    which typed columns hold text here) let the reading process decide, over every
    partition, exactly as ``read_view`` does.
    """
    builder = TableBuilder(types.columns, types.plan, categorical=types.categorical,
                           whole=False, separator=types.separator, warn=False)
    fixed = builder.schema  # a column turned to text is reported; the reader warns once
    try:
        table = builder.parse(records)
    except (pa.ArrowInvalid, ValueError) as error:
        raise UnexpectedResponseError(
            f"A page's CSV could not be parsed: {not_utf8(records) or error}") from None
    loosened = [field.name for field in fixed if builder.schema.field(field.name) != field]
    not_plain, filled = [], []
    for name in types.numbers_at_end:
        column = table.column(name)
        if column.null_count < len(column):
            filled.append(name)
            if as_numbers(column) is None:
                not_plain.append(name)
    facts = {"rows": table.num_rows, "bytes": len(records), "not_plain": not_plain,
             "filled": filled, "loosened": loosened}
    return to_frame(table, dtype_backend=types.dtype_backend), facts


def finish_partition(
    frame: pd.DataFrame, numbers: list[str], start: int, dtype_backend: DtypeBackend | None
) -> pd.DataFrame:
    """The partition with its plain-number columns as numbers, rows numbered from ``start``.

    So that the partitions join into one frame equal to ``read_view``'s.
    """
    frame = frame.copy(deep=False)
    for name in numbers:
        values = pa.array(frame[name], pa.string(), from_pandas=True).cast(pa.float64())
        frame[name] = to_frame(pa.table({name: values}), dtype_backend=dtype_backend)[name].array
    frame.index = pd.RangeIndex(start, start + len(frame))
    return frame
