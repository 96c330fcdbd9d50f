"""What the API says about a view's or list's columns, turned into a :class:`ColumnPlan`.

A view's metadata (``GET /models/{m}/views/{v}``) lists the dimensions on its rows,
columns and pages. In the tabular layouts every dimension not laid across the columns
becomes a leading column of item names; ``TABULAR_SINGLE_COLUMN`` puts every dimension in
a column and the value last. A list's metadata gives the format of each property: number
properties become numbers, boolean ones booleans, everything else stays text. A view's
line items carry formats too (``GET /models/{m}/modules/{mod}/lineItems``), which type its
value columns the same way; the first page's values are only a fallback.

These functions read answers the :class:`~anaplan_pandas.catalog.catalog.Catalog` fetched
(and caches); they make no call of their own.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from anaplan_pandas.catalog.targets import Target
from anaplan_pandas.exceptions import UnexpectedResponseError
from anaplan_pandas.parse.frames import ColumnPlan

_PROPERTY_TYPES = {"NUMBER": pa.float64(), "BOOLEAN": pa.bool_()}
_LINE_ITEM_TYPES = _PROPERTY_TYPES

Axes = dict[str, list[str]]


def view_axes_of(body: dict[str, Any], target: Target) -> Axes:
    """The dimension names on the ``rows``, ``columns`` and ``pages`` of a view.

    Examples
    --------
    >>> target = Target.of("view", "8a8196b15b7dbae6015b8694411d13fe",
    ...                    "75A40874E6B64FA3AE0743278996850F", 101000000001)
    >>> view_axes_of({"viewMetadata": {"rows": [{"name": "Products"}],
    ...                                 "columns": [{"name": "Line Items"}]}}, target)
    {'rows': ['Products'], 'columns': ['Line Items'], 'pages': []}
    """
    info = body.get("viewMetadata", body)
    axes: Axes = {}
    for axis in ("rows", "columns", "pages"):
        entries = info.get(axis, [])  # an axis without dimensions is left out
        if not isinstance(entries, list) or not all(
            isinstance(e, dict) and isinstance(e.get("name"), str) for e in entries
        ):
            raise UnexpectedResponseError(
                f"The metadata of {target.describe()} has a malformed {axis!r} entry: "
                f"{str(entries)[:300]!r}"
            )
        axes[axis] = [e["name"] for e in entries]
    return axes


def view_column_plan(axes: Axes, export_type: str, types: dict[str, pa.DataType]
                     ) -> ColumnPlan:
    """Decide which columns of a view export hold item names, and type the line items.

    Examples
    --------
    >>> plan = view_column_plan({"rows": ["Products"], "columns": ["Line Items"],
    ...                          "pages": ["Regions"]}, "TABULAR_MULTI_COLUMN", {})
    >>> plan.dimensions == {"Products", "Regions"}
    True
    """
    if export_type.startswith("GRID"):
        return ColumnPlan(infer=False)
    if export_type == "TABULAR_SINGLE_COLUMN":
        names = axes["rows"] + axes["pages"] + axes["columns"]
        return ColumnPlan(dimensions=names, leading_dimensions=len(names), mixed=True)
    names = axes["rows"] + axes["pages"]
    value_axis = " × ".join(axes["columns"]) or "Line Items"
    return ColumnPlan(dimensions=names, leading_dimensions=len(names), value_axis=value_axis,
                      types=types)


def line_item_types(body: dict[str, Any]) -> dict[str, pa.DataType]:
    """The types of a module's line items from their formats (``{}`` if unknown).

    NUMBER line items become ``float64``, BOOLEAN ones ``bool``; TEXT, LIST, DATE, TIME
    PERIOD and the rest stay text, so a text line item that happens to look numeric on
    the first page is never turned into numbers.

    Examples
    --------
    >>> line_item_types({"items": [{"name": "Units", "format": "NUMBER"}]})
    {'Units': DataType(double)}
    """
    items = body.get("items", [])
    if not isinstance(items, list):
        return {}
    return {
        item["name"]: _LINE_ITEM_TYPES.get(str(item.get("format", "")).upper(), pa.string())
        for item in items
        if isinstance(item, dict) and isinstance(item.get("name"), str)
    }


def list_column_plan(body: dict[str, Any], target: Target) -> ColumnPlan:
    """Type a list export's columns from the list's property formats; the rest is text.

    Examples
    --------
    >>> target = Target.of("list", "8a8196b15b7dbae6015b8694411d13fe",
    ...                    "75A40874E6B64FA3AE0743278996850F", 101000000002)
    >>> list_column_plan({"metadata": {"properties": [{"name": "Population",
    ...                   "format": "NUMBER"}]}}, target).types
    {'Population': DataType(double)}
    """
    metadata: Any = body.get("metadata")
    properties = metadata.get("properties", []) if isinstance(metadata, dict) else None
    if not isinstance(properties, list):
        raise UnexpectedResponseError(
            f"The metadata of {target.describe()} has no properties list: {str(body)[:300]!r}"
        )
    types = {}
    for prop in properties:
        if isinstance(prop, dict) and isinstance(prop.get("name"), str):
            kind = str(prop.get("format", "")).upper()
            if kind in _PROPERTY_TYPES:
                types[prop["name"]] = _PROPERTY_TYPES[kind]
    return ColumnPlan(types=types, infer=False)
