"""crm.services.imports.readers.workbook: XLSX and XLS values through calamine, calamine failures."""

from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

import pytest
from openpyxl import Workbook

from crm.services.imports.readers import TableError, TableInfo, open_table, workbook
from tests.services.imports.files import SHEET, make_xls, make_xlsx, read_all, rewrite_entry, table_error


def test_xlsx_values(tmp_path):
    path = make_xlsx(
        tmp_path / "c.xlsx",
        [
            [],  # leading empty row: the header is the first non-empty one
            [" Nama ", "HP", None, "HP", "Tanggal", "Waktu", "Saldo", "Aktif", "hp"],
            ["  Ani ", 81234567890, None, 6281234567890.0, date(2024, 1, 31), datetime(2024, 1, 31, 10, 0), 12.5, True],
            [None] * 9,
            ["Budi", 0.1 + 0.2, "x", -3, None, None, 1e20, False, "0812 1"],
        ],
    )
    info, rows = read_all(path)
    headers = ["Nama", "HP", "column_3", "HP_2", "Tanggal", "Waktu", "Saldo", "Aktif", "hp_3"]
    assert info == TableInfo("xlsx", None, None, headers)
    assert rows == [
        ["Ani", "81234567890", "", "6281234567890", "2024-01-31", "2024-01-31 10:00:00", "12.5", "TRUE", ""],
        ["Budi", "0.3", "x", "-3", "", "", "100000000000000000000", "FALSE", "0812 1"],
    ]


def test_xlsx_first_sheet_only(tmp_path):
    wb = Workbook()
    wb.active.append(["first"])
    wb.active.append(["a"])
    other = wb.create_sheet("Second")
    other.append(["second"])
    wb.save(tmp_path / "two.xlsx")
    assert read_all(tmp_path / "two.xlsx") == (TableInfo("xlsx", None, None, ["first"]), [["a"]])


def test_xlsx_header_checks(tmp_path):
    no_header = make_xlsx(tmp_path / "n.xlsx", [[81234567890, 12345, 67890]])
    assert table_error(no_header).message.startswith("The first row does not look like a header")
    wide = make_xlsx(tmp_path / "w.xlsx", [[f"c{i}" for i in range(201)]])
    assert table_error(wide).params["cols"] == 201  # refused before calamine loads it
    empty = make_xlsx(tmp_path / "e.xlsx", [])
    assert table_error(empty).message == "The file is empty."


@pytest.mark.parametrize(
    "sheet",
    [
        b"<worksheet><sheetData><row r='1'><c r='A1' t='s'><v>99</v></c></row></sheetData></worksheet>",
        b"\x00\x01garbage<<<<",
        b'<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c>',
    ],
    ids=["bad-shared-string", "garbage", "truncated-xml"],
)
def test_corrupt_sheet_xml(tmp_path, sheet):
    path = make_xlsx(tmp_path / "bad.xlsx", [["name"], ["Ani"]])
    rewrite_entry(path, SHEET, lambda _: sheet)
    assert table_error(path).params == {"fmt": "XLSX"}


def test_calamine_failure_in_the_middle_of_rows(tmp_path, monkeypatch):
    path = make_xlsx(tmp_path / "ok.xlsx", [["name"], ["Ani"]])

    class Boom(Exception):
        pass

    def rows():
        yield ["name", "phone"]
        yield ["Ani", 812.0]
        raise Boom("calamine failed half way")

    class FakeWorkbook:
        sheet_names = ["Data"]

        @classmethod
        def from_filelike(cls, fh):
            return cls()

        def get_sheet_by_index(self, index):
            return SimpleNamespace(height=3, width=2, iter_rows=rows)

        def close(self):
            pass

    fake = SimpleNamespace(CalamineWorkbook=FakeWorkbook, PasswordError=type("PasswordError", (Exception,), {}))
    monkeypatch.setattr(workbook, "python_calamine", fake)
    with open_table(path, "xlsx") as table:
        it = table.rows()
        assert next(it) == ["Ani", "812"]
        with pytest.raises(TableError) as caught:
            next(it)
    assert isinstance(caught.value.__cause__, Boom)



def test_xls_reading(tmp_path):
    info, rows = read_all(make_xls(tmp_path / "legacy.xls"))
    assert info == TableInfo("xls", None, None, ["Nama", "Telepon", "Kota", "Saldo", "Bergabung", "Aktif"])
    assert rows == [
        ["José Müller", "81234567890", "Jakarta", "12.5", "2024-01-31", "TRUE"],
        ["Siti", "0813-1111-2222", "", "1000000", "", "FALSE"],
    ]


def test_corrupt_xls(tmp_path):
    good = make_xls(tmp_path / "good.xls").read_bytes()
    path = tmp_path / "bad.xls"
    path.write_bytes(good[:600])
    assert table_error(path).params == {"fmt": "XLS"}


