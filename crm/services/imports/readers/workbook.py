"""XLSX and XLS through python-calamine (the first sheet, as rows of strings).

calamine loads the whole first sheet into memory and allocates rows × columns
cells for its used range up front, aborting the whole process when that
allocation fails: a file reaches it only after its guard (xlsx_guard,
xls_guard) passed. Every calamine failure becomes a TableError.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

import python_calamine

from crm.i18n import N_
from crm.services.imports.readers.table import (
    MAX_CELLS,
    MAX_ROWS,
    Table,
    TableError,
    TableInfo,
    fit,
    noop,
    not_valid,
    read_header,
    too_large,
)

# pyo3 turns Rust panics into PanicException, a BaseException: calamine calls
# catch BaseException to report those as TableError, letting only these through.
_PASS_THROUGH = (TableError, KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError)


def open_workbook(source: Path | BinaryIO, fmt: str) -> Table:
    """The first sheet of a (guarded) workbook file or file object as a Table."""
    return sheet_table(first_sheet(source, fmt), fmt)


@contextmanager
def calamine_errors(label: str) -> Iterator[None]:
    try:
        yield
    except python_calamine.PasswordError as exc:
        raise TableError(
            N_("This workbook is protected with a password. Remove the password and upload it again.")
        ) from exc
    except _PASS_THROUGH:
        raise
    except BaseException as exc:  # see _PASS_THROUGH
        raise not_valid(label) from exc


def first_sheet(source: Path | BinaryIO, fmt: str) -> Any:
    """calamine's first sheet (all its cells in memory)."""
    with calamine_errors(fmt.upper()):
        # from_filelike detects the format from the bytes; from_path would go
        # by the file name, which for an upload may be anything.
        if isinstance(source, (str, Path)):
            with open(source, "rb") as fh:
                return _first_sheet(fh)
        return _first_sheet(source)


def _first_sheet(fh: BinaryIO) -> Any:
    workbook = python_calamine.CalamineWorkbook.from_filelike(fh)
    try:
        if not workbook.sheet_names:
            raise TableError(N_("The file is empty."))
        return workbook.get_sheet_by_index(0)
    finally:
        workbook.close()


def sheet_table(sheet: Any, fmt: str) -> Table:
    label = fmt.upper()
    with calamine_errors(label):
        height, width = sheet.height, sheet.width
        if height > MAX_ROWS or width * height > MAX_CELLS:
            raise too_large(height, width)
        cells = _sheet_rows(sheet.iter_rows(), label)
        headers = read_header(cells)
    info = TableInfo(format=fmt, encoding=None, delimiter=None, headers=headers)
    return Table(info, fit(cells, len(headers)), noop)


def _sheet_rows(rows: Iterator[list[Any]], label: str) -> Iterator[list[str]]:
    try:
        for row in rows:
            yield [c.strip() if type(c) is str else cell_text(c) for c in row]
    except _PASS_THROUGH:
        raise
    except BaseException as exc:  # see _PASS_THROUGH
        raise not_valid(label) from exc


def cell_text(value: Any) -> str:
    kind = type(value)
    if kind is float:
        if value.is_integer():
            return str(int(value))  # phones stored as numbers: 81234567890.0 → "81234567890"
        text = format(value, ".15g")  # Excel's precision, no 0.30000000000000004
        if "e" in text and "inf" not in text and "nan" not in text:
            text = format(Decimal(text), "f")
        return text
    if kind is bool:
        return "TRUE" if value else "FALSE"
    if kind is int:
        return str(value)
    if kind is datetime:
        return value.isoformat(sep=" ")
    if kind is date or kind is time:
        return value.isoformat()
    if kind is timedelta:
        return str(value)
    if value is None:
        return ""
    return str(value).strip()

