"""Every example notebook runs top to bottom against the simulator."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


def test_every_notebook_is_checked():
    assert sorted(p.stem for p in NOTEBOOKS) == sorted(EXPECTED_OUTPUT)


def execute(path: Path, workdir: Path) -> nbformat.NotebookNode:
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(workdir)}}).execute()
    return notebook


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """Every notebook, run in a kernel of its own, all at once (kernels mostly wait)."""
    with ThreadPoolExecutor(len(NOTEBOOKS)) as pool:
        runs = {path.stem: pool.submit(execute, path, tmp_path_factory.mktemp(path.stem))
                for path in NOTEBOOKS}
        return {name: run.result() for name, run in runs.items()}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path, executed):
    notebook = executed[path.stem]
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    text = "\n".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", ""))
                     for o in outputs)
    assert "Traceback" not in text
    for expected in EXPECTED_OUTPUT[path.stem]:
        assert expected in text, expected


EXPECTED_OUTPUT = {
    "01_quickstart": ["(200000, 8)", "successful=false",
                      "read requests left on the server: []"],
    "02_failures_and_retries": ["ExportFailedError", "deleted: True",
                                "after 4 read requests; left on the server: []",
                                "was cancelled on the server",
                                "when the timeout of 1 seconds passed",
                                "left on the server: []"],
    "03_big_views": ["same as read_view: True", "5 chunks", "DONE (500000, 8)"],
    "04_finding_your_data": ["Sales Planning", "Close matches: 'Revenue Plan' (102000000001)",
                             "Line Items", "data calls: 1 | read request calls: 0",
                             "Price Book.txt", "'List Price': 'float64'",
                             "writes 'application/vnd.ms-excel', not delimited text"],
    "05_dask_cluster": ["12 partitions, one per page; read requests left on the server: []",
                        "same as read_view: True", "Revenue"],
}


def test_a_failed_export_in_jupyter_shows_its_message_not_the_library_s_frames(tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(
        "import anaplan_pandas as ap\n"
        "from anaplan_pandas.simulator import *\n"
        "sim = Simulator(revenue_rows=2880, faults=Faults(fail_after_pages=1)).start()\n"
        "ap.read_view(WORKSPACE_ID, MODEL_ID, REVENUE_VIEW_ID, auth=sim.credentials,\n"
        "             api_url=sim.api_url, auth_url=sim.auth_url, progress=None)"),
        nbformat.v4.new_code_cell("ap.full_traceback()")]
    NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    [error] = [o for o in notebook.cells[0].outputs if o.output_type == "error"]
    shown = "\n".join(error.traceback)
    assert len(error.traceback) <= 4  # the message and its advice, not 100 lines of frames
    assert shown.startswith("ExportFailedError: Anaplan could not export view")
    assert "Start a new read" in shown and "full_traceback()" in shown
    full = "".join(o.get("text", "") for o in notebook.cells[1].outputs)
    assert "Traceback (most recent call last)" in full and "read_request.py" in full


@pytest.mark.parametrize("name", ["01_quickstart", "02_failures_and_retries", "03_big_views"])
def test_saved_notebooks_carry_their_panels(name):
    """A reader on GitHub or nbviewer sees the progress panels, not VBox(...) text."""
    notebook = nbformat.read(Path(__file__).parent.parent / "notebooks" / f"{name}.ipynb",
                             as_version=4)
    state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    views = [o["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
             for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs
             if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert views and all(view in state for view in views)
    styles = {m["state"].get("bar_style") for m in state.values()
              if m["model_name"] == "IntProgressModel"}
    assert "success" in styles
    if name == "02_failures_and_retries":
        assert "danger" in styles  # the failed export, in its panel
