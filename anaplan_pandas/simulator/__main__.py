"""Run the simulator in its own process: ``python -m anaplan_pandas.simulator --rows 2000000``.

It prints ``READY <api_url> <auth_url>`` once it listens, then serves until interrupted. Its
page layout and faults can be changed over HTTP (``POST /_simulator/configure``).
"""

from __future__ import annotations

import argparse
import contextlib
import sys

from anaplan_pandas.simulator.exports import PageLayout
from anaplan_pandas.simulator.server import Faults, Simulator


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
    with contextlib.suppress(KeyboardInterrupt):
        simulator.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
