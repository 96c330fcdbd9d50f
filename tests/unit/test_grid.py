"""Several header lines: grids with several column dimensions, and tabular exports with them."""

from __future__ import annotations

import pandas as pd
import pytest

from anaplan_pandas.parse.grid import GridError, GridShape, grid_of_pages, join_pages

VENDOR = (b"Apple,George Hardwick,UK\n"
          b",Jan 20,Feb 20,FY20\n"
          b"MMD - Quantity,23,22,45\n")


def test_the_vendor_example_of_a_grid():
    shape = GridShape(rows=["Line Items"], columns=["Time"],
                      pages=["Product", "Salesperson", "Country"])
    frame = grid_of_pages([VENDOR], shape)
    assert list(frame.columns) == ["Product", "Salesperson", "Country", "Line Items",
                                   "Jan 20", "Feb 20", "FY20"]
    assert frame.iloc[0].tolist() == ["Apple", "George Hardwick", "UK", "MMD - Quantity",
                                      23.0, 22.0, 45.0]


def test_two_column_dimensions_give_multiindex_columns():
    data = (b"North\n"
            b",,Jan 24,Jan 24,Feb 24,Feb 24\n"
            b",,Units,Price,Units,Price\n"
            b"A,x,1,2.5,3,\n"
            b"South\n"
            b",,Jan 24,Jan 24,Feb 24,Feb 24\n"
            b",,Units,Price,Units,Price\n"
            b"B,y,5,1,true,\n")
    shape = GridShape(rows=["Product", "Channel"], columns=["Time", "Line Items"],
                      pages=["Region"])
    frame = grid_of_pages([data[:37], data[37:]], shape)
    assert isinstance(frame.columns, pd.MultiIndex)
    assert frame.columns.names == ["Time", "Line Items"]
    assert frame[("Jan 24", "Units")].tolist() == [1.0, 5.0]
    assert frame[("Region", "")].tolist() == ["North", "South"]
    assert frame[("Feb 24", "Units")].tolist() == ["3", "true"]  # mixed: stays text
    assert frame[("Feb 24", "Price")].isna().all()


@pytest.mark.parametrize("header", [
    b"Product,Region,Jan 24,Jan 24,Feb 24\n,,Units,Price,Units\n",   # one line per dimension
    b",,Jan 24,Jan 24,Feb 24\n,,Units,Price,Units\n",                # names left out
], ids=["named", "blank"])
def test_tabular_export_with_a_header_line_per_column_dimension(header):
    shape = GridShape(rows=["Product"], columns=["Time", "Line Items"], pages=["Region"],
                      grid=False)
    frame = grid_of_pages([header + b"A,North,1,2,3\n", header + b"B,South,4,5,6\n"], shape)
    assert len(frame) == 2  # the second header line never becomes a row, on any page
    assert frame.columns.tolist()[2:] == [("Jan 24", "Units"), ("Jan 24", "Price"),
                                          ("Feb 24", "Units")]
    assert frame[("Product", "")].tolist() == ["A", "B"]


def test_tabular_export_with_one_combined_header_line():
    shape = GridShape(rows=["Product"], columns=["Time", "Line Items"], pages=[], grid=False)
    frame = grid_of_pages([b"Product,Jan 24 Units,Feb 24 Units\nA,1,2\n"], shape)
    assert frame.columns.tolist() == ["Product", "Jan 24 Units", "Feb 24 Units"]
    assert len(frame) == 1


@pytest.mark.parametrize(("data", "says"), [
    (b"North\nA,1\n", "header line"),                     # header missing
    (b"North\n,Units\nA,1,2\n", "has 3 cells"),            # too many cells
    (b"North\n,Units\n,1\n", "lacks an item name"),       # a row without its item
])
def test_a_grid_that_does_not_match_its_metadata_is_an_error(data, says):
    shape = GridShape(rows=["Product"], columns=["Line Items"], pages=["Region"])
    with pytest.raises(GridError, match=says):
        grid_of_pages([data], shape)


def test_pages_that_repeat_the_header_block_are_joined_once():
    assert join_pages([b"P\n,U\na,1\n", b"P\n,U\nb,2\n"], 2) == b"P\n,U\na,1\nb,2\n"
    assert join_pages([b"P\n,U\na,1\n", b"b,2\n", b"P\n,U\nc,3\n"], 2) == (
        b"P\n,U\na,1\nb,2\nP\n,U\nc,3\n")
