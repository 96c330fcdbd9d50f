"""Finding data by name against the simulator."""

from __future__ import annotations

import pytest

import anaplan_pandas as ap
from anaplan_pandas.simulator import (
    MODEL_ID,
    MODEL_NAME,
    REVENUE_VIEW_ID,
    WORKSPACE_ID,
    WORKSPACE_NAME,
)
from anaplan_pandas.simulator.sample_model import SampleView
from tests.conftest import assert_same_data


@pytest.fixture
def login(sim):
    return {"auth": sim.credentials, "api_url": sim.api_url, "auth_url": sim.auth_url}


def test_listings_are_dataframes(login):
    assert ap.workspaces(**login)[["id", "name"]].values.tolist() == [[WORKSPACE_ID,
                                                                       WORKSPACE_NAME]]
    assert ap.models(WORKSPACE_NAME, **login)["id"].tolist() == [MODEL_ID]
    assert ap.models(**login)["name"].tolist() == [MODEL_NAME]
    assert "Revenue Plan" in ap.modules(WORKSPACE_ID, MODEL_NAME, **login)["name"].tolist()
    views = ap.views(WORKSPACE_NAME, MODEL_NAME, **login)
    assert {"id", "name", "moduleId"} <= set(views.columns)
    assert "Customers" in ap.lists(WORKSPACE_NAME, MODEL_ID, **login)["name"].tolist()


def test_read_view_by_names(sim, connection):
    frame = ap.read_view(WORKSPACE_NAME, MODEL_NAME, "Revenue Plan", **connection)
    assert_same_data(frame, sim.expected_frame("view", REVENUE_VIEW_ID))


def test_names_match_regardless_of_case(sim, connection):
    frame = ap.read_list("sales planning", "fp&a model", "customers", **connection)
    assert len(frame) == sim.expected_frame("list", "101000000004").num_rows


def test_absent_name_lists_close_matches(connection):
    with pytest.raises(ap.NotFoundError, match=r"No view named 'Revenue Plna'.*'Revenue Plan' "
                                               r"\(102000000001\)"):
        ap.read_view(WORKSPACE_NAME, MODEL_NAME, "Revenue Plna", **connection)


def test_absent_model_name(connection):
    with pytest.raises(ap.NotFoundError, match=r"No model named 'FP&A Modle'.*'FP&A Model'"):
        ap.read_view(WORKSPACE_NAME, "FP&A Modle", "Revenue Plan", **connection)


def test_ambiguous_name_lists_every_candidate(sim, connection):
    original = sim.model.views["102000000002"]
    twin = SampleView(**{**original.__dict__, "id": "102000000009", "name": "Revenue Plan"})
    sim.model.views[twin.id] = twin
    try:
        with pytest.raises(ap.AmbiguousNameError, match=r"2 views .* named 'Revenue Plan': "
                                                        r".*102000000001.*102000000009"):
            ap.read_view(WORKSPACE_NAME, MODEL_NAME, "Revenue Plan", **connection)
    finally:
        del sim.model.views[twin.id]
    assert sim.live_requests() == []
