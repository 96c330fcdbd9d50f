"""Exits and cancellation: at exit, on a failed write, in the data call, in a chunk loop."""

from __future__ import annotations

import subprocess
import sys

import pytest

import anaplan_pandas as ap
from anaplan_pandas.cli.commands import main
from anaplan_pandas.progress.model import ProgressDisplay
from anaplan_pandas.simulator import (
    MODEL_ID,
    PRICE_BOOK_VIEW_ID,
    REVENUE_VIEW_ID,
    WORKSPACE_ID,
    Faults,
)

BACKGROUND_THEN_EXIT = """
import time, anaplan_pandas as ap
ap.start_view_read({ws!r}, {model!r}, {view!r}, auth=({user!r}, {password!r}),
                   api_url={api!r}, auth_url={auth!r}, progress=None, poll_interval=0.05)
time.sleep(1.0)
"""


def test_background_read_still_running_at_exit_deletes_its_request(sim):
    sim.configure(faults=Faults(pages_per_second=2))
    user, password = sim.credentials
    code = BACKGROUND_THEN_EXIT.format(ws=WORKSPACE_ID, model=MODEL_ID, view=REVENUE_VIEW_ID,
                                       user=user, password=password, api=sim.api_url,
                                       auth=sim.auth_url)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert any(c.method == "POST" and c.path.endswith("readRequests") for c in sim.calls)
    assert sim.live_requests() == []


def test_unwritable_output_leaves_no_partial_file(sim, connection, tmp_path, monkeypatch,
                                                   capsys):
    target = tmp_path / "out.parquet"
    target.mkdir()
    with pytest.raises(IsADirectoryError):
        ap.save_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, target, **connection)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.parquet"]
    for name, value in {"ANAPLAN_USERNAME": sim.credentials[0],
                        "ANAPLAN_PASSWORD": sim.credentials[1],
                        "ANAPLAN_API_URL": sim.api_url, "ANAPLAN_AUTH_URL": sim.auth_url}.items():
        monkeypatch.setenv(name, value)
    code = main(["read-view", WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, "-o",
                 str(tmp_path / "missing" / "x.csv"), "--quiet"])
    assert code == 6
    err = capsys.readouterr().err
    assert "cannot write the output" in err and "Traceback" not in err
    assert sim.live_requests() == []










def test_cancel_is_honoured_by_the_data_call(sim, connection):
    handle = ap.start_view_read(WORKSPACE_ID, MODEL_ID, PRICE_BOOK_VIEW_ID, method="data",
                                **connection)
    handle.cancel()
    with pytest.raises(ap.ReadRequestCancelledError, match="You cancelled"):
        handle.result(timeout=30)


def test_stopping_a_chunk_loop_is_not_shown_as_a_failure(sim, connection, monkeypatch):
    shown = []
    original = ProgressDisplay.finish

    def spy(self, error=None):
        shown.append(error)
        original(self, error)

    monkeypatch.setattr(ProgressDisplay, "finish", spy)  # a bar, or lines when not a terminal
    connection["progress"] = "tqdm"
    for _chunk in ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, chunksize=500,
                               **connection):
        break
    assert shown == [None]
    assert sim.live_requests() == []
