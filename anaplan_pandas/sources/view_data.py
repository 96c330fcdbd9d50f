"""Small views in one call: ``GET /models/{m}/views/{v}/data``, a source of one page.

Below Anaplan's limit of 1,000,000 cells, the synchronous data call returns the whole view
at once, with no read request to start, poll and delete. Asked with ``exportType`` and
``moduleId`` it answers in the same tabular CSV as a read request's pages, so the same
runner and parser turn it into the same DataFrame. Above the limit Anaplan answers 400;
``method="auto"`` then falls back to a read request.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from anaplan_pandas.catalog.catalog import Catalog
from anaplan_pandas.catalog.targets import Target
from anaplan_pandas.exceptions import (
    AnaplanError,
    AnaplanTimeoutError,
    IncompleteReadError,
    NotFoundError,
    ReadRequestCancelledError,
)
from anaplan_pandas.http.deadline import Deadline
from anaplan_pandas.http.transport import Transport
from anaplan_pandas.parse.frames import ColumnPlan
from anaplan_pandas.run.source import PartStatus
from anaplan_pandas.run.stream import PageStream

CELL_LIMIT = 1_000_000


@dataclass(frozen=True)
class _OnePage:
    """The status of a data call for progress displays: one page, there at once."""

    available_pages: int = 1
    state: str = "COMPLETE"
    is_complete: bool = True


class ViewData(PageStream):
    """The synchronous data call of one view, read like a source of one page.

    Examples
    --------
    >>> from anaplan_pandas import connect
    >>> from anaplan_pandas.simulator import Simulator, WORKSPACE_ID, MODEL_ID
    >>> with Simulator(revenue_rows=2880) as sim:
    ...     conn = connect(sim.credentials, sim.api_url, sim.auth_url)
    ...     target = Target.of("view", WORKSPACE_ID, MODEL_ID, 102000000002)
    ...     ViewData(conn, target).to_table().num_rows
    500
    """

    noun = "data call"
    unit = "page"
    request_id = ""

    def __init__(self, transport: Transport, target: Target, *,
                 export_type: str = "TABULAR_MULTI_COLUMN",
                 cancel_event: threading.Event | None = None) -> None:
        self.transport: Transport = getattr(transport, "transport", transport)  # or a Connection
        self.catalog: Catalog = getattr(transport, "catalog", None) or Catalog(self.transport)
        self.target = target
        self.export_type = export_type
        self.cancel_event = cancel_event or threading.Event()
        self._not_found: NotFoundError | None = None

    def describe(self) -> str:
        """A phrase naming the call for messages."""
        return f"the data call of {self.target.describe()}"

    def column_plan(self) -> ColumnPlan:
        """The view's column plan, from its metadata."""
        return self.catalog.view_plan(self.target, self.export_type)

    def poll(self) -> PartStatus:
        """Nothing to wait for: the one page is there at once (unless it answered 404)."""
        if self._not_found is not None:
            raise self._not_found
        return PartStatus(1, True, _OnePage())

    def part(self, part_no: int, *, stop: threading.Event | None = None) -> bytes:
        """The view's CSV (``part_no`` is always 0)."""
        try:
            response = self.transport.request(
                "GET",
                f"/models/{self.target.model_id}/views/{self.target.object_id}/data",
                self.target.describe(),
                accept="text/csv",
                headers={"Accept-Encoding": self.transport.page_encoding},
                params={"exportType": self.export_type,
                        "moduleId": self.catalog.module_of(self.target)},
                stop=stop,
            )
        except NotFoundError as error:
            self._not_found = error  # the status of a data call is its one answer's
            raise
        return response.content

    def cleanup(self) -> None:
        """Nothing is left on the server."""

    def cancelled_error(self) -> AnaplanError:
        """You cancelled the read."""
        return ReadRequestCancelledError(
            f"You cancelled the read of {self.target.describe()}.",
            request_id="", target=self.target, deleted=True)

    def timeout_error(self, deadline: Deadline, status: PartStatus | None) -> AnaplanError:
        """The read's deadline passed."""
        return AnaplanTimeoutError(deadline.message(f"reading {self.describe()}"))

    def gone_error(self) -> AnaplanError:
        """The view answered 404: Anaplan's own error."""
        return self._not_found or NotFoundError(
            f"Anaplan found no {self.target.describe()}.", status_code=404)

    def incomplete_error(self, what: str) -> AnaplanError:
        """The one page does not add up."""
        return IncompleteReadError(f"The {self.describe()} {what}.", request_id="",
                                   target=self.target, deleted=True)
