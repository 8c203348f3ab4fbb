"""Admin view of all assignments: filter, reassign, return to the pool."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm.db import is_postgresql, utcnow
from crm.i18n import N_
from crm.models import Batch, CustomerRecord, Product, Role, User
from crm.services.actor import Actor, require_role
from crm.services import audit
from crm.services.distribution import BULK_MAX
from crm.services.errors import ValidationFailed
from crm.services.notifications import notify
from crm.services.pagination import Page, paginate
from crm.services.records.statuses import RESPOND_FILTERS, WA_FILTERS, status_filter
from crm.services.text_search import LIKE_ESCAPE, contains


audit.register_action("records.reassign", N_("Records reassigned"))
audit.register_action("records.return", N_("Records returned to the pool"))


@dataclass(frozen=True)
class AssignmentFilter:
    staff_id: int | None = None
    product_id: int | None = None
    batch_id: int | None = None
    wa: str | None = None
    respond: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""


def _assignment_stmt(flt: AssignmentFilter, tz: str):
    stmt = (
        select(CustomerRecord, User.name, Product.name, Batch.title)
        .join(User, User.id == CustomerRecord.assigned_to_id)
        .join(Product, Product.id == CustomerRecord.product_id)
        .outerjoin(Batch, Batch.id == CustomerRecord.batch_id)
        .where(CustomerRecord.assigned_to_id.is_not(None))
    )
    if flt.staff_id:
        stmt = stmt.where(CustomerRecord.assigned_to_id == flt.staff_id)
    if flt.product_id:
        stmt = stmt.where(CustomerRecord.product_id == flt.product_id)
    if flt.batch_id:
        stmt = stmt.where(CustomerRecord.batch_id == flt.batch_id)
    stmt = status_filter(stmt, CustomerRecord.wa_status, flt.wa, WA_FILTERS)
    stmt = status_filter(stmt, CustomerRecord.respond_status, flt.respond, RESPOND_FILTERS)
    zone = ZoneInfo(tz)
    if flt.date_from:
        stmt = stmt.where(CustomerRecord.assigned_at >= datetime.combine(flt.date_from, time.min, zone))
    if flt.date_to:
        stmt = stmt.where(CustomerRecord.assigned_at < datetime.combine(flt.date_to + timedelta(days=1), time.min, zone))
    q = (flt.q or "").strip().lower()
    if q:
        stmt = stmt.where(CustomerRecord.username.like(contains(q), escape=LIKE_ESCAPE))
    return stmt.order_by(CustomerRecord.assigned_at.desc(), CustomerRecord.id.desc())


def list_assignments(session: Session, flt: AssignmentFilter, *, tz: str, page: int | None = 1, per_page: int = 50) -> Page:
    return paginate(session, _assignment_stmt(flt, tz), page, per_page, scalars=False)


def manual_batch(session: Session, *, staff_id: int, product_id: int) -> Batch:
    """The staff member's "Manual" batch for a product (created on first use)."""
    stmt = select(Batch).where(Batch.staff_id == staff_id, Batch.product_id == product_id, Batch.kind == Batch.MANUAL)
    batch = session.scalars(stmt).first()
    if batch is not None:
        return batch
    product = session.get(Product, product_id)
    batch = Batch(staff_id=staff_id, product_id=product_id, kind=Batch.MANUAL, title=product.name)  # shown with a "Manual" label
    try:
        with session.begin_nested():
            session.add(batch)
    except IntegrityError:
        batch = session.scalars(stmt).one()
    return batch


def _ids(record_ids: list[int]) -> list[int]:
    ids = sorted({int(i) for i in record_ids})
    if not ids:
        raise ValidationFailed(N_("Select at least one record."))
    if len(ids) > BULK_MAX:
        raise ValidationFailed(N_("Select at most %(n)s records at a time."), n=BULK_MAX)
    return ids


def reassign(session: Session, *, actor: Actor, record_ids: list[int], to_staff_id: int | None) -> int:
    require_role(actor, Role.ADMIN)
    ids = _ids(record_ids)
    target = session.get(User, to_staff_id) if to_staff_id else None
    if target is None or not target.active or target.role_enum is not Role.STAFF:
        raise ValidationFailed(N_("Choose an active staff member."), field="to_staff_id")
    lock = select(CustomerRecord).where(CustomerRecord.id.in_(ids), CustomerRecord.assigned_to_id.is_not(None))
    if is_postgresql(session):
        lock = lock.with_for_update()
    records = list(session.scalars(lock.execution_options(populate_existing=True)))
    now = utcnow()
    moved = 0
    batches: dict[int, int] = {}
    from_staff: dict[int, int] = {}
    for record in records:
        if record.assigned_to_id == target.id:
            continue
        if record.product_id not in batches:
            batches[record.product_id] = manual_batch(session, staff_id=target.id, product_id=record.product_id).id
        from_staff[record.assigned_to_id] = from_staff.get(record.assigned_to_id, 0) + 1
        record.batch_id = batches[record.product_id]
        record.assigned_to_id = target.id
        record.assigned_at = now
        # The new holder works the record afresh; the old statuses stay in the history.
        record.wa_status = record.wa_status_at = record.respond_status = record.respond_status_at = None
        moved += 1
    session.flush()
    audit.record(session, actor=actor, action="records.reassign", target_type="customer_records", target_label=target.name,
                 after={"records": moved, "to": target.email, "from_user_ids": {str(k): v for k, v in from_staff.items()},
                        "ids": ids[:200], "ids_total": len(ids)})
    if moved:
        notify(session, user_id=target.id, kind="records_assigned", message=N_("%(n)s records were assigned to you."),
               params={"n": moved}, link="/my/batches")
    return moved


def return_to_pool(session: Session, *, actor: Actor, record_ids: list[int]) -> int:
    """Back to the pool: available for the next approval, statuses cleared
    (the status history stays in record_status_events)."""
    require_role(actor, Role.ADMIN)
    ids = _ids(record_ids)
    returned = session.execute(
        update(CustomerRecord)
        .where(CustomerRecord.id.in_(ids), CustomerRecord.assigned_to_id.is_not(None))
        .values(assigned_to_id=None, batch_id=None, assigned_at=None, wa_status=None, wa_status_at=None,
                respond_status=None, respond_status_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    audit.record(session, actor=actor, action="records.return", target_type="customer_records", target_label=str(returned),
                 after={"records": returned, "ids": ids[:200], "ids_total": len(ids)})
    return returned


def staff_choices(session: Session) -> list[User]:
    return list(session.scalars(
        select(User).where(User.role == Role.STAFF.value, User.active.is_(True)).order_by(func.lower(User.name)).limit(1000)
    ))
