"""crm.services.imports.readers.delimited: CSV/TXT in any common delimiter and encoding, bad CSV."""

from __future__ import annotations

import csv

import pytest

from crm.services.errors import ValidationFailed
from crm.services.imports.readers import Table, TableError, TableInfo, delimited, open_table, preview, sniff_format
from tests.services.imports.files import PEOPLE, read_all, table_error, write_csv


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
    monkeypatch.setattr(delimited, "SAMPLE_SIZE", cut)  # the sample ends inside "é"
    info, rows = read_all(path)
    assert info.encoding == "utf-8" and len(rows) == 40 and rows[-1] == ["Ané39", "Bogé"]


def test_encoding_change_after_the_sample_is_a_table_error(tmp_path, monkeypatch):
    monkeypatch.setattr(delimited, "SAMPLE_SIZE", 1024)
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
    monkeypatch.setattr(delimited, "SAMPLE_SIZE", 1024)
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
