"""Which format an upload really is: by its extension, checked against its bytes."""

from __future__ import annotations

import codecs
import os
import re
import zipfile
from pathlib import Path

from crm.i18n import N_
from crm.services.imports.readers import delimited
from crm.services.imports.readers.table import TableError

ALLOWED_EXTENSIONS = ("csv", "txt", "xlsx", "xls")
FORMATS = ("csv", "xlsx", "xls")
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # compound file: XLS (BIFF)

_WHITESPACE = b" \t\r\n\x0b\x0c\x00" + codecs.BOM_UTF8 + codecs.BOM_UTF16_LE + codecs.BOM_UTF16_BE
_SIGNATURES = (  # magic bytes of files people upload by mistake
    (b"%PDF", "PDF"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"\x1f\x8b", "GZIP"),
    (b"Rar!\x1a\x07", "RAR"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip"),
    (b"{\\rtf", "RTF"),
)
_HTML = re.compile(rb"\s*<(?:!doctype\s+html|html|table)", re.IGNORECASE)
_XML = re.compile(rb"\s*<\?xml")


def sniff_format(path: Path, file_name: str) -> str:
    """"csv", "xlsx" or "xls" for an upload, checked by extension and content.

    An .xls that is really an XLSX (or the reverse) is accepted under its real
    format, as Excel itself does; every other mismatch is a TableError.
    """
    ext = _extension(file_name)
    if ext not in ALLOWED_EXTENSIONS:
        raise TableError(
            N_("Files of type %(ext)s cannot be imported. Upload a CSV, TXT, XLSX or XLS file."),
            ext=f".{ext}" if ext else file_name or "?",
        )
    expected = "csv" if ext in ("csv", "txt") else ext
    with open(path, "rb") as fh:
        head = fh.read(delimited.SAMPLE_SIZE)
        size = os.fstat(fh.fileno()).st_size
    if not head.strip(_WHITESPACE) and size <= len(head):
        raise TableError(N_("The file is empty."))
    found = _content_kind(path, head)
    if found == expected:
        return found
    if expected in ("xlsx", "xls") and found in ("xlsx", "xls"):
        return found
    if found == "binary" and expected == "csv":
        raise TableError(N_("This file is not a valid CSV file: it contains binary data, not text."))
    if expected == "csv" and found in ("xlsx", "xls"):
        raise TableError(
            N_(
                "This file is an Excel workbook (%(found)s) but its name ends in .%(ext)s. "
                "Upload it with the .%(right)s extension, or save it as CSV first."
            ),
            found=found.upper(),
            ext=ext,
            right=found,
        )
    if found in ("binary", "csv", "corrupt"):
        raise TableError(N_("This file is not a valid %(fmt)s file."), fmt=expected.upper())
    raise TableError(
        N_("This file is not a valid %(fmt)s file (its content is %(found)s)."),
        fmt=expected.upper(),
        found=found.upper() if found in FORMATS else found,
    )


def _extension(file_name: str) -> str:
    name = (file_name or "").strip().rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def _content_kind(path: Path, head: bytes) -> str:
    """What the bytes are: "xlsx", "xls", "csv" (text), "binary", "corrupt" or a format name."""
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(path)
    if head.startswith(OLE2):
        return "xls"  # or another OLE2 document; calamine will tell
    for magic, name in _SIGNATURES:
        if head.startswith(magic):
            return name
    if _HTML.match(head.lstrip(codecs.BOM_UTF8)[:256]):
        return "HTML"  # web pages saved as .xls/.csv by some exporters
    if _XML.match(head.lstrip(codecs.BOM_UTF8)[:256]):
        return "XML"  # e.g. Excel 2003 XML spreadsheets
    try:
        delimited.detect_encoding(head, complete=len(head) < delimited.SAMPLE_SIZE)
    except TableError:
        return "binary"
    if _mostly_control(head[:4096]):
        return "binary"
    return "csv"


def _zip_kind(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = {n.lower() for n in zf.namelist()}
    except (zipfile.BadZipFile, OSError, ValueError):
        return "corrupt"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        return "XLSB"
    if "word/document.xml" in names:
        return "DOCX"
    if any(n.startswith("ppt/") for n in names):
        return "PPTX"
    if "content.xml" in names:
        return "ODS"
    return "ZIP"


def _mostly_control(sample: bytes) -> bool:
    if b"\x00" in sample:  # UTF-16 passed _detect_encoding; judge its decoded text
        return False
    control = sum(sample.count(bytes([b])) for b in range(32) if b not in (9, 10, 12, 13, 26))
    return control > len(sample) // 50

