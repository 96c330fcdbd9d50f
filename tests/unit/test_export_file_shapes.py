"""Export files in every shape the vendor documents: whether a header line is there is read
from the listing when it says so, else from the file's first line and the headerNames."""

from __future__ import annotations

import pytest
import responses

import anaplan_pandas as ap
from tests.unit.test_export_task import BASE, TEXT, assert_expected, cut, read, setup_export

NO_HEADER = TEXT.split("\n", 1)[1]
VENDOR_EXAMPLE = {"headerRow": 0, "firstDataRow": 0}  # help.anaplan.com, export files
ABSENT = {"headerRow": None, "firstDataRow": None}


@responses.activate
@pytest.mark.parametrize("entry", [VENDOR_EXAMPLE, ABSENT, {"headerRow": 1, "firstDataRow": 2}],
                         ids=["0-0", "absent", "1-2"])
@pytest.mark.parametrize("size", [1, 4, 1000])
def test_a_file_that_starts_with_its_header_reads_the_same_whatever_the_listing_says(entry,
                                                                                      size):
    setup_export(cut(TEXT.encode(), size), file_entry=entry)
    assert_expected(read())


@responses.activate
@pytest.mark.parametrize("entry", [VENDOR_EXAMPLE, ABSENT, {"headerRow": 0, "firstDataRow": 1}],
                         ids=["0-0", "absent", "0-1"])
@pytest.mark.parametrize("size", [1, 4, 1000])
def test_a_file_without_a_header_line_gets_the_export_s_header_names(entry, size):
    setup_export(cut(NO_HEADER.encode(), size), file_entry=entry)
    assert_expected(read())


@responses.activate
def test_a_file_entry_missing_from_the_listing_is_read_by_its_content():
    setup_export([TEXT.encode()])
    responses.replace(responses.GET, f"{BASE}/files", json={"files": []})
    assert_expected(read())


@responses.activate
def test_a_file_of_one_line_without_a_line_end_is_its_header_or_its_data():
    setup_export([b"Item,Value"], file_entry=VENDOR_EXAMPLE)
    frame = read()
    assert list(frame.columns) == ["Item", "Value"] and len(frame) == 0
    responses.reset()
    setup_export([b"001,1.5"], file_entry=VENDOR_EXAMPLE)
    frame = read()
    assert frame["Item"].astype(str).tolist() == ["001"] and frame["Value"].tolist() == [1.5]


@responses.activate
def test_no_header_line_and_no_header_names_is_refused_rather_than_misread():
    setup_export([NO_HEADER.encode()], file_entry={"headerRow": 0, "firstDataRow": 1},
                 metadata={"headerNames": [], "dataTypes": []})
    with pytest.raises(ap.UnsupportedExportError, match="no header line"):
        read()


@responses.activate
def test_the_vendor_s_export_metadata_without_dialect_fields_takes_csv_defaults():
    setup_export([TEXT.encode()], file_entry=VENDOR_EXAMPLE,
                 metadata={"encoding": None, "separator": None, "delimiter": None})
    assert_expected(read())
