"""Bulk export actions against the simulator: run the task, read its file's chunks."""

from __future__ import annotations

import time

import pandas as pd
import pyarrow.parquet as pq
import pytest

import anaplan_pandas as ap
from anaplan_pandas.api import read_call as call_module
from anaplan_pandas.cli.commands import main
from anaplan_pandas.progress.model import NoProgress
from anaplan_pandas.simulator import (
    CUSTOMERS_LIST_ID,
    MODEL_ID,
    PRICE_BOOK_VIEW_ID,
    REGIONS_LIST_ID,
    REVENUE_VIEW_ID,
    WORKSPACE_ID,
    Faults,
)
from anaplan_pandas.simulator.bulk_exports import (
    CUSTOMERS_EXPORT_ID,
    PRICE_BOOK_EXPORT_ID,
    REGIONS_EXPORT_ID,
    REVENUE_EXPORT_ID,
    REVENUE_GRID_EXPORT_ID,
    REVENUE_SINGLE_EXPORT_ID,
    REVENUE_XLS_EXPORT_ID,
)
from tests.conftest import assert_same_data


def task_posts(sim):
    return [c for c in sim.calls if c.method == "POST" and c.path.endswith("/tasks")]


def test_an_export_by_id_gives_the_data_with_types_from_its_metadata(sim, connection):
    frame = ap.read_export(WORKSPACE_ID, MODEL_ID, REVENUE_EXPORT_ID, **connection)
    assert_same_data(frame, sim.expected_frame("view", REVENUE_VIEW_ID))
    dtypes = frame.dtypes.astype(str).to_dict()
    assert dtypes["Products"] == dtypes["Regions"] == "category"  # ENTITY: item names
    assert dtypes["Units"] == dtypes["Revenue"] == "float64"  # NUMBER
    assert frame.attrs["anaplan_task_id"] in sim.bulk.tasks
    assert len(task_posts(sim)) == 1


@pytest.mark.parametrize("name", ["Customers.csv", "customers.CSV", "Customers"])
def test_an_export_by_name(sim, connection, name):
    frame = ap.read_export("Sales Planning", "FP&A Model", name, **connection)
    assert_same_data(frame, sim.expected_frame("list", CUSTOMERS_LIST_ID))
    assert frame["Code"].iloc[0] == "00000000"  # TEXT keeps its leading zeros
    assert frame["Active"].dtype == bool  # BOOLEAN


def test_a_name_that_matches_two_exports_or_none_says_which(sim, connection):
    with pytest.raises(ap.AmbiguousNameError, match=r"Revenue Plan\.csv.*Revenue Plan\.xls"):
        ap.read_export(WORKSPACE_ID, MODEL_ID, "Revenue Plan", **connection)
    with pytest.raises(ap.NotFoundError, match=r"Close matches: 'Price Book\.txt'"):
        ap.read_export(WORKSPACE_ID, MODEL_ID, "Price Bok.txt", **connection)
    assert task_posts(sim) == []


def test_exports_are_listed_with_their_layout_and_format(sim, connection):
    listing = ap.exports("Sales Planning", "FP&A Model", auth=sim.credentials,
                         api_url=sim.api_url, auth_url=sim.auth_url)
    row = listing.set_index("id").loc[PRICE_BOOK_EXPORT_ID]
    assert (row["name"], row["exportFormat"], row["encoding"]) == (
        "Price Book.txt", "text/plain", "ISO-8859-1")


@pytest.mark.parametrize("chunk_bytes", [997, 4096])
def test_chunks_cut_inside_records_and_characters_lose_nothing(sim, connection, chunk_bytes):
    sim.configure(faults=Faults(chunk_bytes=chunk_bytes))
    frame = ap.read_export(WORKSPACE_ID, MODEL_ID, CUSTOMERS_EXPORT_ID, max_workers=3,
                           **connection)
    assert_same_data(frame, sim.expected_frame("list", CUSTOMERS_LIST_ID))
    data = sim.bulk.files[CUSTOMERS_EXPORT_ID]
    cuts = range(chunk_bytes, len(data), chunk_bytes)
    assert len(cuts) > 40
    assert any(data[cut] & 0xC0 == 0x80 for cut in cuts)  # inside a multi-byte character
    assert any(data[cut - 1:cut] != b"\n" for cut in cuts)  # inside a record
    quoted = [cut for cut in cuts if data.count(b'"', data.rfind(b"\n", 0, cut), cut) % 2]
    assert quoted  # inside a quoted field


