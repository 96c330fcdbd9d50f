"""Small views through the synchronous data call, and the auto fallback."""

from __future__ import annotations

import pytest

import anaplan_pandas as ap
from anaplan_pandas.simulator import (
    MODEL_ID,
    PRICE_BOOK_VIEW_ID,
    REVENUE_VIEW_ID,
    WORKSPACE_ID,
    SampleModel,
    Simulator,
)
from tests.conftest import assert_same_data


@pytest.mark.parametrize("view", [PRICE_BOOK_VIEW_ID, REVENUE_VIEW_ID])
def test_data_call_gives_the_same_frame_in_one_request(sim, connection, view):
    frame = ap.read_view(WORKSPACE_ID, MODEL_ID, view, method="data", **connection)
    assert_same_data(frame, sim.expected_frame("view", view))
    assert not [c for c in sim.calls if "readRequests" in c.path]
    via_request = ap.read_view(WORKSPACE_ID, MODEL_ID, view, **connection)
    assert frame.equals(via_request)


def test_single_column_layout_through_the_data_call(sim, connection):
    frame = ap.read_view(WORKSPACE_ID, MODEL_ID, PRICE_BOOK_VIEW_ID, method="data",
                         export_type="TABULAR_SINGLE_COLUMN", **connection)
    assert list(frame.columns) == ["Products", "Line Items", "Value"]


@pytest.fixture(scope="module")
def big_simulator():
    # 1,000,000 cells is 200,000 rows of 5 line items: one product more is over the limit.
    with Simulator(model=SampleModel.build(revenue_rows=288 * 695, customers=10)) as sim:
        yield sim


def test_auto_falls_back_to_a_read_request_above_the_cell_limit(big_simulator):
    sim = big_simulator
    kw = {"auth": sim.credentials, "api_url": sim.api_url, "auth_url": sim.auth_url,
          "progress": None, "poll_interval": 0.02}
    frame = ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, method="auto", **kw)
    assert len(frame) == 288 * 695
    data_calls = [c for c in sim.calls if c.path.endswith("/data")]
    assert [c.status for c in data_calls] == [400]
    assert any(c.method == "POST" and "readRequests" in c.path for c in sim.calls)
    with pytest.raises(ap.AnaplanHTTPError, match="more than the 1,000,000") as caught:
        ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, method="data", **kw)
    assert caught.value.status_code == 400


def test_multiindex_layout(sim, connection):
    frame = ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, layout="multiindex",
                         **connection)
    assert list(frame.index.names) == ["Products", "Time", "Regions"]
    assert list(frame.columns) == ["Units", "Price", "Revenue", "Cost", "Comment"]


def test_long_layout_has_one_value_per_row_in_view_order(sim, connection):
    wide = ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, **connection)
    long = ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, layout="long", **connection)
    assert list(long.columns) == ["Products", "Time", "Regions", "Line Items", "Value"]
    assert len(long) == len(wide) * 5
    first = long.iloc[:5]
    assert first["Line Items"].tolist() == ["Units", "Price", "Revenue", "Cost", "Comment"]
    assert first["Value"].iloc[0] == wide["Units"].iloc[0]


def test_layout_is_for_views(connection):
    with pytest.raises(ValueError, match="do not apply to lists"):
        ap.read_list(WORKSPACE_ID, MODEL_ID, "Customers", layout="long", **connection)
