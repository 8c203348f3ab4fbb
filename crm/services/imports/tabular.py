"""Reading uploaded customer files (CSV/TXT, XLSX, XLS) as rows of strings.

    fmt = sniff_format(path, upload_name)        # "csv" | "xlsx" | "xls"
    with open_table(path, fmt) as table:
        table.info.headers                       # unique, non-empty names
        for row in table.rows():                 # list[str], len(headers) items
            ...

CSV is streamed in constant memory (encoding and delimiter detected from the
first megabyte). Spreadsheets are read with python-calamine, which loads the
whole first sheet into memory and allocates rows × columns cells for its used
range up front — aborting the whole process when that allocation fails. So
before calamine touches a file we check an XLSX's zip for bombs and its first
sheet for absurd extents (claimed and real), and an XLS's first sheet for
absurd cell addresses.
Every problem with the file is raised as TableError (a ValidationFailed with a
translatable message), never as a raw parser exception.
"""

from __future__ import annotations

import codecs
import csv
import io
import mmap
import os
import posixpath
import re
import struct
import sys
import zipfile
import zlib
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Any

import python_calamine

from crm.i18n import N_
from crm.services.errors import ValidationFailed
from crm.services.phones import normalize_phone

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

ALLOWED_EXTENSIONS = ("csv", "txt", "xlsx", "xls")
FORMATS = ("csv", "xlsx", "xls")
MAX_COLUMNS = 200
MAX_ROWS = 2_000_000
# calamine keeps rows × columns cells of 32 bytes each (strings extra):
# 30 M cells ≈ 1 GiB. Real customer lists are far below (1 M rows × 10 columns).
MAX_CELLS = 30_000_000
MAX_UNCOMPRESSED = 1 << 30  # 1 GiB, all entries of an XLSX together
BOMB_RATIO = 200
BOMB_MIN_SIZE = 10 * 1024 * 1024
SAMPLE_SIZE = 1 << 20  # bytes read to detect a CSV's encoding
DELIMITERS = (",", ";", "\t", "|")

_DELIMITER_SAMPLE = 64 * 1024  # characters used to detect the delimiter
_DELIMITER_RECORDS = 100
_WHITESPACE = b" \t\r\n\x0b\x0c\x00" + codecs.BOM_UTF8 + codecs.BOM_UTF16_LE + codecs.BOM_UTF16_BE
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
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
        close, self._close = self._close, _noop
        rows, self._rows = self._rows, iter(())
        try:
            getattr(rows, "close", _noop)()
        finally:
            close()

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _noop() -> None:
    pass


# ---------------------------------------------------------------------------
# Format sniffing


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
        head = fh.read(SAMPLE_SIZE)
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
    if head.startswith(_OLE2):
        return "xls"  # or another OLE2 document; calamine will tell
    for magic, name in _SIGNATURES:
        if head.startswith(magic):
            return name
    if _HTML.match(head.lstrip(codecs.BOM_UTF8)[:256]):
        return "HTML"  # web pages saved as .xls/.csv by some exporters
    if _XML.match(head.lstrip(codecs.BOM_UTF8)[:256]):
        return "XML"  # e.g. Excel 2003 XML spreadsheets
    try:
        _detect_encoding(head, complete=len(head) < SAMPLE_SIZE)
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


# ---------------------------------------------------------------------------
# Opening


def open_table(path: Path, fmt: str, *, checked: bool = False) -> Table:
    """Open `path` (a format from sniff_format) and read its header row.

    `checked=True` skips the spreadsheet safety scan: only for a stored file
    that already passed it unchanged (the import after its inspection)."""
    path = Path(path)
    if fmt == "csv":
        return _open_csv(path)
    if fmt in ("xlsx", "xls") and checked:
        return _open_workbook(path, fmt)
    if fmt in ("xlsx", "xls"):
        # calamine goes by content (from_filelike), so guard by content too.
        with open(path, "rb") as fh:
            magic = fh.read(8)
        if magic.startswith(b"PK\x03\x04"):
            _check_xlsx(path)
        elif magic == _OLE2:
            _check_xls(path)
        return _open_workbook(path, fmt)
    raise ValueError(f"unknown table format {fmt!r}")


def preview(path: Path, fmt: str, n: int = 10) -> tuple[TableInfo, list[list[str]]]:
    """TableInfo and the first `n` data rows."""
    with open_table(path, fmt) as table:
        return table.info, list(islice(table.rows(), n))


# ---------------------------------------------------------------------------
# Header row


def _read_header(rows: Iterator[list[str]]) -> list[str]:
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


