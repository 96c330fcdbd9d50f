"""The ``anaplan-pandas`` command, for scripts and scheduled jobs.

``anaplan-pandas demo`` starts the bundled simulator on 127.0.0.1, reads its large view
(over a million rows) with a progress bar, prints what arrived and stops the simulator.
``read-view`` and ``read-list`` stream into Parquet or CSV files, ``ls`` lists what a tenant
holds, ``status`` and ``delete`` manage a read request by id. Progress and messages go to
standard error, so standard output stays clean for pipes.
"""

from __future__ import annotations

import argparse
import contextlib
import shlex
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pandas as pd

from anaplan_pandas.api.connection import connect
from anaplan_pandas.api.exports import save_export
from anaplan_pandas.api.pool import POOL, pooled
from anaplan_pandas.api.views import read_view, save_list, save_view
from anaplan_pandas.catalog.targets import check_request_id
from anaplan_pandas.exceptions import (
    AmbiguousNameError,
    AnaplanConnectionError,
    AnaplanError,
    AnaplanHTTPError,
    AnaplanTimeoutError,
    AuthenticationError,
    NotFoundError,
    RateLimitError,
    ReadRequestError,
)
from anaplan_pandas.run.signals import Terminated, stop_on_sigterm
from anaplan_pandas.simulator import (
    MODEL_ID,
    MODEL_NAME,
    REVENUE_VIEW_ID,
    WORKSPACE_ID,
    Faults,
    PageLayout,
    Simulator,
)
from anaplan_pandas.sources.read_request import ReadRequest
from anaplan_pandas.sources.request_status import EXPORT_TYPES

EXIT_OK = 0
EXIT_ANAPLAN_ERROR = 1
EXIT_USAGE = 2
EXIT_AUTHENTICATION = 3
EXIT_NOT_FOUND = 4
EXIT_READ_FAILED = 5
EXIT_FILE = 6
EXIT_UNAVAILABLE = 7
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


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
        description="Read Anaplan views, lists and export actions into Parquet or CSV files, "
        "list what a tenant holds, and manage read requests. Credentials come from the "
        "environment: ANAPLAN_TOKEN, or ANAPLAN_USERNAME and ANAPLAN_PASSWORD (ANAPLAN_REGION, "
        "ANAPLAN_API_URL and ANAPLAN_AUTH_URL pick the hosts).",
        epilog="Exit status: 0 success, 1 other Anaplan error, 2 bad arguments, "
        "3 authentication refused, 4 not found or ambiguous, 5 export failed, cancelled or "
        "timed out, 6 output file could not be written, 7 Anaplan unreachable, unavailable "
        "or rate-limited (try again later), 130 interrupted (Ctrl-C), 143 terminated "
        "(SIGTERM); on 130 and 143 the read request has been deleted.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo_parser = commands.add_parser(
        "demo", help="read the bundled simulator's million-row view with a progress bar"
    )
    demo_parser.add_argument("--rows", type=int, default=1_008_000,
                             help="rows in the simulated view (default 1,008,000)")
    demo_parser.add_argument("--pages-per-second", type=float, default=8.0,
                             help="how fast the simulated export produces 50,000-row pages")

    for kind in ("view", "list", "export"):
        read = commands.add_parser(
            f"read-{kind}", help=f"stream a {kind} into a .parquet or .csv file" if kind != "export"
            else "run an export action saved in the model and stream its file into a "
                 ".parquet or .csv file"
        )
        _add_object(read, kind)
        read.add_argument("-o", "--output", required=True,
                          help="output file; its suffix (.parquet or .csv) sets the format")
        if kind == "view":
            read.add_argument("--export-type", default="TABULAR_MULTI_COLUMN",
                              choices=EXPORT_TYPES)
        read.add_argument("--timeout", type=float, help="give up after this many seconds")
        read.add_argument("--retries", type=int, default=0,
                          help="delete and restart a failed export this many times")
        if kind == "export":
            read.add_argument("--locale", default="en_US",
                              help="locale the export runs in (default en_US)")
        else:
            read.add_argument("--request-id",
                              help="read an existing read request (one left running by a "
                                   "killed job, say) instead of starting a new one")
            read.add_argument("--keep-request", action="store_true",
                              help="leave the read request on the server at the end")
        read.add_argument("--quiet", action="store_true", help="no progress bar")
        _add_hosts(read)

    for action, text in (("status", "show a read request's state"),
                         ("delete", "delete a read request (frees its pages on the server)")):
        sub = commands.add_parser(action, help=text)
        sub.add_argument("kind", choices=("view", "list"))
        _add_object(sub, None)
        sub.add_argument("request_id", help="the read request's id")
        _add_hosts(sub)

    listing = commands.add_parser(
        "ls", help="list workspaces, models, modules, views, lists or exports")
    listing.add_argument("what", choices=("workspaces", "models", "modules", "views", "lists",
                                          "exports"))
    listing.add_argument("workspace", nargs="?", help="workspace id or name")
    listing.add_argument("model", nargs="?", help="model id or name")
    _add_hosts(listing)
    return parser


