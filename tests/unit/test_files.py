"""Streaming tables into files."""

from __future__ import annotations

import os
import stat

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from anaplan_pandas.sinks.files import TableFileWriter, check_destination, format_of


def test_tables_after_the_first_are_cast_to_its_schema(tmp_path):
    path = tmp_path / "x.parquet"
    with TableFileWriter(path) as writer:
        writer.write(pa.table({"a": ["x"], "b": [1.5]}))
        writer.write(pa.table({"a": ["y"], "b": pa.nulls(1)}))
    table = pq.read_table(path)
    assert table.schema.field("b").type == pa.float64()
    assert table.column("b").to_pylist() == [1.5, None]


def test_nothing_to_write_needs_a_schema(tmp_path):
    writer = TableFileWriter(tmp_path / "x.parquet")
    with pytest.raises(ValueError, match="no columns"):
        writer.close()
    writer.close(pa.schema([("a", pa.string())]))
    assert pq.read_table(tmp_path / "x.parquet").column_names == ["a"]


def test_csv_writes_dictionary_columns_as_text(tmp_path):
    path = tmp_path / "x.csv"
    with TableFileWriter(path) as writer:
        writer.write(pa.table({"a": pa.array(["001", "a, b"]).dictionary_encode()}))
    assert path.read_text() == '"a"\n"001"\n"a, b"\n'


def test_error_removes_the_partial_file(tmp_path):
    path = tmp_path / "x.parquet"
    with pytest.raises(RuntimeError), TableFileWriter(path) as writer:  # noqa: PT012
        writer.write(pa.table({"a": [1.0]}))
        raise RuntimeError("interrupted")
    assert list(tmp_path.iterdir()) == []


def test_format_from_suffix_or_argument():
    assert format_of("a.PQ") == "parquet"
    assert format_of("a.txt", "csv") == "csv"
    with pytest.raises(ValueError, match="file_format"):
        format_of("a.csv", "xlsx")  # type: ignore[arg-type]


def test_a_url_without_fsspec_says_what_to_install(monkeypatch):
    import sys

    from anaplan_pandas.sinks.files import check_destination

    monkeypatch.setitem(sys.modules, "fsspec", None)  # as if it were not installed
    with pytest.raises(ValueError, match=r"pip install 'anaplan-pandas\[fsspec\]'"):
        check_destination("s3://bucket/revenue.parquet")


def test_the_core_import_does_not_load_fsspec():
    import subprocess
    import sys

    code = "import sys, anaplan_pandas; print('fsspec' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, timeout=60)
    assert result.stdout.strip() == "False"


def test_a_saved_file_honours_the_umask(tmp_path):
    previous = os.umask(0o022)
    try:
        with TableFileWriter(tmp_path / "x.csv") as writer:
            writer.write(pa.table({"x": [1.0]}))
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "x.csv").stat().st_mode) == 0o644


def test_a_pipe_or_device_is_never_replaced_by_a_file(tmp_path):
    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)
    with pytest.raises(FileExistsError, match="not a regular file"):
        check_destination(fifo, None)
    assert fifo.is_fifo()
    with pytest.raises(FileExistsError, match="not a regular file"):
        check_destination("/dev/null", "csv")
