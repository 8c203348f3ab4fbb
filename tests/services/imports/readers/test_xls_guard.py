"""crm.services.imports.readers.xls_guard: BIFF cell addresses that would exhaust memory."""

from __future__ import annotations

import base64
import zlib

import pytest

from tests.services.imports.files import XLS_FIXTURE, biff_first_sheet, mini_compound_file, read_all, table_error, xls_with_far_cell


@pytest.mark.parametrize(("row", "col"), [(65535, 65535), (65535, 255), (3, 201)])
def test_xls_cells_that_would_exhaust_memory(tmp_path, row, col):
    # (65535, 65535): calamine would allocate 65536 x 65536 cells (128 GiB) and abort.
    path = tmp_path / "far.xls"
    path.write_bytes(xls_with_far_cell(row, col))
    error = table_error(path)
    assert error.message.startswith("The spreadsheet is too large")
    assert (error.params["rows"], error.params["cols"]) == (row + 1, col + 1)


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
