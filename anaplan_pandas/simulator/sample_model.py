"""The simulator's sample data: a sales-planning model with realistic awkward names.

Workspace "Sales Planning" holds model "FP&A Model":

- module *Revenue Plan* (view 102000000001, the default view): Products × Regions × Time
  on the rows, line items Units, Price, Revenue, Cost and Comment across the columns. Its
  size is a parameter (``revenue_rows``; the demo uses over 1,000,000 rows);
- module *Price Book* (view 102000000002): Products on the rows, line items List Price,
  Category and Discontinued;
- lists *Products*, *Regions* and *Customers* (with number, date, boolean and text
  properties).

Item names carry commas, double quotes, non-ASCII letters, leading zeros, names that look
like numbers (``2024``, ``001``) and ``NA`` — everything a CSV reader can get wrong.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

WORKSPACE_ID = "8a81b09d599f3c7a015a2b3f6c1d4e5f"
WORKSPACE_NAME = "Sales Planning"
MODEL_ID = "75A40874E6B64FA3AE0743278996850F"
MODEL_NAME = "FP&A Model"

REVENUE_VIEW_ID = "102000000001"
PRICE_BOOK_VIEW_ID = "102000000002"
PRODUCTS_LIST_ID = "101000000001"
REGIONS_LIST_ID = "101000000002"
CUSTOMERS_LIST_ID = "101000000004"
TIME_DIMENSION_ID = "20000000003"
LINE_ITEMS_DIMENSION_ID = "101999999999"

REGIONS = [
    "North America",
    "NA",
    "EMEA",
    "Asia, Pacific",
    "São Paulo",
    "Zürich",
    "Île-de-France",
    '"Central" Europe',
    "001",
    "2024",
    "Ōsaka",
    "Cape Town",
]
MONTHS = [f"{m} {y}" for y in (25, 26) for m in
          ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")]
REVENUE_LINE_ITEMS = ["Units", "Price", "Revenue", "Cost", "Comment"]
COMMENTS = ["Promo, Q1", 'Customer said "hold"', "Line 1\nLine 2", "Ré-estimé", "0042"]


def product_names(count: int) -> list[str]:
    """``count`` distinct product names; one in ten is awkward on purpose.

    Examples
    --------
    >>> product_names(3)
    ['00000', 'Product 00001', 'Product 00002']
    """
    awkward = ("{i:05d}", 'Café Crème {i:05d}, 250g', '"Big" Box {i:05d}', "Ølboks {i:05d}",
               "2024-{i:05d}")
    names = []
    for i in range(count):
        if i % 10 == 0:
            names.append(awkward[(i // 10) % len(awkward)].format(i=i))
        else:
            names.append(f"Product {i:05d}")
    return names


@dataclass(frozen=True)
class Dimension:
    """A dimension on a view's axis."""

    id: str
    name: str


@dataclass(frozen=True)
class SampleView:
    """A view: its axes and the Arrow table of its TABULAR_MULTI_COLUMN export."""

    id: str
    name: str
    module_id: str
    rows: list[Dimension]
    columns: list[Dimension]
    pages: list[Dimension]
    table: pa.Table

    @property
    def dimension_columns(self) -> list[str]:
        """The leading item-name columns of the multi-column export."""
        return [d.name for d in self.rows + self.pages]


@dataclass(frozen=True)
class SampleList:
    """A list: its properties (name → format) and the Arrow table of its export."""

    id: str
    name: str
    properties: dict[str, str]
    table: pa.Table
    parent: str | None = None


@dataclass
class SampleModel:
    """All the sample objects of the simulator's model.

    Examples
    --------
    >>> model = SampleModel.build(revenue_rows=288 * 3)
    >>> model.views["102000000001"].table.num_rows
    864
    """

    views: dict[str, SampleView] = field(default_factory=dict)
    lists: dict[str, SampleList] = field(default_factory=dict)

    @classmethod
    def build(cls, revenue_rows: int = 1_008_000, customers: int = 20_000, seed: int = 7
              ) -> SampleModel:
        """Generate the model, with exactly ``revenue_rows`` rows in the Revenue Plan view.

        Rows come product by product (regions × months each); the last product may be cut
        short to give exactly the rows asked for.
        """
        rng = np.random.default_rng(seed)
        per_product = len(REGIONS) * len(MONTHS)
        n_products = max(1, math.ceil(revenue_rows / per_product))
        products = product_names(max(n_products, 500))
        model = cls()
        products_dim = Dimension(PRODUCTS_LIST_ID, "Products")
        regions_dim = Dimension(REGIONS_LIST_ID, "Regions")
        time_dim = Dimension(TIME_DIMENSION_ID, "Time")
        items_dim = Dimension(LINE_ITEMS_DIMENSION_ID, "Line Items")
        model.views[REVENUE_VIEW_ID] = SampleView(
            REVENUE_VIEW_ID, "Revenue Plan", REVENUE_VIEW_ID,
            rows=[products_dim, time_dim], columns=[items_dim], pages=[regions_dim],
            table=_revenue_table(products[:n_products], rng).slice(0, max(1, revenue_rows)),
        )
        model.views[PRICE_BOOK_VIEW_ID] = SampleView(
            PRICE_BOOK_VIEW_ID, "Price Book", PRICE_BOOK_VIEW_ID,
            rows=[products_dim], columns=[items_dim], pages=[],
            table=_price_book_table(products[:500], rng),
        )
        model.lists[PRODUCTS_LIST_ID] = SampleList(
            PRODUCTS_LIST_ID, "Products", {"Category": "TEXT", "Launch Price": "NUMBER"},
            _products_list(products[:n_products], rng),
        )
        model.lists[REGIONS_LIST_ID] = SampleList(
            REGIONS_LIST_ID, "Regions", {}, _plain_list(REGIONS, "All Regions"),
        )
        model.lists[CUSTOMERS_LIST_ID] = SampleList(
            CUSTOMERS_LIST_ID, "Customers",
            {"Segment": "TEXT", "Credit Limit": "NUMBER", "Since": "DATE", "Active": "BOOLEAN",
             "Notes": "TEXT"},
            _customers_list(customers, rng), parent="Regions",
        )
        return model


