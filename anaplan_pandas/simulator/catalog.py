"""The listings and metadata calls of the simulator, and the synchronous data call.

Workspaces, models, modules, views, line items, lists, list items, view axes and ``/data``,
with the documented fields and envelopes (``anaplan-api.md`` §1 and §5).
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from anaplan_pandas.simulator.exports import ExportPages, single_column
from anaplan_pandas.simulator.grid import as_text, grid_csv
from anaplan_pandas.simulator.sample_model import (
    MODEL_ID,
    MODEL_NAME,
    WORKSPACE_ID,
    WORKSPACE_NAME,
    SampleList,
    SampleView,
)

if TYPE_CHECKING:
    from anaplan_pandas.simulator.server import Simulator

VIEW_DATA_CELL_LIMIT = 1_000_000
LIST_ITEMS_LIMIT = 1_000_000
CREATED = "2024-03-18T09:12:44.000+0000"


class CatalogRoutes:
    """Handlers of the listing, metadata and data calls (mixed into the request handler)."""

    sim: Simulator
    query: dict[str, str]
    args: dict[str, str]

    # Every handler answers through the request handler's helpers (_ok, _listing, _error,
    # _send, _json, _sample, _model_ok), which the class it is mixed into provides.

    def _flag(self, name: str) -> bool:
        """A boolean query parameter (``true``, in any case)."""
        return self.query.get(name, "").lower() == "true"

    def _workspace_entry(self) -> dict[str, Any]:
        entry: dict[str, Any] = {"id": WORKSPACE_ID, "name": WORKSPACE_NAME, "active": True,
                                 "sizeAllowance": 10**10}
        if self._flag("tenantDetails"):
            entry["currentSize"] = 1_234_567_890
        return entry

    def _workspaces(self) -> None:
        self._listing("workspaces", [self._workspace_entry()])

    def _workspace(self) -> None:
        if self.args.get("ws") != WORKSPACE_ID:
            self._error(404, "Not Found")
            return
        self._ok("workspace", workspace=self._workspace_entry())

    def _model_entry(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "id": MODEL_ID, "name": MODEL_NAME, "activeState": "UNLOCKED",
            "currentWorkspaceId": WORKSPACE_ID, "currentWorkspaceName": WORKSPACE_NAME,
            "modelUrl": f"https://us1a.app.anaplan.com/core?selectedWorkspaceId={WORKSPACE_ID}"
                        f"&selectedModelId={MODEL_ID}",
            "categoryValues": [], "isoCreationDate": CREATED, "lastSavedSerialNumber": 2000042,
            "lastModifiedByUserGuid": "8a8196b15b7dbae6015b8694411d1400",
            "lastModified": CREATED,
        }
        if self._flag("modelDetails"):
            entry["memoryUsage"] = 52_428_800
        return entry

    def _models(self) -> None:
        if self.args.get("ws") not in (None, WORKSPACE_ID):
            self._error(404, "Not Found")
            return
        self._listing("models", [self._model_entry()])

    def _model(self) -> None:
        if self._model_ok():
            self._ok("model", model={**self._model_entry(), "modelTransactionRunning": False})

    def _not_allowed(self) -> None:
        self._error(405, "Method Not Allowed")  # GET /workspaces/{ws}/models/{m}, live (OAS)

    def _modules(self) -> None:
        if self._model_ok():
            self._listing("modules", [{"id": v.module_id, "name": v.name}
                                      for v in self.sim.model.views.values()])

    def _views(self) -> None:
        if not self._model_ok():
            return
        module = self.args.get("module")
        views = [v for v in self.sim.model.views.values() if module in (None, v.module_id)]
        if module is not None and not views:
            self._error(404, "Not Found")
            return
        self._listing("views", [{"id": v.id, "name": v.name, "code": "",
                                 "moduleId": v.module_id} for v in views])

    def _line_items(self) -> None:
        if not self._model_ok():
            return
        if not self.sim.faults.line_item_formats:
            self._error(404, "Not Found")
            return
        module = self.args.get("obj")
        views = [v for v in self.sim.model.views.values() if module in (None, v.module_id)]
        if not views:
            self._error(404, "Not Found")
            return
        self._listing("items", [item for view in views for item in _line_items_of(view)])

    def _view_metadata(self) -> None:
        view = self._sample(self.sim.model.views)
        if view is None:
            return
        view = self.sim.view_as_shown(view)
        payload: dict[str, Any] = {"viewId": view.id, "viewName": view.name}
        for axis in ("rows", "columns", "pages"):
            dims = getattr(view, axis)
            if dims:  # an axis without dimensions is left out entirely
                payload[axis] = [{"id": d.id, "name": d.name} for d in dims]
        self._ok(None, **payload)

    def _view_data(self) -> None:
        """The synchronous data call: the whole view (its current page), under 1M cells.

        CSV by default in the grid layout, or in a tabular one with ``exportType`` and
        ``moduleId``; JSON with ``format=v1`` and ``Accept: application/json``.
        """
        view = self._sample(self.sim.model.views)
        if view is None:
            return
        cells = view.table.num_rows * (view.table.num_columns - len(view.dimension_columns))
        if cells > VIEW_DATA_CELL_LIMIT:
            self._error(400, f"The view has {cells:,} cells, more than the "
                             f"{VIEW_DATA_CELL_LIMIT:,} a data request can return; use a "
                             "large read request")
            return
        export_type = self.query.get("exportType")
        wants_json = ("application/json" in self.headers.get("Accept", "")
                      and self.query.get("format") == "v1")
        if wants_json:
            self._json(200, _view_json(view))
        elif export_type in (None, "GRID_CURRENT_PAGE", "GRID_ALL_PAGES"):
            data = grid_csv(view.table, [d.name for d in view.rows],
                            [d.name for d in view.pages], all_pages=export_type == "GRID_ALL_PAGES")
            self._send(200, data, "text/csv")
        elif export_type in ("TABULAR_MULTI_COLUMN", "TABULAR_SINGLE_COLUMN") and (
                self.query.get("moduleId") == view.module_id):
            table = (single_column(view.table, view.dimension_columns)
                     if export_type == "TABULAR_SINGLE_COLUMN" else view.table)
            layout = dataclasses.replace(self.sim.layout, rows_per_page=max(1, table.num_rows),
                                         split="rows", header="first")
            self._send(200, ExportPages(table, layout).page(0), "text/csv")
        else:
            self._error(400, "exportType and moduleId must be given together, with a layout "
                             "Anaplan offers")

    def _lists(self) -> None:
        if self._model_ok():
            self._listing("lists", [{"id": x.id, "name": x.name}
                                    for x in self.sim.model.lists.values()])

    def _list_metadata(self) -> None:
        item = self._sample(self.sim.model.lists)
        if item is None:
            return
        metadata: dict[str, Any] = {
            "id": item.id, "name": item.name, "itemCount": item.table.num_rows,
            "nextItemIndex": item.table.num_rows + 1, "numberedList": False,
            "hasSelectiveAccess": False, "workflowEnabled": False, "productionData": False,
            "useTopLevelAsPageDefault": False, "managedBy": "", "permittedItems": -1,
            "topLevelItem": f"All {item.name}",
            "properties": [{"name": n, "format": f, "notes": "", "referencedBy": ""}
                           for n, f in item.properties.items()],
        }
        if item.parent:
            metadata["parent"] = {"name": item.parent}
        self._ok("listMetadata", metadata=metadata)

    def _list_items(self) -> None:
        """``GET …/lists/{l}/items``: every item as JSON, or as CSV, up to 1,000,000."""
        item = self._sample(self.sim.model.lists)
        if item is None:
            return
        if item.table.num_rows > LIST_ITEMS_LIMIT:
            self._error(400, f"The list has more than {LIST_ITEMS_LIMIT:,} items; use a "
                             "large read request")
            return
        entries = _list_items_of(item, include_all=self._flag("includeAll"))
        if "text/csv" in self.headers.get("Accept", ""):
            table = item.table
            self._send(200, ExportPages(table, dataclasses.replace(
                self.sim.layout, rows_per_page=max(1, table.num_rows), split="rows",
                header="first")).page(0), "text/csv")
            return
        payload: dict[str, Any] = {"meta": {"schema": "https://api.anaplan.com/2/0/objects/"
                                                      "listItem"},
                                   "status": {"code": 200, "message": "Success"}}
        if entries:
            payload["listItems"] = entries
        self._send(200, json.dumps(payload).encode(), "application/json")


_FORMATS: dict[str, dict[str, Any]] = {
    "NUMBER": {"dataType": "NUMBER", "comparisonIncrease": "GOOD", "customUnits": None,
               "decimalPlaces": 2, "decimalSeparator": "FULL_STOP", "unitsDisplayType": "NONE",
               "unitsType": "NONE", "zeroFormat": "ZERO", "groupingSeparator": "COMMA",
               "minimumSignificantDigits": 4, "negativeNumberNotation": "MINUS_SIGN"},
    "BOOLEAN": {"dataType": "BOOLEAN"},
    "TEXT": {"dataType": "TEXT", "textType": "GENERAL"},
}


def _line_items_of(view: SampleView) -> list[dict[str, Any]]:
    """The line items of a view's module, with the documented fields."""
    items = []
    for i, column in enumerate(view.table.schema):
        if column.name in view.dimension_columns:
            continue
        kind = ("NUMBER" if pa.types.is_floating(column.type) else
                "BOOLEAN" if pa.types.is_boolean(column.type) else "TEXT")
        items.append({
            "moduleId": view.module_id, "moduleName": view.name,
            "id": f"{view.module_id[:3]}{i:09d}", "name": column.name, "code": "",
            "format": kind, "formatMetadata": _FORMATS[kind],
            "summary": "Sum" if kind == "NUMBER" else "None",
            "timeScale": "Month" if any(d.name == "Time" for d in view.rows) else "Not Applicable",
            "timeRange": "FY24", "version": {"id": "107000000001", "name": "Actual"},
            "style": "Normal", "notes": "", "isSummary": False, "formula": "",
            "formulaScope": "", "useSwitchover": False, "breakback": False,
            "broughtForward": False, "startOfSection": False,
            "appliesTo": [{"id": d.id, "name": d.name} for d in view.rows + view.pages
                          if d.name != "Time"],
        })
    return items


