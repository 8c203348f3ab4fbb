"""One tap on a record: set or clear its WhatsApp or respond status."""

from __future__ import annotations

import functools

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from crm.db import is_postgresql, utcnow
from crm.i18n import N_
from crm.models import CustomerRecord, RecordStatusEvent
from crm.models.records import RESPOND_STATUSES, WA_STATUSES
from crm.services.actor import Actor
from crm.services.errors import NotFound, ValidationFailed

@functools.cache
def _own_record_stmt(lock: bool):
    stmt = select(CustomerRecord).where(CustomerRecord.id == bindparam("id"))
    return stmt.with_for_update().execution_options(populate_existing=True) if lock else stmt


def get_own_record(session: Session, *, staff: Actor, record_id: int, lock: bool = False) -> CustomerRecord:
    """The staff member's record; `lock`: hold it (PostgreSQL) so a concurrent
    reassignment or return cannot slip between this check and the write."""
    if lock and is_postgresql(session):
        record = session.scalars(_own_record_stmt(True), {"id": record_id}).first()
    else:
        record = session.get(CustomerRecord, record_id)
    if record is None or record.assigned_to_id != staff.id:
        raise NotFound(N_("Record not found."))
    return record


def set_status(session: Session, *, actor: Actor, record_id: int, field: str, value: str | None) -> CustomerRecord:
    """One tap: set (or clear, value None) the WhatsApp or respond status of an own record."""
    record = get_own_record(session, staff=actor, record_id=record_id, lock=True)
    allowed = {"wa": WA_STATUSES, "respond": RESPOND_STATUSES}.get(field)
    if allowed is None or (value is not None and value not in allowed):
        raise ValidationFailed(N_("Unknown status."))
    now = utcnow()
    old = record.wa_status if field == "wa" else record.respond_status
    if old == value:
        return record
    if field == "wa":
        record.wa_status, record.wa_status_at = value, now
    else:
        record.respond_status, record.respond_status_at = value, now
    session.add(RecordStatusEvent(record_id=record.id, user_id=actor.id, field=field, old=old, new=value, at=now))
    session.flush()
    return record
