"""A simulator shared by the integration tests: a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import pytest

import anaplan_pandas as ap
from anaplan_pandas.api.pool import POOL
from anaplan_pandas.simulator import Faults, PageLayout, Simulator

SMALL_ROWS = 288 * 12  # 12 products × 12 regions × 24 months


@pytest.fixture(scope="session")
def simulator():
    with Simulator(revenue_rows=SMALL_ROWS, customers=2_500) as sim:
        yield sim


@pytest.fixture
def sim(simulator):
    """The shared simulator, reset to a healthy tenant with small pages, no one logged in."""
    simulator.configure(layout=PageLayout(rows_per_page=500), faults=Faults())
    POOL.close_all()  # each test starts with its own login
    simulator.reset_records()
    yield simulator
    simulator.configure(layout=PageLayout(rows_per_page=500), faults=Faults())


@pytest.fixture
def connection(sim):
    """Keyword arguments that point a read at the simulator."""
    return {
        "auth": sim.credentials,
        "api_url": sim.api_url,
        "auth_url": sim.auth_url,
        "progress": None,
        "poll_interval": 0.02,
        "max_poll_interval": 0.1,
        # The default tries, with pauses a test need not wait for (the defaults' pacing is
        # pinned by the unit tests of RetryPolicy and the transport).
        "retry": ap.RetryPolicy(backoff=0.01, max_backoff=0.05),
    }
