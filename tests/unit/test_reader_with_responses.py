"""read_view and read_list end to end with the HTTP layer mocked."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest
import responses

import anaplan_pandas as ap

API = "https://api.anaplan.com/2/0"
WS = "8a8196b15b7dbae6015b8694411d13fe"
MODEL = "75A40874E6B64FA3AE0743278996850F"
VIEW = "102000000001"
LIST = "101000000004"
RID = "F296566FA2CE4468925D8B85F2402541"
HEADER = b"Products,Regions,Units,Note\n"
ROWS = [b"001,2024,1,\n", b'"Caf\xc3\xa9, 250g",NA,2.5,"say ""hi"""\n', b"x,EMEA,,z\n"]


def setup_view(pages, *, kind="view", metadata=None, page_headers=None):
    base = f"{API}/workspaces/{WS}/models/{MODEL}/{kind}s/{VIEW if kind == 'view' else LIST}"
    key = f"{kind}ReadRequest"
    responses.add(responses.POST, f"{base}/readRequests",
                  json={key: {"requestId": RID, "requestState": "NOT_STARTED", "url": "u"}})
    responses.add(responses.GET, f"{base}/readRequests/{RID}",
                  json={key: {"requestId": RID, "requestState": "COMPLETE",
                              "availablePages": len(pages), "successful": True}})
    for n, page in enumerate(pages):
        responses.add(responses.GET, f"{base}/readRequests/{RID}/pages/{n}", body=page,
                      headers=page_headers or {}, content_type="text/csv")
    responses.add(responses.DELETE, f"{base}/readRequests/{RID}",
                  json={key: {"requestId": RID, "requestState": "COMPLETE"}})
    if kind == "view":
        responses.add(responses.GET, f"{API}/models/{MODEL}/views", json={
            "views": [{"id": VIEW, "name": "Revenue", "moduleId": VIEW}],
            "meta": {"paging": {"totalSize": 1}}})
        responses.add(responses.GET, f"{API}/models/{MODEL}/modules/{VIEW}/lineItems", json={
            "items": [{"name": "Units", "format": "NUMBER"}, {"name": "Note", "format": "TEXT"}]})
        responses.add(responses.GET, f"{API}/models/{MODEL}/views/{VIEW}", json=metadata or {
            "viewId": VIEW, "viewName": "Revenue",
            "rows": [{"id": "1", "name": "Products"}], "pages": [{"id": "2", "name": "Regions"}],
            "columns": [{"id": "101999999999", "name": "Line Items"}]})
    else:
        responses.add(responses.GET, base, json={"metadata": {"properties": [
            {"name": "Units", "format": "NUMBER"}, {"name": "Note", "format": "TEXT"}]}})


def read(**kw):
    return ap.read_view(WS, MODEL, VIEW, auth="tok", progress=None, poll_interval=0.001, **kw)


EXPECTED = pd.DataFrame({
    "Products": ["001", "Café, 250g", "x"],
    "Regions": ["2024", "NA", "EMEA"],
    "Units": [1.0, 2.5, None],
    "Note": [None, 'say "hi"', "z"],
})


def check(frame):
    got = frame.astype({"Products": str, "Regions": str})
    pd.testing.assert_frame_equal(got, EXPECTED, check_dtype=False)


@pytest.mark.parametrize("pages", [
    [HEADER + ROWS[0], ROWS[1], ROWS[2]],
    [HEADER + ROWS[0], HEADER + ROWS[1], HEADER + ROWS[2]],
    [b"\xef\xbb\xbf" + HEADER + ROWS[0] + ROWS[1][:12], ROWS[1][12:] + ROWS[2]],
    [(HEADER + b"".join(ROWS)).replace(b"\n", b"\r\n")],
    [HEADER + b"".join(ROWS)[:-1]],  # no final line end
], ids=["header-first", "header-every", "bom-and-split", "crlf", "no-final-newline"])
@responses.activate
def test_every_page_shape_gives_the_same_frame(pages):
    setup_view(pages)
    check(read())


@responses.activate
def test_gzip_encoded_pages():
    setup_view([gzip.compress(HEADER + b"".join(ROWS))], page_headers={"Content-Encoding": "gzip"})
    check(read())


@responses.activate
def test_empty_view_with_a_header_page():
    setup_view([HEADER])
    frame = read()
    assert list(frame.columns) == ["Products", "Regions", "Units", "Note"] and frame.empty


@responses.activate
def test_empty_view_with_no_pages():
    setup_view([])
    frame = read()
    assert frame.empty and list(frame.columns) == []


@responses.activate
def test_view_metadata_without_a_pages_axis():
    setup_view([HEADER + b"".join(ROWS)], metadata={
        "viewId": VIEW, "rows": [{"id": "1", "name": "Products"}, {"id": "2", "name": "Regions"}],
        "columns": [{"id": "3", "name": "Line Items"}]})
    check(read())


@responses.activate
def test_malformed_metadata_falls_back_to_inference_with_a_warning():
    setup_view([HEADER + ROWS[0]], metadata={"rows": "Products"})
    with pytest.warns(UserWarning, match="inferred"):
        frame = read()
    assert frame["Products"].tolist() == ["001"]  # leading zeros: text even unguided
    assert frame["Regions"].tolist() == [2024.0]  # without metadata, names are guessed


@responses.activate
def test_rows_with_the_wrong_field_count_name_the_page_and_request():
    setup_view([HEADER + b"a,b,1\n"])
    with pytest.raises(ap.UnexpectedResponseError, match=f"page 0 of read request {RID}"):
        read()
    assert responses.calls[-1].request.method == "DELETE"


@responses.activate
def test_list_types_follow_property_formats():
    setup_view([HEADER + b"".join(ROWS)], kind="list")
    frame = ap.read_list(WS, MODEL, LIST, auth="tok", progress=None, poll_interval=0.001)
    check(frame.astype({"Products": str}))
    assert responses.calls[0].request.body in (b"{}", "{}")


@responses.activate
def test_dtype_backend_pyarrow():
    setup_view([HEADER + b"".join(ROWS)])
    frame = read(dtype_backend="pyarrow")
    assert str(frame["Units"].dtype) == "double[pyarrow]"


@responses.activate
def test_line_item_formats_keep_numeric_looking_text_as_text():
    setup_view([HEADER + b"a,EMEA,1,0042\nb,EMEA,2,17\n", b"c,EMEA,3,A-9\n"])
    frame = read()
    assert frame["Note"].tolist() == ["0042", "17", "A-9"]  # TEXT line item: never numbers
    assert frame["Units"].dtype == "float64"
