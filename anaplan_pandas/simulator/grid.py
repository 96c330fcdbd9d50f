"""A view in Anaplan's grid layout, as the help page on view data describes it.

Line 1 names the selected page items (left out when the view has no page dimensions), then
one header line per column dimension, its first cells left empty over the row-dimension
columns, then the data rows, each starting with one cell per row dimension. ``GRID_ALL_PAGES``
repeats that block for every combination of page items; ``GRID_CURRENT_PAGE`` gives the
first.
"""

from __future__ import annotations

import csv
import io

import pyarrow as pa
import pyarrow.compute as pc


def grid_csv(table: pa.Table, rows: list[str], pages: list[str], *, all_pages: bool) -> bytes:
    r"""Encode a view (one column per row or page dimension, one per column item) as a grid.

    Examples
    --------
    >>> t = pa.table({"Region": ["N", "N", "S"], "Product": ["a", "b", "a"],
    ...               "Units": [1.0, 2.0, 3.0]})
    >>> grid_csv(t, ["Product"], ["Region"], all_pages=True)
    b'N\n,Units\na,1\nb,2\nS\n,Units\na,3\n'
    """
    values = [name for name in table.column_names if name not in rows + pages]
    text = {name: as_text(table.column(name)) for name in table.column_names}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    keys = list(zip(*(text[p] for p in pages), strict=True)) if pages else [()] * table.num_rows
    blocks = list(dict.fromkeys(keys))
    for block in blocks if all_pages else blocks[:1]:
        if pages:
            writer.writerow(block)
        writer.writerow([""] * len(rows) + values)
        for i, key in enumerate(keys):
            if key == block:
                writer.writerow([text[name][i] for name in rows + values])
    return out.getvalue().encode()


def as_text(column: pa.ChunkedArray) -> list[str]:
    """A column's values as the CSV text Anaplan writes (blanks as empty strings)."""
    if pa.types.is_boolean(column.type):
        column = pc.if_else(column, "true", "false")
    elif not pa.types.is_string(column.type):
        column = pc.cast(column, pa.string())
    return ["" if v is None else v for v in column.to_pylist()]


def across_columns(table: pa.Table, rows: list[str], across: str, *, header: str) -> bytes:
    r"""A tabular export with ``across`` laid across the columns too (two column dimensions).

    How Anaplan writes the header then is not documented, so ``header`` picks one of the
    plausible layouts: ``"lines"``, one header line per column dimension (item names of the
    dimension in each cell, the leading cells of the second line empty), or ``"combined"``,
    one line whose cells join both items.

    Examples
    --------
    >>> t = pa.table({"P": ["a", "a"], "T": ["Jan", "Feb"], "Units": [1.0, 2.0]})
    >>> across_columns(t, ["P"], "T", header="lines")
    b'P,Jan,Feb\n,Units,Units\na,1,2\n'
    >>> across_columns(t, ["P"], "T", header="combined")
    b'P,Jan Units,Feb Units\na,1,2\n'
    """
    text = {name: as_text(table.column(name)) for name in table.column_names}
    values = [n for n in table.column_names if n not in [*rows, across]]
    periods = list(dict.fromkeys(text[across]))
    keys = list(dict.fromkeys(zip(*(text[r] for r in rows), strict=True)))
    cells: dict[tuple[tuple[str, ...], str], int] = {}
    for i, key in enumerate(zip(*(text[r] for r in rows), strict=True)):
        cells[(key, text[across][i])] = i
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header == "lines":
        writer.writerow(rows + [p for p in periods for _ in values])
        writer.writerow([""] * len(rows) + [v for _ in periods for v in values])
    else:
        writer.writerow(rows + [f"{p} {v}" for p in periods for v in values])
    for key in keys:
        line = list(key)
        for period in periods:
            i = cells.get((key, period))
            line += [text[v][i] if i is not None else "" for v in values]
        writer.writerow(line)
    return out.getvalue().encode()