def _list_items_of(item: SampleList, *, include_all: bool) -> list[dict[str, Any]]:
    rows = item.table.to_pylist()
    base = int(item.id) * 1000
    entries = []
    for i, row in enumerate(rows):
        entry: dict[str, Any] = {"id": str(base + i + 1), "name": row.get("Name"),
                                 "code": row.get("Code") or "", "listId": item.id,
                                 "listName": item.name}
        if row.get("Parent"):
            entry["parent"] = row["Parent"]
        if include_all:
            entry["properties"] = {k: "" if v is None else str(v).lower()
                                   if isinstance(v, bool) else str(v)
                                   for k, v in row.items() if k in item.properties}
        entries.append(entry)
    return entries


def _view_json(view: SampleView) -> dict[str, Any]:
    """The ``format=v1`` answer: the current page's rows, cells as strings."""
    table = view.table
    pages = [d.name for d in view.pages]
    if pages:
        first = [table.column(p)[0].as_py() for p in pages]
        for name, value in zip(pages, first, strict=True):
            table = table.filter(pc.equal(table.column(name), value))
    else:
        first = []
    values = [n for n in table.column_names if n not in view.dimension_columns]
    rows_text = {n: as_text(table.column(n)) for n in table.column_names}
    return {
        "pages": [str(p) for p in first],
        "columnCoordinates": [[name] for name in values],
        "rows": [{"rowCoordinates": [rows_text[d.name][i] for d in view.rows],
                  "cells": [rows_text[n][i] for n in values]}
                 for i in range(table.num_rows)],
    }
