"""Find your data by name: workspaces, models, modules, views, lists and exports as DataFrames.

Analysts know their model by names, not 32-character ids. Every function that takes an id
also takes a name: ``read_view("Sales Planning", "FP&A Model", "Revenue Plan")``. A name
that matches nothing, or more than one object, gets an error that lists the close matches
with their ids.
"""

from __future__ import annotations

import difflib
from typing import Any

import pandas as pd

from anaplan_pandas.catalog.targets import (
    ObjectKind,
    Target,
    check_model_id,
    check_object_id,
    check_workspace_id,
)
from anaplan_pandas.exceptions import AmbiguousNameError, NotFoundError, UnexpectedResponseError
from anaplan_pandas.http.transport import Transport, open_transport

PAGE_SIZE = 5000


class Catalog:
    """The listings of one connection, with name lookups.

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
        self.transport = getattr(transport, "transport", transport)  # or a Connection

    def workspaces(self) -> pd.DataFrame:
        """Every workspace the user can see: id, name, active, size."""
        return self._listing("/workspaces", "workspaces", "workspaces", tenantDetails="true")

    def models(self, workspace: str | None = None) -> pd.DataFrame:
        """The models of a workspace (id or name), or of every workspace."""
        if workspace is None:
            return self._listing("/models", "models", "models")
        ws = self.workspace_id(workspace)
        return self._listing(f"/workspaces/{ws}/models", "models", f"models of workspace {ws}")

    def modules(self, workspace: str, model: str) -> pd.DataFrame:
        """The modules of a model: id and name."""
        _, m = self.model_ids(workspace, model)
        return self._listing(f"/models/{m}/modules", "modules", f"modules of model {m}")

    def views(self, workspace: str, model: str) -> pd.DataFrame:
        """The views of a model (saved views are named ``Module.View``)."""
        _, m = self.model_ids(workspace, model)
        return self._listing(f"/models/{m}/views", "views", f"views of model {m}",
                             includesubsidiaryviews="true")

    def lists(self, workspace: str, model: str) -> pd.DataFrame:
        """The lists of a model: id and name."""
        _, m = self.model_ids(workspace, model)
        return self._listing(f"/models/{m}/lists", "lists", f"lists of model {m}")

    def exports(self, workspace: str, model: str) -> pd.DataFrame:
        """The export actions saved in a model: id, name, exportType, exportFormat, ..."""
        ws, m = self.model_ids(workspace, model)
        return self._listing(f"/workspaces/{ws}/models/{m}/exports", "exports",
                             f"exports of model {m}")

    def workspace_id(self, workspace: object) -> str:
        """The id of a workspace given by id or name."""
        if _is_id(check_workspace_id, workspace):
            return check_workspace_id(workspace)
        name = _name(workspace, "workspace_id")
        return self._by_name(self.workspaces(), "workspace", name, "the workspaces you can see")

    def model_ids(self, workspace: object, model: object) -> tuple[str, str]:
        """The ids of a workspace and of one of its models, each given by id or name."""
        ws = self.workspace_id(workspace)
        if _is_id(check_model_id, model):
            return ws, check_model_id(model)
        name = _name(model, "model_id")
        listing = self._listing(f"/workspaces/{ws}/models", "models", f"models of workspace {ws}")
        return ws, self._by_name(listing, "model", name, f"workspace {ws}")

    def target(self, kind: ObjectKind, workspace: object, model: object, obj: object) -> Target:
        """Resolve names (or check ids) into the :class:`Target` of a read."""
        ws, m = self.model_ids(workspace, model)
        names = (_typed_name(workspace, check_workspace_id), _typed_name(model, check_model_id))
        if _is_id(lambda v: check_object_id(v, kind), obj):
            return Target.of(kind, ws, m, obj).named(*names, None)
        name = _name(obj, f"{kind}_id")
        listing = {"view": self.views, "list": self.lists, "export": self.exports}[kind](ws, m)
        where = f"model {names[1]!r}" if names[1] else f"model {m}"
        object_id = self._by_name(listing, kind, name, where)
        return Target.of(kind, ws, m, object_id).named(*names, name)

    def _listing(self, path: str, key: str, what: str, **params: Any) -> pd.DataFrame:
        """Every item of a listing, page by page.

        Pages follow ``offset`` until ``meta.paging.totalSize`` items have arrived; a server
        that gives no total (no ``paging``, or ``null``) is read until an empty page, since
        it may cap its pages below the ``limit`` asked for.
        """
        rows: list[dict] = []
        previous: list[dict] | None = None
        while True:
            body = self.transport.get_json(
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
                break
        frame = pd.DataFrame(rows)
        if "id" not in frame:
            frame = pd.DataFrame(rows, columns=["id", "name"])
        return frame.astype({"id": str})

    def _by_name(self, listing: pd.DataFrame, kind: str, name: str, where: str) -> str:
        names = listing["name"].astype(str) if "name" in listing else pd.Series(dtype=str)
        matches = listing[names == name]
        if matches.empty:
            matches = listing[names.str.casefold() == name.casefold()]
        if matches.empty and kind == "export":  # "Revenue Plan" for "Revenue Plan.csv"
            stems = names.str.replace(r"\.[A-Za-z0-9]{1,5}$", "", regex=True)
            matches = listing[stems.str.casefold() == name.casefold()]
        if len(matches) == 1:
            return str(matches["id"].iloc[0])
        if len(matches) > 1:
            found = ", ".join(f"{n!r} ({i})" for n, i in zip(matches["name"], matches["id"],
                                                              strict=True))
            raise AmbiguousNameError(
                f"{len(matches)} {kind}s in {where} are named {name!r}: {found}. "
                f"Pass the id of the one you mean instead of its name."
            )
        close = difflib.get_close_matches(name, names.tolist(), n=5, cutoff=0.5)
        hint = ("Close matches: " + ", ".join(
            f"{c!r} ({listing[names == c]['id'].iloc[0]})" for c in close
        ) + ".") if close else f"There are {len(listing)} {kind}s: ap.{kind}s() lists them."
        raise NotFoundError(f"No {kind} named {name!r} in {where}. {hint}")


def _is_id(check: Any, value: object) -> bool:
    try:
        check(value)
    except ValueError:
        return False
    return True


def _typed_name(value: object, check: Any) -> str | None:
    """``value`` if the user named the object, ``None`` if they gave its id."""
    return None if _is_id(check, value) else str(value).strip()


def _name(value: object, argument: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(
            f"{argument} must be an id or a name, got {type(value).__name__} {value!r}."
        )
    return value.strip()


def _catalog(connection: dict[str, Any]) -> Catalog:
    return Catalog(open_transport(**connection))


def workspaces(**connection: Any) -> pd.DataFrame:
    """List the workspaces you can see; ``connection`` as in :func:`~anaplan_pandas.connect`.

    Examples
    --------
    >>> from anaplan_pandas.simulator import Simulator
    >>> with Simulator(revenue_rows=2880) as sim:
    ...     print(workspaces(auth=sim.credentials, api_url=sim.api_url,
    ...                      auth_url=sim.auth_url)["name"].tolist())
    ['Sales Planning']
    """
    return _catalog(connection).workspaces()


def models(workspace: str | None = None, **connection: Any) -> pd.DataFrame:
    """List the models of a workspace (by id or name), or of all workspaces.

    Examples
    --------
    >>> from anaplan_pandas.simulator import Simulator
    >>> with Simulator(revenue_rows=2880) as sim:
    ...     print(models("Sales Planning", auth=sim.credentials, api_url=sim.api_url,
    ...                  auth_url=sim.auth_url)["name"].tolist())
    ['FP&A Model']
    """
    return _catalog(connection).models(workspace)


def modules(workspace: str, model: str, **connection: Any) -> pd.DataFrame:
    """List the modules of a model (workspace and model by id or name).

    Examples
    --------
    >>> from anaplan_pandas.simulator import Simulator
    >>> with Simulator(revenue_rows=2880) as sim:
    ...     print(modules("Sales Planning", "FP&A Model", auth=sim.credentials,
    ...                   api_url=sim.api_url, auth_url=sim.auth_url)["name"].tolist())
    ['Revenue Plan', 'Price Book']
    """
    return _catalog(connection).modules(workspace, model)


def views(workspace: str, model: str, **connection: Any) -> pd.DataFrame:
    """List the views of a model: id, name, module id.

    Examples
    --------
    >>> from anaplan_pandas.simulator import Simulator
    >>> with Simulator(revenue_rows=2880) as sim:
    ...     print(views("Sales Planning", "FP&A Model", auth=sim.credentials,
    ...                 api_url=sim.api_url, auth_url=sim.auth_url)["id"].tolist())
    ['102000000001', '102000000002']
    """
    return _catalog(connection).views(workspace, model)


def exports(workspace: str, model: str, **connection: Any) -> pd.DataFrame:
    """List the export actions saved in a model: id, name, exportType, exportFormat, ...

    Examples
    --------
    >>> from anaplan_pandas.simulator import Simulator
    >>> with Simulator(revenue_rows=2880) as sim:
    ...     print(exports("Sales Planning", "FP&A Model", auth=sim.credentials,
    ...                   api_url=sim.api_url, auth_url=sim.auth_url)["name"].tolist()[:2])
    ['Revenue Plan.csv', 'Price Book.txt']
    """
    return _catalog(connection).exports(workspace, model)


def lists(workspace: str, model: str, **connection: Any) -> pd.DataFrame:
    """List the lists of a model: id and name.

    Examples
    --------
    >>> from anaplan_pandas.simulator import Simulator
    >>> with Simulator(revenue_rows=2880) as sim:
    ...     print(lists("Sales Planning", "FP&A Model", auth=sim.credentials,
    ...                 api_url=sim.api_url, auth_url=sim.auth_url)["name"].tolist())
    ['Products', 'Regions', 'Customers']
    """
    return _catalog(connection).lists(workspace, model)
