"""Arrange a view's DataFrame: as read (wide), item names in the index, or one value per row."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from anaplan_pandas.parse.frames import ColumnPlan

Layout = Literal["wide", "multiindex", "long"]


def lay_out(frame: pd.DataFrame, plan: ColumnPlan, layout: Layout) -> pd.DataFrame:
    """Arrange a view's frame: as read, with a MultiIndex, or one value per row.

    ``wide`` keeps the frame as read, ``multiindex`` moves the item names into the index,
    ``long`` melts the value columns into (item names, line item, ``Value``) rows.

    Examples
    --------
    >>> frame = pd.DataFrame({"Product": ["A"], "Units": [1.0], "Price": [2.5]})
    >>> lay_out(frame, ColumnPlan(leading_dimensions=1), "long").values.tolist()
    [['A', 'Units', 1.0], ['A', 'Price', 2.5]]
    """
    if layout == "wide":
        return frame
    dimensions = [c for i, c in enumerate(frame.columns) if plan.is_dimension(c, i)]
    if not dimensions:
        raise ValueError(f"layout={layout!r} needs item-name columns, and this data has none.")
    if layout == "multiindex":
        return frame.set_index(dimensions)
    if layout == "long":
        if plan.mixed:  # the single-column layout is long already
            return frame
        values = [c for c in frame.columns if c not in dimensions]
        value_name = "Value"
        while value_name in frame.columns:
            value_name = f"{value_name}_"
        long = frame.melt(id_vars=dimensions, value_vars=values, var_name=plan.value_axis,
                          value_name=value_name)
        # melt lists column by column; keep the view's row order, one row after another
        row_major = np.arange(len(long)).reshape(len(values), len(frame)).T.ravel()
        return long.iloc[row_major].reset_index(drop=True)
    raise ValueError(f"layout must be 'wide', 'multiindex' or 'long', got {layout!r}.")
