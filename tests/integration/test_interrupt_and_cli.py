"""Ctrl-C in the middle of a read, and the command line, as a user meets them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from anaplan_pandas.cli.commands import main
from anaplan_pandas.simulator import MODEL_ID, REVENUE_VIEW_ID, WORKSPACE_ID, Faults

READER = """
import sys, anaplan_pandas as ap
ap.read_view({ws!r}, {model!r}, {view!r}, auth=({user!r}, {password!r}),
             api_url={api!r}, auth_url={auth!r}, progress=None, poll_interval=0.05)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is how Ctrl-C arrives on POSIX")
def test_ctrl_c_in_the_middle_of_a_read_deletes_the_request(sim):
    sim.configure(faults=Faults(pages_per_second=5, page_delay=0.2))
    user, password = sim.credentials
    code = READER.format(ws=WORKSPACE_ID, model=MODEL_ID, view=REVENUE_VIEW_ID, user=user,
                         password=password, api=sim.api_url, auth=sim.auth_url)
    child = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while not sim.page_fetches and time.monotonic() < deadline:
            time.sleep(0.02)
        assert sim.page_fetches, "the read never reached the pages"
        assert len(sim.live_requests()) == 1
        child.send_signal(signal.SIGINT)
        _, stderr = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert "KeyboardInterrupt" in stderr
    assert child.returncode != 0
    assert sim.live_requests() == []
    deletes = [c for c in sim.calls if c.method == "DELETE"]
    assert len(deletes) == 1 and deletes[0].status == 200


def test_demo_command_reads_a_view_and_exits_zero(capsys):
    assert main(["demo", "--rows", "5000", "--pages-per-second", "50"]) == 0
    out = capsys.readouterr().out
    assert "5,000 rows × 8 columns" in out
    assert "read requests left on the server: 0" in out
    assert "Revenue by region" in out


@pytest.mark.parametrize("argv", [[], ["demo", "--rows", "0"], ["demo", "--rows", "many"],
                                  ["frobnicate"]])
def test_bad_arguments_get_usage_and_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_console_script_is_installed():
    result = subprocess.run(["anaplan-pandas", "--help"], capture_output=True, text=True,
                            env={**os.environ}, timeout=60)
    assert result.returncode == 0 and "demo" in result.stdout
