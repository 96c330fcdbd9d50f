"""A local Anaplan for demos, notebooks, tests and benchmarks: no account, no network.

Examples
--------
>>> from anaplan_pandas.simulator import Simulator
>>> with Simulator(revenue_rows=2880) as sim:  # a real HTTP server on 127.0.0.1
...     sim.credentials[0]
'analyst@example.com'
"""

from anaplan_pandas.simulator.exports import PageLayout
from anaplan_pandas.simulator.faults import Faults
from anaplan_pandas.simulator.records import Call, PageFetch
from anaplan_pandas.simulator.sample_model import (
    CUSTOMERS_LIST_ID,
    MODEL_ID,
    MODEL_NAME,
    PRICE_BOOK_VIEW_ID,
    PRODUCTS_LIST_ID,
    REGIONS_LIST_ID,
    REVENUE_VIEW_ID,
    WORKSPACE_ID,
    WORKSPACE_NAME,
    SampleModel,
)
from anaplan_pandas.simulator.server import Simulator

__all__ = [
    "CUSTOMERS_LIST_ID",
    "MODEL_ID",
    "MODEL_NAME",
    "PRICE_BOOK_VIEW_ID",
    "PRODUCTS_LIST_ID",
    "REGIONS_LIST_ID",
    "REVENUE_VIEW_ID",
    "WORKSPACE_ID",
    "WORKSPACE_NAME",
    "Call",
    "Faults",
    "PageFetch",
    "PageLayout",
    "SampleModel",
    "Simulator",
]
