"""Two clients written against live tenants, run unchanged against the bundled simulator.

apapi (requests) and anaplan-sdk (httpx2) were both developed and tested against real Anaplan
tenants. Each documented endpoint they support is called here through their own code; where
one of them failed, the simulator was fixed to follow Anaplan's documentation (fields the live
schema has: ``currentSize``, ``memoryUsage``, ``modelTransactionRunning``, ``permittedItems``,
the line-item format metadata; the routes ``/models/{m}/lineItems``,
``/models/{m}/modules/{mod}/views``, model-direct list metadata and ``/lists/{l}/items``;
``True`` accepted as a boolean query value, as apapi sends it). No test here had to bend a
client.

Endpoints exercised:

- apapi: workspaces, one workspace, models (all, in a workspace), one model, modules, views
  (model, module), view axes, line items (model, module), lists, list metadata, list items
  (JSON, CSV), view data (JSON ``format=v1``, CSV grid), large read requests of views and
  lists (start, status, pages, delete);
- anaplan-sdk: workspaces, one workspace, models, one model, model details, modules, views,
  view info, line items (model, module), lists, list metadata, list items, view data
  (JSON, CSV). It has no large read requests.
"""

from __future__ import annotations

import io
import time

import anaplan_sdk
import apapi
import httpx2
import pandas as pd
import pytest

from anaplan_pandas.simulator import (
    CUSTOMERS_LIST_ID,
    MODEL_ID,
    PRICE_BOOK_VIEW_ID,
    REGIONS_LIST_ID,
    REVENUE_VIEW_ID,
    WORKSPACE_ID,
    Faults,
)
from anaplan_pandas.simulator.bulk_exports import CUSTOMERS_EXPORT_ID


@pytest.fixture
def apapi_connection(sim):
    from apapi.utils import get_generic_session

    user, password = sim.credentials
    auth = apapi.BasicAuth(f"{user}:{password}", auth_url=sim.base_url,
                           session=get_generic_session(retry_count=0))
    try:
        yield apapi.Connection(auth, api_url=sim.base_url)
    finally:
        auth.close()  # cancels its refresh timer and logs out


def test_apapi_finds_everything(sim, apapi_connection):
    conn = apapi_connection
    assert [w["id"] for w in conn.get_workspaces().json()["workspaces"]] == [WORKSPACE_ID]
    assert conn.get_workspaces().json()["workspaces"][0]["currentSize"] > 0
    assert conn.get_workspace(WORKSPACE_ID).json()["workspace"]["name"] == "Sales Planning"
    assert conn.get_models().json()["models"][0]["memoryUsage"] > 0
    assert conn.get_workspace_models(WORKSPACE_ID).json()["models"][0]["id"] == MODEL_ID
    assert conn.get_model(MODEL_ID).json()["model"]["currentWorkspaceId"] == WORKSPACE_ID
    modules = conn.get_modules(MODEL_ID).json()["modules"]
    assert [m["name"] for m in modules] == ["Revenue Plan", "Price Book"]
    assert len(conn.get_views(MODEL_ID).json()["views"]) == 2
    module_views = conn.get_module_views(MODEL_ID, modules[0]["id"]).json()["views"]
    assert [v["id"] for v in module_views] == [str(REVENUE_VIEW_ID)]
    axes = conn.get_view_dimensions(MODEL_ID, REVENUE_VIEW_ID).json()
    assert [d["name"] for d in axes["pages"]] == ["Regions"]
    items = conn.get_lineitems(MODEL_ID).json()["items"]
    assert {i["name"] for i in items} >= {"Units", "Revenue", "List Price"}
    module_items = conn.get_module_lineitems(MODEL_ID, modules[1]["id"]).json()["items"]
    assert {i["format"] for i in module_items} == {"NUMBER", "TEXT", "BOOLEAN"}
    lists = conn.get_lists(MODEL_ID).json()["lists"]
    assert [x["name"] for x in lists] == ["Products", "Regions", "Customers"]
    metadata = conn.get_list(MODEL_ID, CUSTOMERS_LIST_ID).json()["metadata"]
    assert metadata["itemCount"] == sim.expected_frame("list", CUSTOMERS_LIST_ID).num_rows


