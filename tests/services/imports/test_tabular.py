"""crm.services.imports.tabular: every fixture is generated here, under tmp_path."""

from __future__ import annotations

import base64
import csv
import gc
import os
import struct
import zipfile
import zlib
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import Workbook

import crm.services.imports.tabular as tabular
from crm.services.errors import ValidationFailed
from crm.services.imports.tabular import (
    ALLOWED_EXTENSIONS,
    Table,
    TableError,
    TableInfo,
    open_table,
    preview,
    sniff_format,
)

FD_DIR = Path("/proc/self/fd")


@pytest.fixture(autouse=True)
def no_leaked_handles():
    """Every test, failing files included, must leave no file open (Python or calamine's Rust side)."""
    before = len(os.listdir(FD_DIR)) if FD_DIR.exists() else None
    yield
    gc.collect(1)  # a leaked Python file object would raise ResourceWarning (an error) here
    if before is not None:
        assert len(os.listdir(FD_DIR)) <= before


def read_all(path: Path, name: str | None = None) -> tuple[TableInfo, list[list[str]]]:
    fmt = sniff_format(path, name or path.name)
    with open_table(path, fmt) as table:
        return table.info, list(table.rows())


def table_error(path: Path, name: str | None = None) -> TableError:
    with pytest.raises(TableError) as caught:
        read_all(path, name)
    return caught.value


# --------------------------------------------------------------------------- CSV

PEOPLE = [
    ["name", "phone", "city", "note"],
    ["José Müller", "0812-3456-7890", "Jakarta", "harga € 5"],
    ["Siti, S.E.", "+62 813 1111 2222", "Bandung; Jabar", "a|b\tc"],
    ["Budi \"Gus\"", "0857 0000 1111", "Medan", "first line\nsecond line"],
    ["Dewi", "81234567891", "Surabaya", ""],
    ["Agus", "6281299998888", "Denpasar", "x, y; z | w"],
]


def write_csv(path: Path, rows, delimiter=",", encoding="utf-8", **kwargs) -> Path:
    with open(path, "w", newline="", encoding=encoding) as fh:
        csv.writer(fh, delimiter=delimiter, **kwargs).writerows(rows)
    return path


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_every_delimiter_and_encoding(tmp_path, delimiter, encoding):
    path = write_csv(tmp_path / "people.csv", PEOPLE, delimiter, encoding)
    info, rows = read_all(path)
    assert info == TableInfo("csv", encoding, delimiter, PEOPLE[0])
    assert rows == PEOPLE[1:]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_quoted_fields_with_other_delimiters_do_not_confuse_detection(tmp_path, delimiter):
    others = "".join(d for d in ",;\t|" if d != delimiter)
    rows = [["id", "name", "address"]] + [[str(i), f"n{i}", f"Jl. A{others}B{others}C\nRT 01"] for i in range(5)]
    path = write_csv(tmp_path / "q.txt", rows, delimiter, quoting=csv.QUOTE_ALL)
    info, data = read_all(path)
    assert info.delimiter == delimiter and info.format == "csv"
    assert data == rows[1:]


def test_semicolon_file_with_decimal_commas(tmp_path):
    path = tmp_path / "eu.csv"
    path.write_text("nama;saldo;hp\nAni;12,5;0812\nBudi;3,75;0813\nCici;1000;0814\n", encoding="utf-8")
    info, rows = read_all(path)
    assert info.delimiter == ";"
    assert rows[0] == ["Ani", "12,5", "0812"]


def test_single_column_file(tmp_path):
    path = tmp_path / "phones.csv"
    path.write_text("phone\n0812-3456-7890\n0813 1111 2222\n", encoding="utf-8")
    info, rows = read_all(path)
    assert info.headers == ["phone"] and rows == [["0812-3456-7890"], ["0813 1111 2222"]]


def test_excel_sep_line(tmp_path):
    path = tmp_path / "sep.csv"
    path.write_text("sep=;\nname;phone\nAni;0812\n", encoding="utf-8")
    info, rows = read_all(path)
    assert (info.delimiter, info.headers, rows) == (";", ["name", "phone"], [["Ani", "0812"]])