def _dictionary_column(names: list[str], indices: np.ndarray) -> pa.Array:
    return pa.DictionaryArray.from_arrays(
        pa.array(indices, pa.int32()), pa.array(names, pa.string())
    ).cast(pa.string())


def _revenue_table(products: list[str], rng: np.random.Generator) -> pa.Table:
    n_p, n_r, n_m = len(products), len(REGIONS), len(MONTHS)
    rows = n_p * n_r * n_m
    # Row order: product, then region (the page dimension), then month.
    product_idx = np.repeat(np.arange(n_p), n_r * n_m)
    region_idx = np.tile(np.repeat(np.arange(n_r), n_m), n_p)
    month_idx = np.tile(np.arange(n_m), n_p * n_r)
    units = rng.integers(0, 500, rows).astype(np.float64)
    price = np.round(rng.uniform(1, 250, rows), 2)
    revenue = units * price
    cost = np.round(revenue * rng.uniform(0.4, 0.9, rows), 2)
    cost_mask = rng.random(rows) < 0.05  # blanks: cost not yet planned
    comment_idx = rng.integers(0, len(COMMENTS), rows)
    comment_mask = rng.random(rows) > 0.01  # mostly blank
    return pa.table({
        "Products": _dictionary_column(products, product_idx),
        "Time": _dictionary_column(MONTHS, month_idx),
        "Regions": _dictionary_column(REGIONS, region_idx),
        "Units": units,
        "Price": price,
        "Revenue": revenue,
        "Cost": pa.array(cost, mask=cost_mask),
        "Comment": pa.DictionaryArray.from_arrays(
            pa.array(comment_idx, pa.int32(), mask=comment_mask), pa.array(COMMENTS)
        ).cast(pa.string()),
    })


def _price_book_table(products: list[str], rng: np.random.Generator) -> pa.Table:
    n = len(products)
    categories = ["Beverages", "Snacks, salted", 'Frozen "Premium"', "Épicerie"]
    return pa.table({
        "Products": pa.array(products),
        "List Price": np.round(rng.uniform(0.5, 99, n), 2),
        "Category": pa.array([categories[i % len(categories)] for i in range(n)]),
        "Discontinued": pa.array(rng.random(n) < 0.1),
    })


def _plain_list(names: list[str], parent: str) -> pa.Table:
    return pa.table({
        "Name": pa.array(names),
        "Code": pa.array([f"{i:04d}" for i in range(len(names))]),
        "Parent": pa.array([parent] * len(names)),
    })


def _products_list(products: list[str], rng: np.random.Generator) -> pa.Table:
    n = len(products)
    categories = ["Beverages", "Snacks, salted", 'Frozen "Premium"', "Épicerie"]
    return pa.table({
        "Name": pa.array(products),
        "Code": pa.array([f"P{i:06d}" for i in range(n)]),
        "Parent": pa.array(["All Products"] * n),
        "Category": pa.array([categories[i % len(categories)] for i in range(n)]),
        "Launch Price": np.round(rng.uniform(0.5, 99, n), 2),
    })


def _customers_list(count: int, rng: np.random.Generator) -> pa.Table:
    stems = ["Müller GmbH", "Łódź Trading", "株式会社サンプル", 'The "Corner" Shop',
             "Smith, Jones & Co", "0042 Holdings", "Ångström AB", "NA Foods"]
    names = [f"{stems[i % len(stems)]} #{i:06d}" for i in range(count)]
    days = rng.integers(0, 3650, count)
    since = (np.datetime64("2015-01-01") + days).astype("datetime64[D]").astype(str)
    notes = [None if i % 7 else f'Key account, "tier {i % 3}"\nReviewed' for i in range(count)]
    return pa.table({
        "Name": pa.array(names),
        "Code": pa.array([f"{i:08d}" for i in range(count)]),
        "Parent": _dictionary_column(REGIONS, np.arange(count) % len(REGIONS)),
        "Segment": pa.array([("Retail", "Wholesale", "Online")[i % 3] for i in range(count)]),
        "Credit Limit": pa.array(np.round(rng.uniform(1000, 1e6, count), 2),
                                 mask=rng.random(count) < 0.03),
        "Since": pa.array(since),
        "Active": pa.array(rng.random(count) < 0.9),
        "Notes": pa.array(notes, pa.string()),
    })
