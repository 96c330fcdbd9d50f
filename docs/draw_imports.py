"""Draw the package's import graph from its code, and check its shape.

Usage::

    python docs/draw_imports.py [PACKAGE_DIR] [--svg docs/imports.svg] [--check]

Every ``import`` of the package's own modules counts, at any depth (an import inside a
function too), except those under ``if TYPE_CHECKING:``, which never run. Modules are
grouped by stage (a subpackage, or a module directly under the package); the picture draws
the stages as boxes on floors, each floor above everything it imports, with an arrow per
stage it imports (the number of module imports behind it). ``--check`` exits 1 when modules
import each other in a circle, or when two stages import each other.
"""

from __future__ import annotations

import argparse
import ast
import html
import sys
from collections import defaultdict
from pathlib import Path


def modules_of(package: Path) -> dict[str, Path]:
    """Every module of the package by dotted name."""
    root = package.parent
    found = {}
    for path in sorted(package.rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """The import nodes of a module that run (not those under ``if TYPE_CHECKING:``)."""
    nodes: list[ast.AST] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            nodes.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return nodes


def imports_of(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Which of the package's modules each module imports at run time."""
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _runtime_nodes(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph[name].add(target)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one node (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph[node]):
            if other not in index:
                connect(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    sys.setrecursionlimit(10_000)
    for node in sorted(graph):
        if node not in index:
            connect(node)
    return found


def stage_of(module: str) -> str:
    """The stage a module belongs to: its subpackage, or itself."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def stage_graph(graph: dict[str, set[str]]) -> dict[tuple[str, str], int]:
    """Module imports counted between stages (the package's face left out).

    Examples
    --------
    >>> stage_graph({"p.a.x": {"p.b.y"}, "p.b.y": set()})
    {('a', 'b'): 1}
    """
    edges: dict[tuple[str, str], int] = defaultdict(int)
    for source, targets in graph.items():
        for target in targets:
            a, b = stage_of(source), stage_of(target)
            if a != b and "__init__" not in (a, b):
                edges[a, b] += 1
    return dict(edges)


def floors(stages: set[str], edges: dict[tuple[str, str], int]) -> dict[str, int]:
    """Floor 0 for stages that import no other; each other stage above what it imports."""
    floor: dict[str, int] = {}

    def height(stage: str, seen: frozenset[str]) -> int:
        if stage in floor:
            return floor[stage]
        below = [b for (a, b) in edges if a == stage and b not in seen]
        floor[stage] = 1 + max((height(b, seen | {stage}) for b in below), default=-1)
        return floor[stage]

    for stage in sorted(stages):
        height(stage, frozenset())
    return floor


def svg(stages: dict[str, int], edges: dict[tuple[str, str], int], sizes: dict[str, int],
        title: str) -> str:
    """The stages as boxes on floors (the top floor imports the rest), arrows downwards."""
    box_w, box_h, gap_y = 150, 44, 90
    by_floor: dict[int, list[str]] = defaultdict(list)
    for stage, floor in stages.items():
        by_floor[floor].append(stage)
    width = max(1000, (max(map(len, by_floor.values()), default=0) + 1) * (box_w + 10))
    top = max(by_floor, default=0)
    place: dict[str, tuple[float, float]] = {}
    for floor, names in by_floor.items():
        names.sort()
        step = width / (len(names) + 1)
        for i, name in enumerate(names):
            place[name] = (step * (i + 1) - box_w / 2, 60 + (top - floor) * gap_y * 1.4)
    height = 60 + (top + 1) * gap_y * 1.4 + 20
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height:.0f}" '
           'font-family="sans-serif" font-size="13">',
           '<defs><marker id="a" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
           'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#667"/>'
           '</marker></defs>', '<rect width="100%" height="100%" fill="white"/>',
           f'<text x="20" y="30" font-size="16">{html.escape(title)}</text>',
           '<text x="20" y="48" fill="#556" font-size="11">Arrows: a stage imports another '
           '(the number of module imports); those into "exceptions" are left out.</text>']
    for (a, b), count in sorted(edges.items()):
        if b == "exceptions":
            continue  # every stage raises the one error tree: said under the title
        (xa, ya), (xb, yb) = place[a], place[b]
        up = ya >= yb  # an arrow that does not point down the floors: drawn red
        colour = "#c33" if up else "#667"
        x1, y1, x2, y2 = xa + box_w / 2, ya + box_h, xb + box_w / 2, yb
        if up:
            y1, y2 = ya, yb + box_h
        out.append(f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" '
                   f'stroke="{colour}" stroke-opacity="0.6" marker-end="url(#a)"/>')
        out.append(f'<text x="{(x1 + x2) / 2:.0f}" y="{(y1 + y2) / 2:.0f}" fill="#889" '
                   f'font-size="10">{count}</text>')
    for name, (x, y) in place.items():
        out.append(f'<rect x="{x:.0f}" y="{y:.0f}" width="{box_w}" height="{box_h}" rx="6" '
                   'fill="#eef3fa" stroke="#345"/>')
        out.append(f'<text x="{x + box_w / 2:.0f}" y="{y + 19:.0f}" text-anchor="middle" '
                   f'font-weight="bold">{html.escape(name)}</text>')
        out.append(f'<text x="{x + box_w / 2:.0f}" y="{y + 35:.0f}" text-anchor="middle" '
                   f'fill="#556" font-size="11">{sizes.get(name, 0):,} lines</text>')
    out.append("</svg>")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Print the stages and their imports; draw them; with ``--check``, judge the shape."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("package", nargs="?", default="anaplan_pandas")
    parser.add_argument("--svg", help="write the picture here")
    parser.add_argument("--title", default="")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    package = Path(args.package).resolve()
    modules = modules_of(package)
    graph = imports_of(modules)
    name = package.name
    edges = stage_graph(graph)
    stages = {stage_of(m) for m in modules} - {"__init__"}
    sizes: dict[str, int] = defaultdict(int)
    for module, path in modules.items():
        sizes[stage_of(module)] += len(path.read_text().splitlines())
    floor = floors(stages, edges)
    for level in sorted(set(floor.values()), reverse=True):
        for stage in sorted(s for s in floor if floor[s] == level):
            below = sorted(b for (a, b) in edges if a == stage)
            print(f"floor {level}: {stage} -> {', '.join(below) or '(nothing)'}")
    module_circles = circles(graph)
    stage_circles = circles({s: {b for (a, b) in edges if a == s} for s in stages})
    for group in module_circles:
        print("module circle:", " -> ".join(group))
    for group in stage_circles:
        print("stage circle:", " <-> ".join(group))
    if args.svg:
        title = args.title or f"{name}: {len(stages)} stages, {len(modules)} modules"
        Path(args.svg).write_text(svg(floor, edges, sizes, title))
    if args.check and (module_circles or stage_circles):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