def test_utf16_without_bom(tmp_path):
    path = tmp_path / "le.csv"
    path.write_bytes("name\tphone\nJosé\t0812\n".encode("utf-16-le"))
    info, rows = read_all(path)
    assert (info.encoding, info.delimiter, rows) == ("utf-16-le", "\t", [["José", "0812"]])


def test_latin1_when_cp1252_cannot_decode(tmp_path):
    path = tmp_path / "l1.csv"
    path.write_bytes(b"name,code\nJos\xe9,\x81x\n")  # 0x81 is undefined in cp1252
    info, rows = read_all(path)
    assert info.encoding == "latin-1" and rows == [["José", "\x81x"]]


def test_utf8_sample_edge_does_not_cut_a_character(tmp_path, monkeypatch):
    text = "name,city\n" + "".join(f"Ané{i},Bogé\n" for i in range(40))
    path = tmp_path / "u.csv"
    path.write_text(text, encoding="utf-8")
    cut = path.read_bytes().index("é".encode(), 40) + 1
    monkeypatch.setattr(tabular, "SAMPLE_SIZE", cut)  # the sample ends inside "é"
    info, rows = read_all(path)
    assert info.encoding == "utf-8" and len(rows) == 40 and rows[-1] == ["Ané39", "Bogé"]


def test_encoding_change_after_the_sample_is_a_table_error(tmp_path, monkeypatch):
    monkeypatch.setattr(tabular, "SAMPLE_SIZE", 1024)
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"name,city\n" + b"Ani,Jakarta\n" * 20_000 + b"Jos\xe9,Bandung\n")
    fmt = sniff_format(path, "mixed.csv")
    with open_table(path, fmt) as table:
        assert table.info.encoding == "utf-8"
        with pytest.raises(TableError) as caught:
            list(table.rows())
    assert caught.value.params == {"encoding": "utf-8"}


def test_headers_rows_padding_and_blank_lines(tmp_path):
    path = tmp_path / "shape.csv"
    path.write_text(
        "\n,,\n name ,,phone,Phone,phone,,\n"  # blank lines before the header; trailing blanks
        "Ani,x,0812,a,b\n"
        ",,,,\n"  # fully empty: skipped
        "\n"
        "Budi\n"  # short: padded
        "Cici,y,0813,c,d,e,f,g\n",  # long: cut
        encoding="utf-8",
    )
    info, rows = read_all(path)
    assert info.headers == ["name", "column_2", "phone", "Phone_2", "phone_3"]
    assert rows == [["Ani", "x", "0812", "a", "b"], ["Budi", "", "", "", ""], ["Cici", "y", "0813", "c", "d"]]
    assert all(len(r) == len(info.headers) for r in rows)


def test_cells_are_stripped(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("name , phone\n  Ani  ,\t0812 \n", encoding="utf-8")
    assert read_all(path)[1] == [["Ani", "0812"]]


def test_preview_returns_info_and_first_rows(tmp_path):
    rows = [["name", "phone"]] + [[f"n{i}", f"08{i:09d}"] for i in range(50)]
    path = write_csv(tmp_path / "p.csv", rows)
    info, first = preview(path, "csv", n=3)
    assert info.headers == ["name", "phone"] and first == [r for r in rows[1:4]]
    assert len(preview(path, "csv")[1]) == 10


def test_table_is_a_context_manager_and_closes(tmp_path):
    path = write_csv(tmp_path / "c.csv", PEOPLE)
    table = open_table(path, "csv")
    assert isinstance(table, Table)
    with table:
        assert next(table.rows())[0] == "José Müller"
    assert list(table.rows()) == []  # closed: nothing more, and no error
    table.close()  # idempotent


def test_large_csv_streams_in_constant_memory(tmp_path):
    import tracemalloc

    path = tmp_path / "big.csv"
    filler = "Jl. Jend. Sudirman Kav. 52-53, Jakarta Selatan"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "name", "phone", "address"])
        writer.writerows([i, f"Customer {i}", f"0812{i:08d}", filler] for i in range(100_000))
    assert path.stat().st_size > 7_000_000
    tracemalloc.start()
    try:
        with open_table(path, "csv") as table:
            count = sum(1 for _ in table.rows())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 100_000
    assert peak < 4_000_000  # the 1 MB detection sample plus buffers, not the file


