"""Benchmark anaplan-pandas against the naive recipe and the parsing floor.

Run:  python benchmarks/bench_read.py            (about thirteen minutes on 2 cores)
      python benchmarks/bench_read.py --quick    (smaller sizes, for a smoke run)
      python benchmarks/bench_read.py --only 1,8 (some scenarios only)

Everything talks to the bundled simulator, started in its own process on 127.0.0.1, so the
client's CPU and memory are measured alone. Timed runs alternate in this one process and the
medians are reported; peak memory is measured in fresh child processes.

(a) ``read_view``: this library, defaults.
(b) naive: what other clients do — wait for COMPLETE, GET the pages one by one, join the
    text, ``pd.read_csv`` with the default engine.
(c) floor: pyarrow's default multi-threaded ``read_csv`` of the same CSV bytes already in
    memory, then ``.to_pandas()``. The sample data has line breaks inside quoted values, so
    its honest floor parses with ``newlines_in_values=True``; the floor without it (on the same
    bytes with those line breaks blanked out) is printed too, for data that has none.

Scenarios: all pages ready (2,000,000 rows x 8 columns), with the value columns typed by
line-item formats and typed from the data (no line-item metadata, as when time lies across
the columns); pages appearing over time (tail latency: last page available -> DataFrame
returned); gzip on loopback and over a slow link; peak RSS of ``read_view`` on both shapes;
the cost per row at 500,000, 2,000,000 and 8,000,000 rows on both shapes; 10,000,000 rows
streamed to Parquet (peak RSS); a bulk export action of the same 2,000,000 rows
(``read_export`` vs the naive recipe for exports: wait for the task, GET the chunks one by
one, ``pd.read_csv``; and the floor on the file's bytes); 8,000,000 rows read into a
2-worker Dask ``LocalCluster`` (worker processes): wall time against ``read_view`` and the
peak RSS of the client process, which only orchestrates (the data lives on the workers);
what the peak-memory bound costs: ``read_view`` with the parse's memory hand-backs turned
off in a child process, its time against the floor and its peak.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import requests

import anaplan_pandas as ap
from anaplan_pandas.simulator import MODEL_ID, PRICE_BOOK_VIEW_ID, REVENUE_VIEW_ID, WORKSPACE_ID

PAGE_ROWS = 50_000
MiB = 1024 * 1024
REVENUE_EXPORT_ID = "116000000001"
SHAPES = (("typed by line-item formats", True),
          ("typed from the data (no line-item formats)", False))


class SimulatorProcess:
    """The simulator in a child process, controlled over its HTTP knobs."""

    def __init__(self, rows: int) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "anaplan_pandas.simulator", "--rows", str(rows),
             "--rows-per-page", str(PAGE_ROWS)],
            stdout=subprocess.PIPE, text=True,
        )
        line = self.process.stdout.readline().split()
        if not line or line[0] != "READY":
            raise RuntimeError(f"simulator did not start: {line}")
        self.api_url, self.auth_url = line[1], line[2]
        self.credentials = ("analyst@example.com", "correct horse battery staple")

    def configure(self, **settings: dict) -> None:
        requests.post(f"{self.auth_url}/_simulator/configure", json=settings,
                      timeout=600).raise_for_status()

    def state(self) -> dict:
        return requests.get(f"{self.auth_url}/_simulator/state", timeout=60).json()

    def connection(self) -> dict:
        return {"auth": self.credentials, "api_url": self.api_url, "auth_url": self.auth_url}

    def read_view_code(self) -> str:
        """The text of a ``read_view`` call on the sample view, for a child process."""
        return (f"ap.read_view({WORKSPACE_ID!r}, {MODEL_ID!r}, {REVENUE_VIEW_ID!r}, "
                f"auth={self.credentials!r}, api_url={self.api_url!r}, "
                f"auth_url={self.auth_url!r}, progress=None)")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.process.stdout.close()


def read_view(sim: SimulatorProcess, **options) -> pd.DataFrame:
    return ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, progress=None,
                        **sim.connection(), **options)


def naive(sim: SimulatorProcess) -> pd.DataFrame:
    """The recipe of the other clients, written plainly."""
    session = requests.Session()
    token = session.post(f"{sim.auth_url}/token/authenticate",
                         auth=sim.credentials).json()["tokenInfo"]["tokenValue"]
    headers = {"Authorization": f"AnaplanAuthToken {token}"}
    base = (f"{sim.api_url}/workspaces/{WORKSPACE_ID}/models/{MODEL_ID}/views/"
            f"{REVENUE_VIEW_ID}/readRequests")
    started = session.post(base, json={"exportType": "TABULAR_MULTI_COLUMN"}, headers=headers)
    request_id = started.json()["viewReadRequest"]["requestId"]
    while True:
        status = session.get(f"{base}/{request_id}", headers=headers).json()["viewReadRequest"]
        if status["requestState"] == "COMPLETE":
            break
        time.sleep(1)
    pages = [session.get(f"{base}/{request_id}/pages/{n}", headers={**headers,
             "Accept": "text/csv"}).text for n in range(status["availablePages"])]
    session.delete(f"{base}/{request_id}", headers=headers)
    return pd.read_csv(io.StringIO("".join(pages)))


def naive_export(sim: SimulatorProcess) -> pd.DataFrame:
    """The export recipe of the other clients: run the task, wait, chunks one by one."""
    session = requests.Session()
    token = session.post(f"{sim.auth_url}/token/authenticate",
                         auth=sim.credentials).json()["tokenInfo"]["tokenValue"]
    headers = {"Authorization": f"AnaplanAuthToken {token}"}
    base = f"{sim.api_url}/workspaces/{WORKSPACE_ID}/models/{MODEL_ID}"
    task = session.post(f"{base}/exports/{REVENUE_EXPORT_ID}/tasks", headers=headers,
                        json={"localeName": "en_US"}).json()["task"]["taskId"]
    while session.get(f"{base}/exports/{REVENUE_EXPORT_ID}/tasks/{task}",
                      headers=headers).json()["task"]["taskState"] != "COMPLETE":
        time.sleep(1)
    chunks = session.get(f"{base}/files/{REVENUE_EXPORT_ID}/chunks",
                         headers=headers).json()["chunks"]
    data = b"".join(session.get(f"{base}/files/{REVENUE_EXPORT_ID}/chunks/{c['id']}",
                                headers=headers).content for c in chunks)
    return pd.read_csv(io.BytesIO(data))


def export_bytes(sim: SimulatorProcess) -> list[bytes]:
    transport = ap.connect(sim.credentials, sim.api_url, sim.auth_url)
    target = ap.Target.of("export", WORKSPACE_ID, MODEL_ID, REVENUE_EXPORT_ID)
    return [data for _, data in ap.ExportTask.run(transport, target).iter_pages()]


def scenario_scaling(sizes: list[int], repeat: int) -> list[dict]:
    """read_view and the floor at several sizes, on both shapes: seconds and µs per row."""
    rows = []
    for size in sizes:
        sim = SimulatorProcess(size)
        try:
            for shape, formats in SHAPES:
                sim.configure(faults={"line_item_formats": formats})
                csv = b"".join(page_bytes(sim))
                read_view(sim)
                figures = medians({"read_view": lambda sim=sim: read_view(sim),
                                   "floor": lambda csv=csv: floor(csv)}, repeat)
                rows.append({"rows": size, "shape": shape, **figures})
                del csv
        finally:
            sim.stop()
    return rows


DASK_CHILD = """
import time
from distributed import Client, LocalCluster
import anaplan_pandas.dask as apd
with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                  dashboard_address=None) as cluster, Client(cluster) as client:
    baseline = psutil.Process().memory_info().rss
    started = time.perf_counter()
    ddf = apd.read_view({workspace!r}, {model!r}, {view!r}, auth={auth!r}, api_url={api!r},
                        auth_url={auth_url!r}, progress=None, client=client)
    seconds = time.perf_counter() - started
    result = [seconds, ddf.npartitions, int(ddf.map_partitions(len).sum().compute())]
