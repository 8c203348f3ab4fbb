"""The extent calamine will allocate for a worksheet, from its XML without parsing it.

calamine places a cell by its `r` attribute (the last one, letters in either
case, any number of digits) or, without one, by counting from the row's `r`
and the cells before it; it then allocates rows × columns cells for the used
range. `SheetScan` is fed the inflated sheet XML chunk by chunk and raises
TableError as soon as that range would be absurd.

Fast path (every writer we know: each <c> starts with r="A1", no namespace
prefix): three regex searches per chunk at C speed, the main one finding any
r="…" attribute outside the extent seen so far (so it only matches while the
first rows set the width). Anything else — a prefixed or reference-less cell,
a quoted or spaced r, lowercase letters, leading zeros, a second r — raises
`Irregular`, and the guard scans the sheet again from its start with the exact
scan: a tokenizer that follows calamine's positions tag by tag (slower,
for irregular files only).

With `head_rows`, the scan also keeps the sheet's first rows (`head`, up to
the `head_rows`-th row end) for the fast preview, and tells whether a row after
them is numbered among them (`ordered`) and the leftmost column used
(`min_col`): the preview is only taken from the head when it is what calamine
reads first. (A cell whose own reference puts it among the head's rows while
its row element comes later is not noticed: the import then finds other
columns than the inspection and fails cleanly, see pipeline.run_import.)
"""

from __future__ import annotations

import re
from functools import lru_cache

from crm.services.imports.readers.table import MAX_CELLS, MAX_COLUMNS, MAX_ROWS, too_large

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_DIGITS = "0123456789"

