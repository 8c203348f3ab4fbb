"""Reading uploaded customer files (CSV/TXT, XLSX, XLS) as rows of strings.

    fmt = sniff_format(path, upload_name)        # "csv" | "xlsx" | "xls"
    with open_table(path, fmt) as table:
        table.info.headers                       # unique, non-empty names
        for row in table.rows():                 # list[str], len(headers) items
            ...
    info, first_rows = preview(path, fmt)        # the inspection

One module per format (delimited: CSV/TXT; workbook: XLSX/XLS through
python-calamine) and one per guard (xlsx_guard with xlsx_extent: zip bombs
and absurd sheet extents; xls_guard: BIFF cell addresses), which run before
calamine touches a file because calamine aborts the whole process when its
allocation fails. xlsx_preview reads an XLSX's first rows without loading the
sheet. Every problem with the file is raised as TableError (a ValidationFailed
with a translatable message), never as a raw parser exception.
"""

from __future__ import annotations

from itertools import islice
from pathlib import Path

from crm.services.imports.readers.delimited import open_csv
from crm.services.imports.readers.sniff import ALLOWED_EXTENSIONS, OLE2, sniff_format
from crm.services.imports.readers.table import MAX_COLUMNS, MAX_ROWS, Table, TableError, TableInfo
from crm.services.imports.readers.workbook import open_workbook
from crm.services.imports.readers.xls_guard import check_xls
from crm.services.imports.readers.xlsx_guard import check_xlsx
from crm.services.imports.readers.xlsx_preview import preview_xlsx

__all__ = [
    "ALLOWED_EXTENSIONS",
    "MAX_COLUMNS",
    "MAX_ROWS",
    "Table",
    "TableError",
    "TableInfo",
    "open_table",
    "preview",
    "sniff_format",
]


def open_table(path: Path, fmt: str, *, checked: bool = False) -> Table:
    """Open `path` (a format from sniff_format) and read its header row.

    `checked=True` skips the spreadsheet safety scan: only for a stored file
    that already passed it unchanged (the import after its inspection)."""
    path = Path(path)
    if fmt == "csv":
        return open_csv(path)
    if fmt in ("xlsx", "xls") and checked:
        return open_workbook(path, fmt)
    if fmt in ("xlsx", "xls"):
        # calamine goes by content (from_filelike), so guard by content too.
        magic = _magic(path)
        if magic.startswith(b"PK\x03\x04"):
            check_xlsx(path)
        elif magic == OLE2:
            check_xls(path)
        return open_workbook(path, fmt)
    raise ValueError(f"unknown table format {fmt!r}")


def preview(path: Path, fmt: str, n: int = 10) -> tuple[TableInfo, list[list[str]]]:
    """TableInfo and the first `n` data rows (after the guards, like open_table).

    An XLSX's rows come from the head of its sheet (xlsx_preview), in a
    fraction of the time a full read takes; whenever the head cannot vouch for
    them, from the full read of the already guarded file."""
    path = Path(path)
    if fmt in ("xlsx", "xls") and _magic(path).startswith(b"PK\x03\x04"):
        quick = preview_xlsx(path, n)
        if quick is not None:
            return quick
        table = open_table(path, fmt, checked=True)
    else:
        table = open_table(path, fmt)
    with table:
        return table.info, list(islice(table.rows(), n))


def _magic(path: Path) -> bytes:
    with open(path, "rb") as fh:
        return fh.read(8)