"""


def scenario_dask(rows: int) -> dict:
    """``read_view`` and the Dask reader (2 worker processes) on ``rows`` rows, fresh processes."""
    sim = SimulatorProcess(rows)
    try:
        read_view(sim)  # the simulator encodes its export once
        settings = dict(workspace=WORKSPACE_ID, model=MODEL_ID, view=REVENUE_VIEW_ID,
                        auth=sim.credentials, api=sim.api_url, auth_url=sim.auth_url)
        work = (f"import time\nstarted = time.perf_counter()\nframe = {sim.read_view_code()}\n"
                "result = [time.perf_counter() - started, int(frame.memory_usage(deep=True)"
                ".sum())]")
        pandas_run = child_peak(MEMORY_CHILD.format(work=work))
        dask_run = child_peak(MEMORY_CHILD.format(work=DASK_CHILD.format(**settings)))
    finally:
        sim.stop()
    return {"read_view": pandas_run, "dask": dask_run}


def scenario_export(sim: SimulatorProcess, repeat: int) -> dict:
    chunks = export_bytes(sim)
    csv = b"".join(chunks)
    frame = ap.read_export(WORKSPACE_ID, MODEL_ID, REVENUE_EXPORT_ID, progress=None,
                           **sim.connection())
    figures = medians({
        "read_export": lambda: ap.read_export(WORKSPACE_ID, MODEL_ID, REVENUE_EXPORT_ID,
                                              progress=None, **sim.connection()),
        "naive": lambda: naive_export(sim),
        "floor": lambda: floor(csv),
    }, repeat)
    figures.update(rows=len(frame), megabytes=len(csv) / 1e6, chunks=len(chunks))
    return figures


def page_bytes(sim: SimulatorProcess) -> list[bytes]:
    transport = ap.connect(sim.credentials, sim.api_url, sim.auth_url)
    target = ap.Target.of("view", WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID)
    with ap.ReadRequest.start(transport, target) as request:
        return [data for _, data in request.iter_pages()]


def floor(csv: bytes, newlines_in_values: bool = True) -> pd.DataFrame:
    # The sample data has line breaks inside quoted fields, which pyarrow only parses
    # reliably with newlines_in_values (without it, it may fail depending on block limits).
    options = pacsv.ParseOptions(newlines_in_values=newlines_in_values)
    return pacsv.read_csv(pa.py_buffer(csv), parse_options=options).to_pandas()


def without_line_breaks(csv: bytes) -> bytes:
    """The same bytes with every line break inside a quoted value blanked out."""
    return csv.replace(b"Line 1\nLine 2", b"Line 1 Line 2").replace(b'"\nReviewed', b'" Reviewed')


def timed(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def medians(runs: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """Alternate the runs (rotating the order each round) and return median seconds."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    names = list(runs)
    for round_no in range(repeat):
        order = names[round_no % len(names):] + names[: round_no % len(names)]
        for name in order:
            times[name].append(timed(runs[name]))
    return {name: statistics.median(values) for name, values in times.items()}