def test_a_tab_separated_latin_1_export(sim, connection):
    sim.configure(faults=Faults(chunk_bytes=501))
    frame = ap.read_export(WORKSPACE_ID, MODEL_ID, PRICE_BOOK_EXPORT_ID, **connection)
    assert_same_data(frame, sim.expected_frame("view", PRICE_BOOK_VIEW_ID))
    assert "Épicerie" in set(frame["Category"])
    assert sim.bulk.files[PRICE_BOOK_EXPORT_ID].count(b"\t") > 1000
    assert "Épicerie".encode("latin-1") in sim.bulk.files[PRICE_BOOK_EXPORT_ID]


def test_a_file_without_a_header_row_takes_the_names_from_the_metadata(sim, connection):
    frame = ap.read_export(WORKSPACE_ID, MODEL_ID, REGIONS_EXPORT_ID, **connection)
    assert_same_data(frame, sim.expected_frame("list", REGIONS_LIST_ID))
    assert not sim.bulk.files[REGIONS_EXPORT_ID].startswith(b"Name,")


def test_mixed_types_follow_the_view_rules(sim, connection):
    frame = ap.read_export(WORKSPACE_ID, MODEL_ID, REVENUE_SINGLE_EXPORT_ID, **connection)
    same = ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID,
                        export_type="TABULAR_SINGLE_COLUMN", **connection)
    pd.testing.assert_frame_equal(frame, same, check_categorical=False)


def test_a_failed_task_says_what_anaplan_said_and_retries_start_one_new_task(sim, connection):
    sim.configure(faults=Faults(export_fails=1, export_seconds=0.2))
    with pytest.raises(ap.ExportFailedError) as caught:
        ap.read_export(WORKSPACE_ID, MODEL_ID, CUSTOMERS_EXPORT_ID, **connection)
    error = caught.value
    assert error.request_id in sim.bulk.tasks and error.export_id == CUSTOMERS_EXPORT_ID
    assert "the model changed while it ran" in str(error)
    assert "retries=" in str(error) and error.details
    assert len(task_posts(sim)) == 1

    sim.configure(faults=Faults(export_fails=1, export_seconds=0.2))
    sim.reset_records()
    frame = ap.read_export(WORKSPACE_ID, MODEL_ID, CUSTOMERS_EXPORT_ID, retries=1, **connection)
    assert_same_data(frame, sim.expected_frame("list", CUSTOMERS_LIST_ID))
    assert len(task_posts(sim)) == 2


def test_a_task_post_answered_429_is_retried_and_starts_one_task(sim, connection):
    sim.configure(faults=Faults(rate_limit=0.7, retry_after="0", fault_paths=r"POST .*/tasks$",
                                seed=11))  # answered 429, 429, then 200
    before = len(sim.bulk.tasks)
    frame = ap.read_export(WORKSPACE_ID, MODEL_ID, CUSTOMERS_EXPORT_ID, **connection)
    assert_same_data(frame, sim.expected_frame("list", CUSTOMERS_LIST_ID))
    statuses = [c.status for c in task_posts(sim)]
    assert statuses == [429, 429, 200]
    assert len(sim.bulk.tasks) == before + 1


def test_a_task_post_that_reached_the_server_is_never_sent_again(sim, connection):
    sim.configure(faults=Faults(unavailable=1.0, fault_paths=r"POST .*/tasks$"))
    with pytest.raises(ap.AnaplanHTTPError, match="It was not sent again"):
        ap.read_export(WORKSPACE_ID, MODEL_ID, CUSTOMERS_EXPORT_ID, **connection)
    assert len(task_posts(sim)) == 1


@pytest.mark.parametrize(("export_id", "what"),
                         [(REVENUE_XLS_EXPORT_ID, "not delimited text"),
                          (REVENUE_GRID_EXPORT_ID, "grid layout")])
def test_exports_that_are_not_one_table_are_refused_before_running(sim, connection, export_id,
                                                                    what):
    with pytest.raises(ap.UnsupportedExportError, match=what):
        ap.read_export(WORKSPACE_ID, MODEL_ID, export_id, **connection)
    assert task_posts(sim) == []


