"""The catalog of one connection: listings, names to ids, and metadata, fetched once.

Analysts know their model by names, not 32-character ids. Every operation that takes an id
also takes a name: ``read_view("Sales Planning", "FP&A Model", "Revenue Plan")``. The
catalog reads each listing (workspaces, a workspace's models, a model's views, lists,
exports, modules) and each piece of metadata (a view's axes, a module's line item formats,
a list's properties, an export's definition) once, and answers every later question from
what it holds: a second read of the same view on the same connection makes no listing and
no metadata call. It is never silently stale: :meth:`Catalog.refresh` forgets everything,
and the runner calls it when an id it resolved answers 404.
"""

from __future__ import annotations

import logging
import threading
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd
import pyarrow as pa

from anaplan_pandas.catalog.export_definition import ExportDefinition, readable_definition
from anaplan_pandas.catalog.metadata import (
    Axes,
    line_item_types,
    list_column_plan,
    view_axes_of,
    view_column_plan,
)
from anaplan_pandas.catalog.names import by_name, is_id, name_of, typed_name
from anaplan_pandas.catalog.targets import (
    ObjectKind,
    Target,
    check_model_id,
    check_object_id,
    check_workspace_id,
)
from anaplan_pandas.exceptions import (
    AnaplanHTTPError,
    NotFoundError,
    UnexpectedResponseError,
)
from anaplan_pandas.http.transport import Transport
from anaplan_pandas.parse.frames import ColumnPlan

log = logging.getLogger("anaplan_pandas")

PAGE_SIZE = 5000

T = TypeVar("T")


