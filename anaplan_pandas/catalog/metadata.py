"""What the API says about a view's or list's columns, turned into a :class:`ColumnPlan`.

A view's metadata (``GET /models/{m}/views/{v}``) lists the dimensions on its rows,
columns and pages. In the tabular layouts every dimension not laid across the columns
becomes a leading column of item names; ``TABULAR_SINGLE_COLUMN`` puts every dimension in
a column and the value last. A list's metadata gives the format of each property: number
properties become numbers, boolean ones booleans, everything else stays text. A view's
line items carry formats too (``GET /models/{m}/modules/{mod}/lineItems``), which type its
value columns the same way; the first page's values are only a fallback.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import pyarrow as pa

from anaplan_pandas.catalog.targets import Target
from anaplan_pandas.exceptions import AnaplanHTTPError, NotFoundError, UnexpectedResponseError
from anaplan_pandas.http.transport import Transport
from anaplan_pandas.parse.frames import ColumnPlan

log = logging.getLogger("anaplan_pandas")

_PROPERTY_TYPES = {"NUMBER": pa.float64(), "BOOLEAN": pa.bool_()}
_LINE_ITEM_TYPES = _PROPERTY_TYPES


def view_axes(transport: Transport, target: Target) -> dict[str, list[str]]:
    """Return the dimension names on the ``rows``, ``columns`` and ``pages`` of a view.

    Examples
    --------
    >>> from anaplan_pandas import connect, Target
    >>> from anaplan_pandas.simulator import Simulator, WORKSPACE_ID, MODEL_ID
    >>> sim = Simulator(revenue_rows=2880).start()  # a local Anaplan on 127.0.0.1
    >>> transport = connect(sim.credentials, sim.api_url, sim.auth_url)
    >>> view_axes(transport, Target.of("view", WORKSPACE_ID, MODEL_ID, 102000000001))
    {'rows': ['Products', 'Time'], 'columns': ['Line Items'], 'pages': ['Regions']}
    >>> sim.stop()
    """
    body = transport.get_json(
        f"/models/{target.model_id}/views/{target.object_id}", f"metadata of {target.describe()}"
    )
    info = body.get("viewMetadata", body)
    axes: dict[str, list[str]] = {}
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


def view_column_plan(transport: Transport, target: Target, export_type: str) -> ColumnPlan:
    """Decide which columns of a view export hold item names.

    If the metadata is missing or malformed, the plan infers every column from the data and a
    warning says so (item names that look like numbers would then become numbers).
    """
    try:
        axes = view_axes(transport, target)
    except (NotFoundError, UnexpectedResponseError) as error:
        warnings.warn(
            f"Could not read the metadata of {target.describe()} ({error}); column types are "
            "inferred from the data, so item names that look like numbers may become numbers.",
            UserWarning,
            stacklevel=3,
        )
        return ColumnPlan()
    if export_type.startswith("GRID"):
        return ColumnPlan(infer=False)
    if export_type == "TABULAR_SINGLE_COLUMN":
        names = axes["rows"] + axes["pages"] + axes["columns"]
        return ColumnPlan(dimensions=names, leading_dimensions=len(names), mixed=True)
    names = axes["rows"] + axes["pages"]
    value_axis = " × ".join(axes["columns"]) or "Line Items"
    types = line_item_types(transport, target) if len(axes["columns"]) == 1 else {}
    return ColumnPlan(dimensions=names, leading_dimensions=len(names), value_axis=value_axis,
                      types=types)


def module_of(transport: Transport, target: Target) -> str:
    """The id of the module a view belongs to, from the model's view listing.

    A view missing from the listing is taken to be a module's default view, whose id is
    the module's id.
    """
    from anaplan_pandas.catalog.catalog import Catalog

    views = Catalog(transport).views(target.workspace_id, target.model_id)
    match = views[views["id"] == target.object_id]
    if "moduleId" in match and len(match):
        return str(match["moduleId"].iloc[0])
    return target.object_id


def line_item_types(transport: Transport, target: Target) -> dict[str, pa.DataType]:
    """The types of a view's line items from their formats, or ``{}`` if unknown.

    NUMBER line items become ``float64``, BOOLEAN ones ``bool``; TEXT, LIST, DATE, TIME
    PERIOD and the rest stay text, so a text line item that happens to look numeric on
    the first page is never turned into numbers.
    """
    try:
        module_id = module_of(transport, target)
        body = transport.get_json(
            f"/models/{target.model_id}/modules/{module_id}/lineItems",
            f"line items of module {module_id} in model {target.model_id}",
            params={"includeAll": "true"},
        )
    except (AnaplanHTTPError, UnexpectedResponseError) as error:
        log.debug("no line item formats for %s (%s); inferring types", target.describe(), error)
        return {}
    items = body.get("items", [])
    if not isinstance(items, list):
        return {}
    return {
        item["name"]: _LINE_ITEM_TYPES.get(str(item.get("format", "")).upper(), pa.string())
        for item in items
        if isinstance(item, dict) and isinstance(item.get("name"), str)
    }


def list_column_plan(transport: Transport, target: Target) -> ColumnPlan:
    """Type a list export's columns from the list's property formats; the rest is text."""
    body = transport.get_json(target.path, f"metadata of {target.describe()}")
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
