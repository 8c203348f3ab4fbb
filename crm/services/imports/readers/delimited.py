"""CSV/TXT: delimited text, streamed in constant memory.

The encoding is detected from the first megabyte (SAMPLE_SIZE), the
delimiter from the first records; Excel's "sep=X" line is honoured.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Any

from crm.i18n import N_
from crm.services.imports.readers.table import Table, TableError, TableInfo, read_header

SAMPLE_SIZE = 1 << 20  # bytes read to detect a CSV's encoding (sniffing reads it too)
DELIMITERS = (",", ";", "\t", "|")

_DELIMITER_SAMPLE = 64 * 1024  # characters used to detect the delimiter
_DELIMITER_RECORDS = 100


def open_csv(path: Path) -> Table:
    fh = open(path, "rb", buffering=0)
    stream: Any = fh
    try:
        sample = _read_up_to(fh, SAMPLE_SIZE)
        complete = len(sample) < SAMPLE_SIZE or not fh.read(1)
        encoding = detect_encoding(sample, complete)
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
            headers = read_header(list(map(str.strip, row)) for row in reader)
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
            raise not_text()
        n = len(data)
        buffer[:n] = data
        return n

    def close(self) -> None:
        if not self.closed:
            self._fh.close()
        super().close()


def not_text() -> TableError:
    return TableError(N_("This file is not a valid CSV file: it contains binary data, not text."))


def detect_encoding(sample: bytes, complete: bool) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        utf16 = _utf16_without_bom(sample)
        if utf16:
            return utf16
        raise not_text()
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

