"""The shared shape of every reader: Table, TableInfo, TableError, the limits,
and the header row (first non-empty row, unique names, "is it really a header?")."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from crm.i18n import N_
from crm.services.errors import ValidationFailed
from crm.services.phones import normalize_phone

MAX_COLUMNS = 200
MAX_ROWS = 2_000_000
# calamine keeps rows × columns cells of 32 bytes each (strings extra):
# 30 M cells ≈ 1 GiB. Real customer lists are far below (1 M rows × 10 columns).
MAX_CELLS = 30_000_000


class TableError(ValidationFailed):
    """The uploaded file cannot be read as a table; `message` is an N_() msgid."""


@dataclass
class TableInfo:
    format: str  # "csv" | "xlsx" | "xls"
    encoding: str | None  # CSV only: "utf-8", "utf-8-sig", "utf-16", "cp1252", …
    delimiter: str | None  # CSV only
    headers: list[str] = field(default_factory=list)


class Table:
    """An open table: `info` plus a single pass over the data rows."""

    def __init__(self, info: TableInfo, rows: Iterator[list[str]], close: Callable[[], None]) -> None:
        self.info = info
        self._rows = rows
        self._close = close

    def rows(self) -> Iterator[list[str]]:
        """Data rows after the header row, each exactly len(info.headers) stripped strings.

        One pass: calling rows() again continues where the last loop stopped.
        """
        return self._rows

    def close(self) -> None:
        """Close the file and drop the rows (a spreadsheet's are held in memory)."""
        close, self._close = self._close, noop
        rows, self._rows = self._rows, iter(())
        try:
            getattr(rows, "close", noop)()
        finally:
            close()

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def noop() -> None:
    pass


def too_large(rows: int, cols: int) -> TableError:
    return TableError(
        N_(
            "The spreadsheet is too large: it spans %(rows)s rows and %(cols)s columns "
            "(at most %(max_rows)s rows, %(max_cols)s columns and %(max_cells)s cells). "
            "Delete unused rows and columns or split the file."
        ),
        rows=rows,
        cols=cols,
        max_rows=MAX_ROWS,
        max_cols=MAX_COLUMNS,
        max_cells=MAX_CELLS,
    )


def not_valid(label: str) -> TableError:
    return TableError(N_("This file is not a valid %(fmt)s file."), fmt=label)


# ---------------------------------------------------------------------------
# Header row


def read_header(rows: Iterator[list[str]]) -> list[str]:
    """Consume rows up to the first non-empty one and turn it into unique headers."""
    for row in rows:
        if any(row):
            break
    else:
        raise TableError(N_("The file is empty."))
    while row and not row[-1]:
        row.pop()  # trailing blank cells are not columns
    if len(row) > MAX_COLUMNS:
        raise TableError(
            N_("The file has %(count)s columns; at most %(limit)s are supported."),
            count=len(row),
            limit=MAX_COLUMNS,
        )
    if _looks_like_data(row):
        sample = ", ".join(c for c in row if c)
        raise TableError(
            N_(
                "The first row does not look like a header (%(row)s). Add a first row with "
                "the column names, for example Name and Phone."
            ),
            row=sample if len(sample) <= 80 else sample[:77] + "…",
        )
    return _unique_headers(row)


_NUMBER_PUNCTUATION = str.maketrans("", "", " +-().,/:'")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _looks_like_data(cells: list[str]) -> bool:
    values = [c for c in cells if c]
    if not any(ch.isalpha() for value in values for ch in value):
        return True
    numeric = 0
    for value in values:
        digits = value.translate(_NUMBER_PUNCTUATION)
        if digits.isdigit():
            numeric += 1
            if normalize_phone(value) is not None:
                return True  # nobody names a column 081234567890
        elif _EMAIL.fullmatch(value):
            return True
    return numeric * 2 > len(values)


def _unique_headers(row: list[str]) -> list[str]:
    headers: list[str] = []
    seen: set[str] = set()
    for index, cell in enumerate(row, start=1):
        name = cell or f"column_{index}"
        candidate, n = name, 1
        while candidate.casefold() in seen:
            n += 1
            candidate = f"{name}_{n}"
        seen.add(candidate.casefold())
        headers.append(candidate)
    return headers


def fit(rows: Iterable[list[str]], width: int) -> Iterator[list[str]]:
    """Pad/cut rows to `width`, skipping rows with nothing in them."""
    for row in rows:
        n = len(row)
        if n != width:
            if n < width:
                row.extend([""] * (width - n))
            else:
                del row[width:]
        if any(row):
            yield row