# --------------------------------------------------------------------------- bad CSV

def test_empty_and_whitespace_only_files(tmp_path):
    for name, content in [
        ("empty.csv", b""),
        ("blank.txt", b"  \r\n\t\n"),
        ("bom.csv", b"\xef\xbb\xbf\n"),
        ("empty.xlsx", b""),
    ]:
        path = tmp_path / name
        path.write_bytes(content)
        error = table_error(path)
        assert error.message == "The file is empty.", name


def test_only_delimiters_is_empty(tmp_path):
    path = tmp_path / "commas.csv"
    path.write_text(",,,\n , ,\n\n", encoding="utf-8")
    assert table_error(path).message == "The file is empty."


def test_no_header_row(tmp_path):
    path = tmp_path / "noheader.csv"
    path.write_text("081234567890,12345,67890\n081234567891,1,2\n", encoding="utf-8")
    error = table_error(path)
    assert error.message.startswith("The first row does not look like a header")
    assert "081234567890" in error.params["row"]
    assert isinstance(error, ValidationFailed) and error.status == 422


@pytest.mark.parametrize(
    "first_row",
    [
        "Budi,081234567890,Jakarta",  # a phone number is never a column name
        "ani@example.com,Ani,x",  # nor an e-mail address
        "1,2,3,4",
        "2024-01-31,10:00,5",
    ],
)
def test_data_rows_are_not_headers(tmp_path, first_row):
    path = tmp_path / "d.csv"
    path.write_text(first_row + "\n", encoding="utf-8")
    assert table_error(path).message.startswith("The first row does not look like a header")


@pytest.mark.parametrize("first_row", ["No,Nama,HP", "id,name,phone 1,phone 2", "Kode Pos,2024,Nama"])
def test_real_headers_are_accepted(tmp_path, first_row):
    path = tmp_path / "h.csv"
    path.write_text(first_row + "\n1,a,b,c\n", encoding="utf-8")
    assert read_all(path)[0].headers == first_row.split(",")


def test_too_many_columns(tmp_path):
    path = write_csv(tmp_path / "wide.csv", [[f"c{i}" for i in range(300)], ["x"] * 300])
    error = table_error(path)
    assert error.params == {"count": 300, "limit": 200}


