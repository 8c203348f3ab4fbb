import csv

from openpyxl import load_workbook

from crm.services.exports import safe_cell, write_table

EVIL = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx", "\nx"]


def test_safe_cell_neutralises_every_owasp_trigger():
    for value in EVIL:
        assert safe_cell(value) == "'" + value
    assert safe_cell("Dewi") == "Dewi" and safe_cell(5) == 5 and safe_cell(None) is None


def test_csv_and_xlsx_cells_are_inert(tmp_path):
    rows = [(i, v) for i, v in enumerate(EVIL)]
    write_table(tmp_path / "a.csv", "csv", ["id", "name"], rows)
    with open(tmp_path / "a.csv", encoding="utf-8-sig", newline="") as fh:
        data = list(csv.reader(fh))
    assert [r[1] for r in data[1:]] == ["'" + v for v in EVIL]
    write_table(tmp_path / "a.xlsx", "xlsx", ["id", "name"], rows)
    ws = load_workbook(tmp_path / "a.xlsx").active
    cells = [row[1] for row in ws.iter_rows(min_row=2)]
    assert all(c.data_type == "s" for c in cells)
    # XML stores a lone CR as LF; what matters is the leading quote and the string type.
    assert [c.value for c in cells] == ["'" + v.replace("\r", "\n") for v in EVIL]