def test_chunksize_and_save_export(sim, connection, tmp_path):
    sim.configure(faults=Faults(chunk_bytes=3000))
    expected = sim.expected_frame("list", CUSTOMERS_LIST_ID)
    chunks = list(ap.read_export(WORKSPACE_ID, MODEL_ID, CUSTOMERS_EXPORT_ID, chunksize=700,
                                 **connection))
    assert [len(c) for c in chunks[:-1]] == [700] * (len(chunks) - 1)
    assert_same_data(pd.concat(chunks, ignore_index=True), expected)
    for suffix in ("parquet", "csv"):
        path = tmp_path / f"customers.{suffix}"
        rows = ap.save_export(WORKSPACE_ID, MODEL_ID, CUSTOMERS_EXPORT_ID, path, **connection)
        assert rows == expected.num_rows
        saved = pq.read_table(path) if suffix == "parquet" else None
        assert (saved.num_rows if saved is not None else len(pd.read_csv(path))) == rows


def test_broken_chunk_bodies_are_fetched_again(sim, connection):
    sim.configure(faults=Faults(chunk_bytes=2000, broken_pages=0.3, broken_kinds=("empty",
                                                                                 "text")))
    frame = ap.read_export(WORKSPACE_ID, MODEL_ID, CUSTOMERS_EXPORT_ID, **connection)
    assert_same_data(frame, sim.expected_frame("list", CUSTOMERS_LIST_ID))


def test_a_task_that_never_ends_cannot_outlive_the_timeout(sim, connection):
    sim.configure(faults=Faults(export_seconds=60))
    started = time.monotonic()
    with pytest.raises(ap.AnaplanTimeoutError,
                       match="NOT_STARTED, 0% done when the timeout of 1 seconds"):
        ap.read_export(WORKSPACE_ID, MODEL_ID, CUSTOMERS_EXPORT_ID, timeout=1, **connection)
    assert time.monotonic() - started < 2.0


class Recording(NoProgress):
    """A display that keeps every state it was asked to draw."""

    def __init__(self, label: str) -> None:
        super().__init__(label)
        self.seen: list[tuple[str, float | None, str, int | None]] = []

    def render(self) -> None:
        p = self.progress
        self.seen.append((p.state, p.fraction, p.unit, p.total_pages))


def test_progress_follows_the_task_fraction_then_the_chunks(sim, connection, monkeypatch):
    displays: list[Recording] = []

    def recording(choice, label):
        displays.append(Recording(label))
        return displays[-1]

    monkeypatch.setattr(call_module, "make_progress", recording)
    sim.configure(faults=Faults(export_seconds=1.0, chunk_bytes=20_000))
    ap.read_export(WORKSPACE_ID, MODEL_ID, CUSTOMERS_EXPORT_ID, **connection)
    seen = displays[0].seen
    fractions = [f for state, f, _, total in seen if state == "IN_PROGRESS"]
    assert len(set(fractions)) >= 3 and fractions == sorted(fractions)
    assert all(0 < f < 1 for f in fractions)
    chunks = sim.bulk.chunk_count(CUSTOMERS_EXPORT_ID)
    assert (seen[-1][0], seen[-1][2], seen[-1][3]) == ("DONE", "chunk", chunks)
    assert displays[0].progress.downloaded_pages == chunks


def test_the_connection_and_the_command_read_exports(sim, connection, tmp_path, capsys):
    with ap.connect(sim.credentials, sim.api_url, sim.auth_url) as conn:
        assert conn.exports(WORKSPACE_ID, MODEL_ID)["id"].tolist()[0] == REVENUE_EXPORT_ID
        frame = conn.read_export(WORKSPACE_ID, MODEL_ID, "Price Book", progress=None)
    assert_same_data(frame, sim.expected_frame("view", PRICE_BOOK_VIEW_ID))
    hosts = ["--api-url", sim.api_url, "--auth-url", sim.auth_url]
    import os

    os.environ["ANAPLAN_USERNAME"], os.environ["ANAPLAN_PASSWORD"] = sim.credentials
    try:
        out = tmp_path / "price.parquet"
        assert main(["read-export", "Sales Planning", "FP&A Model", "Price Book.txt", "-o",
                     str(out), "--quiet", *hosts]) == 0
        assert pq.read_table(out).num_rows == frame.shape[0]
        assert main(["ls", "exports", WORKSPACE_ID, MODEL_ID, *hosts]) == 0
        assert "Revenue Plan - grid.csv" in capsys.readouterr().out
        sim.configure(faults=Faults(export_fails=-1))
        assert main(["read-export", WORKSPACE_ID, MODEL_ID, CUSTOMERS_EXPORT_ID, "-o",
                     str(tmp_path / "c.csv"), "--quiet", *hosts]) == 5
        assert "--retries 2 does so by itself" in capsys.readouterr().err
    finally:
        del os.environ["ANAPLAN_USERNAME"], os.environ["ANAPLAN_PASSWORD"]