def child_peak(code: str) -> dict:
    """Run ``code`` in a fresh interpreter; it prints a JSON dict with its peak RSS."""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, timeout=1800)
    return json.loads(result.stdout.strip().splitlines()[-1])


# The peak comes from VmHWM, which starts afresh at exec; getrusage's ru_maxrss would
# carry over the peak of the forked parent.
MEMORY_CHILD = """
import json, psutil
import anaplan_pandas as ap
def high_water_mark():
    with open("/proc/self/status") as status:
        line = next(l for l in status if l.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024
baseline = psutil.Process().memory_info().rss
{work}
print(json.dumps({{"baseline_rss": baseline, "result": result,
                  "peak_rss": high_water_mark()}}))
"""


def scenario_all_ready(sim: SimulatorProcess, repeat: int) -> dict:
    pages = page_bytes(sim)
    csv = b"".join(pages)  # the header is on page 0 only
    frame = read_view(sim)
    plain_csv = without_line_breaks(csv)
    figures = medians({
        "read_view": lambda: read_view(sim),
        "naive": lambda: naive(sim),
        "floor": lambda: floor(csv),
        "floor_no_breaks": lambda: floor(plain_csv, newlines_in_values=False),
    }, repeat)
    figures.update(rows=len(frame), columns=frame.shape[1], megabytes=len(csv) / 1e6,
                   pages=len(pages))
    return figures


def scenario_gzip(sim: SimulatorProcess, repeat: int, bandwidth: float) -> dict:
    figures = {}
    for link, limit in (("loopback", None), (f"{bandwidth / 1e6:g} MB/s", bandwidth)):
        sim.configure(faults={"bandwidth": limit})
        figures[link] = medians({
            "gzip": lambda: read_view(sim, compression="gzip"),
            "identity": lambda: read_view(sim, compression=None),
        }, repeat)
    sim.configure(faults={})
    return figures


