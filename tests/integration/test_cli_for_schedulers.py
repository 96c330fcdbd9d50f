"""The command line as a scheduler meets it: its messages, its exit statuses."""

from __future__ import annotations

import threading
import time

import pytest

import anaplan_pandas as ap
from anaplan_pandas.cli.commands import main
from anaplan_pandas.simulator import MODEL_ID, REVENUE_VIEW_ID, WORKSPACE_ID, Faults, Simulator


@pytest.fixture
def environment(sim, monkeypatch):
    user, password = sim.credentials
    for name, value in (("ANAPLAN_USERNAME", user), ("ANAPLAN_PASSWORD", password),
                        ("ANAPLAN_API_URL", sim.api_url), ("ANAPLAN_AUTH_URL", sim.auth_url)):
        monkeypatch.setenv(name, value)


def delete_once_reading(sim):
    """Delete the running read request from elsewhere, once its pages are being read."""
    def delete():
        deadline = time.monotonic() + 20
        while not sim.page_fetches and time.monotonic() < deadline:
            time.sleep(0.01)
        conn = ap.connect(sim.credentials, sim.api_url, sim.auth_url)
        target = ap.Target.of("view", WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID)
        for request_id in sim.live_requests():
            ap.ReadRequest(conn, target, request_id).delete()
        conn.close()

    thread = threading.Thread(target=delete)
    thread.start()
    return thread


def test_a_request_deleted_by_someone_else_says_so(sim, connection):
    sim.configure(faults=Faults(pages_per_second=3))
    deleter = delete_once_reading(sim)
    with pytest.raises(ap.ReadRequestCancelledError, match="no longer exists") as caught:
        ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, **connection)
    deleter.join()
    assert "role in the model" not in str(caught.value)


def test_the_command_exits_as_for_a_cancellation_when_the_request_vanishes(
        sim, environment, tmp_path, capsys):
    sim.configure(faults=Faults(pages_per_second=3))
    deleter = delete_once_reading(sim)
    status = main(["read-view", WORKSPACE_ID, MODEL_ID, str(REVENUE_VIEW_ID),
                   "-o", str(tmp_path / "out.parquet"), "--quiet"])
    deleter.join()
    err = capsys.readouterr().err
    assert status == 5, err
    assert "no longer exists" in err and err.startswith("anaplan-pandas: error:")


def test_advice_is_given_in_the_command_s_terms(sim, environment, tmp_path, capsys):
    sim.configure(faults=Faults(fail_after_pages=1))
    status = main(["read-view", WORKSPACE_ID, MODEL_ID, str(REVENUE_VIEW_ID),
                   "-o", str(tmp_path / "out.parquet"), "--quiet"])
    err = capsys.readouterr().err
    assert status == 5
    assert "--retries 2" in err and "retries=" not in err
    assert err.startswith("anaplan-pandas: error:")


def test_the_command_prints_the_request_id_as_soon_as_it_exists(sim, environment, tmp_path,
                                                                 capsys):
    assert main(["read-view", WORKSPACE_ID, MODEL_ID, str(REVENUE_VIEW_ID),
                 "-o", str(tmp_path / "out.parquet"), "--keep-request"]) == 0
    err = capsys.readouterr().err
    [request_id] = sim.live_requests()
    assert f"read request {request_id}; it will be kept" in err
    assert main(["delete", "view", WORKSPACE_ID, MODEL_ID, str(REVENUE_VIEW_ID),
                 request_id]) == 0


def test_the_simulator_gives_the_rows_asked_for():
    with Simulator(revenue_rows=2_001) as sim:
        assert sim.expected_frame("view", REVENUE_VIEW_ID).num_rows == 2_001


def test_messages_name_objects_as_the_user_typed_them(sim, connection):
    sim.configure(faults=Faults(fail_after_pages=1))
    with pytest.raises(ap.ExportFailedError) as caught:
        ap.read_view("Sales Planning", "FP&A Model", "Revenue Plan", **connection)
    message = str(caught.value)
    assert "view 'Revenue Plan' (102000000001) in model 'FP&A Model'" in message
    assert "(workspace 'Sales Planning')" in message


def test_an_unknown_view_names_the_command_that_lists_them(sim, environment, tmp_path, capsys):
    status = main(["read-view", "Sales Planning", "FP&A Model", "Nothing Like It",
                   "-o", str(tmp_path / "out.csv")])
    err = capsys.readouterr().err
    assert status == 4
    assert "anaplan-pandas ls views 'Sales Planning' 'FP&A Model' lists them" in err
