"""Fault soak: hundreds of reads under a random mix of every fault the simulator injects.

Views, lists and bulk exports (files cut into chunks anywhere, listed in either documented
shape). Each read's result is compared with the fault-free data. A read may fail, with a
typed error, when its faults are too many; it may never return different data. After each
read no read request and no export task may be left running on the server, and no read may
run more than a moment past its ``timeout=``.

    python benchmarks/soak.py               # 300 reads, about a quarter of an hour
    python benchmarks/soak.py --reads 40    # a smoke run
    SOAK_TRACE=1 python benchmarks/soak.py  # also each read's seconds, kind and faults

Everything runs against the bundled simulator on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import warnings
from collections import Counter
from dataclasses import asdict

import pandas as pd

import anaplan_pandas as ap
from anaplan_pandas.api.pool import POOL
from anaplan_pandas.simulator import (
    CUSTOMERS_LIST_ID,
    MODEL_ID,
    REVENUE_VIEW_ID,
    WORKSPACE_ID,
    Faults,
    PageLayout,
    Simulator,
)
from anaplan_pandas.simulator.bulk_exports import CUSTOMERS_EXPORT_ID

HANGS = (r"^GET .*/readRequests/[0-9A-F]+$", r"^GET .*/pages/", r"^POST .*/readRequests",
         r"^POST /token/authenticate", r"^GET /2/0/models/[^/]+/(views|lists)/\d+$",
         r"^GET .*/exports/\d+/tasks/[0-9A-F]+$", r"^GET .*/chunks/\d+$")


def random_faults(rng: random.Random, seed: int) -> tuple[Faults, float | None, list[str]]:
    """A random mix of faults, the read's timeout, and the names of what was switched on."""
    knobs: dict[str, object] = {"seed": seed}
    if rng.random() < 0.5:
        knobs["broken_pages"] = rng.choice((0.2, 0.4))
    if rng.random() < 0.3:
        knobs["truncate_pages"] = 0.2
    if rng.random() < 0.3:
        knobs["rate_limit"], knobs["retry_after"] = 0.15, rng.choice(("0", "0.1"))
    if rng.random() < 0.3:
        knobs["unavailable"] = 0.15
    if rng.random() < 0.2:
        knobs["reset"] = 0.1
    if rng.random() < 0.2:
        knobs["auth_unavailable"] = 0.3
    if rng.random() < 0.3:
        knobs["pages_per_second"] = rng.choice((20.0, 60.0))
    if rng.random() < 0.2:
        knobs["token_lifetime"] = 0.5
    if rng.random() < 0.2:
        knobs["clock_skew"] = -3600.0
    if rng.random() < 0.15:
        knobs["page_delay"] = 0.05
    knobs["chunk_bytes"] = rng.choice((2_000, 7_000, 10_000_000))
    knobs["export_file_shape"] = rng.choice(("vendor", "import"))
    knobs["export_seconds"] = rng.choice((0.0, 0.3))
    timeout = None
    if rng.random() < 0.15:  # a deadline case: one kind of call never answers
        knobs["hang"], knobs["hang_seconds"] = rng.choice(HANGS), 30.0
        timeout = rng.choice((0.5, 1.0, 2.0))
    elif rng.random() < 0.3:
        timeout = 20.0
    faults = Faults(**knobs)  # type: ignore[arg-type]
    names = sorted(k for k, v in asdict(faults).items()
                   if k in knobs and k not in ("seed", "retry_after", "hang_seconds",
                                               "chunk_bytes", "export_file_shape",
                                               "export_seconds"))
    return faults, timeout, names


def random_layout(rng: random.Random) -> PageLayout:
    return PageLayout(rows_per_page=rng.choice((300, 700)), header=rng.choice(("first", "every")),
                      split=rng.choice(("rows", "bytes")), page_bytes=rng.choice((9_000, 21_000)),
                      bom=rng.random() < 0.3, crlf=rng.random() < 0.3)


