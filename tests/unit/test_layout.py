"""The package keeps the shape docs/architecture.md describes."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import anaplan_pandas

PACKAGE = Path(anaplan_pandas.__file__).parent
DRAW = Path(__file__).parents[2] / "docs" / "draw_imports.py"
ORDER = ["exceptions", "parse", "progress", "simulator", "http", "sinks", "catalog", "run",
         "sources", "api", "dask", "cli"]


def drawing():
    spec = importlib.util.spec_from_file_location("draw_imports", DRAW)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_at_most_twelve_entries_under_the_package():
    entries = [p.name for p in PACKAGE.iterdir()
               if (p.suffix == ".py" and p.stem not in ("__init__", "__main__"))
               or (p.is_dir() and p.name != "__pycache__")]
    assert len(entries) <= 12, sorted(entries)


def test_no_module_over_four_hundred_lines():
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}


def test_no_import_circle_and_stages_import_only_downwards():
    draw = drawing()
    graph = draw.imports_of(draw.modules_of(PACKAGE))
    assert draw.circles(graph) == []
    edges = draw.stage_graph(graph)
    upwards = [(a, b) for (a, b) in edges if ORDER.index(a) <= ORDER.index(b)]
    assert upwards == []


def test_the_drawing_finds_a_circle_where_there_is_one(tmp_path):
    package = tmp_path / "pkg"
    (package / "a").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "a" / "__init__.py").write_text("")
    (package / "a" / "one.py").write_text("def f():\n    from pkg.b import two\n")
    (package / "b.py").write_text("import pkg.a.one\n")
    draw = drawing()
    graph = draw.imports_of(draw.modules_of(package))
    assert draw.circles(graph) == [["pkg.a.one", "pkg.b"]]