def test_apapi_reads_list_items_and_view_data(sim, apapi_connection):
    from apapi.utils import MIMEType

    conn = apapi_connection
    regions = sim.expected_frame("list", REGIONS_LIST_ID)
    items = conn.get_list_items(MODEL_ID, REGIONS_LIST_ID).json()["listItems"]
    assert [i["name"] for i in items] == regions.column("Name").to_pylist()
    csv = conn.get_list_items(MODEL_ID, REGIONS_LIST_ID, accept=MIMEType.TEXT_CSV).text
    assert len(pd.read_csv(io.StringIO(csv))) == regions.num_rows
    data = conn.get_cell_data(MODEL_ID, PRICE_BOOK_VIEW_ID).json()
    assert len(data["rows"]) == sim.expected_frame("view", PRICE_BOOK_VIEW_ID).num_rows
    grid = conn.get_cell_data(MODEL_ID, PRICE_BOOK_VIEW_ID, accept=MIMEType.TEXT_CSV).text
    assert grid.splitlines()[0].startswith(",List Price")


@pytest.mark.parametrize("kind", ["view", "list"])
def test_apapi_large_read_requests(sim, apapi_connection, kind):
    from apapi.utils import ExportType

    conn = apapi_connection
    if kind == "view":
        object_id = REVENUE_VIEW_ID
        start = lambda: conn.start_large_cell_read(  # noqa: E731
            MODEL_ID, object_id, ExportType.TABULAR_MULTI)
        status = lambda rid: conn.get_large_cell_read_status(MODEL_ID, object_id, rid)  # noqa: E731
        page = lambda rid, n: conn.get_large_cell_read_data(MODEL_ID, object_id, rid, n)  # noqa: E731
        delete = lambda rid: conn.delete_large_cell_read(MODEL_ID, object_id, rid)  # noqa: E731
    else:
        object_id = CUSTOMERS_LIST_ID
        start = lambda: conn.start_large_list_read(MODEL_ID, object_id)  # noqa: E731
        status = lambda rid: conn.get_large_list_read_status(MODEL_ID, object_id, rid)  # noqa: E731
        page = lambda rid, n: conn.get_large_list_read_data(MODEL_ID, object_id, rid, n)  # noqa: E731
        delete = lambda rid: conn.delete_large_list_read(MODEL_ID, object_id, rid)  # noqa: E731
    key = f"{kind}ReadRequest"
    request_id = start().json()[key]["requestId"]
    for _ in range(100):
        state = status(request_id).json()[key]
        if state["requestState"] == "COMPLETE":
            break
        time.sleep(0.05)
    assert state["successful"] is True
    body = b"".join(page(request_id, n).content for n in range(state["availablePages"]))
    frame = pd.read_csv(io.BytesIO(body), keep_default_na=False, dtype=str)
    assert len(frame) == sim.expected_frame(kind, object_id).num_rows
    assert delete(request_id).json()[key]["requestState"] in ("COMPLETE", "CANCELLED")
    assert sim.live_requests() == []


@pytest.fixture
def sdk_client(sim):
    from anaplan_sdk._auth import _AnaplanBasicAuth

    port = sim.port

    class LocalBasicAuth(_AnaplanBasicAuth):
        def _build_auth_request(self):  # the SDK's auth host is fixed in its code
            request = super()._build_auth_request()
            return httpx2.Request("POST", f"{sim.auth_url}/token/authenticate",
                                  headers={"Authorization": request.headers["Authorization"]})

    class ToSimulator(httpx2.HTTPTransport):  # and so are its API hosts
        def handle_request(self, request):
            if request.url.host.endswith("anaplan.com"):
                request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=port)
                request.headers["Host"] = f"127.0.0.1:{port}"
            return super().handle_request(request)

    user, password = sim.credentials
    client = anaplan_sdk.Client(workspace_id=WORKSPACE_ID, model_id=MODEL_ID,
                                auth=LocalBasicAuth(user, password), transport=ToSimulator(),
                                retry_count=1, backoff=0, status_poll_delay=0, page_size=1)
    try:
        yield client
    finally:
        client._http._client.close()


