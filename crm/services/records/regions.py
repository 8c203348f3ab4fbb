"""Where a record row is shown, and the counts that region shows beside it.

A page of record rows (a batch now; a reservation list or a special list
next) is a region, named `<kind>:<id>` (`batch:42`). Each row's form posts its
region; a toggle answers the row and, out of band, that region's counts.
Each kind registers once, from its own feature module:

    regions.register("batch", contains=..., counts=...)

- `contains(session, staff, record, region_id) -> bool`: the staff member's
  record (a row of its columns: id, product_id, username, batch_id,
  assigned_to_id, ...) is in that region of theirs (False for a region of
  someone else's);
- `counts(session, staff, region_id) -> StatusCounts`, read after the change,
  in the same transaction.

The web layer shows a kind's counts with the macro `region_counts` of `_partials/record_counts_<kind>.html`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from crm.i18n import N_
from crm.services.actor import Actor
from crm.services.errors import ValidationFailed
from crm.services.records.counts import StatusCounts


@dataclass(frozen=True)
class Region:
    kind: str
    id: int

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.id}"

    def __str__(self) -> str:
        return self.key


@dataclass(frozen=True)
class RegionKind:
    kind: str
    contains: Callable[[Session, Actor, Any, int], bool]
    counts: Callable[[Session, Actor, int], StatusCounts]


_KINDS: dict[str, RegionKind] = {}


def register(kind: str, *, contains: Callable[[Session, Actor, Any, int], bool],
             counts: Callable[[Session, Actor, int], StatusCounts]) -> None:
    if not kind.isidentifier():
        raise ValueError(f"a region kind is a plain word: {kind!r}")
    _KINDS[kind] = RegionKind(kind, contains, counts)


def kinds() -> frozenset[str]:
    return frozenset(_KINDS)


class RegionRefused(ValidationFailed):
    """The posted region is unknown, or not the staff member's, or does not hold the record."""


_REFUSED = N_("This list cannot be updated from here. Reload the page.")


def parse(key: str | None) -> Region:
    """`<kind>:<id>` of a registered kind, else RegionRefused."""
    kind, _sep, ident = (key or "").partition(":")
    if kind not in _KINDS or not (ident.isdigit() and ident.isascii()) or len(ident) > 18:
        raise RegionRefused(_REFUSED)
    return Region(kind, int(ident))


def check(session: Session, *, staff: Actor, region: Region, record: Any) -> None:
    """Refuse (RegionRefused) unless `record` is in the staff member's `region`."""
    if not _KINDS[region.kind].contains(session, staff, record, region.id):
        raise RegionRefused(_REFUSED)


def region_counts(session: Session, *, staff: Actor, region: Region) -> StatusCounts:
    return _KINDS[region.kind].counts(session, staff, region.id)
