"""Stream Arrow tables into a Parquet or CSV file without holding the whole view.

Tables are written as they arrive, with the schema of the first one (the parser fixes
every column's type on the first page; a column blank there is text). The data goes to a
temporary file of a unique name beside the destination (:mod:`anaplan_pandas.sinks.destinations`:
a local path or an fsspec URL) and gets its real name only when complete: a failed or
interrupted read never leaves a half-written file under the real name.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import BinaryIO, Literal

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from anaplan_pandas.exceptions import UnexpectedResponseError
from anaplan_pandas.sinks.destinations import destination_of

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

    ``path`` is a local path or an fsspec URL (see :mod:`anaplan_pandas.sinks.destinations`).

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
    destination_of(path).check()
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
        self.format = format_of(path, file_format)
        self.destination = destination_of(path)
        self.destination.check()
        self._file: BinaryIO | None = None
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
        assert self._writer is not None and self._file is not None
        self._writer.close()
        self._file.close()
        self.destination.commit()

    def abort(self) -> None:
        """Stop writing and remove the partial file."""
        if self._writer is not None:
            with contextlib.suppress(Exception):
                self._writer.close()
        if self._file is not None:
            with contextlib.suppress(Exception):
                self._file.close()
        self.destination.discard()

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
        self._file = self.destination.open_partial()
        if self.format == "parquet":
            self._writer = pq.ParquetWriter(self._file, self._schema)
        else:
            self._writer = pacsv.CSVWriter(self._file, self._schema)
