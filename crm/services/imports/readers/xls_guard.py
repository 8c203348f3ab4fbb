"""The XLS guard: refuse a BIFF workbook whose first sheet would make calamine
allocate an absurd range, before calamine reads it.

A 6 KB file with one cell at row 65535, column 65535 makes calamine ask for
128 GiB and abort. Legit BIFF8 stops at 65536 rows x 256 columns, so reading
the cell addresses of the first sheet is enough: compound file (CFB) ->
Workbook stream -> BIFF records.
"""

from __future__ import annotations

import mmap
import struct
import sys
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from crm.services.imports.readers.sniff import OLE2
from crm.services.imports.readers.table import MAX_CELLS, MAX_COLUMNS, MAX_ROWS, not_valid, too_large

_CFB_END = 0xFFFFFFFE
_BIFF_EOF = 0x000A
_BIFF_BOUNDSHEET = 0x0085
# Records that start with (row, column): BLANK, NUMBER, LABEL, BOOLERR,
# FORMULA (BIFF2–8 ids), LABELSST, RK, RSTRING.
_BIFF_CELLS = frozenset({0x0201, 0x0203, 0x0204, 0x0205, 0x0006, 0x0206, 0x0406, 0x00FD, 0x027E, 0x00D6})
_BIFF_MULTI = frozenset({0x00BD, 0x00BE})  # MULRK, MULBLANK: row, first column, …, last column


def check_xls(path: Path) -> None:
    try:
        with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
            stream = _cfb_stream(data, ("workbook", "book"))
    except (ValueError, IndexError, struct.error, OSError) as exc:
        raise not_valid("XLS") from exc
    if stream is not None:
        _check_biff(stream)


def _cfb_stream(data: Any, names: tuple[str, ...]) -> bytes | None:
    """The first stream called one of `names` (lower case) in a compound file."""
    if data[:8] != OLE2:
        raise ValueError("not a compound file")
    sector_shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
    if sector_shift not in (9, 12) or mini_shift != 6:
        raise ValueError("bad sector size")
    size = 1 << sector_shift
    fat_count, directory_start = struct.unpack_from("<II", data, 0x2C)
    cutoff, mini_fat_start, _, difat_start, difat_count = struct.unpack_from("<5I", data, 0x38)

    def sector(number: int) -> bytes:
        offset = (number + 1) * size
        if offset + size > len(data):
            raise ValueError("sector out of range")
        return data[offset : offset + size]

    difat = list(struct.unpack_from("<109I", data, 0x4C))
    following = difat_start
    for _ in range(difat_count):
        entries = struct.unpack(f"<{size // 4}I", sector(following))
        difat.extend(entries[:-1])
        following = entries[-1]
    fat = _u32_array(b"".join(sector(n) for n in difat[:fat_count]))

    def chain(start: int, table: array) -> Iterator[int]:
        for _ in range(len(table)):  # a cycle cannot outrun the table
            if start == _CFB_END:
                return
            if start >= len(table):
                raise ValueError("broken sector chain")
            yield start
            start = table[start]
        raise ValueError("sector chain loops")

    directory = b"".join(sector(n) for n in chain(directory_start, fat))
    entries = [directory[i : i + 128] for i in range(0, len(directory) - 127, 128)]
    if not entries:
        raise ValueError("no directory")
    root = entries[0]
    for entry in entries:
        name_len = min(struct.unpack_from("<H", entry, 0x40)[0], 64)
        name = entry[: max(name_len - 2, 0)].decode("utf-16-le", "replace").lower()
        if entry[0x42] != 2 or name not in names:
            continue
        start, length = struct.unpack_from("<II", entry, 0x74)
        if length > len(data):
            raise ValueError("stream longer than the file")
        if length >= cutoff:
            return b"".join(sector(n) for n in chain(start, fat))[:length]
        mini_stream = b"".join(sector(n) for n in chain(struct.unpack_from("<I", root, 0x74)[0], fat))
        mini_fat = _u32_array(b"".join(sector(n) for n in chain(mini_fat_start, fat)))
        mini = 1 << mini_shift
        return b"".join(mini_stream[n * mini : (n + 1) * mini] for n in chain(start, mini_fat))[:length]
    return None


def _u32_array(raw: bytes) -> array:
    values = array("I")
    if values.itemsize != 4:
        values = array("L")
    values.frombytes(raw[: len(raw) // values.itemsize * values.itemsize])
    if sys.byteorder == "big":
        values.byteswap()
    return values


def _check_biff(stream: bytes) -> None:
    """Refuse a first worksheet whose cell addresses span an absurd range."""
    unpack = struct.unpack_from
    end = len(stream)
    pos, first_sheet = 0, None
    while pos + 4 <= end:  # workbook globals: find where the first sheet starts
        kind, length = unpack("<HH", stream, pos)
        if kind == _BIFF_BOUNDSHEET and first_sheet is None and length >= 4:
            first_sheet = unpack("<I", stream, pos + 4)[0]
        pos += 4 + length
        if kind == _BIFF_EOF:
            break
    if first_sheet is None:
        return  # nothing we can locate; calamine will judge
    pos, max_row, max_col = first_sheet, -1, -1
    cells, multi = _BIFF_CELLS, _BIFF_MULTI
    record = struct.Struct("<4H").unpack_from  # type, length, row, column in one call
    padded = stream + bytes(8)
    while pos + 4 <= end:
        kind, length, row, col = record(padded, pos)
        if kind in cells:
            if col > max_col:
                max_col = col
            if row > max_row:
                max_row = row
        elif kind in multi and length >= 6:
            col = max(col, unpack("<H", stream, pos + 2 + length)[0])
            max_col = max(max_col, col)
            max_row = max(max_row, row)
        elif kind == _BIFF_EOF:
            break
        pos += 4 + length
    rows, cols = max_row + 1, max_col + 1
    if cols > MAX_COLUMNS or rows > MAX_ROWS or rows * cols > MAX_CELLS:
        raise too_large(rows, cols)

