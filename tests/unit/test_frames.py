"""CSV chunks to typed Arrow tables and DataFrames."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from anaplan_pandas.parse.assembly import combine_tables, tables_to_frame, to_frame
from anaplan_pandas.parse.frames import ColumnPlan, TableBuilder
from anaplan_pandas.parse.page_parser import CsvPageParser, parse_whole
from anaplan_pandas.parse.plain_numbers import as_numbers

COLUMNS = ["Product", "Region", "Units", "Note"]
PLAN = ColumnPlan(dimensions={"Product", "Region"}, leading_dimensions=2)


def _frame(chunks: list[bytes], plan: ColumnPlan = PLAN, **kw) -> pd.DataFrame:
    def parse(plan):
        builder = TableBuilder(COLUMNS, plan, **kw)
        return builder, [builder.parse(c) for c in chunks]

    builder, tables = parse_whole(plan, parse)
    return tables_to_frame(tables, builder.final_schema())


def test_item_names_stay_text_and_numbers_become_numbers():
    frame = _frame([b"001,2024,5,\n002,NA,7.5,hello\n"])
    assert frame["Product"].tolist() == ["001", "002"]
    assert frame["Region"].astype(str).tolist() == ["2024", "NA"]
    assert str(frame["Product"].dtype) == "category"
    assert frame["Units"].dtype == "float64" and frame["Units"].tolist() == [5.0, 7.5]
    assert pd.isna(frame["Note"].iloc[0]) and frame["Note"].iloc[1] == "hello"


def test_integers_are_widened_so_later_decimals_fit():
    frame = _frame([b"a,b,1,x\n", b"c,d,2.25,y\n"])
    assert frame["Units"].tolist() == [1.0, 2.25]


def test_a_column_blank_on_the_first_page_is_text_until_the_end_decides():
    builder = TableBuilder(COLUMNS, PLAN)
    tables = [builder.parse(c) for c in (b"a,b,,\n", b"c,d,,\n", b"e,f,3.5,\n")]
    assert builder.numbers_at_end == ["Units", "Note"]
    assert [t.schema.field("Units").type for t in tables] == [pa.float64()] * 3
    combined = combine_tables(tables, builder.final_schema())
    assert combined.schema.field("Units").type == pa.float64()
    assert combined.column("Units").to_pylist() == [None, None, 3.5]
    assert combined.schema.field("Note").type == pa.string()  # all blank: stays text


def test_numbers_with_leading_zeros_stay_text():
    frame = _frame([b"a,b,0042,1\n", b"c,d,7,2\n"])
    assert frame["Units"].tolist() == ["0042", "7"]
    assert frame["Note"].tolist() == [1.0, 2.0]


def test_text_columns_are_promoted_only_when_every_value_is_a_plain_number():
    assert as_numbers(pa.chunked_array([["1", "0042"]])) is None
    assert as_numbers(pa.chunked_array([["1.5", "-2e+3"]])).to_pylist() == [1.5, -2000.0]


def test_text_after_numbers_keeps_every_value_exactly():
    frame = _frame([b"a,b,1,1.50\n", b"c,d,2,0042\n", b"e,f,3,A12\n"])
    assert frame["Note"].tolist() == ["1.50", "0042", "A12"]
    assert frame["Units"].tolist() == [1.0, 2.0, 3.0]


def test_a_column_turned_into_numbers_then_found_to_hold_text_is_parsed_again():
    passes = []

    def parse(plan):
        builder = TableBuilder(COLUMNS, plan)
        passes.append(builder)
        return builder, [builder.parse(c) for c in (b"a,b,1,1.50\n", b"c,d,2,0042\n")]

    builder, tables = parse_whole(PLAN, parse)
    assert len(passes) == 2 and passes[0].lost_text() == ["Note"]
    assert tables_to_frame(tables, builder.final_schema())["Note"].tolist() == ["1.50", "0042"]


def test_a_known_number_column_holding_text_later_turns_to_text_with_a_warning():
    plan = ColumnPlan(dimensions={"Product", "Region"}, leading_dimensions=2,
                      types={"Note": pa.float64()})
    with pytest.warns(UserWarning, match="'Note' looked like double"):
        frame = _frame([b"a,b,1,1.5\n", b"c,d,2,A12\n"], plan)
    assert frame["Note"].tolist() == ["1.5", "A12"]


def test_schema_is_fixed_from_the_first_chunk():
    builder = TableBuilder(COLUMNS, PLAN)
    first = builder.parse(b"a,b,1,x\n")
    later = builder.parse(b"c,d,2,true\n")  # 'true' would infer boolean on its own
    assert first.schema == later.schema
    assert later.column("Note").to_pylist() == ["true"]


def test_plain_strings_when_not_categorical():
    frame = _frame([b"a,b,1,x\n"], categorical=False)
    assert str(frame["Product"].dtype) != "category"


def test_known_types_and_no_inference():
    plan = ColumnPlan(types={"Units": pa.float64()}, infer=False)
    frame = _frame([b"a,b,1,2\n"], plan)
    assert frame["Units"].dtype == "float64"
    assert frame["Note"].tolist() == ["2"]


def test_wrong_number_of_fields_is_an_error():
    with pytest.raises(pa.ArrowInvalid, match="Expected 4 columns"):
        TableBuilder(COLUMNS, PLAN).parse(b"a,b,1\n")


def test_blank_and_repeated_header_names_are_made_unique():
    builder = TableBuilder(["", "A", "A"])
    assert builder.columns == ["Unnamed: 0", "A", "A.1"]
    assert builder.parse(b"x,1,2\n").column_names == ["Unnamed: 0", "A", "A.1"]


@pytest.mark.parametrize(("backend", "dtype"), [
    (None, "float64"), ("numpy_nullable", "Float64"), ("pyarrow", "double[pyarrow]"),
])
def test_dtype_backend(backend, dtype):
    table = pa.table({"x": [1.5, None]})
    assert str(to_frame(table, dtype_backend=backend)["x"].dtype) == dtype


def test_unknown_dtype_backend():
    with pytest.raises(ValueError, match="dtype_backend"):
        to_frame(pa.table({"x": [1.0]}), dtype_backend="numpy")  # type: ignore[arg-type]


def test_page_parser_handles_header_and_split_rows():
    parser = CsvPageParser(ColumnPlan(leading_dimensions=1))
    first = parser.feed(b"Item,Value\nA,1\nB,")
    second = parser.feed(b"2\n")
    last = parser.finish()
    assert first.num_rows == 1 and second.num_rows == 1 and last is None
    assert parser.schema.names == ["Item", "Value"]
