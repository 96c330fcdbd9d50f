"""The ``anaplan-pandas`` command.

``anaplan-pandas demo`` starts the bundled simulator on 127.0.0.1, reads its large view
(over a million rows) with a progress bar, prints what arrived and stops the simulator.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

import pandas as pd

from anaplan_pandas.exceptions import AnaplanError
from anaplan_pandas.reader import read_view
from anaplan_pandas.simulator import (
    MODEL_ID,
    MODEL_NAME,
    REVENUE_VIEW_ID,
    WORKSPACE_ID,
    Faults,
    PageLayout,
    Simulator,
)

EXIT_OK = 0
EXIT_ANAPLAN_ERROR = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def demo(rows: int = 1_008_000, pages_per_second: float = 8.0) -> pd.DataFrame:
    """Read the simulator's large view with a progress bar and print a summary.

    Examples
    --------
    >>> frame = demo(rows=2880, pages_per_second=100)  # doctest: +ELLIPSIS
    Starting the Anaplan simulator with a 2,880-row view …
    ...
    >>> frame.shape
    (2880, 8)
    """
    print(f"Starting the Anaplan simulator with a {rows:,}-row view …", flush=True)
    simulator = Simulator(
        revenue_rows=rows,
        layout=PageLayout(rows_per_page=50_000),
        faults=Faults(pages_per_second=pages_per_second, not_started_seconds=0.5),
    )
    with simulator:
        print(f"Simulator listening on {simulator.api_url}", flush=True)
        started = time.perf_counter()
        frame = read_view(
            WORKSPACE_ID,
            MODEL_ID,
            REVENUE_VIEW_ID,
            auth=simulator.credentials,
            api_url=simulator.api_url,
            auth_url=simulator.auth_url,
            progress="tqdm",
            poll_interval=0.2,
        )
        seconds = time.perf_counter() - started
        fetched_early = sum(f.state != "COMPLETE" for f in simulator.page_fetches)
        live = simulator.live_requests()
    print()
    print(f"Read view {REVENUE_VIEW_ID} of model {MODEL_NAME!r}: {frame.shape[0]:,} rows × "
          f"{frame.shape[1]} columns in {seconds:.1f} s")
    print(f"{fetched_early} of {len(simulator.page_fetches)} pages were downloaded while the "
          f"export was still running; read requests left on the server: {len(live)}")
    print(f"Memory: {frame.memory_usage(deep=True).sum() / 1e6:,.0f} MB")
    print()
    print(frame.head().to_string())
    print()
    summary = frame.groupby("Regions", observed=True)[["Units", "Revenue"]].sum()
    print("Revenue by region:")
    print(summary.sort_values("Revenue", ascending=False).to_string(float_format="{:,.0f}".format))
    return frame


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``anaplan-pandas`` command."""
    parser = argparse.ArgumentParser(
        prog="anaplan-pandas",
        description="Read Anaplan views and lists into pandas.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo_parser = commands.add_parser(
        "demo", help="read the bundled simulator's million-row view with a progress bar"
    )
    demo_parser.add_argument("--rows", type=int, default=1_008_000,
                             help="rows in the simulated view (default 1,008,000)")
    demo_parser.add_argument("--pages-per-second", type=float, default=8.0,
                             help="how fast the simulated export produces 50,000-row pages")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return its exit status.

    Exit status: 0 success, 1 an Anaplan error (message on stderr), 2 bad arguments,
    130 interrupted.

    Examples
    --------
    >>> main(["demo", "--rows", "2880", "--pages-per-second", "100"])  # doctest: +ELLIPSIS
    Starting the Anaplan simulator with a 2,880-row view …
    ...
    0
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "demo":
            if args.rows < 1 or args.pages_per_second <= 0:
                parser.error("--rows and --pages-per-second must be positive")
            demo(args.rows, args.pages_per_second)
    except AnaplanError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ANAPLAN_ERROR
    except KeyboardInterrupt:
        print("interrupted; the read request was deleted", file=sys.stderr)
        return EXIT_INTERRUPTED
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
