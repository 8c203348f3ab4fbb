"""crm.services.imports.readers.xlsx_preview: the inspection reads an XLSX's head only, and gives
exactly what the full read gives for the first rows (or falls back to the full read)."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime, time
from itertools import islice

import pytest
from openpyxl import Workbook
from openpyxl.styles import Font

from crm.services.imports.readers import TableError, open_table, preview, workbook, xlsx_preview
from tests.services.imports.files import SHEET, make_xlsx, rewrite_entry, write_bomb

SST = "xl/sharedStrings.xml"


def full_read(path, n=10):
    with open_table(path, "xlsx") as table:
        return table.info, list(islice(table.rows(), n))


def quick(path, n=10):
    return xlsx_preview.preview_xlsx(path, n)


def customers(count: int, start: int = 0) -> list[list]:
    return [[f"user{i:05d}", f"Name {i}", 81234500000 + i, f"City {i % 7}"] for i in range(start, start + count)]


def assert_same_as_full_read(path, n=10):
    fast = quick(path, n)
    assert fast is not None, "the head should have been enough"
    assert fast == full_read(path, n)
    assert preview(path, "xlsx", n) == fast
    return fast


def test_values_of_every_kind_equal_the_full_read(tmp_path):
    rows = [
        [],  # the header is not in row 1
        [],
        ["Nama", "HP", "Tanggal", "Waktu", "Jam", "Saldo", "Aktif", "Catatan", "Kosong"],
        ["Ani", 81234567890, date(2024, 1, 31), datetime(2024, 1, 31, 10, 0), time(9, 30), 12.5, True, "vip", None],
        [None] * 9,  # an empty row between data rows
        ["Budi", 6281234567890.0, None, None, None, 0.1 + 0.2, False, "", None],
        ["José Müller €", -3, date(1999, 12, 31), None, None, 1e20, True, "a\nb", None],
    ] + [[f"n{i}", 81200000000 + i, date(2024, 2, 1 + i % 28), None, None, i * 1.5, i % 2 == 0, f"note {i}", None]
         for i in range(200)]
    path = make_xlsx(tmp_path / "kinds.xlsx", rows)
    info, first = assert_same_as_full_read(path)
    assert info.headers[:3] == ["Nama", "HP", "Tanggal"]
    assert first[0] == ["Ani", "81234567890", "2024-01-31", "2024-01-31 10:00:00", "09:30:00", "12.5", "TRUE", "vip", ""]
    assert first[1][:3] == ["Budi", "6281234567890", ""]


def with_shared_strings(path):
    """openpyxl writes inline strings; Excel writes shared strings (in order of first use)."""
    strings: dict[bytes, int] = {}

    def to_shared(xml: bytes) -> bytes:
        def cell(m):
            index = strings.setdefault(m.group(2), len(strings))
            return b'<c r="' + m.group(1) + b'" t="s"><v>' + str(index).encode() + b"</v></c>"
        return re.sub(rb'<c r="([A-Z]+\d+)" t="inlineStr"><is><t>(.*?)</t></is></c>', cell, xml)

    rewrite_entry(path, SHEET, to_shared)
    sst = b"".join(b"<si><t>" + text + b"</t></si>" for text in strings)
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr(SST, b'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="http://schemas.openxmlformats.org/'
                    b'spreadsheetml/2006/main" count="%d" uniqueCount="%d">' % (len(strings), len(strings)) + sst + b"</sst>")
    return path


def test_inline_strings_equal_the_full_read(tmp_path):
    path = make_xlsx(tmp_path / "inline.xlsx", [["username", "nama", "no hp"]] + customers(300))
    with zipfile.ZipFile(path) as zf:
        assert b"inlineStr" in zf.read(SHEET) and SST not in zf.namelist()
    info, first = assert_same_as_full_read(path)
    assert first[0] == ["user00000", "Name 0", "81234500000"]


def test_shared_strings_equal_the_full_read(tmp_path):
    path = with_shared_strings(make_xlsx(tmp_path / "shared.xlsx", [[], ["username", "nama", "no hp"]] + customers(300)))
    with zipfile.ZipFile(path) as zf:
        assert b't="s"' in zf.read(SHEET)
    info, first = assert_same_as_full_read(path)
    assert info.headers == ["username", "nama", "no hp"] and first[0] == ["user00000", "Name 0", "81234500000"]


def test_shared_strings_are_read_only_up_to_the_highest_index_needed(tmp_path, monkeypatch):
    path = with_shared_strings(make_xlsx(tmp_path / "many.xlsx", [["username", "nama", "no hp", "kota"]] + customers(5000)))
    with zipfile.ZipFile(path) as zf:
        total = zf.read(SST).count(b"<si>")
    assert total > 10_000
    seen = {}
    real = workbook.first_sheet

    def spy(source, fmt):
        if isinstance(source, io.BytesIO):
            with zipfile.ZipFile(source) as zf:
                seen["sst"] = zf.read(SST).count(b"<si>")
            source.seek(0)
        return real(source, fmt)

    monkeypatch.setattr(xlsx_preview, "first_sheet", spy)
    assert_same_as_full_read(path)
    assert 0 < seen["sst"] < total // 10


def test_shared_strings_prefix_counts_strings_as_calamine_keeps_them(tmp_path):
    sst = (b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           b"<si><t>zero</t></si>"
           b"<si><rPh><t>phonetic only: not kept</t></rPh></si>"
           b"<si><r><t>o</t></r><r><t>ne</t></r></si>"
           b"<si/>"
           b"<si><t>two</t><rPh><t>x</t></rPh></si>"
           b"<si><t>three</t></si></sst>")
    path = tmp_path / "s.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(SST, sst)
    with zipfile.ZipFile(path) as zf:
        cut = xlsx_preview._shared_strings_prefix(zf, zf.getinfo(SST), 3)
        assert cut.endswith(b"<si><t>two</t><rPh><t>x</t></rPh></si></sst>")
        assert xlsx_preview._shared_strings_prefix(zf, zf.getinfo(SST), 1).endswith(b"<si><t>zero</t></si></sst>")
        assert xlsx_preview._shared_strings_prefix(zf, zf.getinfo(SST), 9) == sst  # fewer than needed: all of it
    assert xlsx_preview._shared_strings_needed(
        b'<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>4</v></c><c r="B1"><v>99</v></c>'
        b'<c r="C1" t="s"><v>2</v></c></row>') == 5  # numbers are not string indexes


def test_a_small_sheet_is_read_whole(tmp_path):
    path = make_xlsx(tmp_path / "small.xlsx", [["username", "nama"], ["a1", "Ani"], ["b2", "Budi"]])
    assert quick(path) is None  # the head holds the whole sheet: the full read decides
    assert preview(path, "xlsx") == full_read(path)


@pytest.mark.parametrize("case", ["row-out-of-order", "column-left-of-the-head", "irregular", "mostly-empty-head"])
def test_falls_back_to_the_full_read_when_the_head_cannot_vouch(tmp_path, case):
    rows = [["username", "nama"]] + [[f"u{i}", f"n{i}"] for i in range(300)]
    path = make_xlsx(tmp_path / f"{case}.xlsx", rows)
    if case == "row-out-of-order":  # a row placed after the head but numbered among its rows
        change = lambda x: x.replace(b"</sheetData>", b'<row r="3"><c r="C3" t="inlineStr"><is><t>late</t></is></c></row></sheetData>')
    elif case == "column-left-of-the-head":  # the data starts in column B; column A is used far below
        def change(x):
            x = re.sub(rb'r="A(\d+)"', rb'r="C\1"', x)
            x = re.sub(rb'r="B(\d+)"', rb'r="D\1"', x)
            return x.replace(b"</sheetData>", b'<row r="400"><c r="B400" t="inlineStr"><is><t>footer</t></is></c></row></sheetData>')
    elif case == "irregular":  # one cell without a reference
        change = lambda x: x.replace(b'<c r="B5"', b'<c', 1)
    else:  # 200 rows of styled, empty cells after the header: the head holds no data
        wb = Workbook()
        ws = wb.active
        ws.append(["username", "nama"])
        for r in range(2, 202):
            ws.cell(row=r, column=1).font = Font(bold=True)
        for i, r in enumerate(range(202, 260)):
            ws.cell(row=r, column=1, value=f"u{i}")
        wb.save(path)
        change = lambda x: x
    rewrite_entry(path, SHEET, change)
    assert quick(path) is None
    assert preview(path, "xlsx") == full_read(path)


def test_the_guard_runs_before_the_preview(tmp_path):
    bomb = write_bomb(tmp_path / "bomb.xlsx", 64 << 20)
    with pytest.raises(TableError, match="unreasonable size"):
        preview(bomb, "xlsx")
    rows = [[f"c{i}" for i in range(40)]] + [["Ani", 812]] * 100
    far = make_xlsx(tmp_path / "far.xlsx", rows)
    rewrite_entry(far, SHEET, lambda x: x.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'))
    with pytest.raises(TableError, match="too large"):
        preview(far, "xlsx")


def test_header_errors_are_the_full_reads(tmp_path):
    path = make_xlsx(tmp_path / "noheader.xlsx", [[81234567890 + i, 12345, "x"] for i in range(200)])
    with pytest.raises(TableError) as caught:
        preview(path, "xlsx")
    assert caught.value.message.startswith("The first row does not look like a header")
    wide = Workbook()
    wide.active.append([f"c{i}" for i in range(150)])
    for i in range(100):
        wide.active.append([i] * 150)
    wide.save(tmp_path / "wide.xlsx")
    assert_same_as_full_read(tmp_path / "wide.xlsx")


def test_prefixed_rows_and_sheet_data(tmp_path):
    path = make_xlsx(tmp_path / "prefixed.xlsx", [["username", "nama"]] + [[f"u{i}", f"n{i}"] for i in range(300)])
    rewrite_entry(path, SHEET, lambda x: re.sub(rb"<(/?)(row|sheetData)([\s>/])", rb"<\1x:\2\3", x)
                  .replace(b"<worksheet ", b'<worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '))
    with zipfile.ZipFile(path) as zf:
        assert b"</x:row>" in zf.read(SHEET)
    assert_same_as_full_read(path)
