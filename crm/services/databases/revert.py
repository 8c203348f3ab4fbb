"""Reverting an import: only while none of its records has been handed out."""

from __future__ import annotations

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from crm.i18n import N_
from crm.models import CustomerDatabase, CustomerRecord, Role
from crm.services import audit
from crm.services.actor import Actor, require_role
from crm.services.databases import ADMINS_ONLY, get_database
from crm.services.errors import Conflict


def can_revert(session: Session, db: CustomerDatabase) -> bool:
    """A finished import none of whose records has been handed out."""
    return db.status == CustomerDatabase.DONE and not session.scalar(
        select(exists().where(CustomerRecord.database_id == db.id, CustomerRecord.ever_assigned.is_(True))))


def revert_import(session: Session, *, actor: Actor, database_id: int) -> int:
    require_role(actor, Role.ADMIN, ADMINS_ONLY)
    db = get_database(session, database_id)
    if db.status != CustomerDatabase.DONE:
        raise Conflict(N_("Only a finished import can be reverted."))
    if not can_revert(session, db):
        raise Conflict(N_("Records of this import have already been handed out, so it cannot be reverted."))
    deleted = session.execute(
        delete(CustomerRecord).where(CustomerRecord.database_id == db.id, CustomerRecord.ever_assigned.is_(False))
    ).rowcount
    # An approval may have won the race for some rows: then nothing is reverted.
    if session.scalar(select(exists().where(CustomerRecord.database_id == db.id))):
        raise Conflict(N_("Records of this import have already been handed out, so it cannot be reverted."))
    db.status = CustomerDatabase.REVERTED
    session.flush()
    audit.record(session, actor=actor, action="database.revert", target=db, target_label=db.file_name,
                 before={"records": deleted}, after={"records": 0})
    return deleted