def test_nul_bytes_in_csv(tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes(b"name,phone\nAni,0812\x00\x00\x01\x02\n")
    assert table_error(path).message == "This file is not a valid CSV file: it contains binary data, not text."


def test_nul_bytes_after_the_sample_fail_while_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(tabular, "SAMPLE_SIZE", 1024)
    path = tmp_path / "late-nul.csv"
    path.write_bytes(b"name,phone\n" + b"Ani,0812\n" * 30_000 + b"Bad\x00,1\n")
    with open_table(path, sniff_format(path, path.name)) as table:
        with pytest.raises(TableError, match="binary data"):
            list(table.rows())


def test_malformed_csv_is_a_table_error(tmp_path):
    path = tmp_path / "huge-field.csv"
    path.write_text('name,note\nAni,"' + "x" * 200_000 + '"\n', encoding="utf-8")
    with open_table(path, "csv") as table:
        with pytest.raises(TableError) as caught:
            list(table.rows())
    assert caught.value.params["line"] >= 2


# --------------------------------------------------------------------------- sniffing

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def test_sniff_by_extension_and_content(tmp_path):
    csv_path = write_csv(tmp_path / "a.csv", PEOPLE)
    xlsx_path = make_xlsx(tmp_path / "a.xlsx", [["name", "phone"], ["Ani", 812]])
    xls_path = make_xls(tmp_path / "a.xls")
    assert sniff_format(csv_path, "Customers.CSV") == "csv"
    assert sniff_format(csv_path, "customers.txt") == "csv"
    assert sniff_format(xlsx_path, "Data.XLSX") == "xlsx"
    assert sniff_format(xls_path, "data.xls") == "xls"
    # Excel opens an XLSX named .xls (and the reverse); so do we, under the real format.
    assert sniff_format(xlsx_path, "data.xls") == "xlsx"
    assert sniff_format(xls_path, "data.xlsx") == "xls"
    assert ALLOWED_EXTENSIONS == ("csv", "txt", "xlsx", "xls")


@pytest.mark.parametrize("name", ["photo.png", "data.ods", "archive.zip", "noextension", ".csv", "list.csv.exe"])
def test_unknown_extension(tmp_path, name):
    path = write_csv(tmp_path / "f", PEOPLE)
    error = table_error(path, name)
    assert error.message.startswith("Files of type %(ext)s cannot be imported")


@pytest.mark.parametrize(
    ("name", "content", "params"),
    [
        ("photo.xlsx", PNG, {"fmt": "XLSX", "found": "PNG"}),
        ("report.csv", PDF, {"fmt": "CSV", "found": "PDF"}),
        ("report.xls", PDF, {"fmt": "XLS", "found": "PDF"}),
        ("page.xls", b"<html><body><table><tr><td>1</td></tr></table></body></html>", {"fmt": "XLS", "found": "HTML"}),
    ],
)
def test_wrong_content_for_the_extension(tmp_path, name, content, params):
    path = tmp_path / name
    path.write_bytes(content)
    error = table_error(path)
    assert error.params == params
    assert str(error) == error.message % params


def test_xlsx_renamed_csv(tmp_path):
    path = make_xlsx(tmp_path / "book.csv", [["name"], ["Ani"]])
    error = table_error(path)
    assert "Excel workbook" in error.message
    assert error.params == {"found": "XLSX", "ext": "csv", "right": "xlsx"}


def test_plain_zip_renamed_xlsx(tmp_path):
    path = tmp_path / "files.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
    assert table_error(path).params == {"fmt": "XLSX", "found": "ZIP"}


def test_random_bytes(tmp_path):
    data = bytes((i * 7919 + 13) % 256 for i in range(5000))
    for name in ("random.xlsx", "random.xls", "random.csv"):
        path = tmp_path / name
        path.write_bytes(data)
        error = table_error(path)
        assert error.params.get("fmt") in ("XLSX", "XLS") or "binary data" in error.message


def test_truncated_xlsx(tmp_path):
    good = make_xlsx(tmp_path / "good.xlsx", [["name", "phone"]] + [[f"n{i}", i] for i in range(500)])
    path = tmp_path / "cut.xlsx"
    path.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    assert table_error(path).params == {"fmt": "XLSX"}
    with pytest.raises(TableError):  # also when the caller skips sniffing
        open_table(path, "xlsx")


def test_spreadsheets_are_read_by_content_not_by_the_stored_name(tmp_path):
    """Uploads may be stored under any name; the guard and calamine follow the bytes."""
    stored = make_xlsx(tmp_path / "a.xlsx", [["name"], ["Ani"]]).rename(tmp_path / "upload-1.bin")
    assert read_all(stored, "customers.xls")[1] == [["Ani"]]  # sniffed as xlsx despite .xls
    legacy = make_xls(tmp_path / "b.xls").rename(tmp_path / "upload-2")
    assert sniff_format(legacy, "customers.xlsx") == "xls"
    assert preview(legacy, "xlsx")[1][0][0] == "José Müller"
    bomb = write_bomb(tmp_path / "upload-3.xls", 64 << 20)
    with pytest.raises(TableError, match="unreasonable size"):
        open_table(bomb, "xls")  # even when the caller names the wrong format


def test_unknown_format_is_a_programming_error(tmp_path):
    with pytest.raises(ValueError):
        open_table(tmp_path / "x", "ods")


# --------------------------------------------------------------------------- XLSX

def make_xlsx(path: Path, rows, sheet_title="Data") -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


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


def rewrite_entry(path: Path, name: str, change) -> Path:
    """Copy an xlsx with one entry's bytes passed through change(bytes) -> bytes."""
    source = path.with_suffix(".orig")
    path.rename(source)
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info.filename, change(data) if info.filename == name else data)
    source.unlink()
    return path


