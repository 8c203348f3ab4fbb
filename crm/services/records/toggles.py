"""One tap on a record: set or clear its WhatsApp or respond status.

Hot path (benchmarked, bench/pages.py): a tap reads the record with its
product's message template in one statement (locked on PostgreSQL) and writes
with two plain statements (the status, its event), no ORM unit of work.
"""

from __future__ import annotations

import functools
from collections import namedtuple
from dataclasses import dataclass

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from crm.db import is_postgresql, utcnow
from crm.i18n import N_
from crm.models import CustomerRecord, Product, RecordStatusEvent
from crm.services.actor import Actor
from crm.services.errors import NotFound, ValidationFailed
from crm.services.records import regions, statuses
from crm.services.records.counts import StatusCounts

_NOT_FOUND = N_("Record not found.")


# A tapped record as a plain row (what its row shows and its region checks).
TapRecord = namedtuple("TapRecord", "id username name phone wa_status respond_status product_id batch_id assigned_to_id")
# Its product, as far as the row needs it (the WhatsApp message).
TapProduct = namedtuple("TapProduct", "id wa_template")

_STATUS_COLUMNS = {"wa": ("wa_status", "wa_status_at"), "respond": ("respond_status", "respond_status_at")}


@functools.cache
def _read_stmt(lock: bool):
    r = CustomerRecord
    stmt = (select(r.id, r.username, r.name, r.phone, r.wa_status, r.respond_status, r.product_id, r.batch_id, r.assigned_to_id,
                   Product.wa_template)
            .join(Product, Product.id == r.product_id).where(r.id == bindparam("id")))
    return stmt.with_for_update(of=r) if lock else stmt


@functools.cache
def _update_stmt(field: str):
    column, at = _STATUS_COLUMNS[field]
    return update(CustomerRecord).where(CustomerRecord.id == bindparam("record_id")).values(
        {column: bindparam("value"), at: bindparam("at")})


@functools.cache
def _event_stmt():
    return insert(RecordStatusEvent)


def _read(session: Session, staff: Actor, record_id: int, *, lock: bool) -> tuple[TapRecord, TapProduct]:
    """The staff member's record and its product; `lock`: hold the record
    (PostgreSQL) so a concurrent reassignment or return cannot slip between
    this check and the write."""
    row = session.connection().execute(_read_stmt(lock and is_postgresql(session)), {"id": record_id}).first()
    if row is None or row.assigned_to_id != staff.id:
        raise NotFound(_NOT_FOUND)
    return TapRecord._make(row[:-1]), TapProduct(row.product_id, row.wa_template)


def _validate(field: str, value: str | None) -> None:
    status = statuses.BY_NAME.get(field)
    if status is None or (value is not None and value not in status.values):
        raise ValidationFailed(N_("Unknown status."))


def _write(session: Session, *, actor: Actor, record: TapRecord, field: str, value: str | None) -> TapRecord:
    """Store the change and its event; answers the record as it is now."""
    column, at = _STATUS_COLUMNS[field]
    old = getattr(record, column)
    if old == value:
        return record
    now = utcnow()
    conn = session.connection()
    conn.execute(_update_stmt(field), {"record_id": record.id, "value": value, "at": now})
    conn.execute(_event_stmt(), {"record_id": record.id, "user_id": actor.id, "field": field, "old": old, "new": value, "at": now})
    loaded = session.identity_map.get(session.identity_key(CustomerRecord, record.id))
    if loaded is not None:  # the session holds the record already: show it the change
        set_committed_value(loaded, column, value)
        set_committed_value(loaded, at, now)
    return record._replace(**{column: value})


def set_status(session: Session, *, actor: Actor, record_id: int, field: str, value: str | None) -> CustomerRecord:
    """Set (or clear, value None) the WhatsApp or respond status of an own record."""
    record, _product = _read(session, actor, record_id, lock=True)
    _validate(field, value)
    _write(session, actor=actor, record=record, field=field, value=value)
    return session.get(CustomerRecord, record_id)


@dataclass(frozen=True)
class Tap:
    record: TapRecord  # as it is after the change
    product: TapProduct  # for the row's WhatsApp link
    region: regions.Region
    counts: StatusCounts  # the region's, after the change


def tap(session: Session, *, actor: Actor, record_id: int, choice: str, region: str | None) -> Tap:
    """One tap on a record row shown in `region` ("batch:42"): `choice` is
    "<field>:<value>" (an empty value clears). Answers the record, its product
    and the region's counts after the change, read in the same transaction.

    Raises, changing nothing: NotFound (not the actor's record, e.g. taken
    away meanwhile), regions.RegionRefused (an unknown region, or one that is
    not the actor's or does not hold the record), ValidationFailed (an
    unknown status)."""
    record, product = _read(session, actor, record_id, lock=True)
    where = regions.parse(region)
    regions.check(session, staff=actor, region=where, record=record)
    field, value = statuses.parse_choice(choice)
    _validate(field, value)
    record = _write(session, actor=actor, record=record, field=field, value=value)
    return Tap(record, product, where, regions.region_counts(session, staff=actor, region=where))


def shown_record(session: Session, *, staff: Actor, record_id: int) -> tuple[TapRecord, TapProduct]:
    """The staff member's record and its product, to show its row again (after a refused tap)."""
    return _read(session, staff, record_id, lock=False)
