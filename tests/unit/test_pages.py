"""Record alignment in every case the documentation leaves open."""

from __future__ import annotations

import csv
import io
import itertools
import random

import pytest

from anaplan_pandas.parse.pages import BOM, RecordAligner

HEADER = b'Product,Region,"Units, sold",Comment\n'
ROWS = [
    b"Widget,NA,1,\n",
    b'"Caf\xc3\xa9 Cr\xc3\xa8me, 250g",S\xc3\xa3o Paulo,2,"He said ""hold"""\n',
    b'001,2024,3,"Line 1\nLine 2, with comma"\n',
    b'"""Big"" Box",Z\xc3\xbcrich,4,"ends with quote """\n',
    b"Plain,EMEA,5,x\n",
]
BODY = b"".join(ROWS)


def _records(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def _align(pages: list[bytes]) -> tuple[list[str], bytes]:
    aligner = RecordAligner()
    out = b"".join(bytes(aligner.feed(p)) for p in pages) + bytes(aligner.finish())
    return aligner.columns, out


def _cut(data: bytes, cuts: list[int]) -> list[bytes]:
    bounds = [0, *sorted(cuts), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(bounds)]


def test_header_only_on_first_page():
    columns, out = _align([HEADER + ROWS[0], ROWS[1] + ROWS[2], ROWS[3] + ROWS[4]])
    assert columns == ["Product", "Region", "Units, sold", "Comment"]
    assert out == BODY


def test_header_repeated_on_every_page_is_dropped():
    _columns, out = _align([HEADER + ROWS[0], HEADER + ROWS[1], HEADER + ROWS[2] + ROWS[3],
                           HEADER + ROWS[4]])
    assert out == BODY


def test_header_repeated_and_rows_split():
    data = BODY
    pages = [HEADER + data[:30], HEADER + data[30:61], HEADER + data[61:]]
    _, out = _align(pages)
    assert out == BODY


def test_a_data_row_equal_to_the_header_is_kept_when_pages_do_not_repeat_it():
    # Page 1 shows that this server does not repeat the header, so a later page that
    # starts with a row whose text equals the header keeps that row.
    _, out = _align([HEADER + ROWS[0], ROWS[4], HEADER + ROWS[1]])
    assert out == ROWS[0] + ROWS[4] + HEADER + ROWS[1]


@pytest.mark.parametrize("seed", range(40))
def test_any_byte_split_gives_back_every_record(seed):
    rng = random.Random(seed)
    data = HEADER + BODY * 3
    cuts = rng.sample(range(1, len(data)), rng.randint(1, 25))
    columns, out = _align(_cut(data, cuts))
    assert columns == ["Product", "Region", "Units, sold", "Comment"]
    assert _records(out) == _records(BODY * 3)


def test_split_inside_a_quoted_field_with_a_line_break():
    data = HEADER + BODY
    cut = data.index(b"Line 1\n") + 7  # just after the quoted line break
    _, out = _align([data[:cut], data[cut:]])
    assert out == BODY


def test_split_inside_a_multibyte_character():
    data = HEADER + BODY
    cut = data.index(b"\xc3\xa9") + 1
    _, out = _align([data[:cut], data[cut:]])
    assert out.decode("utf-8") == BODY.decode("utf-8")


def test_byte_order_mark_on_first_or_every_page():
    _, out = _align([BOM + HEADER + ROWS[0], BOM + ROWS[1]])
    assert out == ROWS[0] + ROWS[1]
    _, out = _align([BOM + HEADER + ROWS[0], BOM + HEADER + ROWS[1]])
    assert out == ROWS[0] + ROWS[1]


def test_crlf_line_ends():
    crlf = [r.replace(b"\n", b"\r\n") for r in (HEADER, ROWS[0], ROWS[1], ROWS[4])]
    aligner = RecordAligner()
    pages = [crlf[0] + crlf[1], crlf[0] + crlf[2], crlf[0] + crlf[3]]
    out = b"".join(bytes(aligner.feed(p)) for p in pages)
    assert aligner.columns == ["Product", "Region", "Units, sold", "Comment"]
    assert out == crlf[1] + crlf[2] + crlf[3]


def test_crlf_split_between_cr_and_lf():
    data = HEADER.replace(b"\n", b"\r\n") + b"a,b,1,c\r\nd,e,2,f\r\n"
    cut = data.index(b"\r\nd") + 1
    _, out = _align([data[:cut], data[cut:]])
    assert out == b"a,b,1,c\r\nd,e,2,f\r\n"


def test_last_record_without_line_end():
    _, out = _align([HEADER + b"a,b,1,c\nd,e,2,f"])
    assert out == b"a,b,1,c\nd,e,2,f"


def test_empty_view_header_only_or_nothing():
    columns, out = _align([HEADER])
    assert columns == ["Product", "Region", "Units, sold", "Comment"] and out == b""
    columns, out = _align([])
    assert columns == [] and out == b""
    columns, out = _align([b"Product,Region"])  # header without line end
    assert columns == ["Product", "Region"] and out == b""


def test_data_ending_inside_quotes_is_an_error():
    aligner = RecordAligner()
    aligner.feed(HEADER + b'a,b,1,"unterminated\n')
    with pytest.raises(ValueError, match="inside a quoted field"):
        aligner.finish()


def test_big_chunks_are_cut_into_pieces_of_whole_records():
    import random

    from anaplan_pandas.parse.pages import split_records

    rng = random.Random(7)
    records = [f'{i},"a, ""quoted""\nvalue {i}",{rng.random()}\n' if i % 3 else f"{i},plain,1\n"
               for i in range(2000)]
    data = "".join(records).encode()
    for size in (1, 50, 1000, 30_000):
        pieces = split_records(memoryview(data), size)
        assert b"".join(bytes(p) for p in pieces) == data
        assert all(bytes(p).endswith(b"\n") and bytes(p).count(b'"') % 2 == 0 for p in pieces)
        assert all(len(p) <= max(size, max(map(len, records))) for p in pieces)
