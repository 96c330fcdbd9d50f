"""The Dask reader (threads of this process) on page shapes no sample view has."""

from __future__ import annotations

import pandas as pd
import pytest
import responses

import anaplan_pandas as ap
import anaplan_pandas.dask as apd
from tests.unit.test_reader_with_responses import (
    API,
    HEADER,
    LIST,
    MODEL,
    RID,
    ROWS,
    VIEW,
    WS,
    setup_view,
)

OPTIONS = {"auth": "tok", "progress": None, "poll_interval": 0.001}


def both(kind="view"):
    """read_view's (or read_list's) frame, then the Dask reader's, on the same pages."""
    if kind == "view":
        frame = ap.read_view(WS, MODEL, VIEW, **OPTIONS)
        return frame, apd.read_view(WS, MODEL, VIEW, client=False, **OPTIONS)
    frame = ap.read_list(WS, MODEL, LIST, **OPTIONS)
    return frame, apd.read_list(WS, MODEL, LIST, client=False, **OPTIONS)


@pytest.mark.parametrize("pages", [
    [HEADER + ROWS[0], ROWS[1], ROWS[2]],
    [HEADER + ROWS[0], HEADER + ROWS[1], HEADER + ROWS[2]],
    [b"\xef\xbb\xbf" + HEADER + ROWS[0] + ROWS[1][:12], ROWS[1][12:] + ROWS[2]],
    [HEADER, ROWS[0] + ROWS[1][:5], ROWS[1][5:] + ROWS[2][:-1]],  # no final line end
], ids=["header-first", "header-every", "bom-and-split", "no-final-newline"])
@responses.activate
def test_every_page_shape_gives_read_view_s_frame(pages):
    setup_view(pages)
    frame, ddf = both()
    assert ddf.npartitions == len(pages)
    pd.testing.assert_frame_equal(ddf.compute(), frame)


@responses.activate
def test_a_last_record_without_line_end_seen_before_the_export_completed():
    base = f"{API}/workspaces/{WS}/models/{MODEL}/views/{VIEW}/readRequests/{RID}"
    running = {"viewReadRequest": {"requestId": RID, "requestState": "IN_PROGRESS",
                                   "availablePages": 2, "successful": False}}
    setup_view([HEADER + ROWS[0], ROWS[1] + ROWS[2][:-1]])
    frame = ap.read_view(WS, MODEL, VIEW, **OPTIONS)
    responses.reset()
    setup_view([HEADER + ROWS[0], ROWS[1] + ROWS[2][:-1]])
    responses.replace(responses.GET, base, json=running)  # first IN_PROGRESS, then COMPLETE
    responses.add(responses.GET, base, json={"viewReadRequest": {
        "requestId": RID, "requestState": "COMPLETE", "availablePages": 2, "successful": True}})
    ddf = apd.read_view(WS, MODEL, VIEW, client=False, **OPTIONS)
    pd.testing.assert_frame_equal(ddf.compute(), frame)
    assert len(ddf.compute()) == 3


@responses.activate
def test_a_typed_column_holding_text_later_is_text_in_every_partition():
    setup_view([HEADER + b"a,EMEA,1,x\n", b"b,EMEA,lots,y\n"], kind="list")
    with pytest.warns(UserWarning, match="holds text further on"):
        frame = ap.read_list(WS, MODEL, LIST, **OPTIONS)
    with pytest.warns(UserWarning, match="hold text further on") as caught:
        ddf = apd.read_list(WS, MODEL, LIST, client=False, **OPTIONS)
    assert [w.filename for w in caught] == [__file__]  # once, pointing at the caller
    assert ddf.compute()["Units"].tolist() == ["1", "lots"]
    pd.testing.assert_frame_equal(ddf.compute(), frame)


@responses.activate
def test_an_export_with_no_page_gives_an_empty_frame_like_read_view():
    setup_view([])
    frame, ddf = both()
    assert frame.empty and ddf.compute().empty and list(ddf.columns) == list(frame.columns)
