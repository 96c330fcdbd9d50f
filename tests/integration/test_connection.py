"""One login per credentials, and the connection object that makes it explicit."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

import anaplan_pandas as ap
from anaplan_pandas.api.pool import POOL
from anaplan_pandas.simulator import (
    CUSTOMERS_LIST_ID,
    MODEL_ID,
    REVENUE_VIEW_ID,
    WORKSPACE_ID,
)
from tests.conftest import assert_same_data


def logins(sim):
    return [c for c in sim.calls if c.path == "/token/authenticate"]


def test_five_reads_with_the_same_credentials_log_in_once(sim, connection):
    for _ in range(5):
        ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, **connection)
    assert len(logins(sim)) == 1
    assert not [c for c in sim.calls if c.path == "/token/logout"]


def test_other_credentials_get_their_own_login(sim, connection):
    sim.users["second@example.com"] = "another password"
    ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, **connection)
    ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID,
                 **{**connection, "auth": ("second@example.com", "another password")})
    assert len(logins(sim)) == 2


def test_a_connection_reads_lists_and_finds_with_one_login_and_logs_out(sim, connection):
    with ap.connect(sim.credentials, sim.api_url, sim.auth_url) as conn:
        frame = conn.read_view("Sales Planning", "FP&A Model", "Revenue Plan", progress=None)
        customers = conn.read_list(WORKSPACE_ID, MODEL_ID, CUSTOMERS_LIST_ID, progress=None)
        chunks = list(conn.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, progress=None,
                                     chunksize=1000))
        names = conn.views("Sales Planning", "FP&A Model")["name"].tolist()
        handle = conn.start_view_read(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, progress=None)
        background = handle.result(60)
    assert_same_data(frame, sim.expected_frame("view", REVENUE_VIEW_ID))
    assert_same_data(background, sim.expected_frame("view", REVENUE_VIEW_ID))
    assert len(customers) == sim.expected_frame("list", CUSTOMERS_LIST_ID).num_rows
    assert sum(len(c) for c in chunks) == len(frame)
    assert names == ["Revenue Plan", "Price Book"]
    assert len(logins(sim)) == 1
    assert [c.path for c in sim.calls].count("/token/logout") == 1
    assert sim.live_requests() == []
    assert "closed" in repr(conn)


def test_a_closed_connection_does_not_log_in_again(sim):
    conn = ap.connect(sim.credentials, sim.api_url, sim.auth_url)
    conn.close()
    with pytest.raises(ap.AuthenticationError, match="closed"):
        conn.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, progress=None)
    assert logins(sim) == []


def test_a_connection_refuses_credentials_of_its_own_per_call(sim):
    with ap.connect(sim.credentials, sim.api_url, sim.auth_url) as conn, \
            pytest.raises(ValueError, match="auth cannot be combined with connection="):
        conn.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, auth=sim.credentials)


def test_the_lower_level_api_takes_a_connection(sim):
    with ap.connect(sim.credentials, sim.api_url, sim.auth_url) as conn:
        target = ap.Target.of("view", WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID)
        with ap.ReadRequest.start(conn, target) as request:
            pages = [n for n, _ in request.iter_pages()]
    assert pages == list(range(len(pages))) and pages
    assert sim.live_requests() == []


def test_eight_concurrent_reads_with_one_user_s_credentials_log_in_once_and_out_once(
        sim, connection):
    with ThreadPoolExecutor(8) as pool:
        frames = list(pool.map(lambda _: ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID,
                                                      **connection), range(8)))
    assert all(len(f) == len(frames[0]) for f in frames)
    assert len(logins(sim)) == 1
    POOL.close_all()  # what interpreter exit does
    assert [c.path for c in sim.calls].count("/token/logout") == 1