def _add_object(parser: argparse.ArgumentParser, kind: str | None) -> None:
    parser.add_argument("workspace", help="workspace id or name")
    parser.add_argument("model", help="model id or name")
    parser.add_argument("object", metavar=kind or "object_id", help=f"{kind or 'view or list'} "
                        "id or name")


def _add_hosts(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--region", help="tenant region, such as us9 (ANAPLAN_REGION)")
    parser.add_argument("--api-url", help="Integration API base (ANAPLAN_API_URL)")
    parser.add_argument("--auth-url", help="Authentication API base (ANAPLAN_AUTH_URL)")


def _connection(args: argparse.Namespace) -> dict[str, Any]:
    return {"api_url": args.api_url, "auth_url": args.auth_url, "region": args.region}


def _read(args: argparse.Namespace) -> None:
    kind = args.command.removeprefix("read-")
    options: dict[str, Any] = {"progress": None if args.quiet else "tqdm",
                               "retries": args.retries, "timeout": args.timeout,
                               **_connection(args)}
    if kind == "export":
        rows = save_export(args.workspace, args.model, args.object, args.output,
                           locale=args.locale, **options)
        print(f"Wrote {rows:,} rows to {args.output}", file=sys.stderr)
        return
    options.update(request_id=args.request_id, keep_request=args.keep_request)
    if kind == "view":
        rows = save_view(args.workspace, args.model, args.object, args.output,
                         export_type=args.export_type, **options)
    else:
        rows = save_list(args.workspace, args.model, args.object, args.output, **options)
    print(f"Wrote {rows:,} rows to {args.output}", file=sys.stderr)


@contextlib.contextmanager
def _request(args: argparse.Namespace) -> Iterator[ReadRequest]:
    """The read request the arguments name; its id is checked before any call."""
    request_id = check_request_id(args.request_id)
    with connect(**_connection(args)) as conn:  # logs out: the token is not needed any more
        target = conn.catalog.target(args.kind, args.workspace, args.model, args.object)
        yield ReadRequest(conn, target, request_id)


def _status(args: argparse.Namespace) -> None:
    with _request(args) as request:
        status = request.status()
    print(f"{status.request_id}: {status.state}, {status.available_pages} pages available"
          + (f", successful={str(status.successful).lower()}" if status.is_complete else ""))


def _delete(args: argparse.Namespace) -> None:
    with _request(args) as request:
        try:
            request.status()  # a DELETE of an unknown id answers 404 too: say so, not "Deleted"
        except NotFoundError as error:
            if error.status_code != 404:
                raise
            raise NotFoundError(
                f"Read request {request.request_id} of {request.target.describe()} was not "
                "found: it was deleted already, expired after 30 minutes idle, or belongs to "
                "another view or list. Nothing was deleted.", status_code=404) from None
        final = request.delete()
    print(f"Deleted {request.describe()}" + (f" (it was {final.state})" if final else ""))


def _list(args: argparse.Namespace) -> None:
    catalog = pooled(None, None, args.api_url, args.auth_url, {"region": args.region}
                     )._open_catalog()
    if args.what == "workspaces":
        frame = catalog.workspaces()
    elif args.what == "models":
        frame = catalog.models(args.workspace)
    else:
        if not (args.workspace and args.model):
            raise ValueError(f"ls {args.what} needs a workspace and a model (ids or names).")
        frame = getattr(catalog, args.what)(args.workspace, args.model)
    columns = [c for c in ("id", "name", "moduleId", "activeState", "exportType",
                           "exportFormat") if c in frame]
    print(frame[columns].to_string(index=False) if len(frame) else f"no {args.what}")


COMMANDS = {"read-view": _read, "read-list": _read, "read-export": _read, "status": _status,
            "delete": _delete, "ls": _list}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; return its exit status.

    Examples
    --------
    >>> main(["demo", "--rows", "2880", "--pages-per-second", "100"])  # doctest: +ELLIPSIS
    Starting the Anaplan simulator with a 2,880-row view …
    ...
    0
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    restore = _stop_on_sigterm()
    try:
        if args.command == "demo":
            if args.rows < 1 or args.pages_per_second <= 0:
                parser.error("--rows and --pages-per-second must be positive")
            demo(args.rows, args.pages_per_second)
        else:
            COMMANDS[args.command](args)
    except (ValueError, TypeError) as error:
        _say(parser.prog, str(error))
        return EXIT_USAGE
    except OSError as error:
        _say(parser.prog, f"cannot write the output: {error}")
        return EXIT_FILE
    except AnaplanError as error:
        _say(parser.prog, str(error), args)
        return _exit_status(error)
    except Terminated:
        print(f"{parser.prog}: terminated (SIGTERM); the read request was deleted",
              file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        print(f"{parser.prog}: interrupted; the read request was deleted", file=sys.stderr)
        return EXIT_INTERRUPTED
    finally:
        restore()
        POOL.close_all()  # a command's login ends with it
    return EXIT_OK


#: Advice written for Python callers, and how the command says the same.
_IN_COMMAND_TERMS = (
    ("read_view(..., retries=2) deletes and restarts by itself", "--retries 2 deletes and "
     "restarts by itself"),
    ("read_export(..., retries=2) does so by itself", "--retries 2 does so by itself"),
    ("Allow more time with timeout=", "Allow more time with --timeout"),
    ("without request_id=", "without --request-id"),
    ("ReadRequest.delete(), or anaplan-pandas delete", "anaplan-pandas delete"),
    ("pass auth=(username, password) or auth=token, or set", "set"),
    ("or pass file_format='parquet' or 'csv'", "or name the file .parquet or .csv"),
    ("Check the network and api_url", "Check the network and --api-url (ANAPLAN_API_URL)"),
    ("check auth_url or region", "check --auth-url or --region (ANAPLAN_AUTH_URL, "
     "ANAPLAN_REGION)"),
    ("Check the network, auth_url or region", "Check the network, --auth-url or --region"),
    ("pass api_url= (or set ANAPLAN_API_URL) to it", "pass --api-url (or set ANAPLAN_API_URL) "
     "to it"),
)


def _say(prog: str, message: str, args: argparse.Namespace | None = None) -> None:
    """Print an error in the command's terms, with the command's one prefix."""
    for python, command in _IN_COMMAND_TERMS:
        message = message.replace(python, command)
    where = " ".join(shlex.quote(str(getattr(args, a, "") or "")) for a in ("workspace", "model"))
    for kind in ("workspace", "model", "module", "view", "list", "export"):
        message = message.replace(f"ap.{kind}s() lists them",
                                  f"anaplan-pandas ls {kind}s {where} lists them".replace(
                                      " ''", ""))
    print(f"{prog}: error: {message}", file=sys.stderr)


def _stop_on_sigterm() -> Callable[[], None]:
    """SIGTERM (schedulers stop jobs with it) cleans up like Ctrl-C, from the main thread."""
    if threading.current_thread() is threading.main_thread():
        return stop_on_sigterm()
    return lambda: None


def _exit_status(error: AnaplanError) -> int:
    if isinstance(error, AuthenticationError):
        return EXIT_AUTHENTICATION
    if isinstance(error, (AnaplanTimeoutError, ReadRequestError)):
        return EXIT_READ_FAILED
    outage = isinstance(error, AnaplanHTTPError) and (error.status_code or 0) >= 500
    if outage or isinstance(error, (AnaplanConnectionError, RateLimitError)):
        return EXIT_UNAVAILABLE
    if isinstance(error, (NotFoundError, AmbiguousNameError)):
        return EXIT_NOT_FOUND
    if isinstance(error, ReadRequestError):
        return EXIT_READ_FAILED
    return EXIT_ANAPLAN_ERROR


if __name__ == "__main__":
    sys.exit(main())
