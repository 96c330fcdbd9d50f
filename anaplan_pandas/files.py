"""Stream Arrow tables into a Parquet or CSV file without holding the whole view.

Tables are written as they arrive, with the schema of the first one (the parser fixes
every column's type on the first page; a column blank there is text). The data goes to a
temporary file of a unique name, created exclusively in the destination's directory (so it
never follows a planted link, and two saves to one path cannot mix), and is renamed to
``path`` only when complete: a failed or interrupted read never leaves a half-written file
under the real name.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Literal

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from anaplan_pandas.exceptions import UnexpectedResponseError

FileFormat = Literal["parquet", "csv"]

_SUFFIXES: dict[str, FileFormat] = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}


def format_of(path: str | os.PathLike[str], file_format: FileFormat | None = None) -> FileFormat:
    """The file format: as given, or from the file name's suffix.

    Examples
    --------
    >>> format_of("revenue.parquet"), format_of("out.txt", "csv")
    ('parquet', 'csv')
    """
    if file_format is not None:
        if file_format not in ("parquet", "csv"):
            raise ValueError(f"file_format must be 'parquet' or 'csv', got {file_format!r}.")
        return file_format
    suffix = Path(path).suffix.lower()
    if suffix not in _SUFFIXES:
        raise ValueError(
            f"Cannot tell the format of {os.fspath(path)!r}: name it .parquet or .csv, or pass "
            "file_format='parquet' or 'csv'."
        )
    return _SUFFIXES[suffix]


def check_destination(
    path: str | os.PathLike[str], file_format: FileFormat | None = None
) -> FileFormat:
    """Check, before a read starts, that ``path`` can receive the file; return its format.

    Examples
    --------
    >>> import tempfile
    >>> check_destination(os.path.join(tempfile.mkdtemp(), "revenue.csv"))
    'csv'
    >>> check_destination("/no/such/directory/revenue.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    FileNotFoundError: The output's directory '/no/such/directory' does not exist; ...
    """
    chosen = format_of(path, file_format)
    target = Path(path)
    directory = target.parent
    if target.is_dir():
        raise IsADirectoryError(
            f"The output {os.fspath(path)!r} is a directory; name a file in it instead."
        )
    if not directory.is_dir():
        raise FileNotFoundError(
            f"The output's directory {os.fspath(directory) or '.'!r} does not exist; create "
            "it first, or name a file in an existing directory."
        )
    if not os.access(directory, os.W_OK | os.X_OK):
        raise PermissionError(
            f"Cannot write to the output's directory {os.fspath(directory) or '.'!r}."
        )
    return chosen


class TableFileWriter:
    """Write a stream of tables to one Parquet or CSV file.

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "out.parquet")
    >>> with TableFileWriter(path) as writer:
    ...     writer.write(pa.table({"x": [1.0, 2.0]}))
    >>> pq.read_table(path).num_rows
    2
    """

    def __init__(self, path: str | os.PathLike[str], file_format: FileFormat | None = None):
        self.path = Path(path)
        self.format = check_destination(path, file_format)
        self.partial: Path | None = None
        self.rows = 0
        self._schema: pa.Schema | None = None
        self._writer: pq.ParquetWriter | pacsv.CSVWriter | None = None

    def write(self, table: pa.Table) -> None:
        """Add the rows of ``table``."""
        if self._writer is None:
            self._open(table.schema)
        assert self._writer is not None and self._schema is not None
        if not table.schema.equals(self._schema):
            try:
                table = table.cast(self._schema)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                old = self._schema
                changed = [f.name for f in table.schema if f.type != old.field(f.name).type]
                raise UnexpectedResponseError(
                    f"Column(s) {changed} held numbers on the first page and text later; a "
                    "file cannot change a column's type midway. Read into a DataFrame with "
                    "read_view() instead, which can."
                ) from None
        self._writer.write_table(table)
        self.rows += table.num_rows

    def close(self, schema: pa.Schema | None = None) -> None:
        """Finish the file and give it its real name (``schema`` if nothing was written)."""
        if self._writer is None:
            if schema is None:
                raise ValueError("Nothing to write: the read returned no columns.")
            self._open(schema)
        assert self._writer is not None and self.partial is not None
        self._writer.close()
        self._file.close()
        os.replace(self.partial, self.path)

    def abort(self) -> None:
        """Stop writing and remove the partial file."""
        if self._writer is not None:
            with contextlib.suppress(Exception):
                self._writer.close()
        if self.partial is not None:
            with contextlib.suppress(Exception):
                self._file.close()
            with contextlib.suppress(FileNotFoundError):
                self.partial.unlink()

    def __enter__(self) -> TableFileWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            self.abort()
            return
        try:
            self.close()
        except BaseException:
            self.abort()
            raise

    def _open(self, schema: pa.Schema) -> None:
        fields = []
        for field in schema:
            text_in_csv = self.format == "csv" and pa.types.is_dictionary(field.type)
            if pa.types.is_null(field.type) or text_in_csv:
                field = field.with_type(pa.string())
            fields.append(field)
        self._schema = pa.schema(fields)
        # O_EXCL under a fresh name: never an existing file, never a link planted there.
        handle, name = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".partial",
                                        dir=self.path.parent)
        self.partial = Path(name)
        self._file = os.fdopen(handle, "wb")
        if self.format == "parquet":
            self._writer = pq.ParquetWriter(self._file, self._schema)
        else:
            self._writer = pacsv.CSVWriter(self._file, self._schema)
