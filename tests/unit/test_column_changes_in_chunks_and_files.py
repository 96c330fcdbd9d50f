"""A column that turns from numbers to text midway: chunks follow, a file refuses."""

from __future__ import annotations

import time

import pyarrow as pa
import pytest

import anaplan_pandas as ap
from anaplan_pandas.parse.assembly import rebatch
from anaplan_pandas.sinks.files import TableFileWriter

AUTH = "https://auth.anaplan.com"
OAUTH = "https://us1a.app.anaplan.com"


def token_info(value):
    return {"tokenInfo": {"tokenValue": value, "expiresAt": (time.time() + 2100) * 1000}}












def test_chunks_survive_a_column_turning_into_text():
    numbers = pa.table({"x": pa.array([1.5, 2.5])})
    text = pa.table({"x": pa.array(["A12"])})
    chunks = list(rebatch([numbers, text], 3))
    assert [c.column("x").to_pylist() for c in chunks] == [["1.5", "2.5", "A12"]]


def test_a_file_cannot_change_a_column_type_midway(tmp_path):
    def write_both():
        with TableFileWriter(tmp_path / "x.parquet") as writer:
            writer.write(pa.table({"x": [1.5]}))
            writer.write(pa.table({"x": ["A12"]}))

    with pytest.raises(ap.UnexpectedResponseError, match="read_view"):
        write_both()
    assert list(tmp_path.iterdir()) == []