_DIMENSION = re.compile(
    rb"<(?:\w+:)?dimension\s+ref=\"\$?([A-Z]{1,4})?\$?(\d{1,9})?(?::\$?([A-Z]{1,4})\$?(\d{1,9}))?\""
)
# Fast path.
_PREFIXED_CELL = re.compile(rb":c[\s/>]")  # <x:c …>, </x:c>
_CELL_WITHOUT_LEADING_REF = re.compile(rb"<c(?=[\s/>])(?! r=\")")
_CANONICAL_REF = re.compile(rb" r=\"([A-Z]*)([1-9][0-9]*)\"")
_ROW_REF_AT = re.compile(rb"<row r=\"([1-9][0-9]*)\"")
_ROW_END = re.compile(rb"</(?:[^\s/>:<]+:)?row\s*>|<(?:[^\s/>:<]+:)?row\b[^>]*/>")
_SHEET_DATA_END = re.compile(rb"</(?:\w+:)?sheetData>")
# Exact path: comments, CDATA, processing instructions and DOCTYPE are skipped
# as calamine's XML reader does; c and row tags with any prefix and attributes.
_TOKEN = re.compile(
    rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<!DOCTYPE(?:[^\[>]|\[.*?\])*>"
    rb"|<(/?)(?:[^\s/>!?:<]+:)?(c|row)(?=[\s/>])((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>",
    re.S,
)
_ATTRIBUTE = re.compile(rb"([^\s=/]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
# Every r attribute in the raw bytes, wherever it is (a value, a comment): a
# bound that holds even where the tokenizer would misread crafted markup.
_ANY_REF = re.compile(rb"\sr\s*=\s*[\"']([A-Za-z]*)([0-9]+)[\"']")
_REF = re.compile(rb"([A-Za-z]*)([0-9]+)")
# A c or row start tag without an r attribute (or whose r hides behind a ">" in a value: conservative).
_WITHOUT_R = re.compile(rb"<(?:[^\s/>!?:<]+:)?(?:c|row)(?=[\s/>])(?![^>]*\sr\s*=)")
_ROW_START = re.compile(rb"<(?:[^\s/>!?:<]+:)?row[\s/>]")
_OPEN_SKIPPED = ((b"<!--", b"-->"), (b"<![CDATA[", b"]]>"))


class Irregular(Exception):
    """The fast scan cannot vouch for this sheet: scan it again exactly."""


class SheetScan:
    _HEAD = 16 * 1024  # where <dimension> must be
    HEAD_LIMIT = 4 << 20  # bytes of first rows kept at most for the preview

    def __init__(self, *, exact: bool = False, head_rows: int = 0) -> None:
        self.exact = exact
        self.start = b""
        self.dimension_checked = False
        self.pending = b""
        self.max_row = 0
        self.max_col = 0
        self.min_col = 0  # leftmost column of a referenced cell (fast path)
        # Preview support (fast path only).
        self.head_rows = 0 if exact else head_rows
        self.head: bytes | None = None  # sheet XML up to the end of the head rows
        self.head_row = 0  # the highest row number in the head
        self.sheet_in_head = False  # the sheet's data ended inside the head
        self.ordered = True  # no row after the head is numbered head_row or less
        self._collecting = bytearray() if self.head_rows else None
        self._row_end = 0  # offset after the last row end found in _collecting
        self._rows_seen = 0
        # Exact path: calamine's position state.
        self.row_index = 0
        self.col_index = 0
        self.in_cell = False

    # --- feeding -----------------------------------------------------------

    def feed(self, data: bytes) -> None:
        if not self.dimension_checked:
            self.start += data[: self._HEAD - len(self.start)]
            if len(self.start) >= self._HEAD or b"<sheetData" in self.start:
                self._check_dimension()
        if self._collecting is not None:
            self._collect(data)
        else:
            self._feed_scan(data)

    def finish(self) -> None:
        if self._collecting is not None:
            self._end_head(len(self._collecting), complete=True)
        if self.pending:
            self._scan(self.pending)
            self.pending = b""
        if not self.dimension_checked:
            self._check_dimension()

    def _feed_scan(self, data: bytes) -> None:
        buffer = self.pending + data
        cut = self._cut(buffer)
        if cut <= 0:
            if len(buffer) < 1 << 20:
                self.pending = buffer
                return
            cut = len(buffer)
        self.pending = buffer[cut:]
        self._scan(buffer[:cut])

    def _cut(self, buffer: bytes) -> int:
        """Scan whole tags only: cut before the last one (and, exactly, before an open comment or CDATA)."""
        cut = buffer.rfind(b"<")
        if self.exact:
            for opener, closer in _OPEN_SKIPPED:
                start = buffer.rfind(opener, 0, cut + 1)
                if start >= 0 and buffer.find(closer, start + len(opener)) < 0:
                    cut = min(cut, start)
        return cut

    # --- the head rows, for the preview --------------------------------------

    def _collect(self, data: bytes) -> None:
        collected = self._collecting
        assert collected is not None
        seen = len(collected)
        collected += data
        # From the last row end found: a tag cut between chunks is found whole on the next feed.
        for match in _ROW_END.finditer(collected, self._row_end):
            self._row_end = match.end()
            self._rows_seen += 1
            if self._rows_seen >= self.head_rows:
                self._end_head(self._row_end, complete=False)
                return
        if _SHEET_DATA_END.search(collected, max(0, seen - 16)):
            self._end_head(len(collected), complete=True)
        elif len(collected) > self.HEAD_LIMIT:
            self._end_head(self._row_end, complete=False)  # 0 without a row end: no head

    def _end_head(self, end: int, *, complete: bool) -> None:
        collected = bytes(self._collecting or b"")
        self._collecting = None
        head, rest = collected[:end], collected[end:]
        self._scan(head)  # no lower bound inside the head
        self.head = head or None
        self.head_row = max((int(row) for _, row in _CANONICAL_REF.findall(head)), default=0)
        self.sheet_in_head = complete and not rest
        if rest:
            self._feed_scan(rest)

    # --- scanning ------------------------------------------------------------

    def _scan(self, region: bytes) -> None:
        if self.exact:
            self._scan_exact(region)
        else:
            self._scan_fast(region)
        self._check(self.max_col, self.max_row)

    def _scan_fast(self, region: bytes) -> None:
        if _PREFIXED_CELL.search(region) or _CELL_WITHOUT_LEADING_REF.search(region):
            raise Irregular
        for space in (b"\t", b"\n", b"\r"):
            if space in region and re.search(space + rb"r\s*=", region):
                raise Irregular
        last = region.rfind(b"<row r=\"")
        if last >= 0:
            match = _ROW_REF_AT.match(region, last)
            if match:
                self.max_row = max(self.max_row, int(match.group(1)))
        low = self.head_row if self.head is not None and self.ordered else 0
        if not _outside(self.min_col, self.max_col, low, self.max_row).search(region):
            return
        # The extent grows (the first rows), or something is out of place.
        refs = _CANONICAL_REF.findall(region)
        letters = {col for col, _ in refs if col}
        numbers = [int(row) for row in {row for _, row in refs}]
        self.max_row = max(self.max_row, *numbers) if numbers else self.max_row
        if letters:
            cols = [_column_number(col) for col in letters]
            self.max_col = max(self.max_col, *cols)
            self.min_col = min(cols) if not self.min_col else min(self.min_col, *cols)
        if low and any(row <= low for _, row in ((c, int(r)) for c, r in refs if not c)):
            self.ordered = False  # a row after the head sits among the head's rows
        low = self.head_row if self.head is not None and self.ordered else 0
        self._check(self.max_col, self.max_row)
        if _outside(self.min_col, self.max_col, low, self.max_row).search(region):
            raise Irregular  # a reference the fast path does not read as calamine does

    def _scan_exact(self, region: bytes) -> None:
        # Where every cell and row has an r, positions are the references (bounded
        # by _ANY_REF below) and only the last row is followed for the state the
        # next chunk starts from; otherwise every tag is followed.
        start = None if _WITHOUT_R.search(region) else _last_row_start(region)
        if start is not None:
            self.in_cell = False  # a row starts outside any cell
        self._follow(region if start is None else region[start:])
        found = _ANY_REF.findall(region)
        if found:
            letters, digits = zip(*found)
            self.max_row = max(self.max_row, max(map(int, digits)))
            self.max_col = max(self.max_col, max((_column_number(col.upper()) for col in set(letters) if col), default=0))

    def _follow(self, region: bytes) -> None:
        """calamine's positions, tag by tag (comments and CDATA skipped, a cell's content unread)."""
        max_row, max_col = self.max_row, self.max_col
        row_index, col_index, in_cell = self.row_index, self.col_index, self.in_cell
        for match in _TOKEN.finditer(region):
            name = match.group(2)
            if name is None:
                continue  # comment, CDATA, …
            if match.group(1):  # end tag
                if name == b"c":
                    in_cell = False
                elif not in_cell:
                    row_index += 1
                    col_index = 0
                continue
            if in_cell:
                continue  # calamine reads a cell's content as its value
            attrs = match.group(3)
            closed = attrs.rstrip().endswith(b"/")
            refs = [_parse_ref(a.group(2) if a.group(2) is not None else a.group(3))
                    for a in _ATTRIBUTE.finditer(attrs) if a.group(1) == b"r"]
            refs = [ref for ref in refs if ref is not None]
            if name == b"row":
                if refs:
                    row_index = max(row for row, _ in refs) - 1
                max_row = max(max_row, row_index + 1)
                if closed:
                    row_index += 1
                    col_index = 0
                continue
            cols = [col for _, col in refs if col]
            if refs and cols:  # the highest of several r: calamine takes the last
                row, col = max(row for row, _ in refs), max(cols)
                col_index = col - 1
            else:
                row, col = row_index + 1, col_index + 1
            max_row, max_col = max(max_row, row), max(max_col, col)
            col_index += 1
            if not closed:
                in_cell = True
            if max_col > MAX_COLUMNS or max_row > MAX_ROWS:
                self._check(max_col, max_row)
        self.max_row, self.max_col = max_row, max_col
        self.row_index, self.col_index, self.in_cell = row_index, col_index, in_cell

    def _check_dimension(self) -> None:
        self.dimension_checked = True
        match = _DIMENSION.search(self.start)
        if match and match.group(2):
            first_col, first_row, last_col, last_row = match.groups()
            rows = int(last_row or first_row) - int(first_row) + 1
            cols = _column_number(last_col or first_col or b"A") - _column_number(first_col or b"A") + 1
            if rows > MAX_ROWS or cols > MAX_COLUMNS:
                raise too_large(rows, cols)

    @staticmethod
    def _check(cols: int, rows: int) -> None:
        if cols > MAX_COLUMNS or rows > MAX_ROWS or rows * cols > MAX_CELLS:
            raise too_large(rows, cols)


def _last_row_start(region: bytes) -> int | None:
    """Offset of the last row start tag in `region` (None: there is none)."""
    end = len(region)
    while (i := region.rfind(b"row", 0, end)) >= 0:
        tag = region.rfind(b"<", max(0, i - 64), i)
        if tag >= 0 and _ROW_START.match(region, tag) and _ROW_START.match(region, tag).end() == i + 4:
            return tag
        end = i
    return None


def _parse_ref(value: bytes) -> tuple[int, int] | None:
    """(row, column) 1-based as calamine reads an r value (column 0: none); None if it cannot."""
    match = _REF.fullmatch(value)
    if match is None:
        return None
    return int(match.group(2)), _column_number(match.group(1).upper()) if match.group(1) else 0


@lru_cache(maxsize=256)
def _outside(min_col: int, max_col: int, low_row: int, max_row: int) -> re.Pattern[bytes]:
    """Regex for an r attribute that is neither a cell's r="<column in [min_col, max_col]><row ≤ max_row>"
    nor a row's r="<row in (low_row, max_row]>" (canonical: upper case, no leading zero)."""
    if not max_row:
        return re.compile(rb" r(?=\s*=)")
    rows = f"(?:{_at_most(str(max_row), _DIGITS, _DIGITS[1:])})"
    row = f"(?!(?:{_at_most(str(low_row), _DIGITS, _DIGITS[1:])})\"){rows}" if low_row else rows
    body = row
    if max_col:
        # Atomic: the letters are taken whole (the longest alternatives come first).
        cols = f"(?>{_at_most(_column_letters(max_col), _LETTERS, _LETTERS)})"
        if min_col > 1:
            cols = f"(?!(?:{_at_most(_column_letters(min_col - 1), _LETTERS, _LETTERS)})[0-9]){cols}"
        body = f"(?:{cols}{rows}|{row})"
    return re.compile(f" r(?!=\"{body}\")(?=\\s*=)".encode())


def _at_most(value: str, alphabet: str, first: str) -> str:
    """Regex alternation for the canonical strings not greater than `value`:
    as long and not larger (first), or shorter (first character from `first`)."""
    every = f"[{alphabet[0]}-{alphabet[-1]}]"
    alternatives = []
    for i, ch in enumerate(value):
        pool = first if i == 0 else alphabet
        lower = pool[: pool.index(ch)]
        if lower:
            rest = len(value) - i - 1
            alternatives.append(value[:i] + f"[{lower[0]}-{lower[-1]}]" + (f"{every}{{{rest}}}" if rest else ""))
    alternatives.append(value)
    if len(value) > 1:
        alternatives.append(f"[{first[0]}-{first[-1]}]{every}{{0,{len(value) - 2}}}")
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