class Catalog:
    """The listings and metadata of one connection, each fetched once, with name lookups.

    Examples
    --------
    >>> from anaplan_pandas import connect
    >>> from anaplan_pandas.simulator import Simulator
    >>> with Simulator(revenue_rows=2880) as sim:
    ...     catalog = Catalog(connect(sim.credentials, sim.api_url, sim.auth_url))
    ...     print(catalog.views("Sales Planning", "FP&A Model")["name"].tolist())
    ['Revenue Plan', 'Price Book']
    """

    def __init__(self, transport: Transport) -> None:
        self.transport: Transport = getattr(transport, "transport", transport)  # or a Connection
        self._held: dict[tuple[Any, ...], Any] = {}
        self._fetching: dict[tuple[Any, ...], threading.Lock] = {}
        self._lock = threading.Lock()

    def refresh(self) -> None:
        """Forget every listing and piece of metadata; the next question fetches anew."""
        with self._lock:
            self._held.clear()

    def _remember(self, key: tuple[Any, ...], fetch: Callable[[], T]) -> T:
        """What ``fetch`` gives, fetched once per key (one thread fetches, the rest wait)."""
        with self._lock:
            if key in self._held:
                return self._held[key]  # type: ignore[no-any-return]
            fetching = self._fetching.setdefault(key, threading.Lock())
        with fetching:
            with self._lock:
                if key in self._held:
                    return self._held[key]  # type: ignore[no-any-return]
            value = fetch()
            with self._lock:
                self._held[key] = value
                self._fetching.pop(key, None)
            return value

    # -- listings -----------------------------------------------------------------------------

    def workspaces(self) -> pd.DataFrame:
        """Every workspace the user can see: id, name, active, size."""
        return self._workspaces().copy()

    def models(self, workspace: str | None = None) -> pd.DataFrame:
        """The models of a workspace (id or name), or of every workspace."""
        if workspace is None:
            return self._listing("/models", "models", "models").copy()
        return self._models(self.workspace_id(workspace)).copy()

    def modules(self, workspace: str, model: str) -> pd.DataFrame:
        """The modules of a model: id and name."""
        _, m = self.model_ids(workspace, model)
        return self._listing(f"/models/{m}/modules", "modules", f"modules of model {m}").copy()

    def views(self, workspace: str, model: str) -> pd.DataFrame:
        """The views of a model (saved views are named ``Module.View``)."""
        return self._views(*self.model_ids(workspace, model)).copy()

    def lists(self, workspace: str, model: str) -> pd.DataFrame:
        """The lists of a model: id and name."""
        return self._lists(*self.model_ids(workspace, model)).copy()

    def exports(self, workspace: str, model: str) -> pd.DataFrame:
        """The export actions saved in a model: id, name, exportType, exportFormat, ..."""
        return self._exports(*self.model_ids(workspace, model)).copy()

    def _workspaces(self) -> pd.DataFrame:
        return self._listing("/workspaces", "workspaces", "workspaces", tenantDetails="true")

    def _models(self, ws: str) -> pd.DataFrame:
        return self._listing(f"/workspaces/{ws}/models", "models", f"models of workspace {ws}")

    def _views(self, ws: str, m: str) -> pd.DataFrame:
        return self._listing(f"/models/{m}/views", "views", f"views of model {m}",
                             includesubsidiaryviews="true")

    def _lists(self, ws: str, m: str) -> pd.DataFrame:
        return self._listing(f"/models/{m}/lists", "lists", f"lists of model {m}")

    def _exports(self, ws: str, m: str) -> pd.DataFrame:
        return self._listing(f"/workspaces/{ws}/models/{m}/exports", "exports",
                             f"exports of model {m}")

    # -- names to ids -------------------------------------------------------------------------

    def workspace_id(self, workspace: object) -> str:
        """The id of a workspace given by id or name."""
        if is_id(check_workspace_id, workspace):
            return check_workspace_id(workspace)
        name = name_of(workspace, "workspace_id")
        return by_name(self._workspaces(), "workspace", name, "the workspaces you can see")

    def model_ids(self, workspace: object, model: object) -> tuple[str, str]:
        """The ids of a workspace and of one of its models, each given by id or name."""
        ws = self.workspace_id(workspace)
        if is_id(check_model_id, model):
            return ws, check_model_id(model)
        name = name_of(model, "model_id")
        return ws, by_name(self._models(ws), "model", name, f"workspace {ws}")

    def target(self, kind: ObjectKind, workspace: object, model: object, obj: object) -> Target:
        """Resolve names (or check ids) into the :class:`Target` of a read."""
        ws, m = self.model_ids(workspace, model)
        names = (typed_name(workspace, check_workspace_id), typed_name(model, check_model_id))
        if is_id(lambda v: check_object_id(v, kind), obj):
            return Target.of(kind, ws, m, obj).named(*names, None)
        name = name_of(obj, f"{kind}_id")
        listing = {"view": self._views, "list": self._lists, "export": self._exports}[kind](ws, m)
        where = f"model {names[1]!r}" if names[1] else f"model {m}"
        object_id = by_name(listing, kind, name, where)
        return Target.of(kind, ws, m, object_id).named(*names, name)

    # -- metadata -----------------------------------------------------------------------------

    def view_axes(self, target: Target) -> Axes:
        """The dimension names on the ``rows``, ``columns`` and ``pages`` of a view.

        Examples
        --------
        >>> from anaplan_pandas import connect, Target
        >>> from anaplan_pandas.simulator import Simulator, WORKSPACE_ID, MODEL_ID
        >>> with Simulator(revenue_rows=2880) as sim:
        ...     catalog = Catalog(connect(sim.credentials, sim.api_url, sim.auth_url))
        ...     catalog.view_axes(Target.of("view", WORKSPACE_ID, MODEL_ID, 102000000001))
        {'rows': ['Products', 'Time'], 'columns': ['Line Items'], 'pages': ['Regions']}
        """
        def fetch() -> Axes:
            body = self.transport.get_json(f"/models/{target.model_id}/views/{target.object_id}",
                                           f"metadata of {target.describe()}")
            return view_axes_of(body, target)

        return self._remember(("view", target.model_id, target.object_id), fetch)

    def module_of(self, target: Target) -> str:
        """The id of the module a view belongs to, from the model's view listing.

        A view missing from the listing is taken to be a module's default view, whose id is
        the module's id.
        """
        views = self._views(target.workspace_id, target.model_id)
        match = views[views["id"] == target.object_id]
        if "moduleId" in match and len(match):
            return str(match["moduleId"].iloc[0])
        return target.object_id

    def line_item_types(self, target: Target) -> dict[str, pa.DataType]:
        """The types of a view's line items from their formats, or ``{}`` if unknown."""
        def fetch() -> dict[str, pa.DataType]:
            try:
                module_id = self.module_of(target)
                body = self.transport.get_json(
                    f"/models/{target.model_id}/modules/{module_id}/lineItems",
                    f"line items of module {module_id} in model {target.model_id}",
                    params={"includeAll": "true"},
                )
            except (AnaplanHTTPError, UnexpectedResponseError) as error:
                log.debug("no line item formats for %s (%s); inferring types",
                          target.describe(), error)
                return {}
            return line_item_types(body)

        return self._remember(("line items", target.model_id, target.object_id), fetch)

    def view_plan(self, target: Target, export_type: str) -> ColumnPlan:
        """Which columns of a view's export hold item names, and the line items' types.

        If the metadata is missing or malformed, the plan infers every column from the data
        and a warning says so (item names that look like numbers would then become numbers).
        """
        try:
            axes = self.view_axes(target)
        except (NotFoundError, UnexpectedResponseError) as error:
            warnings.warn(
                f"Could not read the metadata of {target.describe()} ({error}); column types "
                "are inferred from the data, so item names that look like numbers may become "
                "numbers.", UserWarning, stacklevel=3)
            return ColumnPlan()
        tabular = export_type == "TABULAR_MULTI_COLUMN"
        types = self.line_item_types(target) if tabular and len(axes["columns"]) == 1 else {}
        return view_column_plan(axes, export_type, types)

    def list_plan(self, target: Target) -> ColumnPlan:
        """A list export's column types, from the list's property formats."""
        def fetch() -> ColumnPlan:
            body = self.transport.get_json(target.path, f"metadata of {target.describe()}")
            return list_column_plan(body, target)

        return self._remember(("list", target.model_id, target.object_id), fetch)

    def export_definition(self, target: Target) -> ExportDefinition:
        """An export's metadata and layout, checked to be one table of delimited text."""
        def fetch() -> ExportDefinition:
            body = self.transport.get_json(target.path, f"metadata of {target.describe()}")
            listing = self._exports(target.workspace_id, target.model_id)
            entry = listing[listing["id"] == target.object_id]
            export_type = ""
            if len(entry) and "exportType" in entry:
                export_type = str(entry["exportType"].iloc[0] or "")
            return readable_definition(body, export_type, target)

        return self._remember(("export", target.model_id, target.object_id), fetch)

    # -- paging -------------------------------------------------------------------------------

    def _listing(self, path: str, key: str, what: str, **params: Any) -> pd.DataFrame:
        """Every item of a listing, fetched once (see :func:`read_listing`)."""
        return self._remember(("listing", path, tuple(sorted(params.items()))),
                              lambda: listing_frame(read_listing(self.transport, path, key, what,
                                                               **params)))


