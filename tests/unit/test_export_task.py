"""Bulk export tasks with the HTTP layer mocked: what no sample export of the simulator has."""

from __future__ import annotations

import pandas as pd
import pytest
import responses

import anaplan_pandas as ap
from anaplan_pandas.sources.export_task import ExportDefinition

API = "https://api.anaplan.com/2/0"
WS = "8a8196b15b7dbae6015b8694411d13fe"
MODEL = "75A40874E6B64FA3AE0743278996850F"
EXPORT = "116000000009"
TASK = "F362B99442C54425970E200037D48A91"
BASE = f"{API}/workspaces/{WS}/models/{MODEL}"


def setup_export(chunks, *, metadata=None, file_entry=None, chunk_type="application/octet-stream"):
    meta = {"exportFormat": "text/csv", "encoding": "UTF-8", "separator": ",",
            "delimiter": '"', "headerNames": ["Item", "Value"],
            "dataTypes": ["ENTITY", "NUMBER"], **(metadata or {})}
    responses.add(responses.GET, f"{BASE}/exports/{EXPORT}", json={"exportMetadata": meta})
    responses.add(responses.GET, f"{BASE}/exports", json={
        "exports": [{"id": EXPORT, "name": "Items.csv", "exportType": "TABULAR_MULTI_COLUMN",
                     "exportFormat": meta["exportFormat"]}], "meta": {"paging": {"totalSize": 1}}})
    responses.add(responses.POST, f"{BASE}/exports/{EXPORT}/tasks",
                  json={"task": {"taskId": TASK}})
    responses.add(responses.GET, f"{BASE}/exports/{EXPORT}/tasks", json={"tasks": [
        {"taskId": TASK, "taskState": "COMPLETE", "creationTime": 1765000000000}]})
    responses.add(responses.GET, f"{BASE}/exports/{EXPORT}/tasks/{TASK}", json={"task": {
        "taskId": TASK, "taskState": "COMPLETE", "progress": 1.0, "currentStep": "Complete.",
        "result": {"successful": True, "failureDumpAvailable": False, "details": []}}})
    entry = {"id": EXPORT, "name": "Items.csv", "chunkCount": len(chunks), "headerRow": 1,
             "firstDataRow": 2, **(file_entry or {})}
    responses.add(responses.GET, f"{BASE}/files", json={"files": [entry]})
    listing = {"chunks": [{"id": str(n), "name": f"Chunk {n}"} for n in range(len(chunks))]}
    responses.add(responses.GET, f"{BASE}/files/{EXPORT}/chunks", json=listing if chunks else {})
    for n, data in enumerate(chunks):
        responses.add(responses.GET, f"{BASE}/files/{EXPORT}/chunks/{n}", body=data,
                      content_type=chunk_type)


def read(**kw):
    return ap.read_export(WS, MODEL, EXPORT, auth="tok", progress=None, poll_interval=0.001,
                          **kw)


def cut(data: bytes, size: int) -> list[bytes]:
    return [data[i:i + size] for i in range(0, len(data), size)]


EXPECTED = pd.DataFrame({"Item": ["001", "Zürich, \"Nord\"", "株式会社"],
                         "Value": [1.5, None, 3.0]})
TEXT = 'Item,Value\n001,1.5\n"Zürich, ""Nord""",\n株式会社,3\n'


def assert_expected(frame):
    got = frame.astype({"Item": str})
    pd.testing.assert_frame_equal(got, EXPECTED, check_dtype=False)


@responses.activate
@pytest.mark.parametrize("encoding", ["UTF-8", "UTF-16", "Shift_JIS", "UTF-8-SIG"])
@pytest.mark.parametrize("size", [1, 3, 7])
def test_every_encoding_and_every_cut_gives_the_same_rows(encoding, size):
    text = TEXT if encoding != "Shift_JIS" else TEXT.replace("ü", "u")
    setup_export(cut(text.encode(encoding), size), metadata={"encoding": encoding})
    frame = read()
    assert frame["Item"].dtype == "category"  # ENTITY: item names, even "001"
    if encoding == "Shift_JIS":
        frame["Item"] = frame["Item"].astype(str).str.replace("u", "ü")
    assert_expected(frame)


