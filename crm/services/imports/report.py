"""The import report's file: every rejected row with its row number and
reason (key and label in the uploader's language), bank-account columns left
out, cells protected against formula injection."""

from __future__ import annotations

import csv
from pathlib import Path

from crm.i18n import N_, translator
from crm.models import CustomerDatabase
from crm.services.exports import safe_cell
from crm.services.imports.rules import REJECT_REASONS


def rejected_path(reject_dir: Path, db: CustomerDatabase) -> Path:
    reject_dir.mkdir(parents=True, exist_ok=True)
    return reject_dir / f"database-{db.id}-rejected.csv"


class RejectedRows:
    """Writes the rejected rows of one import and counts them per reason."""

    def __init__(self, path: Path, headers: list[str], visible: list[int], locale: str | None) -> None:
        self.path = path
        self.counts = {key: 0 for key in REJECT_REASONS}
        self._visible = visible
        self._file = open(path, "w", newline="", encoding="utf-8-sig")
        self._writer = csv.writer(self._file)
        tr = translator(locale)
        self._labels = {key: tr(label) for key, label in REJECT_REASONS.items()}
        self._writer.writerow([safe_cell(headers[i]) for i in visible] + ["row", "reason", tr(N_("Reason"))])

    def reject(self, row_no: int, row: list[str], reason: str) -> None:
        self.counts[reason] += 1
        self._writer.writerow([safe_cell(row[i]) for i in self._visible] + [row_no, reason, self._labels[reason]])

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> RejectedRows:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
