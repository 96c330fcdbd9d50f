"""Every example notebook runs top to bottom against the simulator."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


def test_every_notebook_is_checked():
    assert sorted(p.stem for p in NOTEBOOKS) == sorted(EXPECTED_OUTPUT)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(path, tmp_path):
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
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
                             "Line Items", "data calls: 1 | read request calls: 0"],
}
