"""crm.services.imports.readers.xlsx_guard (and xlsx_extent): zip bombs and absurd extents are
refused before calamine sees the file."""

from __future__ import annotations

import re
import struct
import zipfile

import pytest

from tests.services.imports.files import SHEET, make_xlsx, read_all, rewrite_entry, table_error, write_bomb


def test_xlsx_claiming_absurd_dimensions(tmp_path):
    path = make_xlsx(tmp_path / "dim.xlsx", [["name", "phone"], ["Ani", 812]])
    rewrite_entry(path, SHEET, lambda x: x.replace(b'<dimension ref="A1:B2"', b'<dimension ref="A1:XFD1048576"'))
    error = table_error(path)
    assert error.params["rows"] == 1048576 and error.params["cols"] == 16384
    assert error.message.startswith("The spreadsheet is too large")


@pytest.mark.parametrize(
    "extra",
    [
        # One far cell: calamine would allocate 1048576 x 16384 cells (512 GiB) and abort.
        b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>',
        # Within the column limit but 200 x 200000 = 40 M cells.
        b'<row r="200000"><c r="GR200000" t="inlineStr"><is><t>x</t></is></c></row>',
        # A far cell inside an ordinary row (40 columns x 1048576 rows).
        b'<row r="3"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>',
        # Cells without references count by position.
        b'<row r="3">' + b"<c/>" * 300 + b'<c t="inlineStr"><is><t>x</t></is></c></row>',
        # Rows without references too (200000 rows x 40 columns).
        b"<row/>" * 800_000 + b'<row><c t="inlineStr"><is><t>x</t></is></c></row>',
    ],
    ids=["far-cell", "area", "row-mismatch", "positional-cells", "positional-rows"],
)
def test_xlsx_sparse_cells_that_would_exhaust_memory(tmp_path, extra):
    path = make_xlsx(tmp_path / "sparse.xlsx", [[f"c{i}" for i in range(40)], ["Ani", 812]])
    rewrite_entry(path, SHEET, lambda x: x.replace(b"</sheetData>", extra + b"</sheetData>"))
    assert path.stat().st_size < 100_000
    assert table_error(path).message.startswith("The spreadsheet is too large")




def test_zip_bomb(tmp_path):
    path = write_bomb(tmp_path / "bomb.xlsx", 64 << 20)
    assert path.stat().st_size < 200_000
    assert table_error(path).message.startswith("This XLSX file unpacks to an unreasonable size")


def test_zip_bomb_with_lying_sizes(tmp_path):
    """The declared sizes are small; the real inflated size is what counts."""
    path = write_bomb(tmp_path / "liar.xlsx", 64 << 20)
    data = bytearray(path.read_bytes())
    # Shrink the uncompressed size the central directory declares for the sheet.
    central = data.rindex(b"PK\x01\x02")
    name_len = struct.unpack_from("<H", data, central + 28)[0]
    assert bytes(data[central + 46 : central + 46 + name_len]) == SHEET.encode()
    struct.pack_into("<I", data, central + 24, 1000)
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as zf:
        assert zf.getinfo(SHEET).file_size == 1000
    assert table_error(path).message.startswith("This XLSX file unpacks to an unreasonable size")



# calamine reads a cell's r in either case, with leading zeros, in single
# quotes, with spaces around "=", and takes the last of several: each of these
# one-cell files would make it allocate 40 columns x 1048576 rows.
FAR = "AN1048576"  # column 40


