"""The XLSX inspection without loading the sheet: header and first rows from
the sheet's first rows only.

calamine loads a whole sheet (and every shared string) before it yields the
first row, so the inspection of a large file cost as much as its import. Here
the guard scans the whole file as before (it must: bombs and far cells can be
anywhere) and keeps the XML of the sheet's first rows; those rows, the shared
strings up to the highest index they use, the styles (dates) and the workbook
part become a small workbook in memory that calamine reads instead. The values
are therefore calamine's own: the preview is exactly the full read's first
rows. Whenever that cannot be vouched for — an irregular sheet, rows out of
order, a used column left of the first rows', a sheet that ends within the
head — the caller falls back to the full read.
"""

from __future__ import annotations

import io
import re
import zipfile
from itertools import islice
from pathlib import Path
from xml.parsers import expat

from crm.services.imports.readers.table import TableError, TableInfo, not_valid
from crm.services.imports.readers.workbook import first_sheet, sheet_table
from crm.services.imports.readers.xlsx_guard import CheckedSheet, check_xlsx

_COPIED = ("[content_types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml")
_SHARED_STRINGS = "xl/sharedstrings.xml"
_ROOT = re.compile(rb"<([^\s/>!?]+)")
_SHEET_DATA = re.compile(rb"<((?:[^\s/>!?:<]+:)?sheetData)[\s>]")


_NOT_VALID = not_valid("XLSX").message


class _Fallback(Exception):
    pass


def preview_xlsx(path: Path, n: int) -> tuple[TableInfo, list[list[str]]] | None:
    """Guard the file, then (TableInfo, first n rows) from its head; None: read it whole instead."""
    checked = check_xlsx(path, head_rows=4 * (n + 1) + 20)
    scan = checked.scan
    if scan.exact or not checked.resolved or scan.head is None or scan.sheet_in_head or not scan.ordered:
        return None
    try:
        mini = _small_workbook(path, checked)
    except (_Fallback, expat.ExpatError, zipfile.BadZipFile, KeyError, ValueError):
        return None
    try:
        sheet = first_sheet(io.BytesIO(mini), "xlsx")
        start = sheet.start
        if start is None or (scan.min_col and scan.min_col - 1 < start[1]):
            return None  # nothing in the head, or a column left of it is used further down
        table = sheet_table(sheet, "xlsx")
        rows = list(islice(table.rows(), n))
    except TableError as exc:
        if exc.message != _NOT_VALID:
            raise  # e.g. no header row: the full read would say the same
        return None  # the full read tells what is wrong (or finds nothing wrong)
    if len(rows) < n:
        return None  # the head was mostly empty rows: the rest of the sheet decides
    return table.info, rows


def _small_workbook(path: Path, checked: CheckedSheet) -> bytes:
    head = checked.scan.head or b""
    root, sheet_data = _ROOT.search(head), _SHEET_DATA.search(head)
    if root is None or sheet_data is None:
        raise _Fallback
    sheet_xml = head + b"</" + sheet_data.group(1) + b"></" + root.group(1) + b">"
    out = io.BytesIO()
    with zipfile.ZipFile(path) as zf, zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as small:
        by_name = {info.filename.lower(): info for info in zf.infolist()}
        for name in _COPIED:
            if name in by_name:
                small.writestr(by_name[name].filename, zf.read(by_name[name]))
        needed = _shared_strings_needed(head)
        if needed and _SHARED_STRINGS in by_name:
            info = by_name[_SHARED_STRINGS]
            small.writestr(info.filename, _shared_strings_prefix(zf, info, needed))
        small.writestr(checked.entry.filename, sheet_xml)
    return out.getvalue()


def _parser() -> expat.XMLParserType:
    parser = expat.ParserCreate()

    def no_dtd(*args: object) -> None:
        raise _Fallback  # entity declarations: calamine reads those differently

    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    return parser


def _shared_strings_needed(head: bytes) -> int:
    """1 + the highest shared-string index the head's cells use (0: none)."""
    parser = _parser()
    state = {"s": False, "v": None, "max": -1}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        if local == "c":
            state["s"] = attrs.get("t") == "s"
        elif local == "v" and state["s"]:
            state["v"] = []

    def end(name: str) -> None:
        local = name.rpartition(":")[2]
        if local == "v" and state["v"] is not None:
            text = "".join(state["v"]).strip()
            state["max"] = max(state["max"], int(text) if text.isdigit() else 0)
            state["v"] = None
        elif local == "c":
            state["s"] = False

    def text(data: str) -> None:
        if state["v"] is not None:
            state["v"].append(data)

    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text
    parser.Parse(head, False)
    return state["max"] + 1


def _shared_strings_prefix(zf: zipfile.ZipFile, info: zipfile.ZipInfo, needed: int) -> bytes:
    """The shared strings part cut after the `needed`-th string calamine keeps
    (an <si> with an <r> or a non-phonetic <t>), then closed."""
    parser = _parser()
    data = bytearray()
    state = {"in_si": False, "kept": False, "phonetic": False, "count": 0, "end": None, "root": None}

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.rpartition(":")[2]
        if state["root"] is None:
            state["root"] = name
        if local == "si" and not state["in_si"]:
            state["in_si"], state["kept"], state["phonetic"] = True, False, False
        elif state["in_si"]:
            if local == "r":
                state["kept"] = True
            elif local == "rPh":
                state["phonetic"] = True
            elif local == "t" and not state["phonetic"]:
                state["kept"] = True

    def end(name: str) -> None:
        local = name.rpartition(":")[2]
        if not state["in_si"]:
            return
        if local == "rPh":
            state["phonetic"] = False
        elif local == "si":
            state["in_si"] = False
            state["count"] += state["kept"]
            if state["count"] >= needed:
                state["end"] = data.index(b">", parser.CurrentByteIndex) + 1
                raise _Enough

    parser.StartElementHandler, parser.EndElementHandler = start, end
    with zf.open(info) as fh:
        try:
            while chunk := fh.read(64 * 1024):
                data += chunk
                parser.Parse(chunk, False)
        except _Enough:
            root = state["root"] or "sst"
            return bytes(data[: state["end"]]) + f"</{root}>".encode()
    return bytes(data)  # fewer strings than the head uses: calamine will say so


class _Enough(Exception):
    pass