def scenario_over_time(sim: SimulatorProcess, repeat: int, pages_per_second: float) -> dict:
    pages = page_bytes(sim)
    names = pacsv.ReadOptions(column_names=[f"c{i}" for i in range(8)])
    one_page = statistics.median(
        timed(lambda: pacsv.read_csv(pa.py_buffer(pages[1]), read_options=names))
        for _ in range(5)
    )
    tails = []
    for _ in range(repeat):
        sim.configure(faults={"pages_per_second": pages_per_second})
        read_view(sim)
        returned = time.time()
        complete_at = [t for t in sim.state()["complete_at"].values() if t]
        tails.append(returned - max(complete_at))
    sim.configure(faults={})
    return {"tail": statistics.median(tails), "parse_one_page": one_page,
            "poll_interval": ap.ReadOptions().poll_interval}


def scenario_memory(sim: SimulatorProcess, formats: bool = True) -> dict:
    sim.configure(faults={"line_item_formats": formats})
    work = (f"frame = {sim.read_view_code()}\n"
            "result = int(frame.memory_usage(deep=True).sum())")
    return child_peak(MEMORY_CHILD.format(work=work))


def scenario_renewal(sim: SimulatorProcess, delay: float = 0.5) -> dict:
    """8 small page downloads in flight while the token is renewed: parallel, or serialised?

    The small Price Book view (500 rows) is cut into 8 pages, so that transfer time does not
    blur the comparison; each page takes ``delay`` seconds on the server.
    """
    pages = 8
    sim.configure(layout={"rows_per_page": -(-500 // pages)},
                  faults={"page_delay": delay, "token_lifetime": 2.0})
    auth = ap.BasicAuth(*sim.credentials, auth_url=sim.auth_url)
    transport = ap.connect(auth, sim.api_url)
    target = ap.Target.of("view", WORKSPACE_ID, MODEL_ID, PRICE_BOOK_VIEW_ID)
    with ap.ReadRequest.start(transport, target) as request:
        while not request.status().is_complete:
            time.sleep(0.05)
        one = timed(lambda: request.page(0))
        requests.post(f"{sim.auth_url}/_simulator/reset", timeout=60)
        time.sleep(max(0.0, auth._renew_at - time.monotonic()) + 0.05)  # due for renewal now
        wall = timed(lambda: list(request.iter_pages(max_workers=pages)))
        renewals = [c for c in sim.state()["calls"] if c.startswith("/token/")]
    sim.configure(layout={"rows_per_page": PAGE_ROWS}, faults={})
    return {"one": one, "eight": wall, "pages": pages, "logins": len(renewals)}


def scenario_parquet(rows: int) -> dict:
    sim = SimulatorProcess(rows)
    try:
        path = os.path.join(tempfile.mkdtemp(), "view.parquet")
        work = (f"result = ap.save_view({WORKSPACE_ID!r}, {MODEL_ID!r}, {REVENUE_VIEW_ID!r}, "
                f"{path!r}, auth={sim.credentials!r}, api_url={sim.api_url!r}, "
                f"auth_url={sim.auth_url!r}, progress=None)")
        started = time.perf_counter()
        figures = child_peak(MEMORY_CHILD.format(work=work))
        figures["seconds"] = time.perf_counter() - started
        figures["file_mb"] = os.path.getsize(path) / 1e6
        os.remove(path)
        return figures
    finally:
        sim.stop()


HAND_BACKS_CHILD = """
import statistics, time
import anaplan_pandas.parse.frames
if not {hand_backs}:
    anaplan_pandas.parse.frames.hand_back_memory = lambda: None
def once():
    started = time.perf_counter()
    frame = {call}
    return time.perf_counter() - started, int(frame.memory_usage(deep=True).sum())
seconds, frame_bytes = once()
first_peak = high_water_mark()
seconds = statistics.median([seconds] + [once()[0] for _ in range({repeat} - 1)])
result = [seconds, frame_bytes, first_peak]
"""


def scenario_hand_backs(sim: SimulatorProcess, repeat: int) -> list[dict]:
    """read_view with and without the memory hand-backs during the parse (fresh processes).

    What the peak-memory bound costs in speed: the parse threads hand freed memory back
    to the system every few pages (``frames.TRIM_EVERY``); here a child process turns
    that off. Seconds are medians of ``repeat`` reads; the peak is the first read's.
    """
    rows = []
    for shape, formats in SHAPES:
        sim.configure(faults={"line_item_formats": formats})
        csv = b"".join(page_bytes(sim))
        floor_seconds = medians({"floor": lambda csv=csv: floor(csv)}, repeat)["floor"]
        del csv
        for hand_backs in (True, False):
            work = HAND_BACKS_CHILD.format(hand_backs=hand_backs, repeat=repeat,
                                           call=sim.read_view_code())
            run = child_peak(MEMORY_CHILD.format(work=work))
            seconds, frame_bytes, peak = run["result"]
            rows.append({"shape": shape, "hand_backs": hand_backs, "seconds": seconds,
                         "floor": floor_seconds,
                         "peak": (peak - run["baseline_rss"]) / frame_bytes})
    sim.configure(faults={})
    return rows


def report_all_ready(sim: SimulatorProcess, repeat: int) -> None:
    for shape, formats in SHAPES:
        sim.configure(faults={"line_item_formats": formats})
        ready = scenario_all_ready(sim, repeat)
        print(f"\n(1) All pages ready, value columns {shape}: {ready['rows']:,} rows x "
              f"{ready['columns']} columns, {ready['pages']} pages, "
              f"{ready['megabytes']:.0f} MB of CSV; medians of {repeat}")
        for name in ("read_view", "naive", "floor", "floor_no_breaks"):
            print(f"    {name:15s} {ready[name]:7.3f} s   "
                  f"{ready['megabytes'] / ready[name]:6.0f} MB/s")
        print(f"    read_view / floor = {ready['read_view'] / ready['floor']:.2f}  (target <= "
              "1.3; the data has line breaks in values: floor with newlines_in_values=True)")
        print(f"    read_view / floor_no_breaks = "
              f"{ready['read_view'] / ready['floor_no_breaks']:.2f}  (the floor of data "
              "without line breaks in values, for reference)")
        print(f"    read_view / naive = {ready['read_view'] / ready['naive']:.2f}  "
              "(target <= 0.2)")
    sim.configure(faults={})


def report_gzip(sim: SimulatorProcess, repeat: int) -> None:
    gzip_figures = scenario_gzip(sim, repeat, bandwidth=20e6)
    print("\n(2) gzip or not (read_view, medians)")
    for link, result in gzip_figures.items():
        ratio = result["gzip"] / result["identity"]
        print(f"    {link:12s} gzip {result['gzip']:6.3f} s   identity "
              f"{result['identity']:6.3f} s   gzip / identity = {ratio:.2f}")


def report_over_time(sim: SimulatorProcess, repeat: int) -> None:
    over_time = scenario_over_time(sim, repeat, pages_per_second=10)
    bound = over_time["parse_one_page"] + over_time["poll_interval"]
    print("\n(3) Pages appearing over time (10 pages/s)")
    print(f"    tail latency (last page available -> DataFrame) {over_time['tail']:.3f} s")
    print(f"    parse of one page {over_time['parse_one_page']:.3f} s + poll interval "
          f"{over_time['poll_interval']:.1f} s = {bound:.3f} s;  tail / bound = "
          f"{over_time['tail'] / bound:.2f}  (target <= 1)")


def report_memory(sim: SimulatorProcess, repeat: int) -> None:
    for shape, formats in SHAPES:
        memory = scenario_memory(sim, formats)
        frame_bytes = memory["result"]
        over_base = memory["peak_rss"] - memory["baseline_rss"]
        print(f"\n(4) Peak memory of read_view, value columns {shape} (fresh process)")
        print(f"    frame {frame_bytes / MiB:.0f} MiB, interpreter baseline "
              f"{memory['baseline_rss'] / MiB:.0f} MiB, "
              f"peak RSS {memory['peak_rss'] / MiB:.0f} MiB")
        print(f"    (peak - baseline) / frame = {over_base / frame_bytes:.2f}  (target <= 2)")
    sim.configure(faults={})


def report_renewal(sim: SimulatorProcess, repeat: int) -> None:
    renewal = scenario_renewal(sim)
    print(f"\n(5) {renewal['pages']} page downloads (0.5 s each) in flight across a token "
          "renewal")
    print(f"    one download {renewal['one']:.3f} s, all {renewal['pages']} "
          f"{renewal['eight']:.3f} s: ratio {renewal['eight'] / renewal['one']:.2f} "
          f"(1 = fully parallel, {renewal['pages']} = serialised); logins and renewals "
          f"during the downloads: {renewal['logins']}")


def report_export(sim: SimulatorProcess, repeat: int) -> None:
    export = scenario_export(sim, repeat)
    print(f"\n(7) Bulk export action, {export['rows']:,} rows, {export['chunks']} chunks, "
          f"{export['megabytes']:.0f} MB; medians of {repeat}")
    for name in ("read_export", "naive", "floor"):
        print(f"    {name:11s} {export[name]:7.3f} s   "
              f"{export['megabytes'] / export[name]:6.0f} MB/s")
    print(f"    read_export / floor = {export['read_export'] / export['floor']:.2f}   "
          f"read_export / naive = {export['read_export'] / export['naive']:.2f}")


def report_hand_backs(sim: SimulatorProcess, repeat: int) -> None:
    rows = scenario_hand_backs(sim, repeat)
    print(f"\n(10) What the peak-memory bound costs: read_view with and without the memory "
          f"hand-backs during the parse (fresh processes; medians of {repeat}, peak of the "
          "first read)")
    print(f"    {'value columns':44s} {'hand-backs':>10s} {'read_view':>10s} {'floor':>7s} "
          f"{'ratio':>6s} {'peak/frame':>10s}")
    for row in rows:
        print(f"    {row['shape']:44s} {'on' if row['hand_backs'] else 'off':>10s} "
              f"{row['seconds']:9.3f}s {row['floor']:6.3f}s "
              f"{row['seconds'] / row['floor']:6.2f} {row['peak']:10.2f}")


ON_ONE_SIMULATOR = {1: report_all_ready, 2: report_gzip, 3: report_over_time, 4: report_memory,
                    5: report_renewal, 7: report_export, 10: report_hand_backs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default="1,2,3,4,5,6,7,8,9,10",
                        help="the scenarios to run, by number (default: all)")
    args = parser.parse_args()
    only = {int(n) for n in args.only.split(",")}
    rows = 200_000 if args.quick else 2_000_000
    big_rows = 1_000_000 if args.quick else 10_000_000
    sizes = [50_000, 200_000, 800_000] if args.quick else [500_000, 2_000_000, 8_000_000]
    repeat = 2 if args.quick else args.repeat

    print(f"anaplan-pandas {ap.__version__}, pandas {pd.__version__}, pyarrow {pa.__version__}, "
          f"{os.cpu_count()} cores")
    if only & set(ON_ONE_SIMULATOR):
        sim = SimulatorProcess(rows)
        try:
            for number, report in ON_ONE_SIMULATOR.items():
                if number in only:
                    report(sim, repeat)
        finally:
            sim.stop()

    if 6 in only:
        parquet = scenario_parquet(big_rows)
        print(f"\n(6) {parquet['result']:,} rows streamed to Parquet (fresh process)")
        print(f"    {parquet['seconds']:.1f} s, file {parquet['file_mb']:.0f} MB, peak RSS "
              f"{parquet['peak_rss'] / MiB:.0f} MiB  (target < 1024 MiB), baseline "
              f"{parquet['baseline_rss'] / MiB:.0f} MiB")

    if 9 in only:
        dask_rows = 800_000 if args.quick else 8_000_000
        figures = scenario_dask(dask_rows)
        plain, spread = figures["read_view"], figures["dask"]
        seconds, partitions, counted = spread["result"]
        print(f"\n(9) {dask_rows:,} rows into a 2-worker Dask LocalCluster (fresh processes)")
        print(f"    read_view        {plain['result'][0]:6.2f} s, frame "
              f"{plain['result'][1] / MiB:.0f} MiB, peak RSS {plain['peak_rss'] / MiB:.0f} MiB")
        print(f"    anaplan_pandas.dask.read_view {seconds:6.2f} s, {partitions} partitions, "
              f"{counted:,} rows; client peak RSS {spread['peak_rss'] / MiB:.0f} MiB "
              f"(baseline {spread['baseline_rss'] / MiB:.0f} MiB, cluster started)")
        print(f"    dask / read_view = {seconds / plain['result'][0]:.2f}; client growth "
              f"{(spread['peak_rss'] - spread['baseline_rss']) / MiB:.0f} MiB vs "
              f"{(plain['peak_rss'] - plain['baseline_rss']) / MiB:.0f} MiB")

    if 8 in only:
        scaling = scenario_scaling(sizes, max(2, repeat - 2))
        print("\n(8) Cost per row as the view grows (all pages ready; medians)")
        print(f"    {'rows':>10s}  {'value columns':44s} {'read_view':>10s} {'floor':>8s} "
              f"{'ratio':>6s} {'µs/row':>7s}")
        for row in scaling:
            print(f"    {row['rows']:>10,}  {row['shape']:44s} {row['read_view']:9.3f}s "
                  f"{row['floor']:7.3f}s {row['read_view'] / row['floor']:6.2f} "
                  f"{1e6 * row['read_view'] / row['rows']:7.3f}")


if __name__ == "__main__":
    main()