@pytest.mark.parametrize(
    "cell",
    [
        f'<c r="{FAR.lower()}" t="inlineStr"><is><t>x</t></is></c>',
        '<c r="AN00000001048576" t="inlineStr"><is><t>x</t></is></c>',
        f"<c r='{FAR}' t='inlineStr'><is><t>x</t></is></c>",
        f'<c r = "{FAR}" t="inlineStr"><is><t>x</t></is></c>',
        f'<c r="A3" t="inlineStr" r="{FAR}"><is><t>x</t></is></c>',
        f'<c t="inlineStr" s=" r=\'A3\'" r="{FAR}"><is><t>x</t></is></c>',
        f'<c\nr="{FAR}" t="inlineStr"><is><t>x</t></is></c>',
        f'<c r="A3"\tr="{FAR}" t="inlineStr"><is><t>x</t></is></c>',
        f'<c t="inlineStr" s="<c r=\'A3\'>" r="{FAR}"><is><t>x</t></is></c>',
    ],
    ids=["lower-case", "leading-zeros", "single-quotes", "spaced", "second-r", "r-in-a-value", "newline", "tab",
         "markup-in-a-value"],
)
def test_xlsx_far_cells_written_unusually(tmp_path, cell):
    path = make_xlsx(tmp_path / "odd.xlsx", [[f"c{i}" for i in range(40)], ["Ani", 812]])
    rewrite_entry(path, SHEET, lambda x: x.replace(b"</sheetData>", b'<row r="3">' + cell.encode() + b"</row></sheetData>"))
    error = table_error(path)
    assert error.message.startswith("The spreadsheet is too large") and error.params["rows"] == 1048576


@pytest.mark.parametrize(
    "tail",
    [
        # A comment's "</row>" is no row end for calamine: the next cell is column 201.
        b'<c r="GR3" t="inlineStr"><is><t>x</t></is></c><!-- </row> --><c t="inlineStr"><is><t>y</t></is></c>',
        # Nor is a row inside a cell's value.
        b'<c r="GR3" t="inlineStr"><is><t>x</t><row r="9"/></is></c><c t="inlineStr"><is><t>y</t></is></c>',
    ],
    ids=["comment", "inside-a-cell"],
)
def test_xlsx_positions_follow_calamine(tmp_path, tail):
    path = make_xlsx(tmp_path / "pos.xlsx", [[f"c{i}" for i in range(200)], ["Ani", 812]])
    rewrite_entry(path, SHEET, lambda x: x.replace(b"</sheetData>", b'<row r="3">' + tail + b"</row></sheetData>"))
    assert table_error(path).params["cols"] == 201


def test_xlsx_irregular_but_harmless_sheets_are_read(tmp_path):
    rows = [["username", "nama"]] + [[f"u{i}", f"n{i}"] for i in range(100)]
    quoted = make_xlsx(tmp_path / "quoted.xlsx", rows)
    rewrite_entry(quoted, SHEET, lambda x: re.sub(rb'(\s[\w:]+)="([^"]*)"', rb"\1='\2'", x))
    positional = make_xlsx(tmp_path / "positional.xlsx", rows)
    rewrite_entry(positional, SHEET, lambda x: re.sub(rb' r="[A-Z]+\d+"', b"", x))
    prefixed = make_xlsx(tmp_path / "prefixed.xlsx", rows)
    rewrite_entry(prefixed, SHEET, lambda x: re.sub(rb"<(/?)(row|c|is|t)([\s>/])", rb"<\1x:\2\3", x)
                  .replace(b"<worksheet ", b'<worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '))
    for path in (quoted, positional, prefixed):
        assert read_all(path) == (read_all(path)[0], rows[1:]), path.name
        with zipfile.ZipFile(path) as zf:
            assert re.search(rb"<c r=\"A1\"", zf.read(SHEET)) is None  # the exact scan did the work


def test_at_most_regexes_match_exactly_the_smaller_references():
    from crm.services.imports.readers.xlsx_extent import _DIGITS, _LETTERS, _at_most, _column_letters

    for limit in (1, 9, 10, 11, 19, 99, 100, 101, 1000, 1048, 65536):
        pattern = re.compile(_at_most(str(limit), _DIGITS, _DIGITS[1:]))
        assert [n for n in range(1, 20000) if pattern.fullmatch(str(n))] == list(range(1, min(limit, 19999) + 1)), limit
    for limit in (1, 2, 26, 27, 52, 53, 200, 702, 703, 16384):
        pattern = re.compile(f"(?>{_at_most(_column_letters(limit), _LETTERS, _LETTERS)})")
        got = [n for n in range(1, 20000) if pattern.fullmatch(_column_letters(n))]
        assert got == list(range(1, limit + 1)), limit
