"""Record requests: staff ask for N records, admins approve (hand-out) or reject."""

from __future__ import annotations

import functools
from collections import namedtuple
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, case, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm.config import DEFAULT_TIMEZONE
from crm.db import is_postgresql, utcnow
from crm.i18n import N_
from crm.models import Batch, CustomerRecord, Product, RecordRequest, Role, User
from crm.services.actor import Actor, require_role
from crm.services import audit, products
from crm.services.distribution import BULK_MAX
from crm.services.distribution.handout import hand_out
from crm.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from crm.services.notifications import notify
from crm.services.pagination import Page, paginate, window_page

MAX_REQUEST = 5000
NOTE_MAX = 500


audit.register_action("request.approve", N_("Request approved"))
audit.register_action("request.reject", N_("Request rejected"))


def create_request(session: Session, *, actor: Actor, product_id: int | None, quantity: int | None, note: str = "") -> RecordRequest:
    if actor.role_enum is not Role.STAFF or not actor.active:
        raise PermissionDenied(N_("Only staff members ask for records."))
    product = products.get_product(session, product_id, active=True)
    if not quantity or quantity < 1:
        raise ValidationFailed(N_("Ask for at least 1 record."), field="quantity")
    if quantity > MAX_REQUEST:
        raise ValidationFailed(N_("You can ask for at most %(n)s records at a time."), field="quantity", n=MAX_REQUEST)
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationFailed(N_("The note can have at most %(n)s characters."), field="note", n=NOTE_MAX)
    open_exists = session.scalar(
        select(exists().where(RecordRequest.staff_id == actor.id, RecordRequest.product_id == product.id,
                              RecordRequest.status == RecordRequest.PENDING))
    )
    if open_exists:
        raise Conflict(N_("You already have an open request for %(product)s. Wait for it to be decided, or cancel it first."),
                       field="product_id", product=product.name)
    req = RecordRequest(staff_id=actor.id, product_id=product.id, quantity=quantity, note=note)
    try:
        with session.begin_nested():
            session.add(req)
    except IntegrityError:  # a double submit raced us: the database's unique index decided
        raise Conflict(N_("You already have an open request for %(product)s. Wait for it to be decided, or cancel it first."),
                       field="product_id", product=product.name) from None
    return req


def cancel_request(session: Session, *, actor: Actor, request_id: int) -> RecordRequest:
    req = session.get(RecordRequest, request_id)
    if req is None or req.staff_id != actor.id:
        raise NotFound(N_("Request not found."))
    req = _lock_request(session, request_id)  # an approval in progress wins; then this one refuses
    req.status = RecordRequest.CANCELLED
    req.decided_at = utcnow()
    session.flush()
    return req


def _lock_request(session: Session, request_id: int) -> RecordRequest:
    stmt = select(RecordRequest).where(RecordRequest.id == request_id)
    if is_postgresql(session):
        stmt = stmt.with_for_update()
    req = session.scalars(stmt.execution_options(populate_existing=True)).first()
    if req is None:
        raise NotFound(N_("Request not found."))
    if req.status != RecordRequest.PENDING:
        raise Conflict(N_("This request has already been decided."))
    return req


def approve_request(session: Session, *, actor: Actor, request_id: int, quantity: int | None = None, tz: str = DEFAULT_TIMEZONE) -> Batch:
    require_role(actor, Role.ADMIN)
    req = _lock_request(session, request_id)
    product = products.get_product(session, req.product_id, active=True)
    staff = session.get(User, req.staff_id)
    if staff is None or not staff.active or staff.role_enum is not Role.STAFF:
        raise Conflict(N_("This request's staff member is no longer an active staff member; reject it instead."))
    n = req.quantity if quantity is None else quantity
    if n < 1 or n > req.quantity:
        raise ValidationFailed(N_("Approve between 1 and %(n)s records."), field="quantity", n=req.quantity)
    now = utcnow()
    batch = Batch(staff_id=req.staff_id, product_id=product.id, kind=Batch.REQUEST, request_id=req.id,
                  title=f"{product.name} · {now.astimezone(ZoneInfo(tz)):%d/%m/%Y}")
    session.add(batch)
    session.flush()
    hand_out(session, staff_id=req.staff_id, product_id=product.id, quantity=n, batch=batch, product_name=product.name)
    batch.size_at_approval = n
    req.status = RecordRequest.APPROVED
    req.approved_quantity = n
    req.decided_by_id = actor.id
    req.decided_at = now
    req.batch_id = batch.id
    session.flush()
    audit.record(session, actor=actor, action="request.approve", target_type="record_requests", target_label=f"{staff.name}: {product.name}",
                 before={"requested": req.quantity}, after={"approved": n, "batch": batch.id})
    notify(session, user_id=req.staff_id, kind="request_approved",
           message=N_("Your request for %(n)s records of %(product)s was approved."),
           params={"n": n, "product": product.name}, link=f"/my/batches/{batch.id}")
    return batch


