"""Run the simulator in its own process: ``python -m anaplan_pandas.simulator --rows 2000000``.

It prints ``READY <api_url> <auth_url>`` once it listens, then the credentials it accepts, the
ids of its objects and a snippet to copy, and serves until interrupted. Its
page layout and faults can be changed over HTTP (``POST /_simulator/configure``).
"""

from __future__ import annotations

import argparse
import contextlib
import sys

from anaplan_pandas.simulator.exports import PageLayout
from anaplan_pandas.simulator.faults import Faults
from anaplan_pandas.simulator.sample_model import (
    MODEL_ID,
    MODEL_NAME,
    REVENUE_VIEW_ID,
    WORKSPACE_ID,
    WORKSPACE_NAME,
)
from anaplan_pandas.simulator.server import Simulator


def main(argv: list[str] | None = None) -> int:
    """Start a simulator and serve until interrupted; return the exit status.

    Examples
    --------
    >>> main(["--help"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    SystemExit: 0
    """
    parser = argparse.ArgumentParser(prog="python -m anaplan_pandas.simulator",
                                     description="A local Anaplan on 127.0.0.1.")
    parser.add_argument("--rows", type=int, default=1_008_000, help="rows of the Revenue view")
    parser.add_argument("--customers", type=int, default=20_000, help="items of Customers")
    parser.add_argument("--port", type=int, default=0, help="port (default: any free one)")
    parser.add_argument("--rows-per-page", type=int, default=50_000)
    parser.add_argument("--pages-per-second", type=float, default=None,
                        help="export speed (default: every page at once)")
    args = parser.parse_args(argv)
    simulator = Simulator(
        revenue_rows=args.rows,
        customers=args.customers,
        port=args.port,
        layout=PageLayout(rows_per_page=args.rows_per_page),
        faults=Faults(pages_per_second=args.pages_per_second),
    )
    simulator.warm()
    print(f"READY {simulator.api_url} {simulator.auth_url}", flush=True)
    print(welcome(simulator), flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        simulator.serve_forever()
    return 0


def welcome(simulator: Simulator) -> str:
    """What to type to use the simulator: its credentials, ids and a snippet.

    Examples
    --------
    >>> with Simulator(revenue_rows=2880) as sim:
    ...     print(welcome(sim))  # doctest: +ELLIPSIS
    Anaplan simulator on 127.0.0.1 ...
    User analyst@example.com, password 'correct horse battery staple'
    ...
    """
    user, password = simulator.credentials
    model = simulator.model
    views = ", ".join(f"{v.id} {v.name!r} ({v.table.num_rows:,} rows)"
                      for v in model.views.values())
    lists = ", ".join(f"{x.id} {x.name!r}" for x in model.lists.values())
    return "\n".join([
        "Anaplan simulator on 127.0.0.1 (Ctrl-C stops it)",
        f"User {user}, password {password!r}",
        f"Workspace {WORKSPACE_ID} {WORKSPACE_NAME!r}, model {MODEL_ID} {MODEL_NAME!r}",
        f"Views: {views}",
        f"Lists: {lists}",
        "",
        "For the command line:",
        f"  export ANAPLAN_API_URL={simulator.api_url} ANAPLAN_AUTH_URL={simulator.auth_url}",
        f"  export ANAPLAN_USERNAME={user} ANAPLAN_PASSWORD='{password}'",
        f"  anaplan-pandas read-view {WORKSPACE_ID} {MODEL_ID} {REVENUE_VIEW_ID} "
        "-o revenue.parquet",
        "In Python:",
        f"  ap.read_view({WORKSPACE_ID!r}, {MODEL_ID!r}, {REVENUE_VIEW_ID},",
        f"               auth=({user!r}, {password!r}),",
        f"               api_url={simulator.api_url!r}, auth_url={simulator.auth_url!r})",
    ])


if __name__ == "__main__":
    sys.exit(main())
