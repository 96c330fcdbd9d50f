"""Where a real tenant is stricter than a kind simulator: listings, URLs, encodings."""

from __future__ import annotations

import pytest

import anaplan_pandas as ap
from anaplan_pandas.simulator import (
    MODEL_ID,
    PRICE_BOOK_VIEW_ID,
    REVENUE_VIEW_ID,
    WORKSPACE_ID,
    Faults,
)
from tests.conftest import assert_same_data


@pytest.mark.parametrize("paging", ["full", "omitted", "null"])
def test_a_view_on_the_second_page_of_a_capped_listing_is_found_by_name(
        sim, connection, paging):
    sim.configure(faults=Faults(listing_cap=1, listing_paging=paging))
    frame = ap.read_view("Sales Planning", "FP&A Model", "Price Book", **connection)
    assert_same_data(frame, sim.expected_frame("view", PRICE_BOOK_VIEW_ID))
    offsets = [c for c in sim.calls if c.path.endswith("/views") and c.method == "GET"]
    assert len(offsets) >= 2  # the listing was read past its first page
    listing = ap.views("Sales Planning", "FP&A Model", **{
        k: v for k, v in connection.items() if k in ("auth", "api_url", "auth_url")})
    assert listing["name"].tolist() == ["Revenue Plan", "Price Book"]


def test_every_listing_spans_pages(sim, connection):
    sim.configure(faults=Faults(listing_cap=1, listing_paging="omitted"))
    hosts = {k: v for k, v in connection.items() if k in ("auth", "api_url", "auth_url")}
    assert ap.lists("Sales Planning", "FP&A Model", **hosts)["name"].tolist() == [
        "Products", "Regions", "Customers"]
    assert len(ap.modules("Sales Planning", "FP&A Model", **hosts)) == 2


@pytest.mark.parametrize("url", ["https://api.anaplan.com", "https://api.anaplan.com/2",
                                 "https://api.anaplan.com/2/0/workspaces"])
def test_an_api_url_without_the_version_says_what_is_wrong(url):
    with pytest.raises(ValueError, match=r"lacks the API version.*/2/0"):
        ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, auth="token", api_url=url)


def test_a_page_that_is_not_utf8_names_the_page_and_the_offset(sim, connection):
    sim.configure(faults=Faults(page_charset="latin-1"))
    with pytest.raises(ap.UnexpectedResponseError) as caught:
        ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, **connection)
    message = str(caught.value)
    assert "not UTF-8" in message and "page " in message and "offset" in message
    assert sim.live_requests() == []
