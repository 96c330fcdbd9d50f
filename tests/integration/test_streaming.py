"""Chunks and files: reading without holding the whole view."""

from __future__ import annotations

import pandas as pd
import pyarrow.parquet as pq
import pytest

import anaplan_pandas as ap
from anaplan_pandas.simulator import (
    CUSTOMERS_LIST_ID,
    MODEL_ID,
    REVENUE_VIEW_ID,
    WORKSPACE_ID,
    Faults,
    PageLayout,
)
from tests.conftest import assert_same_data


def test_chunks_of_exactly_chunksize_rows(sim, connection):
    chunks = ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, chunksize=700, **connection)
    sizes = [len(chunk) for chunk in chunks]
    total = sim.expected_frame("view", REVENUE_VIEW_ID).num_rows
    assert sum(sizes) == total
    assert set(sizes[:-1]) == {700} and 0 < sizes[-1] <= 700
    assert sim.live_requests() == []


def test_chunks_reassemble_to_the_data(sim, connection):
    sim.configure(layout=PageLayout(rows_per_page=500, split="bytes", page_bytes=5000))
    chunks = list(ap.read_list(WORKSPACE_ID, MODEL_ID, CUSTOMERS_LIST_ID, chunksize=333,
                               **connection))
    assert_same_data(pd.concat(chunks, ignore_index=True),
                     sim.expected_frame("list", CUSTOMERS_LIST_ID))


def test_leaving_a_chunk_loop_early_deletes_the_request(sim, connection):
    for _chunk in ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, chunksize=100,
                               **connection):
        break
    assert sim.live_requests() == []


def test_chunks_refuse_retries(connection):
    with pytest.raises(ValueError, match="retries= cannot be combined"):
        ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, chunksize=10, retries=1,
                     **connection)


@pytest.mark.parametrize("suffix", [".parquet", ".csv"])
def test_save_view_writes_the_same_data(sim, connection, tmp_path, suffix):
    path = tmp_path / f"revenue{suffix}"
    rows = ap.save_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, path, **connection)
    expected = sim.expected_frame("view", REVENUE_VIEW_ID)
    assert rows == expected.num_rows
    if suffix == ".parquet":
        saved = pq.read_table(path).to_pandas()
        frame = ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, **connection)
        pd.testing.assert_frame_equal(saved, frame)
    else:
        saved = pd.read_csv(path, dtype={"Products": str, "Time": str, "Regions": str},
                            keep_default_na=False, na_values=[""])
        assert_same_data(saved, expected)
    assert not list(tmp_path.glob("*.partial"))


def test_failed_save_leaves_no_file_and_retries_start_afresh(sim, connection, tmp_path):
    path = tmp_path / "revenue.parquet"
    sim.configure(faults=Faults(fail_after_pages=3))
    with pytest.raises(ap.ExportFailedError):
        ap.save_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, path, **connection)
    assert list(tmp_path.iterdir()) == []
    sim.configure(faults=Faults(fail_after_pages=3, fail_times=1))
    rows = ap.save_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, path, retries=1, **connection)
    assert rows == pq.read_table(path).num_rows == sim.expected_frame("view",
                                                                      REVENUE_VIEW_ID).num_rows


def test_unknown_file_format_fails_before_any_request(sim, connection, tmp_path):
    with pytest.raises(ValueError, match=r"\.parquet or \.csv"):
        ap.save_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, tmp_path / "x.xlsx", **connection)
    assert sim.calls == []
