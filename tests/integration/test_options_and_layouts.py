"""Options checked before any call, and the layouts of single-column data."""

from __future__ import annotations

import pandas as pd
import pytest

import anaplan_pandas as ap
from anaplan_pandas.parse.frames import ColumnPlan
from anaplan_pandas.simulator import (
    MODEL_ID,
    PRICE_BOOK_VIEW_ID,
    REVENUE_VIEW_ID,
    WORKSPACE_ID,
)
from anaplan_pandas.sinks.layouts import lay_out

BACKGROUND_THEN_EXIT = """
import time, anaplan_pandas as ap
ap.start_view_read({ws!r}, {model!r}, {view!r}, auth=({user!r}, {password!r}),
                   api_url={api!r}, auth_url={auth!r}, progress=None, poll_interval=0.05)
time.sleep(1.0)
"""






@pytest.mark.parametrize("options", [{"layout": "bogus"}, {"method": "Auto"}])
def test_bad_option_values_fail_before_any_request(sim, connection, options):
    with pytest.raises(ValueError, match="must be"):
        ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, **options, **connection)
    assert sim.calls == []


def test_options_that_cannot_apply_are_refused(sim, connection, tmp_path):
    with pytest.raises(ValueError, match="files"):
        ap.save_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, tmp_path / "x.parquet",
                     layout="long", **connection)
    with pytest.raises(ValueError, match="chunksize"):
        ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, chunksize=10, method="data",
                     **connection)
    with pytest.raises(ValueError, match="lists"):
        ap.start_list_read(WORKSPACE_ID, MODEL_ID, "Customers", layout="long", **connection)
    assert sim.calls == []


def test_long_layout_of_single_column_data_and_a_value_line_item(sim, connection):
    single = ap.read_view(WORKSPACE_ID, MODEL_ID, PRICE_BOOK_VIEW_ID, layout="long",
                          export_type="TABULAR_SINGLE_COLUMN", **connection)
    assert list(single.columns) == ["Products", "Line Items", "Value"]
    frame = pd.DataFrame({"Product": ["A"], "Units": [1.0], "Value": [2.0]})
    long = lay_out(frame, ColumnPlan(leading_dimensions=1), "long")
    assert list(long.columns) == ["Product", "Line Items", "Value_"]
    assert long["Value_"].tolist() == [1.0, 2.0]


def test_single_column_data_call_matches_the_read_request(sim, connection):
    by_data = ap.read_view(WORKSPACE_ID, MODEL_ID, PRICE_BOOK_VIEW_ID, method="data",
                           export_type="TABULAR_SINGLE_COLUMN", **connection)
    by_request = ap.read_view(WORKSPACE_ID, MODEL_ID, PRICE_BOOK_VIEW_ID,
                              export_type="TABULAR_SINGLE_COLUMN", **connection)
    assert len(by_data) == 1500
    pd.testing.assert_frame_equal(by_data, by_request)




