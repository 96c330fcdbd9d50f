"""What an export action's metadata says: its format, layout, CSV dialect and column types.

``GET …/exports/{id}`` gives ``exportFormat``, ``separator``, ``delimiter`` (the text
qualifier), ``encoding``, ``headerNames`` and ``dataTypes``; the model's export listing gives
the layout (``exportType``). :class:`ExportDefinition` holds them, refuses what is not one
table of delimited text, and types the columns as the metadata says.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from anaplan_pandas.catalog.targets import Target
from anaplan_pandas.exceptions import UnexpectedResponseError
from anaplan_pandas.parse.frames import ColumnPlan

#: Export formats that are delimited text, which this library reads.
TEXT_FORMATS = frozenset({"text/csv", "text/plain", "text/tab-separated-values",
                          "application/csv"})
#: ``dataTypes`` whose columns hold item names (never numbers, whatever they look like).
ITEM_TYPES = frozenset({"ENTITY", "TIME_ENTITY", "LIST"})
_FIXED_TYPES = {"NUMBER": pa.float64(), "BOOLEAN": pa.bool_(), "TEXT": pa.string(),
                "DATE": pa.string(), "TIME_PERIOD": pa.string()}



@dataclass(frozen=True)
class ExportDefinition:
    r"""What an export's metadata says: layout, format, CSV dialect and columns.

    Examples
    --------
    >>> d = ExportDefinition.from_metadata({"exportMetadata": {
    ...     "exportFormat": "text/csv", "separator": "\t", "encoding": "ISO-8859-1",
    ...     "headerNames": ["Products", "Price"], "dataTypes": ["ENTITY", "NUMBER"]}})
    >>> d.separator, d.column_plan().dimensions
    ('\t', frozenset({'Products'}))
    """

    export_format: str = "text/csv"
    export_type: str = ""
    encoding: str = "UTF-8"
    separator: str = ","
    quote: str = '"'
    header_names: tuple[str, ...] = ()
    data_types: tuple[str, ...] = ()
    list_names: tuple[str, ...] = ()
    #: ``rowCount``, when the metadata gives it.
    row_count: int | None = None

    @classmethod
    def from_metadata(cls, body: dict[str, Any], export_type: str = "") -> ExportDefinition:
        """Read an ``exportMetadata`` envelope (missing fields take Anaplan's defaults)."""
        meta = body.get("exportMetadata", body)
        if not isinstance(meta, dict):
            raise UnexpectedResponseError(f"no exportMetadata object: {str(body)[:300]!r}")

        def strings(key: str) -> tuple[str, ...]:
            value = meta.get(key) or []
            return tuple(str(v) for v in value) if isinstance(value, list) else ()

        return cls(
            export_format=str(meta.get("exportFormat") or "text/csv"),
            export_type=str(meta.get("exportType") or export_type),
            encoding=str(meta.get("encoding") or "UTF-8"),
            separator=str(meta.get("separator") if meta.get("separator") is not None else ","),
            quote=str(meta.get("delimiter") if meta.get("delimiter") is not None else '"'),
            header_names=strings("headerNames"),
            data_types=tuple(t.upper() for t in strings("dataTypes")),
            list_names=strings("listNames"),
            row_count=meta["rowCount"] if isinstance(meta.get("rowCount"), int) else None,
        )

    def check_readable(self, target: Target) -> None:
        """Refuse, with what to do instead, an export that is not one table of text."""
        what = target.describe()
        media = self.export_format.split(";")[0].strip().lower()
        if media not in TEXT_FORMATS:
            raise UnsupportedExportError(
                f"The {what} writes {self.export_format!r}, not delimited text, so it cannot "
                "be read into a DataFrame. Ask the model builder to save it as CSV or "
                "tab-separated text, or read the view it exports with ap.read_view().")
        if self.export_type.upper().startswith("GRID"):
            raise UnsupportedExportError(
                f"The {what} has the grid layout {self.export_type}, whose header lines "
                "depend on the view's pivot. Save the export with a tabular layout, or read "
                "the view itself with ap.read_view(..., export_type=\"GRID_ALL_PAGES\").")
        if len(self.separator) != 1 or self.quote not in ('"', ""):
            raise UnsupportedExportError(
                f"The {what} separates columns with {self.separator!r} and quotes text with "
                f"{self.quote!r}; this library reads one-character separators with double "
                "quotes. Save the export with a comma or tab separator.")
        try:
            codecs.lookup(self.encoding)
        except LookupError:
            raise UnsupportedExportError(
                f"The {what} is encoded as {self.encoding!r}, which Python does not know. "
                "Save the export as UTF-8.") from None

    def column_plan(self) -> ColumnPlan:
        """Types from ``dataTypes``: item names stay text, NUMBER and BOOLEAN are typed.

        ``MIXED`` (line items not across the columns) and unknown types are inferred from
        the data by the same rules as a view. ``dataTypes`` that do not match the header
        names one to one are not trusted at all; ``listNames`` that do not are matched by
        name (the vendor's own example has 10 header names, 5 data types and 4 list names):
        a header named as a list holds item names.

        Examples
        --------
        >>> ExportDefinition(header_names=("Products", "Month", "Units"),
        ...                  data_types=("ENTITY",), list_names=("Products",)
        ...                  ).column_plan().dimensions
        frozenset({'Products'})
        """
        names, types = self.header_names, self.data_types
        if not names:
            return ColumnPlan()
        if len(self.list_names) == len(names):
            lists = self.list_names
        else:
            named = set(self.list_names) - {""}
            lists = tuple(n if n in named else "" for n in names)
        if len(types) != len(names):
            return ColumnPlan(dimensions=[n for n, lst in zip(names, lists, strict=True)
                                          if lst])
        items = [n for n, t, lst in zip(names, types, lists, strict=True)
                 if t in ITEM_TYPES or lst]
        fixed = {n: _FIXED_TYPES[t] for n, t in zip(names, types, strict=True)
                 if t in _FIXED_TYPES and n not in items}
        return ColumnPlan(dimensions=items, types=fixed)


class UnsupportedExportError(UnexpectedResponseError):
    """The export action writes something that is not one table of delimited text."""


def readable_definition(body: dict[str, Any], export_type: str, target: Target
                        ) -> ExportDefinition:
    """The export's metadata (``GET …/exports/{id}``), checked to be readable.

    The metadata does not carry the layout (``exportType``); the model's export listing
    does, and is passed here. An export that is not one table of delimited text is refused
    (:meth:`ExportDefinition.check_readable`).

    Examples
    --------
    >>> target = Target.of("export", "8a8196b15b7dbae6015b8694411d13fe",
    ...                    "75A40874E6B64FA3AE0743278996850F", 116000000001)
    >>> body = {"exportMetadata": {"exportFormat": "text/csv"}}
    >>> readable_definition(body, "TABULAR_MULTI_COLUMN", target).separator
    ','
    """
    try:
        definition = ExportDefinition.from_metadata(body, export_type)
    except UnexpectedResponseError as error:
        raise UnexpectedResponseError(
            f"The metadata of {target.describe()} is malformed: {error}") from None
    definition.check_readable(target)
    return definition