@responses.activate
def test_a_file_without_header_and_an_empty_file():
    setup_export(cut(TEXT.split("\n", 1)[1].encode(), 5),
                 file_entry={"headerRow": 0, "firstDataRow": 1})
    assert_expected(read())
    responses.reset()
    setup_export([])
    empty = read()
    assert list(empty.columns) == ["Item", "Value"] and len(empty) == 0


@responses.activate
def test_a_header_further_down_is_refused_rather_than_misread():
    setup_export([TEXT.encode()], file_entry={"headerRow": 3, "firstDataRow": 4})
    with pytest.raises(ap.UnsupportedExportError, match="header on row 3"):
        read()


@responses.activate
def test_data_types_that_do_not_match_the_header_are_not_trusted():
    setup_export([b"Item,Value\n1,1.5\n2,2\n"], metadata={"dataTypes": ["ENTITY"]})
    frame = read()
    assert frame["Item"].tolist() == [1.0, 2.0]  # inferred: plain numbers everywhere
    definition = ExportDefinition(header_names=("A", "B"), data_types=("ENTITY",))
    assert definition.column_plan().dimensions == frozenset()


@responses.activate
@pytest.mark.parametrize(("metadata", "what"), [({"delimiter": "'"}, "quotes text with"),
                                            ({"separator": "||"}, "separates columns"),
                                            ({"encoding": "EBCDIC-Martian"}, "does not know"),
                                            ({"exportFormat": "application/pdf"}, "pdf")])
def test_a_dialect_this_library_cannot_read_is_refused_before_running(metadata, what):
    setup_export([TEXT.encode()], metadata=metadata)
    with pytest.raises(ap.UnsupportedExportError, match=what):
        read()
    assert not any(c.request.method == "POST" for c in responses.calls)


@responses.activate
def test_a_chunk_answered_200_with_an_error_page_is_fetched_again():
    chunks = cut(TEXT.encode(), 9)
    setup_export(chunks)
    url = f"{BASE}/files/{EXPORT}/chunks/1"
    responses.remove(responses.GET, url)
    responses.add(responses.GET, url, body=b'{"status": {"code": 500}}',
                  content_type="application/json")
    responses.add(responses.GET, url, body=chunks[1], content_type="application/octet-stream")
    assert_expected(read())
    tries = [c for c in responses.calls if c.request.url.endswith("/chunks/1")]
    assert len(tries) == 2


@responses.activate
def test_a_cancelled_task_and_an_undocumented_state():
    setup_export([TEXT.encode()])
    responses.replace(responses.GET, f"{BASE}/exports/{EXPORT}/tasks/{TASK}",
                      json={"task": {"taskId": TASK, "taskState": "CANCELLED"}})
    with pytest.raises(ap.ReadRequestCancelledError, match="cancelled on the server"):
        read()
    responses.replace(responses.GET, f"{BASE}/exports/{EXPORT}/tasks/{TASK}",
                      json={"task": {"taskId": TASK, "taskState": "PAUSED"}})
    responses.add(responses.DELETE, f"{BASE}/exports/{EXPORT}/tasks/{TASK}",
                  json={"task": {"taskId": TASK, "taskState": "CANCELLING"}})
    with pytest.raises(ap.UnexpectedResponseError, match="'PAUSED'"):
        read()
    # a task left in a state nobody documents is cancelled, not left to run
    assert [c.request.method for c in responses.calls].count("DELETE") == 1


@responses.activate
def test_a_failure_dump_is_pointed_at():
    setup_export([TEXT.encode()])
    responses.replace(responses.GET, f"{BASE}/exports/{EXPORT}/tasks/{TASK}", json={"task": {
        "taskId": TASK, "taskState": "COMPLETE",
        "result": {"successful": False, "failureDumpAvailable": True,
                   "details": [{"localMessageText": "3 rows failed"}]}}})
    with pytest.raises(ap.ExportFailedError, match=r"3 rows failed.*tasks/" + TASK + "/dump") \
            as caught:
        read()
    assert caught.value.failure_dump is True