SHEET = "xl/worksheets/sheet1.xml"


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


def write_bomb(path: Path, inflated: int) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", '<workbook><sheets><sheet name="S" r:id="rId1"/></sheets></workbook>')
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        with zf.open(SHEET, "w", force_zip64=True) as fh:
            fh.write(b"<worksheet><sheetData>")
            block = b" " * (1 << 20)
            for _ in range(inflated >> 20):
                fh.write(block)
    return path


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
    monkeypatch.setattr(tabular, "python_calamine", fake)
    with open_table(path, "xlsx") as table:
        it = table.rows()
        assert next(it) == ["Ani", "812"]
        with pytest.raises(TableError) as caught:
            next(it)
    assert isinstance(caught.value.__cause__, Boom)


# --------------------------------------------------------------------------- XLS

# A small BIFF8 workbook written once with xlwt 1.3.0 (no .xls writer is a
# project dependency), zlib-compressed and base64-encoded:
#   ws = xlwt.Workbook(encoding="utf-8").add_sheet("Pelanggan")
#   rows: [Nama, Telepon, Kota, Saldo, Bergabung, Aktif]
#         ["José Müller", 81234567890, "Jakarta", 12.5, date(2024, 1, 31) as YYYY-MM-DD, True]
#         ["Siti", "0813-1111-2222", "", 1000000, <empty>, False]
XLS_FIXTURE = (
    "eNrtWE9IFFEY/73ZWd01Xdd/gQayCFltLqRevNimWIKxYhlkEdSY07LsNCvTdqhDWeYpgqBT0UWwQxerS3+ooKBD"
    "h8CwQxAEWifpFCR0UKfvfTNragYumGDMb3jfvO977/u+N+9775s3836ibGr0Uc00VmAvfFiwgyhYIhNUgjkmDGq3"
    "bVnN3QNUbA+bCsEABbLAj+cl7wplDGW8p6HgofqaKPCFygkMojtj6pENRDuPQRNyDK1EBe6SJIRqHlU509NMK5g+"
    "4J4vmO5jyQ2mrdR3ShzHRLw72uKu4j6ljttCkHafsM4nljSiCm/lKr58Uzh9/WizUpqxyRpq1WKMgQLaqZu6JflS"
    "3EMRcIwQSyRiHR1TqKRgj2HWjgA/crv6VcSTb6xcgOQ/l8sL/yIPUBBXym8pKjAE+xRvkhGUoU8FJ+oe3dDMZFIz"
    "52DI2HOhtm7trEZL44hu6IMZkwQHM1nND/RqxkCG8nu7biW1/vNmkmRt6WzqzBagK3NuJpKYMwzdItUuLa1ZWY1U"
    "e1PZVAjY09LYHGskxJoI0o+TV8LL8koJ77diogMo5XoZ77owPdjc/e+Tif6e+EmWDPG7xHnjbJcPCBtXpAYph7jF"
    "h5zVKGvsZnqVrW7jeg3TStoSdK/vqXIrB4a5zzVurSc/zYwP8R1L6jupPvLt0NPaka/xXVQf75y+WDn+MT6KOprY"
    "AdKX1zAaRIO4c1viWTx3F252+sy0+o9MFVDC7tht97VainmODWg+JBxOzo5Y5BR3rhzOR5xvkVOJUxc5P3F+149Y"
    "xY9gP3LmfDSXgv0Ak3WzM03tTrv0JYP2kp5EsK/rFTLnRt8o5MevBDjRyNFJH8oqPhT2EXDH5ERanhyEUkCctH9J"
    "kXJpWwm2sk2FbdLJQynHY2mA8vhvFMGDBw8ePHjw4MHDekDw2dI5T6t8enRO1YXuf515Kgveb5L/FoeRoStLH5X7"
    "YdLdwoW81s9W+EXOllijTu5/ocRR8m4hjX4eRzrv9UvfWmLp86xZMbx+Wyhf/wv5jPMf+/8FwdLy6Q=="
)


def make_xls(path: Path) -> Path:
    path.write_bytes(zlib.decompress(base64.b64decode(XLS_FIXTURE)))
    return path


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