def _fit(rows: Iterable[list[str]], width: int) -> Iterator[list[str]]:
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


# ---------------------------------------------------------------------------
# CSV


def _open_csv(path: Path) -> Table:
    fh = open(path, "rb", buffering=0)
    stream: Any = fh
    try:
        sample = _read_up_to(fh, SAMPLE_SIZE)
        complete = len(sample) < SAMPLE_SIZE or not fh.read(1)
        encoding = _detect_encoding(sample, complete)
        head = sample[: _DELIMITER_SAMPLE * 2]
        whole = complete and len(head) == len(sample)  # the head is the entire file
        delimiter, skip_sep_line = _detect_delimiter(_decode_sample(head, encoding, whole), complete=whole)
        fh.seek(0)
        if encoding.startswith("utf-16"):
            stream = io.BufferedReader(fh, buffer_size=_CHUNK)
        else:
            stream = io.BufferedReader(_NulGuard(fh), buffer_size=_CHUNK)
        stream = io.TextIOWrapper(stream, encoding=encoding, errors="strict", newline="")
        stream._CHUNK_SIZE = _CHUNK  # default 8 KiB: bigger reads make the guard free
        reader = csv.reader(stream, delimiter=delimiter)
        with _csv_errors(reader, encoding):
            if skip_sep_line:
                next(reader, None)
            headers = _read_header(list(map(str.strip, row)) for row in reader)
    except BaseException:
        stream.close()
        raise
    info = TableInfo(format="csv", encoding=encoding, delimiter=delimiter, headers=headers)
    return Table(info, _csv_data(reader, len(headers), encoding), stream.close)


def _csv_data(reader: Any, width: int, encoding: str) -> Iterator[list[str]]:
    # The hot loop of every CSV import: one generator, no per-cell Python code
    # beyond str.strip (within ~1.4x of a bare csv.reader loop).
    strip = str.strip
    with _csv_errors(reader, encoding):
        for row in reader:
            row = list(map(strip, row))
            n = len(row)
            if n != width:
                if n < width:
                    row.extend([""] * (width - n))
                else:
                    del row[width:]
            if any(row):
                yield row


@contextmanager
def _csv_errors(reader: Any, encoding: str) -> Iterator[None]:
    try:
        yield
    except csv.Error as exc:
        raise TableError(
            N_("The CSV file is malformed near line %(line)s (%(error)s)."),
            line=reader.line_num,
            error=str(exc),
        ) from exc
    except UnicodeDecodeError as exc:
        # Text is decoded ahead of the parser, so there is no exact line to name.
        raise TableError(
            N_(
                "The file mixes text encodings: part of it is not valid %(encoding)s. "
                "Save it as \"CSV UTF-8\" and upload it again."
            ),
            encoding=encoding,
        ) from exc


_CHUNK = 64 * 1024


def _read_up_to(fh: Any, size: int) -> bytes:
    parts, left = [], size
    while left:
        part = fh.read(left)
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


class _NulGuard(io.RawIOBase):
    """Raw reader that refuses NUL bytes (binary data) anywhere in a non-UTF-16 file."""

    def __init__(self, fh: io.FileIO) -> None:
        self._fh = fh

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._fh.read(len(buffer))
        if b"\x00" in data:
            raise _not_text()
        n = len(data)
        buffer[:n] = data
        return n

    def close(self) -> None:
        if not self.closed:
            self._fh.close()
        super().close()


def _not_text() -> TableError:
    return TableError(N_("This file is not a valid CSV file: it contains binary data, not text."))