def same(frame: pd.DataFrame, expected: pd.DataFrame) -> bool:
    got = frame.copy()
    for name in got.columns:
        if isinstance(got[name].dtype, pd.CategoricalDtype):
            got[name] = got[name].astype(str).where(got[name].notna())
    try:
        pd.testing.assert_frame_equal(got, expected, check_dtype=False, check_exact=True)
    except AssertionError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reads", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=600.0, help="stop early after this")
    parser.add_argument("--seed", type=int, default=20261201)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    outcomes: Counter[str] = Counter()
    faults_seen: Counter[str] = Counter()
    injected = mismatches = orphans = 0
    kinds: Counter[str] = Counter()
    worst_overrun = 0.0
    started = time.monotonic()
    warnings.simplefilter("ignore")
    with Simulator(revenue_rows=3_456, customers=2_500) as sim:
        expected = {kind: sim.expected_frame(kind, object_id).to_pandas()
                    for kind, object_id in (("view", REVENUE_VIEW_ID),
                                            ("list", CUSTOMERS_LIST_ID))}
        reads = 0
        for reads in range(1, args.reads + 1):
            if time.monotonic() - started > args.seconds:
                reads -= 1
                break
            faults, timeout, names = random_faults(rng, rng.randrange(10**6))
            faults_seen.update(names)
            POOL.close_all()  # every read logs in, under its own faults
            sim.configure(layout=random_layout(rng), faults=faults)
            sim.reset_records()
            kind = rng.choice(("view", "list", "export"))
            kinds[kind] += 1
            sink = rng.choice(("frame", "chunks"))
            tasks_before = set(sim.bulk.tasks)
            options = {"auth": sim.credentials, "api_url": sim.api_url,
                       "auth_url": sim.auth_url, "progress": None, "poll_interval": 0.02,
                       "max_poll_interval": 0.2, "timeout": timeout,
                       "compression": rng.choice(("gzip", None))}
            reader, object_id = {"view": (ap.read_view, REVENUE_VIEW_ID),
                                 "list": (ap.read_list, CUSTOMERS_LIST_ID),
                                 "export": (ap.read_export, CUSTOMERS_EXPORT_ID)}[kind]
            began = time.monotonic()
            last_error = ""
            try:
                if sink == "frame":
                    frame = reader(WORKSPACE_ID, MODEL_ID, object_id, **options)
                else:
                    frame = pd.concat(reader(WORKSPACE_ID, MODEL_ID, object_id, chunksize=900,
                                             **options), ignore_index=True)
            except ap.AnaplanError as error:
                outcomes[f"failed: {type(error).__name__}"] += 1
                frame = None
                last_error = str(error)
            elapsed = time.monotonic() - began
            if os.environ.get("SOAK_TRACE"):
                print(f"{elapsed:6.2f} s {kind} {sink} {timeout} {names}", file=sys.stderr)
            if timeout is not None:
                worst_overrun = max(worst_overrun, elapsed - timeout)
            if frame is not None:
                if same(frame, expected["list" if kind == "export" else kind]):
                    outcomes["exact"] += 1
                else:
                    mismatches += 1
                    outcomes["MISMATCH"] += 1
                    print(f"MISMATCH {kind} {sink} {frame.shape}: "
                          f"{sim.layout} {faults}", file=sys.stderr)
            injected += sum(1 for c in sim.calls if c.status in (0, 429, 503) or (
                c.status == 307)) + sum(1 for f in sim.page_fetches
                                        if f.encoding.startswith("broken"))
            if faults.hang:
                sim.stopping.set()  # release the hung handlers before the next read
                time.sleep(0.05)
                sim.stopping.clear()
            left = sim.live_requests() + [
                task_id for task_id in set(sim.bulk.tasks) - tasks_before
                if sim.bulk.status(sim.bulk.tasks[task_id])["taskState"] in (
                    "NOT_STARTED", "IN_PROGRESS")]
            if left:
                orphans += len(left)
                print(f"ORPHAN {kind} {sink} after {last_error[:300]!r} "
                      f"{sim.layout} {faults}", file=sys.stderr)
            sim.expire_requests()
    seconds = time.monotonic() - started
    print(f"reads: {reads} in {seconds:.0f} s ({dict(kinds)})")
    print(f"faults injected: {injected} (calls answered 429/503/dropped, broken pages); "
          f"knobs used: {dict(faults_seen)}")
    print(f"outcomes: {dict(outcomes)}")
    print(f"mismatches: {mismatches} (must be 0)")
    print(f"orphaned requests and running tasks: {orphans} (must be 0)")
    print(f"worst overrun of timeout=: {worst_overrun:+.2f} s (must be within 1 s)")
    return 0 if mismatches == 0 and orphans == 0 and worst_overrun <= 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