# The fixture's Workbook stream starts in the first sector after the 512-byte header.
BIFF_CELL_RECORDS = {0x00FD, 0x0203, 0x027E}


def biff_first_sheet(xls: bytes) -> tuple[int, int, list[int]]:
    """(start, end) of the BIFF data and the offsets of the first sheet's cell records."""
    pos, sheets, cells = 512, 0, []
    assert struct.unpack_from("<H", xls, pos)[0] == 0x0809  # BOF
    while True:
        kind, length = struct.unpack_from("<HH", xls, pos)
        if kind in BIFF_CELL_RECORDS and sheets == 1:
            cells.append(pos)
        pos += 4 + length
        if kind == 0x000A:  # EOF of the globals, then of the first sheet
            sheets += 1
            if sheets == 2:
                return 512, pos, cells


def xls_with_far_cell(row: int, col: int) -> bytes:
    xls = bytearray(zlib.decompress(base64.b64decode(XLS_FIXTURE)))
    _, _, cells = biff_first_sheet(bytes(xls))
    struct.pack_into("<HH", xls, cells[-1] + 4, row, col)
    return bytes(xls)


@pytest.mark.parametrize(("row", "col"), [(65535, 65535), (65535, 255), (3, 201)])
def test_xls_cells_that_would_exhaust_memory(tmp_path, row, col):
    # (65535, 65535): calamine would allocate 65536 x 65536 cells (128 GiB) and abort.
    path = tmp_path / "far.xls"
    path.write_bytes(xls_with_far_cell(row, col))
    error = table_error(path)
    assert error.message.startswith("The spreadsheet is too large")
    assert (error.params["rows"], error.params["cols"]) == (row + 1, col + 1)


def mini_compound_file(stream: bytes) -> bytes:
    """A version-3 compound file with `stream` (< 4096 bytes) as "Workbook" in its mini stream."""
    end, free, fat_sector, none = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF

    def entry(name: str, kind: int, child: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (
            raw.ljust(64, b"\0")
            + struct.pack("<HBB3I", len(raw), kind, 1, none, none, child)
            + bytes(36)
            + struct.pack("<II", start, size)
            + bytes(4)
        )

    minis = -(-len(stream) // 64)
    mini_stream = stream.ljust(minis * 64, b"\0")
    data_sectors = -(-len(mini_stream) // 512)
    fat = [fat_sector, end, end] + [4 + i for i in range(data_sectors - 1)] + [end]
    header = (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + bytes(16)
        + struct.pack("<5H", 0x3E, 3, 0xFFFE, 9, 6)
        + bytes(6)
        # directory sectors, FAT sectors, first directory sector, transaction,
        # mini cutoff, first mini FAT sector, mini FAT sectors, first DIFAT, DIFAT sectors
        + struct.pack("<9I", 0, 1, 1, 0, 4096, 2, 1, end, 0)
        + struct.pack("<109I", 0, *[free] * 108)
    )
    directory = entry("Root Entry", 5, 1, 3, len(mini_stream)) + entry("Workbook", 2, none, 0, len(stream))
    mini_fat = struct.pack(f"<{minis}I", *range(1, minis), end)
    return (
        header
        + struct.pack("<128I", *fat, *[free] * (128 - len(fat)))
        + directory.ljust(512, b"\0")
        + mini_fat.ljust(512, b"\xff")
        + mini_stream.ljust(data_sectors * 512, b"\0")
    )


def test_xls_with_a_small_workbook_stream(tmp_path):
    """Workbook streams under 4 KB live in the compound file's mini stream."""
    xls = zlib.decompress(base64.b64decode(XLS_FIXTURE))
    start, end, _ = biff_first_sheet(xls)
    path = tmp_path / "mini.xls"
    path.write_bytes(mini_compound_file(xls[start:end]))
    info, rows = read_all(path)
    assert info.headers[:2] == ["Nama", "Telepon"] and rows[0][0] == "José Müller"
    far = xls_with_far_cell(65535, 65535)
    path.write_bytes(mini_compound_file(far[start:end]))
    assert table_error(path).params["cols"] == 65536
