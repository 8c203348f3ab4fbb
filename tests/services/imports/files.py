"""Builders of upload files for the import tests, every one generated under tmp_path:
XLSX (openpyxl), a small BIFF8 XLS, zip bombs, rewritten sheet XML, CSV."""

from __future__ import annotations

import base64
import csv
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from openpyxl import Workbook

from crm.services.imports.readers import TableError, TableInfo, open_table, sniff_format


def read_all(path: Path, name: str | None = None) -> tuple[TableInfo, list[list[str]]]:
    fmt = sniff_format(path, name or path.name)
    with open_table(path, fmt) as table:
        return table.info, list(table.rows())


def table_error(path: Path, name: str | None = None) -> TableError:
    with pytest.raises(TableError) as caught:
        read_all(path, name)
    return caught.value


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


def make_xlsx(path: Path, rows, sheet_title="Data") -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_title
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path



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

