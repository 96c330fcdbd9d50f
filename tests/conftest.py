"""Fixtures shared by the unit and integration tests."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest


@pytest.fixture(autouse=True)
def _no_anaplan_environment(monkeypatch):
    """Tests never pick up a developer's real credentials or endpoints."""
    for name in ("ANAPLAN_TOKEN", "ANAPLAN_USERNAME", "ANAPLAN_PASSWORD", "ANAPLAN_API_URL",
                 "ANAPLAN_AUTH_URL", "ANAPLAN_OAUTH_URL", "ANAPLAN_REGION",
                 "ANAPLAN_CERTIFICATE", "ANAPLAN_PRIVATE_KEY", "ANAPLAN_PRIVATE_KEY_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


def assert_same_data(frame: pd.DataFrame, expected: pa.Table) -> None:
    """The frame holds exactly the table's columns, rows, order and values.

    Both sides are compared as Python values (missing values as ``None``), so that how a
    pandas version stores a column (categories, nullable arrays) does not matter, only what
    the column holds.
    """
    want = _as_values(expected.to_pandas())
    got = _as_values(frame)
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want)
    pd.testing.assert_frame_equal(got, want, check_dtype=False, check_exact=True)


def _as_values(frame: pd.DataFrame) -> pd.DataFrame:
    columns = {}
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.CategoricalDtype):
            column = column.astype(str).where(column.notna())
        values = column.astype(object)
        columns[name] = values.where(column.notna(), None)
    return pd.DataFrame(columns, index=frame.index)
