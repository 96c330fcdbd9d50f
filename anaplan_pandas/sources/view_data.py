"""Small views in one call: ``GET /models/{m}/views/{v}/data``.

Below Anaplan's limit of 1,000,000 cells, the synchronous data call returns the whole view
at once, with no read request to start, poll and delete. Asked with ``exportType`` and
``moduleId`` it answers in the same tabular CSV as a read request's pages, so the same
parser turns it into the same DataFrame. Above the limit Anaplan answers 400;
``method="auto"`` then falls back to a read request.
"""

from __future__ import annotations

import pyarrow as pa

from anaplan_pandas.catalog.metadata import module_of
from anaplan_pandas.catalog.targets import Target
from anaplan_pandas.exceptions import UnexpectedResponseError
from anaplan_pandas.http.transport import Transport
from anaplan_pandas.parse.frames import ColumnPlan
from anaplan_pandas.parse.page_parser import CsvPageParser, PageParseError, parse_whole

CELL_LIMIT = 1_000_000


def read_view_data(
    transport: Transport,
    target: Target,
    plan: ColumnPlan,
    *,
    export_type: str = "TABULAR_MULTI_COLUMN",
    categorical: bool = True,
) -> pa.Table:
    """Read a view under the cell limit with the synchronous data call.

    Examples
    --------
    >>> from anaplan_pandas import connect
    >>> from anaplan_pandas.catalog.metadata import view_column_plan
    >>> from anaplan_pandas.simulator import Simulator, WORKSPACE_ID, MODEL_ID
    >>> with Simulator(revenue_rows=2880) as sim:
    ...     transport = connect(sim.credentials, sim.api_url, sim.auth_url)
    ...     target = Target.of("view", WORKSPACE_ID, MODEL_ID, 102000000002)
    ...     plan = view_column_plan(transport, target, "TABULAR_MULTI_COLUMN")
    ...     read_view_data(transport, target, plan).num_rows
    500
    """
    response = transport.request(
        "GET",
        f"/models/{target.model_id}/views/{target.object_id}/data",
        target.describe(),
        accept="text/csv",
        headers={"Accept-Encoding": transport.page_encoding},
        params={"exportType": export_type, "moduleId": module_of(transport, target)},
    )
    def parse(plan: ColumnPlan) -> tuple[CsvPageParser, list[pa.Table]]:
        parser = CsvPageParser(plan, categorical=categorical)
        return parser, list(parser.tables([(0, response.content)], workers=1))

    try:
        parser, tables = parse_whole(plan, parse)
    except PageParseError as error:
        raise UnexpectedResponseError(
            f"The CSV data of {target.describe()} could not be parsed: {error.reason}"
        ) from error
    return parser.table(tables)
