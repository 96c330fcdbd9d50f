"""Grid exports and several header lines, against the simulator's grids."""

from __future__ import annotations

import pandas as pd
import pytest

import anaplan_pandas as ap
import anaplan_pandas.simulator
from anaplan_pandas.simulator import (
    MODEL_ID,
    PRICE_BOOK_VIEW_ID,
    REVENUE_VIEW_ID,
    WORKSPACE_ID,
    PageLayout,
)
from tests.conftest import assert_same_data


def tidy(sim, view_id, pages_first, current_page_only):
    """The view's data as a tidy grid read must return it: page dimensions first."""
    table = sim.expected_frame("view", view_id).to_pandas()
    if not pages_first:
        return table
    order = list(dict.fromkeys(table["Regions"]))
    if current_page_only:
        table = table[table["Regions"] == order[0]]
    rank = table["Regions"].map({r: i for i, r in enumerate(order)})
    table = table.assign(_rank=rank).sort_values("_rank", kind="stable").drop(columns="_rank")
    columns = ["Regions"] + [c for c in table.columns if c != "Regions"]
    return table[columns].reset_index(drop=True)


@pytest.mark.parametrize("layout", [PageLayout(rows_per_page=300),
                                    PageLayout(split="bytes", page_bytes=7_777, bom=True)],
                         ids=["rows", "bytes"])
@pytest.mark.parametrize("export_type", ["GRID_ALL_PAGES", "GRID_CURRENT_PAGE"])
def test_a_grid_with_page_row_and_column_dimensions_is_tidy(sim, connection, layout,
                                                              export_type):
    sim.configure(layout=layout)
    frame = ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, export_type=export_type,
                         **connection)
    expected = tidy(sim, REVENUE_VIEW_ID, True, export_type == "GRID_CURRENT_PAGE")
    assert list(frame.columns) == list(expected.columns)
    assert frame["Units"].dtype == "float64" and frame["Regions"].dtype == "category"
    got = frame.astype({c: str for c in ("Regions", "Products", "Time")})
    pd.testing.assert_frame_equal(got, expected.astype(
        {c: str for c in ("Regions", "Products", "Time")}), check_dtype=False)
    assert sim.live_requests() == []


def test_a_grid_without_page_dimensions_has_no_page_line(sim, connection):
    frame = ap.read_view(WORKSPACE_ID, MODEL_ID, PRICE_BOOK_VIEW_ID,
                         export_type="GRID_ALL_PAGES", **connection)
    assert_same_data(frame, sim.expected_frame("view", PRICE_BOOK_VIEW_ID))


def test_a_grid_can_be_laid_out_long(sim, connection):
    frame = ap.read_view(WORKSPACE_ID, MODEL_ID, PRICE_BOOK_VIEW_ID, layout="long",
                         export_type="GRID_CURRENT_PAGE", **connection)
    assert list(frame.columns)[-2:] == ["Line Items", "Value"]


def test_grids_are_not_streamed(sim, connection, tmp_path):
    with pytest.raises(ValueError, match="read whole"):
        list(ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, export_type="GRID_ALL_PAGES",
                          chunksize=100, **connection))
    with pytest.raises(ValueError, match="read whole"):
        ap.save_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, tmp_path / "g.csv",
                     export_type="GRID_ALL_PAGES", **connection)
    assert not [c for c in sim.calls if c.method == "POST" and "readRequests" in c.path]


@pytest.mark.parametrize("header", ["lines", "combined"])
def test_two_column_dimensions_in_a_tabular_export_in_either_header_layout(
        sim, connection, header):
    sim.configure(faults=ap.simulator.Faults(time_across_columns=header))
    frame = ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, **connection)
    table = sim.expected_frame("view", REVENUE_VIEW_ID).to_pandas()
    products, regions = table["Products"].nunique(), table["Regions"].nunique()
    assert len(frame) == products * regions  # no header line became a row
    first = table.iloc[0]
    month, units = first["Time"], first["Units"]
    if header == "lines":
        assert isinstance(frame.columns, pd.MultiIndex)
        assert frame.columns.names == ["Time", "Line Items"]
        row = frame[(frame[("Products", "")] == first["Products"])
                    & (frame[("Regions", "")] == first["Regions"])]
        assert row[(month, "Units")].tolist() == [units]
        assert frame[(month, "Units")].dtype == "float64"
    else:
        row = frame[(frame["Products"] == first["Products"])
                    & (frame["Regions"] == first["Regions"])]
        assert row[f"{month} Units"].tolist() == [units]
    assert sim.live_requests() == []
