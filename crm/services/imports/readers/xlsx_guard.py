"""The XLSX guard: refuse what would make calamine blow up — zip bombs and
absurd sheet extents — before calamine ever sees the file.

Checks the sizes the zip declares, then inflates every entry itself (counting
real bytes, so a lying header does not help) while scanning the first
worksheet's cell references (xlsx_extent): calamine allocates rows × columns
cells for the used range, so one cell at XFD1048576 would need 512 GiB.
"""

from __future__ import annotations

import posixpath
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crm.i18n import N_
from crm.services.imports.readers.table import TableError, not_valid
from crm.services.imports.readers.xlsx_extent import Irregular, SheetScan

MAX_UNCOMPRESSED = 1 << 30  # 1 GiB, all entries of an XLSX together
BOMB_RATIO = 200
BOMB_MIN_SIZE = 10 * 1024 * 1024


@dataclass
class CheckedSheet:
    """What the guard learnt about the first sheet (for the fast preview)."""

    entry: zipfile.ZipInfo  # the part calamine reads as sheet 0
    resolved: bool  # found through workbook.xml and its rels, as calamine does
    scan: SheetScan


def zip_bomb() -> TableError:
    return TableError(N_("This XLSX file unpacks to an unreasonable size and cannot be imported."))


def check_xlsx(path: Path, *, head_rows: int = 0) -> CheckedSheet:
    """Raise TableError for anything calamine must not read; with `head_rows`,
    keep the first sheet's first rows for the preview (CheckedSheet.scan.head)."""
    try:
        with zipfile.ZipFile(path) as zf, open(path, "rb") as fh:
            infos = zf.infolist()
            if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
                raise zip_bomb()
            for info in infos:
                if _is_bomb(info.file_size, info.compress_size):
                    raise zip_bomb()
            sheet, resolved = first_sheet_entry(zf)
            if sheet is None:
                raise TableError(N_("The file is empty."))
            # The sheet first: a lying <dimension> fails after a few KB.
            ordered = [sheet] + [i for i in infos if i is not sheet]
            total = 0
            scan = SheetScan(head_rows=head_rows)
            try:
                size = _inflate(fh, sheet, MAX_UNCOMPRESSED, scan)
            except Irregular:
                scan = SheetScan(exact=True)
                size = _inflate(fh, sheet, MAX_UNCOMPRESSED, scan)
            for info in ordered:
                if info is not sheet:
                    size = _inflate(fh, info, MAX_UNCOMPRESSED - total, None)
                total += size
                if _is_bomb(size, info.compress_size):
                    raise zip_bomb()
                if total > MAX_UNCOMPRESSED:
                    raise zip_bomb()
            return CheckedSheet(sheet, resolved, scan)
    except TableError:
        raise
    except (
        zipfile.BadZipFile,
        zlib.error,
        OSError,
        ValueError,
        KeyError,
        EOFError,
        struct.error,
        RuntimeError,  # encrypted entry
        NotImplementedError,  # compression method zipfile lacks
    ) as exc:
        raise not_valid("XLSX") from exc


def _is_bomb(size: int, compressed: int) -> bool:
    return size > BOMB_MIN_SIZE and size > BOMB_RATIO * max(compressed, 1)


def first_sheet_entry(zf: zipfile.ZipFile) -> tuple[zipfile.ZipInfo | None, bool]:
    """The part calamine reads as sheet 0 — first <sheet> of workbook.xml, via
    its rels — and whether it was found that way."""
    by_name = {i.filename.lower(): i for i in zf.infolist()}
    workbook = by_name.get("xl/workbook.xml")
    rels = by_name.get("xl/_rels/workbook.xml.rels")
    target = None
    if workbook is not None and rels is not None and workbook.file_size < 16 << 20 and rels.file_size < 16 << 20:
        sheet = re.search(rb"<(?:\w+:)?sheet\b[^>]*?\s\w+:id=\"([^\"]+)\"", zf.read(workbook))
        if sheet:
            for rel in re.finditer(rb"<(?:\w+:)?Relationship\b[^>]*>", zf.read(rels)):
                attrs = dict(re.findall(rb"(\w+)=\"([^\"]*)\"", rel.group(0)))
                if attrs.get(b"Id") == sheet.group(1) and b"Target" in attrs:
                    target = attrs[b"Target"].decode("utf-8", "replace")
                    break
    if target is not None:
        name = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
        info = by_name.get(posixpath.normpath(name).lower())
        if info is not None:
            return info, True
    # Unresolvable: judge by the first worksheet part there is (sheet1 before sheet10).
    sheets = sorted(
        (n for n in by_name if n.startswith("xl/worksheets/") and n.endswith(".xml")),
        key=lambda n: (len(n), n),
    )
    return (by_name[sheets[0]] if sheets else None), False


def _inflate(fh: Any, info: zipfile.ZipInfo, limit: int, scan: SheetScan | None) -> int:
    """Real uncompressed size of one entry (raises past `limit`), fed to `scan`."""
    fh.seek(info.header_offset)
    local = fh.read(30)
    if len(local) < 30 or local[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile("bad local header")
    if info.flag_bits & 0x1:
        raise zipfile.BadZipFile("encrypted entry")
    name_len, extra_len = struct.unpack("<HH", local[26:30])
    fh.seek(info.header_offset + 30 + name_len + extra_len)
    remaining = info.compress_size
    if info.compress_type == zipfile.ZIP_STORED:
        inflater = None
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        inflater = zlib.decompressobj(-15)
    else:
        raise zipfile.BadZipFile(f"unsupported compression {info.compress_type}")
    total = 0
    while remaining:
        chunk = fh.read(min(remaining, 1 << 20))
        if not chunk:
            raise zipfile.BadZipFile("truncated entry")
        remaining -= len(chunk)
        while chunk:
            if inflater is None:
                out, chunk = chunk, b""
            else:
                out = inflater.decompress(chunk, 4 << 20)
                chunk = inflater.unconsumed_tail
            total += len(out)
            if total > limit or _is_bomb(total, info.compress_size):
                raise zip_bomb()  # as soon as it is one, not after inflating it all
            if scan is not None and out:
                scan.feed(out)
    if inflater is not None:
        out = inflater.flush()
        total += len(out)
        if total > limit:
            raise zip_bomb()
        if scan is not None and out:
            scan.feed(out)
    if scan is not None:
        scan.finish()
    return total