def reject_request(session: Session, *, actor: Actor, request_id: int, reason: str) -> RecordRequest:
    require_role(actor, Role.ADMIN)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(N_("Please give a reason for the rejection."), field="reason")
    if len(reason) > NOTE_MAX:
        raise ValidationFailed(N_("The reason can have at most %(n)s characters."), field="reason", n=NOTE_MAX)
    req = _lock_request(session, request_id)
    req.status = RecordRequest.REJECTED
    req.reject_reason = reason
    req.decided_by_id = actor.id
    req.decided_at = utcnow()
    session.flush()
    product = session.get(Product, req.product_id)
    audit.record(session, actor=actor, action="request.reject", target_type="record_requests", target_label=product.name,
                 after={"reason": reason, "requested": req.quantity})
    notify(session, user_id=req.staff_id, kind="request_rejected",
           message=N_("Your request for %(n)s records of %(product)s was rejected: %(reason)s"),
           params={"n": req.quantity, "product": product.name, "reason": reason}, link="/requests")
    return req


@dataclass
class BulkResult:
    request_id: int
    ok: bool
    message: str = ""
    params: dict | None = None


def bulk_decide(session: Session, *, actor: Actor, request_ids: list[int], approve: bool, reason: str = "", tz: str = DEFAULT_TIMEZONE) -> list[BulkResult]:
    """Each request is decided on its own (a savepoint each): one that cannot be
    approved in full is reported and left pending; the others go through."""
    require_role(actor, Role.ADMIN)
    if not request_ids:
        raise ValidationFailed(N_("Select at least one request."))
    if not approve and not (reason or "").strip():
        raise ValidationFailed(N_("Please give a reason for the rejection."), field="reason")
    results = []
    for rid in request_ids[:BULK_MAX]:
        try:
            with session.begin_nested():
                if approve:
                    approve_request(session, actor=actor, request_id=rid, tz=tz)
                else:
                    reject_request(session, actor=actor, request_id=rid, reason=reason)
            results.append(BulkResult(rid, True))
        except (Conflict, NotFound, ValidationFailed) as exc:
            results.append(BulkResult(rid, False, exc.message, exc.params))
    return results


@dataclass
class StaffLoad:
    open_records: int = 0
    worked: int = 0

    @property
    def completion(self) -> int:
        return int(self.worked * 100 / self.open_records) if self.open_records else 0


def staff_load(session: Session, staff_ids: list[int]) -> dict[int, StaffLoad]:
    if not staff_ids:
        return {}
    rows = session.execute(
        select(CustomerRecord.assigned_to_id, func.count(CustomerRecord.id),
               func.sum(case((CustomerRecord.wa_status.is_not(None), 1), else_=0)))
        .where(CustomerRecord.assigned_to_id.in_(staff_ids))
        .group_by(CustomerRecord.assigned_to_id)
    ).all()
    return {sid: StaffLoad(int(n), int(w or 0)) for sid, n, w in rows}


def list_requests(session: Session, *, status: str | None = RecordRequest.PENDING, staff_id: int | None = None,
                  page: int | None = 1, per_page: int = 25) -> Page:
    stmt = (
        select(RecordRequest, User, Product)
        .join(User, User.id == RecordRequest.staff_id)
        .join(Product, Product.id == RecordRequest.product_id)
    )
    if status:
        stmt = stmt.where(RecordRequest.status == status)
    if staff_id:
        stmt = stmt.where(RecordRequest.staff_id == staff_id)
    order = RecordRequest.created_at.asc() if status == RecordRequest.PENDING else RecordRequest.created_at.desc()
    return paginate(session, stmt.order_by(order, RecordRequest.id), page, per_page, scalars=False)


# What a staff member's requests page shows of each request: a plain row.
OwnRequest = namedtuple("OwnRequest", "id product_name quantity approved_quantity status created_at note reject_reason batch_id")
STATUS_LABELS = {RecordRequest.PENDING: N_("Waiting"), RecordRequest.APPROVED: N_("Approved"),
                 RecordRequest.REJECTED: N_("Rejected"), RecordRequest.CANCELLED: N_("Cancelled")}  # msgids


@functools.cache
def _own_requests_stmt():
    """Built once with bind parameters; the last column counts all the staff member's requests."""
    r = RecordRequest
    return (
        select(r.id, Product.name, r.quantity, r.approved_quantity, r.status, r.created_at, r.note, r.reject_reason, r.batch_id,
               func.count().over())
        .join(Product, Product.id == r.product_id)
        .where(r.staff_id == bindparam("staff_id"))
        .order_by(r.created_at.desc(), r.id.desc())
        .limit(bindparam("limit")).offset(bindparam("offset"))
    )


def list_own_requests(session: Session, *, staff: Actor, page: int | None = 1, per_page: int = 20) -> Page[OwnRequest]:
    """The staff member's own requests, newest first (the staff requests page)."""
    rows, page, per_page, total = window_page(session.connection(), _own_requests_stmt(), {"staff_id": staff.id}, page, per_page)
    return Page([OwnRequest._make(row[:-1]) for row in rows], page, per_page, total)


def available_counts(session: Session, product_ids: list[int]) -> dict[int, int]:
    if not product_ids:
        return {}
    rows = session.execute(
        select(CustomerRecord.product_id, func.count())
        .where(CustomerRecord.product_id.in_(product_ids), CustomerRecord.assigned_to_id.is_(None))
        .group_by(CustomerRecord.product_id)
    ).all()
    return dict(rows)
