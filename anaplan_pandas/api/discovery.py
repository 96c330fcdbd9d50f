"""Find your data by name: workspaces, models, modules, views, lists and exports as DataFrames.

Each function lists through the catalog of the pooled connection for its credentials
(:mod:`anaplan_pandas.api.pool`): a listing is fetched once per connection and answered
from the catalog afterwards (``Connection.refresh()`` forgets it). ``connection`` takes the
arguments of :func:`~anaplan_pandas.connect` (``auth``, ``api_url``, ``auth_url``,
``region``, ``verify``, ...).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from anaplan_pandas.api.pool import pooled
from anaplan_pandas.catalog.catalog import Catalog


def _catalog(connection: dict[str, Any]) -> Catalog:
    settings = dict(connection)
    auth, api_url, auth_url = (settings.pop(name, None) for name in ("auth", "api_url",
                                                                       "auth_url"))
    return pooled(None, auth, api_url, auth_url, settings)._open_catalog()


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