def _detect_encoding(sample: bytes, complete: bool) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        utf16 = _utf16_without_bom(sample)
        if utf16:
            return utf16
        raise _not_text()
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:  # 0x81, 0x8D, 0x8F, 0x90, 0x9D are undefined in cp1252
        return "latin-1"


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 text of mostly ASCII has a NUL in every other byte."""
    head = sample[:4096]
    head = head[: len(head) // 2 * 2]
    pairs = len(head) // 2
    if not pairs:
        return None
    even_nul = head[0::2].count(0)
    odd_nul = head[1::2].count(0)
    if odd_nul >= pairs * 0.3 and even_nul <= pairs * 0.05:
        encoding = "utf-16-le"
    elif even_nul >= pairs * 0.3 and odd_nul <= pairs * 0.05:
        encoding = "utf-16-be"
    else:
        return None
    try:
        codecs.getincrementaldecoder(encoding)().decode(head, final=False)
    except UnicodeDecodeError:
        return None
    return encoding


def _decode_sample(sample: bytes, encoding: str, final: bool) -> str:
    return codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample, final=final)


def _detect_delimiter(text: str, complete: bool) -> tuple[str, bool]:
    """The delimiter giving the most columns consistently; and whether line 1 is "sep=X"."""
    first_line = text.split("\n", 1)[0].strip("\r\ufeff ")
    if len(first_line) == 5 and first_line.startswith("sep=") and first_line[4] in DELIMITERS:
        return first_line[4], True  # Excel's explicit separator line
    if not complete and "\n" in text:
        text = text[: text.rindex("\n") + 1]  # drop the line cut by the sample edge
    best, best_key = ",", None
    for delimiter in DELIMITERS:
        try:
            records = islice(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), _DELIMITER_RECORDS)
            counts = [len(r) for r in records if any(c.strip() for c in r)]
        except csv.Error:
            continue
        if not counts:
            continue
        columns, hits = Counter(counts).most_common(1)[0]
        if columns < 2:
            continue
        consistency = hits / len(counts)
        key = (consistency >= 0.9, columns if consistency >= 0.9 else consistency, columns)
        if best_key is None or key > best_key:
            best, best_key = delimiter, key
    return best, False


# ---------------------------------------------------------------------------
# XLSX / XLS


def _open_workbook(path: Path, fmt: str) -> Table:
    label = fmt.upper()
    try:
        # from_filelike detects the format from the bytes; from_path would go
        # by the file name, which for an upload may be anything.
        with open(path, "rb") as fh:
            workbook = python_calamine.CalamineWorkbook.from_filelike(fh)
            try:
                if not workbook.sheet_names:
                    raise TableError(N_("The file is empty."))
                sheet = workbook.get_sheet_by_index(0)
            finally:
                workbook.close()
        height, width = sheet.height, sheet.width
        if height > MAX_ROWS or width * height > MAX_CELLS:
            raise _too_large(height, width)
        cells = _sheet_rows(sheet.iter_rows(), label)
        headers = _read_header(cells)
    except python_calamine.PasswordError as exc:
        raise TableError(
            N_("This workbook is protected with a password. Remove the password and upload it again.")
        ) from exc
    except _PASS_THROUGH:
        raise
    except BaseException as exc:  # see _PASS_THROUGH
        raise _workbook_error(label) from exc
    info = TableInfo(format=fmt, encoding=None, delimiter=None, headers=headers)
    return Table(info, _fit(cells, len(headers)), _noop)


# pyo3 turns Rust panics into PanicException, a BaseException: calamine calls
# catch BaseException to report those as TableError, letting only these through.
_PASS_THROUGH = (TableError, KeyboardInterrupt, SystemExit, GeneratorExit, MemoryError)


def _workbook_error(label: str) -> TableError:
    return TableError(N_("This file is not a valid %(fmt)s file."), fmt=label)


def _sheet_rows(rows: Iterator[list[Any]], label: str) -> Iterator[list[str]]:
    try:
        for row in rows:
            yield [c.strip() if type(c) is str else _cell_text(c) for c in row]
    except _PASS_THROUGH:
        raise
    except BaseException as exc:  # see _PASS_THROUGH
        raise _workbook_error(label) from exc


def _cell_text(value: Any) -> str:
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


def _too_large(rows: int, cols: int) -> TableError:
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


def _zip_bomb() -> TableError:
    return TableError(N_("This XLSX file unpacks to an unreasonable size and cannot be imported."))


def _check_xlsx(path: Path) -> None:
    """Refuse what would make calamine blow up: zip bombs and absurd sheet sizes.

    Checks the sizes the zip declares, then inflates every entry itself
    (counting real bytes, so a lying header does not help) while scanning the
    first worksheet's cell references: calamine allocates rows × columns
    cells for the used range, so one cell at XFD1048576 would need 512 GiB.
    """
    try:
        with zipfile.ZipFile(path) as zf, open(path, "rb") as fh:
            infos = zf.infolist()
            if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
                raise _zip_bomb()
            for info in infos:
                if _is_bomb(info.file_size, info.compress_size):
                    raise _zip_bomb()
            sheet = _first_sheet_entry(zf)
            if sheet is None:
                raise TableError(N_("The file is empty."))
            # The sheet first: a lying <dimension> fails after a few KB.
            ordered = [sheet] + [i for i in infos if i is not sheet]
            total = 0
            for info in ordered:
                scan = _SheetScan() if info is sheet else None
                size = _inflate(fh, info, MAX_UNCOMPRESSED - total, scan)
                total += size
                if _is_bomb(size, info.compress_size):
                    raise _zip_bomb()
                if scan is not None:
                    scan.finish()
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
        raise TableError(N_("This file is not a valid %(fmt)s file."), fmt="XLSX") from exc


def _is_bomb(size: int, compressed: int) -> bool:
    return size > BOMB_MIN_SIZE and size > BOMB_RATIO * max(compressed, 1)


def _first_sheet_entry(zf: zipfile.ZipFile) -> zipfile.ZipInfo | None:
    """The part calamine reads as sheet 0: first <sheet> of workbook.xml, via its rels."""
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
            return info
    # Unresolvable: judge by the first worksheet part there is (sheet1 before sheet10).
    sheets = sorted(
        (n for n in by_name if n.startswith("xl/worksheets/") and n.endswith(".xml")),
        key=lambda n: (len(n), n),
    )
    return by_name[sheets[0]] if sheets else None


def _inflate(fh: Any, info: zipfile.ZipInfo, limit: int, scan: _SheetScan | None) -> int:
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
                raise _zip_bomb()  # as soon as it is one, not after inflating it all
            if scan is not None and out:
                scan.feed(out)
    if inflater is not None:
        out = inflater.flush()
        total += len(out)
        if total > limit:
            raise _zip_bomb()
        if scan is not None and out:
            scan.feed(out)
    return total


# --- XLS: the same allocation problem in BIFF. A 6 KB file with one cell at
# row 65535, column 65535 makes calamine ask for 128 GiB and abort. Legit BIFF8
# stops at 65536 rows x 256 columns, so reading the cell addresses of the first
# sheet is enough: compound file (CFB) -> Workbook stream -> BIFF records.

_CFB_END = 0xFFFFFFFE
_BIFF_EOF = 0x000A
_BIFF_BOUNDSHEET = 0x0085
# Records that start with (row, column): BLANK, NUMBER, LABEL, BOOLERR,
# FORMULA (BIFF2–8 ids), LABELSST, RK, RSTRING.
_BIFF_CELLS = frozenset({0x0201, 0x0203, 0x0204, 0x0205, 0x0006, 0x0206, 0x0406, 0x00FD, 0x027E, 0x00D6})
_BIFF_MULTI = frozenset({0x00BD, 0x00BE})  # MULRK, MULBLANK: row, first column, …, last column


def _check_xls(path: Path) -> None:
    try:
        with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
            stream = _cfb_stream(data, ("workbook", "book"))
    except (ValueError, IndexError, struct.error, OSError) as exc:
        raise _workbook_error("XLS") from exc
    if stream is not None:
        _check_biff(stream)


def _cfb_stream(data: Any, names: tuple[str, ...]) -> bytes | None:
    """The first stream called one of `names` (lower case) in a compound file."""
    if data[:8] != _OLE2:
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
        raise _too_large(rows, cols)


_DIMENSION = re.compile(
    rb"<(?:\w+:)?dimension\s+ref=\"\$?([A-Z]{1,4})?\$?(\d{1,9})?(?::\$?([A-Z]{1,4})\$?(\d{1,9}))?\""
)
# Fast path (every writer we know): <row r="N"> and <c r="A1"> with r first, no prefix.
_ROW_REF = re.compile(rb"<row r=\"(\d{1,10})\"")
_CELL_COLUMN = re.compile(rb"<c r=\"([A-Z]{1,4})\d")
_CELL_ROW = re.compile(rb"<c r=\"[A-Z]{1,4}(\d{1,10})\"")
# Exact path: prefixed elements (<x:c>), r in any position, or no r at all.
_ANY_COLUMN = re.compile(rb"\sr=\"([A-Z]{1,4})\d")
_ANY_ROW = re.compile(rb"\sr=\"[A-Z]{0,4}(\d{1,10})\"")
_WITHOUT_REF = re.compile(rb"<(?:\w+:)?(?:c|row)(?=[\s/>])(?![^>]*\sr=\")")
_ROW_OR_CELL = re.compile(rb"<(?:\w+:)?(row|c)[\s/>]")
_IRREGULAR = re.compile(rb"<(?:(?:c|row)(?:[\t\n\r/>]| (?!r=\"))|\w+:(?:c|row)[\s/>])")
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DIGITS = "0123456789"


class _SheetScan:
    """The extent calamine will allocate for a worksheet, from its XML without parsing it.

    Fast path: per chunk, collect the <row r> numbers and run one regex that
    finds cells beyond the extent seen so far (C speed; it only matches while
    the first rows set the width). Anything irregular switches to the exact,
    slower scan, which also counts cells and rows that have no reference.
    """

    _HEAD = 16 * 1024

    def __init__(self) -> None:
        self.head = b""
        self.dimension_checked = False
        self.pending = b""
        self.max_row = 0
        self.max_col = 0
        self.exact = False
        self.rows_counted = 0
        self.cells_in_row = 0
        self.max_cells_in_row = 0

    def feed(self, data: bytes) -> None:
        if not self.dimension_checked:
            self.head += data[: self._HEAD - len(self.head)]
            if len(self.head) >= self._HEAD or b"<sheetData" in self.head:
                self._check_dimension()
        buffer = self.pending + data
        cut = buffer.rfind(b"<")  # scan whole tags only: cut before the last one
        if cut <= 0:
            if len(buffer) < 1 << 20:
                self.pending = buffer
                return
            cut = len(buffer)
        self.pending = buffer[cut:]
        self._scan(buffer[:cut])

    def finish(self) -> None:
        if self.pending:
            self._scan(self.pending)
            self.pending = b""
        if not self.dimension_checked:
            self._check_dimension()

    def _scan(self, region: bytes) -> None:
        if not self.exact and not _regular(region):
            self.exact = True
        if self.exact:
            self._scan_exact(region)
        else:
            rows = _ROW_REF.findall(region)
            if rows:
                self.max_row = max(self.max_row, max(map(int, rows)))
            if _beyond(self.max_col, self.max_row).search(region):
                self._update(_CELL_COLUMN.findall(region), _CELL_ROW.findall(region))
        self._check(self.max_col, self.max_row)

    def _scan_exact(self, region: bytes) -> None:
        self._update(_ANY_COLUMN.findall(region), _ANY_ROW.findall(region))
        if self.rows_counted or _WITHOUT_REF.search(region):
            # Positional cells/rows: calamine counts them from the last reference.
            for match in _ROW_OR_CELL.finditer(region):
                if match.group(1) == b"c":
                    self.cells_in_row += 1
                    self.max_cells_in_row = max(self.max_cells_in_row, self.cells_in_row)
                else:
                    self.rows_counted += 1
                    self.cells_in_row = 0
            self._check(self.max_col + self.max_cells_in_row, self.max_row + self.rows_counted)

    def _update(self, columns: list[bytes], rows: list[bytes]) -> None:
        if columns:
            widest = max(set(columns), key=lambda c: (len(c), c))
            self.max_col = max(self.max_col, _column_number(widest))
        if rows:
            self.max_row = max(self.max_row, max(map(int, rows)))

    def _check_dimension(self) -> None:
        self.dimension_checked = True
        match = _DIMENSION.search(self.head)
        if match and match.group(2):
            first_col, first_row, last_col, last_row = match.groups()
            rows = int(last_row or first_row) - int(first_row) + 1
            cols = _column_number(last_col or first_col or b"A") - _column_number(first_col or b"A") + 1
            if rows > MAX_ROWS or cols > MAX_COLUMNS:
                raise _too_large(rows, cols)

    @staticmethod
    def _check(cols: int, rows: int) -> None:
        if cols > MAX_COLUMNS or rows > MAX_ROWS or rows * cols > MAX_CELLS:
            raise _too_large(rows, cols)


def _regular(region: bytes) -> bool:
    """Every <c> and <row> starts with its r="" and nothing is namespace-prefixed."""
    return _IRREGULAR.search(region) is None


@lru_cache(maxsize=256)
def _beyond(max_col: int, max_row: int) -> re.Pattern[bytes]:
    """Regex for a cell reference right of max_col or below max_row."""
    cols = _greater(_column_letters(max_col), _LETTERS)
    rows = _greater(str(max_row) if max_row else "", _DIGITS)
    return re.compile(f'<c r="(?:(?:{cols})[0-9]|[A-Z]{{1,4}}(?:{rows})")'.encode())


def _greater(value: str, alphabet: str) -> str:
    """Regex alternation for strings over `alphabet` ordered after `value` (longer, or same length and larger)."""
    every = f"[{alphabet[0]}-{alphabet[-1]}]"
    alternatives = [f"{every}{{{len(value) + 1},}}"]
    for i, ch in enumerate(value):
        higher = alphabet[alphabet.index(ch) + 1 :]
        if higher:
            rest = len(value) - i - 1
            alternatives.append(value[:i] + f"[{higher[0]}-{higher[-1]}]" + (f"{every}{{{rest}}}" if rest else ""))
    return "|".join(alternatives)


def _column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = _LETTERS[rest] + letters
    return letters


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number
