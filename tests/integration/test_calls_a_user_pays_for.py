"""The calls a read makes: names resolved once per connection, metadata fetched once."""

from __future__ import annotations

import re

import anaplan_pandas as ap
from anaplan_pandas.simulator import MODEL_ID, REVENUE_VIEW_ID, WORKSPACE_ID

NAMES = ("Sales Planning", "FP&A Model", "Revenue Plan")
LISTINGS = {
    "workspaces": re.compile(r"/2/0/workspaces"),
    "models": re.compile(rf"/2/0/workspaces/{WORKSPACE_ID}/models"),
    "views": re.compile(rf"/2/0(/workspaces/{WORKSPACE_ID})?/models/{MODEL_ID}/views"),
    "line items": re.compile(rf"/2/0(/workspaces/{WORKSPACE_ID})?/models/{MODEL_ID}"
                             r"/modules/\d+/lineItems"),
}
METADATA = re.compile(rf"/2/0(/workspaces/{WORKSPACE_ID})?/models/{MODEL_ID}"
                      rf"/views/{REVENUE_VIEW_ID}")


def catalog_calls(sim) -> dict[str, int]:
    paths = [c.path.split("?")[0] for c in sim.calls if c.method == "GET"]
    counts = {name: sum(1 for p in paths if pattern.fullmatch(p))
              for name, pattern in LISTINGS.items()}
    counts["view metadata"] = sum(1 for p in paths if METADATA.fullmatch(p))
    return counts


def read_calls(sim) -> int:
    return sum(1 for c in sim.calls if "/readRequests" in c.path)


def test_a_read_by_names_lists_each_collection_once_and_a_second_read_lists_nothing(sim):
    with ap.connect(sim.credentials, sim.api_url, sim.auth_url) as conn:
        first = conn.read_view(*NAMES, progress=None, poll_interval=0.02)
        assert catalog_calls(sim) == {"workspaces": 1, "models": 1, "views": 1,
                                      "line items": 1, "view metadata": 1}
        assert read_calls(sim) >= 3  # start, status, page(s), delete
        sim.reset_records()
        second = conn.read_view(*NAMES, progress=None, poll_interval=0.02)
        assert catalog_calls(sim) == dict.fromkeys(catalog_calls(sim), 0)
        assert read_calls(sim) >= 3
    assert first.equals(second)


def test_refresh_forgets_the_catalog(sim):
    with ap.connect(sim.credentials, sim.api_url, sim.auth_url) as conn:
        conn.read_view(*NAMES, progress=None, poll_interval=0.02)
        conn.refresh()
        sim.reset_records()
        conn.read_view(*NAMES, progress=None, poll_interval=0.02)
        assert catalog_calls(sim) == {"workspaces": 1, "models": 1, "views": 1,
                                      "line items": 1, "view metadata": 1}


def test_module_level_reads_resolve_names_afresh_each_time_but_log_in_once(sim, connection):
    for _ in range(2):
        ap.read_view(*NAMES, **connection)
    assert catalog_calls(sim)["views"] == 2
    assert [c.path for c in sim.calls].count("/token/authenticate") == 1


def test_listings_are_handed_out_as_copies(sim):
    with ap.connect(sim.credentials, sim.api_url, sim.auth_url) as conn:
        views = conn.views(*NAMES[:2])
        views.loc[:, "name"] = "changed by the caller"
        assert "Revenue Plan" in conn.views(*NAMES[:2])["name"].tolist()
