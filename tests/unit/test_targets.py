"""Id checks before any request is sent."""

from __future__ import annotations

import pytest
import responses

import anaplan_pandas as ap

WS = "8a8196b15b7dbae6015b8694411d13fe"
MODEL = "75A40874E6B64FA3AE0743278996850F"


@pytest.mark.parametrize(("args", "name"), [
    ((WS, MODEL, -5), "view_id"),
    ((WS, MODEL, 1.5), "view_id"),
    ((WS, MODEL, True), "view_id"),
    ((WS, MODEL, ""), "view_id"),
    ((None, MODEL, 1), "workspace_id"),
    ((WS, 42, 1), "model_id"),
])
@responses.activate
def test_ids_that_are_neither_ids_nor_names_fail_before_any_request(args, name):
    with pytest.raises(ValueError, match=name):
        ap.read_view(*args, auth="token", progress=None)
    assert len(responses.calls) == 0


def test_list_ids_are_checked_too():
    with pytest.raises(ValueError, match="list_id"):
        ap.read_list(WS, MODEL, 3.5, auth="token", progress=None)


def test_target_path_and_description():
    target = ap.Target.of("list", WS, MODEL, "101000000004")
    assert target.path == f"/workspaces/{WS}/models/{MODEL}/lists/101000000004"
    assert "list 101000000004" in target.describe() and MODEL in target.describe()


def test_unknown_option_is_a_type_error():
    with pytest.raises(TypeError, match="poll_intervall"):
        ap.read_view(WS, MODEL, 1, auth="token", progress=None, poll_intervall=1)


def test_invalid_option_values():
    with pytest.raises(ValueError, match="retries"):
        ap.read_view(WS, MODEL, 1, auth="token", progress=None, retries=-1)