def read_listing(transport: Transport, path: str, key: str, what: str, *,
                 one_page_without_total: bool = False, **params: Any) -> list[dict[str, Any]]:
    """Every item of a listing, page by page.

    Pages follow ``offset`` until ``meta.paging.totalSize`` items have arrived; a server
    that gives no total (no ``paging``, or ``null``) is read until an empty page, since
    it may cap its pages below the ``limit`` asked for, unless ``one_page_without_total``
    says such a listing is whole (a chunk list, whose count the file declares). A page
    sent twice is refused.
    """
    rows: list[dict] = []
    previous: list[dict] | None = None
    while True:
        body = transport.get_json(
            path, what, params={**params, "limit": PAGE_SIZE, "offset": len(rows)}
        )
        page = body.get(key, [])  # an empty collection leaves its key out
        if not isinstance(page, list):
            raise UnexpectedResponseError(f"The {what} are not a list: {str(page)[:200]!r}")
        if page and page == previous:
            raise UnexpectedResponseError(
                f"Anaplan sent the same page of {what} again for offset {len(rows)}; the "
                "listing cannot be read to its end."
            )
        rows.extend(page)
        previous = page
        meta = body.get("meta")
        paging = meta.get("paging") if isinstance(meta, dict) else None
        total = paging.get("totalSize") if isinstance(paging, dict) else None
        if not page or (isinstance(total, int) and len(rows) >= total):
            return rows
        if one_page_without_total and not isinstance(total, int):
            return rows


def listing_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A listing's items as a DataFrame with (at least) ``id`` and ``name``, ids as text."""
    frame = pd.DataFrame(rows)
    if "id" not in frame:
        frame = pd.DataFrame(rows, columns=["id", "name"])
    return frame.astype({"id": str})
