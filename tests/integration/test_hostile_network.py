"""A hostile network and a careless server: never a row lost, never past timeout=.

Each test drives the simulator's fault knobs over real HTTP on 127.0.0.1.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import warnings

import pandas as pd
import pytest
import urllib3.util.connection

import anaplan_pandas as ap
from anaplan_pandas.cli.commands import main
from anaplan_pandas.simulator import (
    CUSTOMERS_LIST_ID,
    MODEL_ID,
    REVENUE_VIEW_ID,
    WORKSPACE_ID,
    Faults,
    PageLayout,
)
from tests.conftest import assert_same_data

FAST = {"progress": None, "poll_interval": 0.02, "max_poll_interval": 0.1}


@pytest.fixture(autouse=True)
def _no_request_outlives_a_test(simulator):
    yield
    assert simulator.live_requests() == [], "a read request outlived its read"


def read(connection, **options):
    return ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, **{**connection, **options})


# -- pages answered 200 with a body that is not the page -----------------------------------

@pytest.mark.parametrize(("kind", "layout"), [
    ("empty", PageLayout(rows_per_page=500)),
    ("text", PageLayout(rows_per_page=500)),
    ("cut_gzip", PageLayout(rows_per_page=500)),
    ("no_header", PageLayout(rows_per_page=500, header="every")),
    ("no_header", PageLayout(rows_per_page=500, header="every", split="bytes", page_bytes=9_999)),
    ("short_record", PageLayout(rows_per_page=500)),
])
@pytest.mark.parametrize("kind_of_object", ["view", "list"])
def test_broken_page_bodies_are_fetched_again_and_no_row_is_lost(
        sim, connection, kind, layout, kind_of_object):
    sim.configure(layout=layout, faults=Faults(broken_pages=0.5, broken_kinds=(kind,), seed=1))
    if kind_of_object == "view":
        frame, expected = read(connection), sim.expected_frame("view", REVENUE_VIEW_ID)
    else:
        frame = ap.read_list(WORKSPACE_ID, MODEL_ID, CUSTOMERS_LIST_ID, **connection)
        expected = sim.expected_frame("list", CUSTOMERS_LIST_ID)
    broken = [f for f in sim.page_fetches if f.encoding.startswith("broken")]
    assert broken, "the knob broke no page"
    assert_same_data(frame, expected)
    assert sim.live_requests() == []


@pytest.mark.parametrize("kind", ["empty", "text", "cut_gzip", "short_record"])
def test_a_page_that_stays_broken_fails_the_read_naming_the_page(sim, connection, kind):
    sim.configure(faults=Faults(broken_pages=1.0, broken_kinds=(kind,), broken_tries=99))
    with pytest.raises(ap.UnexpectedResponseError, match=r"page 0 of read request") as caught:
        read(connection)
    assert "none of it was used" in str(caught.value)
    assert sim.live_requests() == []


def test_chunks_and_files_survive_broken_pages(sim, connection, tmp_path):
    sim.configure(faults=Faults(broken_pages=0.5, seed=9))
    chunks = pd.concat(ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, chunksize=700,
                                    **connection), ignore_index=True)
    rows = ap.save_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, tmp_path / "r.parquet",
                        **connection)
    expected = sim.expected_frame("view", REVENUE_VIEW_ID)
    assert len(chunks) == rows == expected.num_rows
    assert_same_data(chunks, expected)


# -- one deadline for the whole read --------------------------------------------------------

@pytest.mark.parametrize(("hang", "error"), [
    (r"^GET .*/readRequests/[0-9A-F]+$", ap.ReadRequestTimeoutError),  # status call
    (r"^POST .*/readRequests", ap.AnaplanTimeoutError),
    (r"^POST /token/authenticate", ap.AnaplanTimeoutError),
    (r"^GET .*/pages/", ap.ReadRequestTimeoutError),
    (r"^GET /2/0/models/[^/]+/views/\d+$", ap.AnaplanTimeoutError),  # metadata
])
def test_a_server_that_stops_answering_cannot_outlive_the_timeout(sim, connection, hang, error):
    sim.configure(faults=Faults(hang=hang, hang_seconds=30))
    started = time.monotonic()
    with pytest.raises(error, match=r"timeout of 1\.5 seconds"):
        read(connection, timeout=1.5)
    assert time.monotonic() - started < 2.5
    assert sim.live_requests() == []


def test_retry_after_beyond_the_deadline_fails_at_once_saying_so(sim, connection):
    sim.configure(faults=Faults(rate_limit=1.0, retry_after="86400",
                                fault_paths=r"^GET .*/readRequests/[0-9A-F]+$"))
    started = time.monotonic()
    with pytest.raises(ap.AnaplanError, match="Retry-After") as caught:
        read(connection, timeout=3)
    assert time.monotonic() - started < 1.5
    assert "86400" in str(caught.value)
    assert sim.live_requests() == []


def test_slow_pages_after_complete_are_bounded(sim, connection):
    sim.configure(faults=Faults(page_delay=5))
    started = time.monotonic()
    with pytest.raises(ap.ReadRequestTimeoutError):
        read(connection, timeout=1)
    assert time.monotonic() - started < 2.0
    assert sim.live_requests() == []


def test_a_trickling_body_is_bounded_too(sim, connection):
    sim.configure(faults=Faults(bandwidth=20_000))  # pages of ~30 kB take seconds
    started = time.monotonic()
    with pytest.raises(ap.ReadRequestTimeoutError):
        read(connection, timeout=1)
    assert time.monotonic() - started < 2.0


def test_a_killed_server_is_given_up_on_within_the_timeout():
    server = subprocess.Popen(
        [sys.executable, "-m", "anaplan_pandas.simulator", "--rows", "3456",
         "--rows-per-page", "500", "--pages-per-second", "2"],
        stdout=subprocess.PIPE, text=True)
    try:
        _, api_url, auth_url = server.stdout.readline().split()
        options = {"auth": ("analyst@example.com", "correct horse battery staple"),
                   "api_url": api_url, "auth_url": auth_url, **FAST}
        threading.Timer(1.0, server.kill).start()  # mid-read, pages still to come
        started = time.monotonic()
        with pytest.raises((ap.AnaplanTimeoutError, ap.AnaplanConnectionError)):
            ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, timeout=2.5, **options)
        assert time.monotonic() - started < 3.5
    finally:
        server.kill()
        server.wait(10)
        server.stdout.close()  # else its pipe is closed by the garbage collector, mid-test


BACKGROUND = """
import time, anaplan_pandas as ap
handle = ap.start_view_read({ws!r}, {model!r}, {view!r}, auth=({user!r}, {password!r}),
                            api_url={api!r}, auth_url={auth!r}, progress=None,
                            poll_interval=0.05)
