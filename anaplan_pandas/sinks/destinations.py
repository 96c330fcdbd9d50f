"""Where a saved file goes: a local path, or an fsspec URL (``s3://``, ``gs://``, ``memory://``).

Either way the data is written under a temporary name beside the destination and appears
under its real name only when complete: locally through a file created exclusively
(``mkstemp``: never an existing file, never a planted link) and renamed at the end; on an
fsspec filesystem through a uniquely named object moved into place at the end (a copy and a
delete on object stores), removed again if the read fails, where the store allows.

fsspec is optional (``pip install "anaplan-pandas[fsspec]"`` plus the filesystem's own
package, such as ``s3fs``); it is imported only for URLs.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import uuid
from pathlib import Path
from typing import Any, BinaryIO, Protocol

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


class Destination(Protocol):
    """A place a file can be written to, safely."""

    name: str

    def check(self) -> None:
        """Raise ``OSError`` (or ``ValueError``) now if the file could not be written."""

    def open_partial(self) -> BinaryIO:
        """A new, empty temporary file beside the destination, open for writing."""

    def commit(self) -> None:
        """Give the (closed) temporary file its real name."""

    def discard(self) -> None:
        """Remove the temporary file, if there is one."""


def is_url(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a URL (an fsspec destination) rather than a local path.

    Examples
    --------
    >>> is_url("s3://bucket/revenue.parquet"), is_url("revenue.parquet")
    (True, False)
    """
    return isinstance(path, str) and bool(_URL.match(path))


def destination_of(path: str | os.PathLike[str]) -> Destination:
    """The destination ``path`` names.

    Examples
    --------
    >>> destination_of("revenue.csv").name
    'revenue.csv'
    """
    return FsspecDestination(str(path)) if is_url(path) else LocalDestination(path)


class LocalDestination:
    """A file on this machine."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.name = os.fspath(path)
        self.partial: Path | None = None

    def check(self) -> None:
        """The destination is a regular file or nothing yet, in a writable directory."""
        directory = self.path.parent
        if self.path.is_dir():
            raise IsADirectoryError(
                f"The output {self.name!r} is a directory; name a file in it instead."
            )
        if self.path.exists() and not self.path.is_file():  # a FIFO, a device, a socket
            raise FileExistsError(
                f"The output {self.name!r} exists and is not a regular file (a pipe or a "
                "device, say); it is not replaced. Name a file instead."
            )
        if not directory.is_dir():
            raise FileNotFoundError(
                f"The output's directory {os.fspath(directory) or '.'!r} does not exist; "
                "create it first, or name a file in an existing directory."
            )
        if not os.access(directory, os.W_OK | os.X_OK):
            raise PermissionError(
                f"Cannot write to the output's directory {os.fspath(directory) or '.'!r}."
            )

    def open_partial(self) -> BinaryIO:
        """A file created exclusively under a fresh name in the destination's directory."""
        handle, name = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".partial",
                                        dir=self.path.parent)
        self.partial = Path(name)
        return os.fdopen(handle, "wb")

    def commit(self) -> None:
        """Rename the temporary file to the destination (atomic on one filesystem).

        The file gets the mode any new file gets here (``0o666`` less the umask), as
        pandas and every command-line tool give it, not ``mkstemp``'s private ``0o600``.
        """
        assert self.partial is not None
        os.chmod(self.partial, 0o666 & ~_umask())
        os.replace(self.partial, self.path)
        self.partial = None

    def discard(self) -> None:
        """Remove the temporary file."""
        if self.partial is not None:
            with contextlib.suppress(FileNotFoundError):
                self.partial.unlink()
            self.partial = None


class FsspecDestination:
    """An object or file on an fsspec filesystem (``s3://``, ``gs://``, ``abfs://``, …)."""

    def __init__(self, url: str) -> None:
        self.name = url
        try:
            import fsspec
        except ImportError:
            fsspec = None
        if fsspec is None:
            raise ValueError(
                f"Writing to {url!r} needs fsspec and the filesystem's package: pip install "
                "'anaplan-pandas[fsspec]' and, for example, s3fs, gcsfs or adlfs."
            )
        self.fs: Any
        self.fs, self.path = fsspec.core.url_to_fs(url)
        parent, _, leaf = self.path.rpartition("/")
        self.partial = f"{parent}/.{leaf}.{uuid.uuid4().hex}.partial" if parent else (
            f".{leaf}.{uuid.uuid4().hex}.partial")
        self._opened = False

    def check(self) -> None:
        """The destination is not a directory (object stores have nothing else to check)."""
        if self.fs.isdir(self.path):
            raise IsADirectoryError(
                f"The output {self.name!r} is a directory; name a file in it instead."
            )

    def open_partial(self) -> BinaryIO:
        """A new object under a unique temporary name beside the destination."""
        self._opened = True
        return self.fs.open(self.partial, "wb")

    def commit(self) -> None:
        """Move the temporary object to the destination."""
        self.fs.mv(self.partial, self.path)
        self._opened = False

    def discard(self) -> None:
        """Remove the temporary object, where the store allows it."""
        if self._opened:
            with contextlib.suppress(Exception):
                self.fs.rm(self.partial)
            self._opened = False


def _umask() -> int:
    """The process's umask, from ``/proc`` where there is one.

    Elsewhere it is read by setting it and setting it back at once.
    """
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
