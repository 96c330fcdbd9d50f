"""Saving to object storage through fsspec, on its in-memory filesystem."""

from __future__ import annotations

import uuid

import fsspec
import pandas as pd
import pytest

import anaplan_pandas as ap
from anaplan_pandas.cli.commands import main
from anaplan_pandas.simulator import (
    CUSTOMERS_LIST_ID,
    MODEL_ID,
    REVENUE_VIEW_ID,
    WORKSPACE_ID,
    Faults,
)
from tests.conftest import assert_same_data


@pytest.fixture
def bucket():
    name = f"memory://lake-{uuid.uuid4().hex[:8]}"
    yield name
    fs = fsspec.filesystem("memory")
    if fs.exists(name):
        fs.rm(name, recursive=True)


def listing(url):
    fs, path = fsspec.core.url_to_fs(url)
    return sorted(p.rsplit("/", 1)[1] for p in fs.ls(path, detail=False))


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_a_view_streams_into_object_storage(sim, connection, bucket, suffix):
    url = f"{bucket}/anaplan/revenue{suffix}"
    rows = ap.save_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, url, **connection)
    expected = sim.expected_frame("view", REVENUE_VIEW_ID)
    assert rows == expected.num_rows
    with fsspec.open(url, "rb") as stream:
        if suffix == ".parquet":
            frame = pd.read_parquet(stream)
        else:
            frame = pd.read_csv(stream, keep_default_na=False, na_values=[""],
                                dtype={"Products": str, "Time": str, "Regions": str})
    assert len(frame) == expected.num_rows
    if suffix == ".parquet":
        assert_same_data(frame, expected)
    assert listing(f"{bucket}/anaplan") == [f"revenue{suffix}"]  # no temporary object left


def test_a_failed_read_leaves_nothing_in_the_store(sim, connection, bucket):
    sim.configure(faults=Faults(fail_after_pages=3))
    with pytest.raises(ap.ExportFailedError):
        ap.save_list(WORKSPACE_ID, MODEL_ID, CUSTOMERS_LIST_ID, f"{bucket}/out/customers.parquet",
                     **connection)
    fs = fsspec.filesystem("memory")
    assert not fs.exists(f"{bucket}/out/customers.parquet")
    assert not [p for p in fs.find(bucket) if p.endswith(".partial")]


def test_the_command_writes_to_a_url(sim, bucket, monkeypatch, capsys):
    user, password = sim.credentials
    for name, value in (("ANAPLAN_USERNAME", user), ("ANAPLAN_PASSWORD", password),
                        ("ANAPLAN_API_URL", sim.api_url), ("ANAPLAN_AUTH_URL", sim.auth_url)):
        monkeypatch.setenv(name, value)
    url = f"{bucket}/customers.csv"
    assert main(["read-list", WORKSPACE_ID, MODEL_ID, str(CUSTOMERS_LIST_ID), "-o", url,
                 "--quiet"]) == 0
    assert "Wrote 2,500 rows" in capsys.readouterr().err
    assert fsspec.filesystem("memory").exists(url)


def test_a_url_that_is_a_directory_is_refused_before_the_export(sim, connection, bucket):
    fs = fsspec.filesystem("memory")
    fs.mkdir(f"{bucket}/folder.parquet")
    fs.touch(f"{bucket}/folder.parquet/part-0")
    with pytest.raises(IsADirectoryError):
        ap.save_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, f"{bucket}/folder.parquet",
                     **connection)
    assert not [c for c in sim.calls if c.method == "POST" and "readRequests" in c.path]