time.sleep(1.0)
print("leaving", flush=True)
"""


def test_interpreter_exit_is_not_held_up_by_a_hung_download(sim):
    sim.configure(faults=Faults(hang=r"^GET .*/pages/", hang_seconds=120))
    user, password = sim.credentials
    code = BACKGROUND.format(ws=WORKSPACE_ID, model=MODEL_ID, view=REVENUE_VIEW_ID, user=user,
                             password=password, api=sim.api_url, auth=sim.auth_url)
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert "leaving" in result.stdout, result.stderr
    assert time.monotonic() - started < 10
    assert sim.live_requests() == []


# -- retries tell the truth ------------------------------------------------------------------

def test_a_post_answered_429_is_retried_honouring_retry_after(sim, connection):
    sim.configure(faults=Faults(rate_limit=0.5, retry_after="0.2", seed=1,
                                fault_paths=r"^POST .*/readRequests"))
    assert_same_data(read(connection), sim.expected_frame("view", REVENUE_VIEW_ID))
    posts = [c.status for c in sim.calls if c.method == "POST" and "readRequests" in c.path]
    assert 429 in posts and posts[-1] == 200
    assert len(sim.live_requests()) == 0


def test_the_number_of_tries_in_a_message_is_true(sim, connection):
    sim.configure(faults=Faults(rate_limit=1.0, retry_after="0",
                                fault_paths=r"^POST .*/readRequests"))
    with pytest.raises(ap.RateLimitError, match="6 times"):
        read(connection)
    posts = [c for c in sim.calls if c.method == "POST" and "readRequests" in c.path]
    assert len(posts) == 6


# -- what goes into a URL path ---------------------------------------------------------------

def test_a_malformed_request_id_from_the_server_is_never_put_in_a_path(sim, connection):
    sim.configure(faults=Faults(request_id="../../lists/101000000007/readRequests/ABC"))
    with pytest.raises(ap.UnexpectedResponseError, match="requestId must be 32 hexadecimal"):
        read(connection)
    assert not [c for c in sim.calls if "lists/101000000007" in c.path or "ABC" in c.path]
    sim.expire_requests()  # its real id was never told, so nobody can delete it


def test_the_cli_refuses_a_request_id_that_is_not_an_id_before_any_call(
        sim, monkeypatch, capsys):
    user, password = sim.credentials
    for name, value in (("ANAPLAN_USERNAME", user), ("ANAPLAN_PASSWORD", password),
                        ("ANAPLAN_API_URL", sim.api_url), ("ANAPLAN_AUTH_URL", sim.auth_url)):
        monkeypatch.setenv(name, value)
    status = main(["delete", "view", WORKSPACE_ID, MODEL_ID, str(REVENUE_VIEW_ID),
                   "../../../../lists/101000000007/readRequests/ABC"])
    assert status == 2
    assert "32 hexadecimal" in capsys.readouterr().err
    assert sim.calls == []


# -- redirects -------------------------------------------------------------------------------

def test_a_redirect_to_a_remote_plain_http_host_is_never_followed(sim, connection, monkeypatch):
    attempts = []
    real = urllib3.util.connection.create_connection

    def loopback_only(address, *args, **kwargs):
        if address[0] not in ("127.0.0.1", "localhost"):
            attempts.append(address)
            raise OSError("this test refuses to leave the machine")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", loopback_only)
    sim.configure(faults=Faults(redirect="http://203.0.113.9/2/0"))
    with pytest.raises(ap.UnexpectedResponseError, match="redirect") as caught:
        read(connection)
    assert "http://203.0.113.9" in str(caught.value)
    assert attempts == []


# -- the authentication service on a bad day --------------------------------------------------

def test_auth_calls_are_retried_through_an_outage(sim, connection):
    sim.configure(faults=Faults(auth_unavailable=0.5, seed=1))
    assert_same_data(read(connection), sim.expected_frame("view", REVENUE_VIEW_ID))
    assert any(c.status == 503 and c.path.startswith("/token/") for c in sim.calls)


def test_an_auth_outage_is_an_outage_not_a_refusal(sim, monkeypatch, capsys):
    sim.configure(faults=Faults(auth_unavailable=1.0))
    user, password = sim.credentials
    for name, value in (("ANAPLAN_USERNAME", user), ("ANAPLAN_PASSWORD", password),
                        ("ANAPLAN_API_URL", sim.api_url), ("ANAPLAN_AUTH_URL", sim.auth_url)):
        monkeypatch.setenv(name, value)
    status = main(["ls", "workspaces"])
    err = capsys.readouterr().err
    assert status == 7, err
    assert "unavailable" in err and "refused" not in err


def test_a_dropped_connection_on_refresh_does_not_fail_the_read(sim, connection):
    sim.configure(faults=Faults(token_lifetime=1.0, pages_per_second=5, reset=0.5, seed=1,
                                fault_paths=r"^POST /token/refresh"))
    assert_same_data(read(connection), sim.expected_frame("view", REVENUE_VIEW_ID))
    assert any(c.path == "/token/refresh" for c in sim.calls)


# -- minor ----------------------------------------------------------------------------------

def test_an_expired_fixed_token_says_the_request_was_not_deleted(sim, connection):
    sim.configure(faults=Faults(token_lifetime=0.5, pages_per_second=4))
    token = sim.issue_token()
    with pytest.raises(ap.AuthenticationError) as caught:
        read({**connection, "auth": token})
    message = str(caught.value)
    assert "NOT deleted" in message and "anaplan-pandas delete view" in message
    assert len(sim.live_requests()) == 1 and sim.live_requests()[0] in message
    _delete_live_requests(sim)


def _delete_live_requests(sim):
    sim.configure(faults=Faults())
    with ap.connect(sim.credentials, sim.api_url, sim.auth_url) as conn:
        target = ap.Target.of("view", WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID)
        for request_id in sim.live_requests():
            ap.ReadRequest(conn, target, request_id).delete()
    assert sim.live_requests() == []


def test_server_text_that_echoes_the_token_is_redacted(sim, connection):
    sim.configure(faults=Faults(echo_token=True))
    with pytest.raises(ap.NotFoundError) as caught:
        ap.read_view(WORKSPACE_ID, MODEL_ID, 102000000099, **connection)
    assert "AnaplanAuthToken <hidden>" in str(caught.value)
    assert "AnaplanAuthToken <hidden>" in caught.value.server_message


def test_an_undocumented_state_ends_the_read_and_deletes_the_request(sim, connection):
    sim.configure(faults=Faults(request_state="FAILED"))
    started = time.monotonic()
    with pytest.raises(ap.UnexpectedResponseError, match="'FAILED'") as caught:
        read(connection)
    assert time.monotonic() - started < 2
    assert "has been deleted" in str(caught.value)
    assert sim.live_requests() == []


def test_a_delete_answered_204_means_deleted(sim, connection):
    sim.configure(faults=Faults(delete_status=204))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        frame = read(connection)
    assert len(frame) == sim.expected_frame("view", REVENUE_VIEW_ID).num_rows


def test_a_delete_answered_403_is_not_reported_as_deleted(sim, connection):
    sim.configure(faults=Faults(delete_status=403, fail_after_pages=1))
    with pytest.raises(ap.ExportFailedError) as caught:
        read(connection)
    assert caught.value.deleted is False
    assert "NOT deleted" in str(caught.value)
    assert len(sim.live_requests()) == 1
    _delete_live_requests(sim)


def test_a_token_that_looks_expired_by_the_local_clock_is_not_refreshed_every_call(
        sim, connection):
    sim.configure(faults=Faults(clock_skew=-7200, pages_per_second=200))
    read(connection)
    refreshes = [c for c in sim.calls if c.path == "/token/refresh"]
    api_calls = [c for c in sim.calls if c.path.startswith("/2/0/")]
    assert len(api_calls) > 10 and refreshes == []


def test_no_page_download_reaches_the_server_after_the_delete(sim, connection):
    sim.configure(faults=Faults(page_delay=0.5, pages_per_second=50))
    with pytest.raises(ap.ReadRequestTimeoutError):
        read(connection, timeout=0.7, max_workers=4)
    time.sleep(1.0)  # anything still in flight would have landed by now
    delete = next(i for i, c in enumerate(sim.calls) if c.method == "DELETE")
    after = [c for c in sim.calls[delete + 1:] if "/pages/" in c.path]
    assert [c for c in after if c.status == 404] == []


@pytest.mark.parametrize(("option", "value"), [
    ("poll_interval", float("nan")), ("poll_interval", 0), ("poll_interval", -1),
    ("timeout", float("nan")), ("timeout", 0), ("timeout", -5), ("timeout", "3"),
    ("max_workers", 0), ("retries", -1), ("dtype_backend", "arrow"),
    ("chunksize", 2.5), ("chunksize", 0), ("export_type", "GRID"), ("compression", "br"),
])
def test_bad_options_are_refused_before_any_call(sim, connection, option, value):
    with pytest.raises(ValueError, match=option):
        read(connection, **{option: value})
    assert sim.calls == []


def test_output_destinations_are_checked_before_the_export_starts(sim, connection, tmp_path):
    for path, says in ((tmp_path, "is a directory"), (tmp_path / "missing" / "out.csv",
                                                       "does not exist")):
        with pytest.raises(OSError, match=says):
            ap.save_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, path, file_format="csv",
                         **connection)
    assert not [c for c in sim.calls if c.method == "POST" and "readRequests" in c.path]


def test_a_planted_link_at_the_temporary_name_is_never_followed(sim, connection, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (tmp_path / "out.csv.partial").symlink_to(victim)
    ap.save_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, tmp_path / "out.csv", **connection)
    assert victim.read_text() == "precious"
    assert len(pd.read_csv(tmp_path / "out.csv")) == sim.expected_frame(
        "view", REVENUE_VIEW_ID).num_rows


def test_two_saves_to_one_path_do_not_mix(sim, connection, tmp_path):
    sim.configure(faults=Faults(pages_per_second=40))
    target = tmp_path / "out.parquet"
    results: list[object] = []
    threads = [threading.Thread(target=lambda: results.append(ap.save_view(
        WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, target, **connection))) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    expected = sim.expected_frame("view", REVENUE_VIEW_ID).num_rows
    assert results == [expected, expected]
    assert len(pd.read_parquet(target)) == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.parquet"]


def test_cli_status_and_delete_log_out(sim, connection, monkeypatch, capsys):
    user, password = sim.credentials
    for name, value in (("ANAPLAN_USERNAME", user), ("ANAPLAN_PASSWORD", password),
                        ("ANAPLAN_API_URL", sim.api_url), ("ANAPLAN_AUTH_URL", sim.auth_url)):
        monkeypatch.setenv(name, value)
    transport = ap.connect(sim.credentials, sim.api_url, sim.auth_url)
    target = ap.Target.of("view", WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID)
    request = ap.ReadRequest.start(transport, target)
    transport.close()  # logs out; the request is left for the command
    for action in ("status", "delete"):
        sim.reset_records()
        assert main([action, "view", WORKSPACE_ID, MODEL_ID, str(REVENUE_VIEW_ID),
                     request.request_id]) == 0
        paths = [c.path for c in sim.calls]  # recorded as each answer ends, so in any order
        assert paths.count("/token/authenticate") == paths.count("/token/logout") == 1
    assert sim.live_requests() == []
    capsys.readouterr()


# -- signals ----------------------------------------------------------------------------------

CHUNK_LOOP = """
import anaplan_pandas as ap
ap.stop_on_sigterm()
for chunk in ap.read_view({ws!r}, {model!r}, {view!r}, auth=({user!r}, {password!r}),
                          api_url={api!r}, auth_url={auth!r}, progress=None,
                          poll_interval=0.05, chunksize=100):
    pass
