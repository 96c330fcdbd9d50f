"""read_view and read_list over real HTTP against the simulator, in every page layout."""

from __future__ import annotations

import itertools
import warnings

import pandas as pd
import pytest

import anaplan_pandas as ap
from anaplan_pandas.simulator import (
    CUSTOMERS_LIST_ID,
    MODEL_ID,
    PRICE_BOOK_VIEW_ID,
    PRODUCTS_LIST_ID,
    REVENUE_VIEW_ID,
    WORKSPACE_ID,
    Faults,
    PageLayout,
)
from tests.conftest import assert_same_data

LAYOUTS = [
    PageLayout(rows_per_page=500, header=header, split=split, page_bytes=7_777, bom=bom,
               crlf=crlf)
    for header, split, bom, crlf in itertools.product(
        ("first", "every"), ("rows", "bytes"), (False, True), (False, True)
    )
]


def _layout_id(layout: PageLayout) -> str:
    return (f"header-{layout.header}-split-{layout.split}"
            f"-bom{int(layout.bom)}-crlf{int(layout.crlf)}")


@pytest.mark.parametrize("layout", LAYOUTS, ids=_layout_id)
@pytest.mark.parametrize("gzip", [False, True], ids=["plain", "gzip"])
def test_view_arrives_exactly_in_every_layout(sim, connection, layout, gzip):
    sim.configure(layout=layout, faults=Faults(gzip=gzip))
    frame = ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID,
                         compression="gzip" if gzip else None, **connection)
    assert_same_data(frame, sim.expected_frame("view", REVENUE_VIEW_ID))
    assert {f.encoding for f in sim.page_fetches} == {"gzip" if gzip else "identity"}
    assert len(sim.page_fetches) > 3
    assert sim.live_requests() == []


@pytest.mark.parametrize("layout", LAYOUTS[::3], ids=_layout_id)
def test_list_with_multiline_quoted_properties_arrives_exactly(sim, connection, layout):
    sim.configure(layout=layout)
    frame = ap.read_list(WORKSPACE_ID, MODEL_ID, CUSTOMERS_LIST_ID, **connection)
    assert_same_data(frame, sim.expected_frame("list", CUSTOMERS_LIST_ID))
    assert str(frame["Credit Limit"].dtype) == "float64"
    assert frame["Active"].dtype == bool
    assert frame["Code"].iloc[0] == "00000000"  # leading zeros kept


def test_item_names_keep_their_exact_text(sim, connection):
    frame = ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, **connection)
    regions = set(frame["Regions"].astype(str))
    assert {"NA", "001", "2024", "São Paulo", '"Central" Europe', "Asia, Pacific"} <= regions
    assert str(frame["Products"].dtype) == "category"
    assert frame["Products"].iloc[0] == "00000"
    for line_item in ("Units", "Price", "Revenue", "Cost"):
        assert str(frame[line_item].dtype) == "float64"
    assert frame["Cost"].isna().any()  # blanks are missing values


def test_plain_strings_when_categorical_is_off(sim, connection):
    frame = ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, categorical=False,
                         **connection)
    assert str(frame["Regions"].dtype) != "category"
    assert_same_data(frame, sim.expected_frame("view", REVENUE_VIEW_ID))


def test_single_column_layout_puts_every_dimension_in_a_column(sim, connection):
    frame = ap.read_view(WORKSPACE_ID, MODEL_ID, PRICE_BOOK_VIEW_ID,
                         export_type="TABULAR_SINGLE_COLUMN", **connection)
    assert list(frame.columns) == ["Products", "Line Items", "Value"]
    assert set(frame["Line Items"].astype(str)) == {"List Price", "Category", "Discontinued"}
    assert len(frame) == 3 * sim.expected_frame("view", PRICE_BOOK_VIEW_ID).num_rows


def test_boolean_and_text_line_items(sim, connection):
    frame = ap.read_view(WORKSPACE_ID, MODEL_ID, PRICE_BOOK_VIEW_ID, **connection)
    assert_same_data(frame, sim.expected_frame("view", PRICE_BOOK_VIEW_ID))
    assert frame["Discontinued"].dtype == bool


def test_pages_are_downloaded_while_the_export_runs(sim, connection):
    sim.configure(faults=Faults(pages_per_second=10, not_started_seconds=0.1))
    connection["max_poll_interval"] = 0.03
    frame = ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, **connection)
    states = [f.state for f in sim.page_fetches]
    assert states.count("IN_PROGRESS") >= len(states) // 2
    assert [f.page_no for f in sim.page_fetches] == sorted(f.page_no for f in sim.page_fetches)
    assert len(frame) == sim.expected_frame("view", REVENUE_VIEW_ID).num_rows


def test_failed_export_raises_with_advice_and_leaves_nothing(sim, connection):
    sim.configure(faults=Faults(fail_after_pages=2, pages_per_second=100))
    with pytest.raises(ap.ExportFailedError) as caught:
        ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, **connection)
    error = caught.value
    assert error.request_id in str(error)
    assert error.view_id == REVENUE_VIEW_ID and error.model_id == MODEL_ID
    assert error.deleted
    assert "deleted" in str(error) and "retries=" in str(error)
    assert sim.live_requests() == []


def test_failed_export_is_retried_when_asked(sim, connection):
    sim.configure(faults=Faults(fail_after_pages=1, fail_times=2))
    frame = ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, retries=2, **connection)
    assert_same_data(frame, sim.expected_frame("view", REVENUE_VIEW_ID))
    starts = [c for c in sim.calls if c.method == "POST" and c.path.endswith("readRequests")]
    deletes = [c for c in sim.calls if c.method == "DELETE"]
    assert len(starts) == 3 and len(deletes) == 3
    assert sim.live_requests() == []