def test_anaplan_sdk_finds_everything(sim, sdk_client):
    client = sdk_client
    assert [w.id for w in client.get_workspaces()] == [WORKSPACE_ID]
    assert client.get_workspace().name == "Sales Planning"
    assert [m.id for m in client.get_models()] == [MODEL_ID]
    assert client.get_model().workspace_id == WORKSPACE_ID
    assert client.tr.get_model_details().name == "FP&A Model"
    modules = client.tr.get_modules()  # page_size=1: every listing spans pages
    assert [m.name for m in modules] == ["Revenue Plan", "Price Book"]
    assert len(client.tr.get_views()) == 2
    info = client.tr.get_view_info(int(REVENUE_VIEW_ID))
    assert [d.name for d in info.pages] == ["Regions"]
    assert {i.name for i in client.tr.get_line_items()} >= {"Units", "List Price"}
    assert len(client.tr.get_line_items(only_module_id=modules[1].id)) == 3
    assert [x.name for x in client.tr.get_lists()] == ["Products", "Regions", "Customers"]
    metadata = client.tr.get_list_metadata(int(CUSTOMERS_LIST_ID))
    assert metadata.item_count == sim.expected_frame("list", CUSTOMERS_LIST_ID).num_rows


def test_anaplan_sdk_reads_list_items_and_view_data(sim, sdk_client):
    client = sdk_client
    regions = sim.expected_frame("list", REGIONS_LIST_ID)
    items = client.tr.get_list_items(int(REGIONS_LIST_ID))
    assert [i.name for i in items] == regions.column("Name").to_pylist()
    data = client.tr.get_view_data(int(PRICE_BOOK_VIEW_ID))
    assert len(data["rows"]) == sim.expected_frame("view", PRICE_BOOK_VIEW_ID).num_rows
    csv = client.tr.get_view_data(int(PRICE_BOOK_VIEW_ID), data_format="text/csv")
    assert csv.decode().splitlines()[0].startswith(",List Price")


def test_anaplan_sdk_runs_an_export_and_downloads_its_file(sim, sdk_client):
    """The SDK's export_and_download: task, status, then get_file (whole, or by chunks)."""
    sim.configure(faults=Faults(chunk_bytes=20_000))
    exports = {e.name: e.id for e in sdk_client.get_exports()}
    data = sdk_client.export_and_download(exports["Customers.csv"])
    assert data == sim.bulk.files[CUSTOMERS_EXPORT_ID] == plain_download(sim,
                                                                         CUSTOMERS_EXPORT_ID)
    tasks = sdk_client.get_task_summaries(exports["Customers.csv"])
    assert tasks and tasks[-1].task_state == "COMPLETE"
    sim.configure(faults=Faults(chunk_bytes=10_000_000))  # one chunk: GET …/files/{id}
    assert sdk_client.get_file(exports["Customers.csv"]) == sim.bulk.files[CUSTOMERS_EXPORT_ID]


def test_apapi_downloads_an_export_file_as_the_plain_client_does(sim, apapi_connection):
    sim.configure(faults=Faults(chunk_bytes=20_000))
    conn = apapi_connection
    task = conn.run_export(MODEL_ID, CUSTOMERS_EXPORT_ID).json()["task"]["taskId"]
    state = conn.get_export_task(MODEL_ID, CUSTOMERS_EXPORT_ID, task).json()["task"]
    assert state["taskState"] == "COMPLETE"
    assert b"".join(conn.download_file(MODEL_ID, CUSTOMERS_EXPORT_ID)) == \
        plain_download(sim, CUSTOMERS_EXPORT_ID)


def plain_download(sim, file_id):
    """The file's bytes by the documented calls, with nothing but the standard library."""
    import json
    import urllib.request

    token = sim.issue_token()
    base = f"{sim.api_url}/workspaces/{WORKSPACE_ID}/models/{MODEL_ID}/files/{file_id}"

    def get(url):
        request = urllib.request.Request(url, headers={
            "Authorization": f"AnaplanAuthToken {token}"})
        with urllib.request.urlopen(request, timeout=10) as answer:  # 127.0.0.1 only
            return answer.read()

    chunks = json.loads(get(f"{base}/chunks")).get("chunks", [])
    return b"".join(get(f"{base}/chunks/{c['id']}") for c in chunks)