"""


def _terminate_mid_read(sim, child, before: set[str]) -> str:
    """Send SIGTERM once the child downloads pages; return what it wrote to stderr.

    ``before`` holds the requests that existed before the child started: a page fetched for
    one of them (a download of an earlier test finishing late) is not the child's.
    """
    def childs_pages() -> bool:
        return any(f.request_id not in before for f in list(sim.page_fetches))

    try:
        deadline = time.monotonic() + 20
        while not childs_pages() and time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.02)
        assert childs_pages(), "the read never reached the pages"
        child.send_signal(signal.SIGTERM)
        return child.communicate(timeout=30)[1]
    finally:
        if child.poll() is None:
            child.kill()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_in_a_script_chunk_loop_deletes_the_request(sim):
    sim.configure(faults=Faults(pages_per_second=3))
    user, password = sim.credentials
    code = CHUNK_LOOP.format(ws=WORKSPACE_ID, model=MODEL_ID, view=REVENUE_VIEW_ID, user=user,
                             password=password, api=sim.api_url, auth=sim.auth_url)
    before = {*sim.requests, *sim.completed_requests}  # live or deleted already
    child = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)
    stderr = _terminate_mid_read(sim, child, before)
    assert "Terminated" in stderr
    assert sim.live_requests() == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_to_the_cli_deletes_the_request_and_exits_143(sim, tmp_path):
    sim.configure(faults=Faults(pages_per_second=3))
    user, password = sim.credentials
    env = {**os.environ, "ANAPLAN_USERNAME": user, "ANAPLAN_PASSWORD": password,
           "ANAPLAN_API_URL": sim.api_url, "ANAPLAN_AUTH_URL": sim.auth_url}
    before = {*sim.requests, *sim.completed_requests}  # live or deleted already
    child = subprocess.Popen(
        [sys.executable, "-m", "anaplan_pandas.cli", "read-view", WORKSPACE_ID, MODEL_ID,
         str(REVENUE_VIEW_ID), "-o", str(tmp_path / "out.parquet"), "--quiet"],
        stderr=subprocess.PIPE, text=True, env=env)
    stderr = _terminate_mid_read(sim, child, before)
    assert child.returncode == 143, stderr
    assert "terminated (SIGTERM); the read request was deleted" in stderr
    assert sim.live_requests() == []
    assert list(tmp_path.iterdir()) == []
