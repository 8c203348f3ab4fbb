"""Status counts of a group of records (a batch, a reservation list, a special
list): the SQL aggregate columns and the counts they read into, both from the
status vocabulary."""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from sqlalchemy import case, func

from crm.models import CustomerRecord
from crm.services.records.statuses import FIELDS, WA

# (field, value) of each counted status, in the order of count_columns().
_COUNTED = tuple((f.name, value) for f in FIELDS for value in f.values)


def count_columns(record=CustomerRecord) -> tuple:
    """size, then one sum per status of the vocabulary (to select over `record`'s rows)."""
    columns = {"wa": record.wa_status, "respond": record.respond_status}
    return (
        func.count(record.id).label("size"),
        *(func.sum(case((columns[field] == value, 1), else_=0)).label(f"{field}_{value}") for field, value in _COUNTED),
    )


def worked_column(counts):
    """The progress (WhatsApp status set) of a subquery selecting count_columns()."""
    return functools.reduce(operator.add, (counts.c[f"{WA.name}_{value}"] for value in WA.values))


@dataclass(frozen=True)
class StatusCounts:
    size: int
    by_status: Mapping[tuple[str, str], int]

    @classmethod
    def from_row(cls, values) -> StatusCounts:
        """From the values of count_columns() (None, as SQL sums of no rows, is 0)."""
        size, *sums = values
        return cls(int(size or 0), dict(zip(_COUNTED, (int(n or 0) for n in sums))))

    def count(self, field: str, value: str) -> int:
        return self.by_status.get((field, value), 0)

    def chips(self) -> Iterator[tuple[str, str, int]]:
        """(field, value, count) of every status, in the vocabulary's order."""
        for field, value in _COUNTED:
            yield field, value, self.by_status[field, value]

    @functools.cached_property
    def worked(self) -> int:
        """Records whose WhatsApp status is set (the progress)."""
        return sum(self.count(WA.name, value) for value in WA.values)

    @functools.cached_property
    def percent(self) -> int:
        return int(self.worked * 100 / self.size) if self.size else 0

    @property
    def finished(self) -> bool:
        return self.size > 0 and self.worked >= self.size