def test_kept_failed_request_says_how_to_delete_it(sim, connection):
    sim.configure(faults=Faults(fail_after_pages=1))
    with pytest.raises(ap.ExportFailedError) as caught:
        ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, keep_request=True, **connection)
    assert not caught.value.deleted
    assert f"anaplan-pandas delete view {WORKSPACE_ID}" in str(caught.value)
    assert sim.live_requests() == [caught.value.request_id]
    transport = ap.connect(sim.credentials, sim.api_url, sim.auth_url)
    target = ap.Target.of("view", WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID)
    ap.ReadRequest(transport, target, caught.value.request_id).delete()
    assert sim.live_requests() == []


@pytest.mark.parametrize("rate", [None, 50.0])
def test_cancelled_request_ends_with_an_error_not_a_hang(sim, connection, rate):
    sim.configure(faults=Faults(cancel_after_pages=2, pages_per_second=rate))
    with pytest.raises(ap.ReadRequestCancelledError) as caught:
        ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, timeout=20, **connection)
    assert "CANCELL" in str(caught.value)
    assert sim.live_requests() == []


def test_deadline_deletes_the_request(sim, connection):
    sim.configure(faults=Faults(not_started_seconds=60))
    with pytest.raises(ap.ReadRequestTimeoutError) as caught:
        ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, timeout=0.3, **connection)
    assert "NOT_STARTED" in str(caught.value)
    assert sim.live_requests() == []


def test_faults_and_short_tokens_change_nothing_in_the_data(sim, connection):
    faults = Faults(rate_limit=0.1, retry_after="0", unavailable=0.05, truncate_pages=0.05,
                    token_lifetime=1.0, seed=3, pages_per_second=100)
    sim.configure(layout=PageLayout(rows_per_page=50), faults=faults)
    frame = ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, **connection)
    assert_same_data(frame, sim.expected_frame("view", REVENUE_VIEW_ID))
    statuses = {c.status for c in sim.calls}
    assert {429, 503} <= statuses
    assert sim.live_requests() == []


def test_unknown_view_names_the_ids(sim, connection):
    with pytest.raises(ap.NotFoundError) as caught:
        ap.read_view(WORKSPACE_ID, MODEL_ID, 102999999999, **connection)
    assert "102999999999" in str(caught.value) and MODEL_ID in str(caught.value)
    assert caught.value.status_code == 404


def test_wrong_password_is_an_authentication_error_without_the_password(sim, connection):
    connection["auth"] = (sim.credentials[0], "not-the-password-s3ntinel")
    with pytest.raises(ap.AuthenticationError) as caught:
        ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, **connection)
    assert "s3ntinel" not in str(caught.value)
    assert "exception user" in str(caught.value)


def test_token_auth(sim, connection):
    connection["auth"] = sim.issue_token()
    frame = ap.read_list(WORKSPACE_ID, MODEL_ID, PRODUCTS_LIST_ID, **connection)
    assert_same_data(frame, sim.expected_frame("list", PRODUCTS_LIST_ID))


def test_environment_credentials(sim, connection, monkeypatch):
    monkeypatch.setenv("ANAPLAN_USERNAME", sim.credentials[0])
    monkeypatch.setenv("ANAPLAN_PASSWORD", sim.credentials[1])
    monkeypatch.setenv("ANAPLAN_API_URL", sim.api_url)
    monkeypatch.setenv("ANAPLAN_AUTH_URL", sim.auth_url)
    frame = ap.read_list(WORKSPACE_ID, MODEL_ID, PRODUCTS_LIST_ID, progress=None)
    assert len(frame) == sim.expected_frame("list", PRODUCTS_LIST_ID).num_rows


def test_low_level_handle_streams_pages(sim, connection):
    transport = ap.connect(sim.credentials, sim.api_url, sim.auth_url)
    target = ap.Target.of("view", WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID)
    with ap.ReadRequest.start(transport, target) as request:
        assert request.request_id in sim.live_requests()
        pages = [page_no for page_no, _ in request.iter_pages(max_workers=2)]
        assert request.status().is_complete
    assert pages == list(range(len(pages)))
    assert sim.live_requests() == []


def test_no_warning_on_a_clean_read(sim, connection):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, **connection)


def test_handle_iterates_frames_as_pages_arrive(sim, connection):
    sim.configure(faults=Faults(pages_per_second=50))
    transport = ap.connect(sim.credentials, sim.api_url, sim.auth_url)
    target = ap.Target.of("list", WORKSPACE_ID, MODEL_ID, CUSTOMERS_LIST_ID)
    with ap.ReadRequest.start(transport, target) as request:
        frames = list(request.iter_frames(max_workers=2))
    expected = sim.expected_frame("list", CUSTOMERS_LIST_ID)
    assert len(frames) == -(-expected.num_rows // 500)  # one frame per 500-row page
    assert_same_data(pd.concat(frames, ignore_index=True), expected)
    assert sim.live_requests() == []


def test_handle_builds_the_dataframe(sim, connection):
    transport = ap.connect(sim.credentials, sim.api_url, sim.auth_url)
    target = ap.Target.of("view", WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID)
    with ap.ReadRequest.start(transport, target) as request:
        frame = request.to_frame(dtype_backend="numpy_nullable")
    assert str(frame["Units"].dtype) == "Float64"
    assert_same_data(frame, sim.expected_frame("view", REVENUE_VIEW_ID))
