"""What a real tenant does on a bad day, as knobs of the simulator.

:class:`Faults` holds every knob; :func:`broken_page` makes the bodies that arrive whole by
HTTP's account (status 200, the announced length) but are not the page: the failures that
lose rows silently in a client that trusts them.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

#: The broken page bodies the simulator can send instead of a page.
BROKEN_KINDS = ("empty", "text", "cut_gzip", "no_header", "short_record")
OUTAGE_TEXT = b"Service temporarily unavailable"


@dataclass
class Faults:
    """Behaviour knobs; the defaults are a healthy, fast tenant.

    Parameters
    ----------
    pages_per_second : float or None
        How fast an export produces pages; ``None``: all pages at once.
    not_started_seconds : float
        How long a new request stays ``NOT_STARTED``.
    fail_after_pages : int or None
        The export fails (``COMPLETE``, ``successful: false``) once this many pages exist.
    fail_times : int
        How many exports fail that way before they succeed again (``-1``: all of them).
    cancel_after_pages : int or None
        The request is cancelled on the server (``CANCELLING``, then ``CANCELLED``).
    rate_limit : float
        Share of Integration API calls answered 429 with ``Retry-After``.
    retry_after : str
        The ``Retry-After`` value sent with each 429 (seconds or an HTTP date).
    unavailable : float
        Share of Integration API calls answered 503.
    truncate_pages : float
        Share of page bodies cut off midway (the connection closes early).
    page_delay : float
        Seconds each page download waits before its body.
    bandwidth : float or None
        Bytes per second of page bodies per connection; ``None``: unlimited.
    token_lifetime : float
        Seconds a token lives (Anaplan: 35 minutes); OAuth access tokens too.
    token_refresh : {"extend", "rotate"}
        What ``/token/refresh`` does: extend the token's life and return the same value (as
        observed live), or return a new value and end the old one (as a service issuing
        JWTs, which Anaplan's 2026 notice prepares for, would; OAuth access tokens already
        change on every refresh).
    require_v2 : bool
        Refuse certificate logins with the old v1 payload.
    certificate_timestamp_unit : {"s", "ms"}
        Unit of the v2 payload's timestamp that the server expects.
    device_interval : float
        Seconds the OAuth device grant asks clients to wait between polls.
    request_expiry : float
        Idle seconds before a read request is reclaimed (Anaplan: 30 minutes).
    gzip : bool
        Compress pages when the client sends ``Accept-Encoding: gzip``.
    broken_pages : float
        Share of page downloads answered 200 with a body that is not the page: one of
        ``broken_kinds`` (see :data:`BROKEN_KINDS`).
    broken_kinds : tuple of str
        Which broken bodies to send, picked at random.
    broken_tries : int
        How many downloads of one page in a row can be broken (then it is served whole).
    reset : float
        Share of calls (``fault_paths``) whose connection is closed without an answer.
    fault_paths : str or None
        A regular expression on ``"METHOD /path"``: ``rate_limit``, ``unavailable`` and
        ``reset`` hit only the calls it matches (``None``: every Integration API call).
    hang : str or None
        A regular expression on ``"METHOD /path"``: matching calls get no answer until
        ``hang_seconds`` pass or the simulator stops (a server that stopped answering).
    hang_seconds : float
        How long a hung call waits.
    auth_unavailable : float
        Share of authentication calls (``/token/…``, ``/oauth/…``) answered 503.
    redirect : str or None
        Answer every Integration API call with a 307 to this base URL plus the path.
    echo_token : bool
        Quote the caller's ``Authorization`` header in error messages (a careless server).
    request_state : str or None
        Report this ``requestState`` in status answers (an undocumented one, say).
    request_id : str or None
        Answer a new read request with this ``requestId`` (a malformed one, say).
    delete_status : int or None
        Answer DELETE with this status (204: empty and deleted; 403: refused, kept).
    clock_skew : float
        Seconds added to every token's ``expiresAt`` (negative: the server's clock is
        behind, so the token looks expired already).
    page_charset : str
        The encoding of page bodies (Anaplan: ``utf-8``; ``latin-1`` shows a damaged page).
    time_across_columns : {None, "lines", "combined"}
        Show Time across the columns of the Revenue Plan view too (two column dimensions):
        its metadata says so, and its tabular export has one header line per column
        dimension (``"lines"``) or one line of combined names (``"combined"``), the layouts
        the docs leave open. Grid exports are then refused.
    line_item_formats : bool
        Answer the line-item calls; ``False``: they answer 404, so a view's value columns
        can only be typed from the data (as when time lies across the columns).
    listing_cap : int
        Most items a listing page holds, whatever ``limit`` asks (Anaplan: 5,000).
    listing_paging : {"full", "omitted", "null"}
        Whether listings carry ``meta.paging`` (as documented), leave it out, or send null.
    export_seconds : float
        How long a bulk export task runs (its ``progress`` rises from 0 to 1 meanwhile).
    export_fails : int
        How many export tasks finish with ``successful: false`` before they succeed again
        (``-1``: all of them).
    chunk_bytes : int
        Size of the chunks an export's file is served in (cut at any byte).
    export_file_private : bool
        The exports' files are "Administrators only" and the user is not one: a task
        succeeds and its file is empty (help.anaplan.com, file privacy).
    export_file_shape : {"vendor", "import"}
        How ``GET …/files`` lists an export's file: as the vendor's example does
        (``chunkCount``, ``headerRow`` and ``firstDataRow`` 0, no dialect), or as import
        files are listed (``headerRow`` 1, ``firstDataRow`` 2, with the dialect).
    seed : int
        Seed of the random faults, for repeatable runs.
    """

    pages_per_second: float | None = None
    not_started_seconds: float = 0.0
    fail_after_pages: int | None = None
    fail_times: int = -1
    cancel_after_pages: int | None = None
    rate_limit: float = 0.0
    retry_after: str = "1"
    unavailable: float = 0.0
    truncate_pages: float = 0.0
    page_delay: float = 0.0
    bandwidth: float | None = None
    token_lifetime: float = 35 * 60
    token_refresh: str = "extend"
    require_v2: bool = True
    certificate_timestamp_unit: str = "s"
    device_interval: float = 5.0
    request_expiry: float = 30 * 60
    gzip: bool = True
    broken_pages: float = 0.0
    broken_kinds: tuple[str, ...] = ("empty", "text", "cut_gzip", "no_header", "short_record")
    broken_tries: int = 2
    reset: float = 0.0
    fault_paths: str | None = None
    hang: str | None = None
    hang_seconds: float = 3600.0
    auth_unavailable: float = 0.0
    redirect: str | None = None
    echo_token: bool = False
    request_state: str | None = None
    request_id: str | None = None
    delete_status: int | None = None
    clock_skew: float = 0.0
    page_charset: str = "utf-8"
    time_across_columns: str | None = None
    line_item_formats: bool = True
    listing_cap: int = 5000
    listing_paging: str = "full"
    export_seconds: float = 0.0
    export_fails: int = 0
    chunk_bytes: int = 10_000_000
    export_file_private: bool = False
    export_file_shape: str = "vendor"
    seed: int = 1

    def __post_init__(self) -> None:
        self.broken_kinds = tuple(self.broken_kinds)
        unknown = set(self.broken_kinds) - set(BROKEN_KINDS)
        if unknown:
            raise ValueError(f"unknown broken_kinds {sorted(unknown)}; known: {BROKEN_KINDS}")


def broken_page(
    kind: str, page: bytes, header: bytes, *, whole_records: bool = True
) -> tuple[bytes, dict[str, str]]:
    r"""A 200 body (and its headers) that stands in for ``page``, broken as ``kind`` says.

    ``empty``: no body. ``text``: an outage notice as ``text/plain``. ``cut_gzip``: the page
    gzip-compressed but stopped at a record boundary halfway, without the gzip trailer.
    ``no_header``: the page without its leading header row (from page 2 on, where pages
    repeat it; elsewhere as ``short_record``).
    ``short_record``: an outage notice as the first record, served as CSV, where the page
    starts with a whole record (``whole_records``; elsewhere as ``text``: glued to a record
    cut at the page's start, it could not be told from data by anyone).

    Examples
    --------
    >>> broken_page("text", b"A,B\n1,2\n", b"A,B\n")
    (b'Service temporarily unavailable', {'Content-Type': 'text/plain'})
    """
    csv = {"Content-Type": "text/csv"}
    if kind == "empty":
        return b"", csv
    if kind == "text":
        return OUTAGE_TEXT, {"Content-Type": "text/plain"}
    if kind == "cut_gzip":
        cut = page.rfind(b"\n", 0, max(1, len(page) // 2)) + 1
        compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
        body = compressor.compress(page[:cut]) + compressor.flush(zlib.Z_SYNC_FLUSH)
        return body, {**csv, "Content-Encoding": "gzip"}
    if kind == "no_header" and header and page.startswith(header):
        return page[len(header):], csv
    if not whole_records:
        return OUTAGE_TEXT, {"Content-Type": "text/plain"}
    if kind == "short_record" or kind == "no_header":
        start = len(header) if header and page.startswith(header) else 0
        return page[:start] + OUTAGE_TEXT + b"\n" + page[start:], csv
    raise ValueError(f"unknown broken page kind {kind!r}")
