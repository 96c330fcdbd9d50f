"""Bodies as they arrive: read in pieces under the deadline, decoded strictly.

A body is read in pieces of :data:`READ_SIZE` bytes so that the deadline and a stop request
are noticed between pieces; gzip is undone strictly (a stream without its trailer lost its
end, whatever HTTP said), and a body that is not what was asked for raises
:class:`BrokenBodyError`, which the retry loop treats like a body cut off midway.
"""

from __future__ import annotations

import threading
import zlib
from typing import Literal

import urllib3

from anaplan_pandas.exceptions import AnaplanTimeoutError
from anaplan_pandas.http.deadline import READ_TIMEOUT, Deadline
from anaplan_pandas.http.retry import CallStopped
from anaplan_pandas.http.urls import is_loopback

#: Bytes asked for in one read of a body: large enough to cost nothing, small enough to
#: notice a deadline or a stop between reads.
READ_SIZE = 1 << 20


class BrokenBodyError(Exception):
    """A body that arrived whole by HTTP's account but is not what was asked for.

    Raised by body checks; the call is then retried like one whose body was cut off.
    """


Compression = Literal["auto", "gzip"] | None


def page_encoding(api_url: str, compression: Compression) -> str:
    """The ``Accept-Encoding`` to ask pages with.

    ``"auto"`` asks for gzip except from this machine: compression pays when the network is
    slower than decompression (about 200 MB/s a core), never on loopback (see the
    benchmark's gzip figures).

    Examples
    --------
    >>> page_encoding("https://api.anaplan.com/2/0", "auto")
    'gzip'
    >>> page_encoding("http://127.0.0.1:8080/2/0", "auto")
    'identity'
    """
    if compression == "auto":
        host = urllib3.util.parse_url(api_url).host or ""
        return "identity" if is_loopback(host) else "gzip"
    if compression == "gzip":
        return "gzip"
    if compression is None:
        return "identity"
    raise ValueError(f"compression must be 'auto', 'gzip' or None, got {compression!r}.")


def gunzip(data: bytes) -> bytes:
    r"""Decompress a gzip body, refusing one whose stream stops before its end.

    A gzip member ends with a trailer (CRC and length); a body without it lost its end,
    even if HTTP delivered every byte it announced.

    Examples
    --------
    >>> import gzip
    >>> gunzip(gzip.compress(b"a,b\n"))
    b'a,b\n'
    >>> gunzip(gzip.compress(b"a,b\n" * 100)[:-8])
    Traceback (most recent call last):
    anaplan_pandas.http.bodies.BrokenBodyError: a gzip stream that stops before its end
    """
    parts = []
    while data:
        decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            parts.append(decoder.decompress(data))
        except zlib.error as error:
            reason = f"a damaged gzip stream ({error})"
        else:
            reason = "" if decoder.eof else "a gzip stream that stops before its end"
        if reason:
            raise BrokenBodyError(reason)
        data = decoder.unused_data
    return b"".join(parts)


def decode_body(data: bytes, content_encoding: str) -> bytes:
    """Undo the ``Content-Encoding`` of a body (gzip strictly, deflate, identity).

    Examples
    --------
    >>> decode_body(b"plain", "")
    b'plain'
    """
    encoding = content_encoding.strip().lower()
    if encoding in ("", "identity"):
        return data
    if encoding in ("gzip", "x-gzip"):
        return gunzip(data)
    if encoding == "deflate":
        try:
            return zlib.decompress(data)
        except zlib.error:
            pass
        try:
            return zlib.decompress(data, -zlib.MAX_WBITS)
        except zlib.error as error:
            reason = f"a damaged deflate stream ({error})"
        raise BrokenBodyError(reason)
    raise BrokenBodyError(f"a body in the unrequested Content-Encoding {content_encoding!r}")


def read_body(
    raw: urllib3.HTTPResponse, deadline: Deadline, doing: str, stop: threading.Event | None
) -> bytes:
    """The raw body, read in pieces so that the deadline and ``stop`` bound it."""
    connection = getattr(raw, "connection", None)
    sock = getattr(connection, "sock", None)
    parts = []
    while True:
        if stop is not None and stop.is_set():
            raise CallStopped(doing)
        left = deadline.remaining()
        if left is not None:
            if left <= 0:
                raise AnaplanTimeoutError(deadline.message(doing))
            if sock is not None:
                sock.settimeout(min(READ_TIMEOUT, left))
        part = raw.read1(READ_SIZE, decode_content=False)
        if not part:
            return b"".join(parts)
        parts.append(part)

