"""The command line, as a scheduled script uses it: credentials from the environment."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pyarrow.parquet as pq
import pytest

import anaplan_pandas as ap
from anaplan_pandas.cli.commands import main
from anaplan_pandas.simulator import (
    CUSTOMERS_LIST_ID,
    MODEL_ID,
    MODEL_NAME,
    REVENUE_VIEW_ID,
    WORKSPACE_ID,
    WORKSPACE_NAME,
    Faults,
)


@pytest.fixture
def environment(sim, monkeypatch):
    user, password = sim.credentials
    values = {"ANAPLAN_USERNAME": user, "ANAPLAN_PASSWORD": password,
              "ANAPLAN_API_URL": sim.api_url, "ANAPLAN_AUTH_URL": sim.auth_url}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def test_read_view_to_parquet_equals_read_view(sim, connection, environment, tmp_path, capsys):
    out = tmp_path / "revenue.parquet"
    code = main(["read-view", WORKSPACE_NAME, MODEL_NAME, "Revenue Plan", "-o", str(out),
                 "--quiet"])
    assert code == 0
    assert "Wrote 3,456 rows" in capsys.readouterr().err
    frame = ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, **connection)
    pd.testing.assert_frame_equal(pq.read_table(out).to_pandas(), frame)


def test_read_list_to_csv_in_a_real_process(sim, environment, tmp_path):
    out = tmp_path / "customers.csv"
    result = subprocess.run(
        [sys.executable, "-m", "anaplan_pandas.cli", "read-list", WORKSPACE_ID, MODEL_ID,
         CUSTOMERS_LIST_ID, "-o", str(out)],
        capture_output=True, text=True, env={**os.environ, **environment}, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""  # progress and messages on standard error
    assert "page" in result.stderr
    saved = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(saved) == sim.expected_frame("list", CUSTOMERS_LIST_ID).num_rows
    assert saved["Code"].iloc[0] == "00000000"


def test_ls(environment, capsys):
    assert main(["ls", "workspaces"]) == 0
    assert WORKSPACE_NAME in capsys.readouterr().out
    assert main(["ls", "views", WORKSPACE_NAME, MODEL_NAME]) == 0
    out = capsys.readouterr().out
    assert REVENUE_VIEW_ID in out and "Revenue Plan" in out


def test_status_and_delete_of_a_kept_request(sim, connection, environment, capsys):
    sim.configure(faults=Faults(fail_after_pages=1))
    with pytest.raises(ap.ExportFailedError) as caught:
        ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, keep_request=True, **connection)
    request_id = caught.value.request_id
    assert main(["status", "view", WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, request_id]) == 0
    assert "COMPLETE" in capsys.readouterr().out
    assert main(["delete", "view", WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, request_id]) == 0
    assert "Deleted" in capsys.readouterr().out
    assert sim.live_requests() == []
    assert main(["status", "view", WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, request_id]) == 4
    capsys.readouterr()
    # deleting it again, or any well-formed id the server does not know, is not "Deleted"
    for unknown in (request_id, "0" * 32):
        assert main(["delete", "view", WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, unknown]) == 4
        said = capsys.readouterr()
        assert "not found" in said.err and "Deleted" not in said.out + said.err


def test_failed_export_exit_status(sim, environment, tmp_path, capsys):
    sim.configure(faults=Faults(fail_after_pages=1))
    code = main(["read-view", WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, "-o",
                 str(tmp_path / "x.parquet"), "--quiet"])
    assert code == 5
    assert "successful=false" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("argv", "status", "says"), [
    (["read-view", WORKSPACE_ID, MODEL_ID, "Revenue Plna", "-o", "x.parquet"], 4,
     "Close matches"),
    (["read-view", WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, "-o", "x.xlsx"], 2, ".parquet or .csv"),
    (["ls", "views"], 2, "needs a workspace and a model"),
])
def test_errors_get_a_message_and_an_exit_status(environment, capsys, argv, status, says):
    assert main(argv) == status
    err = capsys.readouterr().err
    assert says in err
    assert "Traceback" not in err


def test_wrong_password_exit_status(environment, monkeypatch, capsys):
    monkeypatch.setenv("ANAPLAN_PASSWORD", "wrong")
    assert main(["ls", "workspaces"]) == 3
    assert "wrong" not in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["read-view", WORKSPACE_ID], ["ls"], ["ls", "things"],
                                  ["status", "table", "a", "b", "c", "d"]])
def test_bad_arguments_print_usage_not_a_traceback(argv):
    result = subprocess.run([sys.executable, "-m", "anaplan_pandas.cli", *argv],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "usage:" in result.stderr
    assert "Traceback" not in result.stderr
