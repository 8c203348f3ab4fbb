"""crm.services.imports.readers.sniff: the format by extension, checked against the content."""

from __future__ import annotations

import zipfile

import pytest

from crm.services.imports.readers import ALLOWED_EXTENSIONS, TableError, open_table, preview, sniff_format
from tests.services.imports.files import PEOPLE, make_xls, make_xlsx, read_all, table_error, write_bomb, write_csv

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

