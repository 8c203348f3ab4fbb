"""Record requests, approvals (the atomic hand-out), batches, status toggles
and admin reassignment."""

from __future__ import annotations

import functools
from collections import namedtuple
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, case, exists, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.i18n import N_
from crm.models import Batch, CustomerRecord, Product, RecordRequest, RecordStatusEvent, Role, User
from crm.models.customers import RESPOND_STATUSES, WA_STATUSES
from crm.services import audit, products
from crm.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from crm.services.notifications import notify
from crm.services.pagination import Page, clamp_page, paginate
from crm.services.text_search import LIKE_ESCAPE, contains

MAX_REQUEST = 5000
HANDOUT_LOCK = 7201  # advisory lock namespace: hand-outs per product
NOTE_MAX = 500
BULK_MAX = 1000
TITLE_MAX = 120

audit.register_action("request.approve", N_("Request approved"))
audit.register_action("request.reject", N_("Request rejected"))
audit.register_action("records.reassign", N_("Records reassigned"))
audit.register_action("records.return", N_("Records returned to the pool"))


class NotEnoughRecords(Conflict):
    def __init__(self, available: int, product: str) -> None:
        super().__init__(
            N_("Only %(available)s records of %(product)s are available. You can approve that many."),
            field="quantity",
            available=available,
            product=product,
        )
        self.available = available


def _require_admin(actor: User) -> None:
    if not actor.has_role(Role.ADMIN):
        raise PermissionDenied(N_("Only admins can do this."))


def _is_pg(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# --- requests ---------------------------------------------------------------------------


def create_request(session: Session, *, actor: User, product_id: int | None, quantity: int | None, note: str = "") -> RecordRequest:
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


def cancel_request(session: Session, *, actor: User, request_id: int) -> RecordRequest:
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
    if _is_pg(session):
        stmt = stmt.with_for_update()
    req = session.scalars(stmt.execution_options(populate_existing=True)).first()
    if req is None:
        raise NotFound(N_("Request not found."))
    if req.status != RecordRequest.PENDING:
        raise Conflict(N_("This request has already been decided."))
    return req


def hand_out(session: Session, *, staff_id: int, product_id: int, quantity: int, batch: Batch, product_name: str = "") -> int:
    """Give `quantity` available records of the product to the staff member, in
    upload order, atomically. Raises NotEnoughRecords (changing nothing) when
    fewer are available."""
    if _is_pg(session):
        # Hand-outs of one product queue up behind a transaction-scoped lock:
        # otherwise a run that finds too few rows (and rolls back) could make a
        # concurrent one skip rows it had locked and come up short too.
        session.execute(select(func.pg_advisory_xact_lock(HANDOUT_LOCK, product_id)))
    pick = (
        select(CustomerRecord.id)
        .where(CustomerRecord.product_id == product_id, CustomerRecord.assigned_to_id.is_(None))
        .order_by(CustomerRecord.id)
        .limit(quantity)
    )
    if _is_pg(session):
        # Rows being changed by another transaction (reassign, return) are
        # skipped rather than waited for; SQLite runs one writer at a time.
        pick = pick.with_for_update(skip_locked=True)
    ids = list(session.scalars(pick))
    if len(ids) < quantity:
        raise NotEnoughRecords(len(ids), product_name)
    now = utcnow()
    done = 0
    for start in range(0, len(ids), 1000):
        chunk = ids[start:start + 1000]
        done += session.execute(
            update(CustomerRecord)
            .where(CustomerRecord.id.in_(chunk), CustomerRecord.assigned_to_id.is_(None))
            .values(assigned_to_id=staff_id, batch_id=batch.id, assigned_at=now, ever_assigned=True)
            .execution_options(synchronize_session=False)
        ).rowcount
    if done != len(ids):  # cannot happen under the locks above; refuse rather than half-assign
        raise Conflict(N_("Some records were taken meanwhile. Please try again."))
    return done


def approve_request(session: Session, *, actor: User, request_id: int, quantity: int | None = None, tz: str = "Asia/Jakarta") -> Batch:
    _require_admin(actor)
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


def reject_request(session: Session, *, actor: User, request_id: int, reason: str) -> RecordRequest:
    _require_admin(actor)
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


def bulk_decide(session: Session, *, actor: User, request_ids: list[int], approve: bool, reason: str = "", tz: str = "Asia/Jakarta") -> list[BulkResult]:
    """Each request is decided on its own (a savepoint each): one that cannot be
    approved in full is reported and left pending; the others go through."""
    _require_admin(actor)
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


def available_counts(session: Session, product_ids: list[int]) -> dict[int, int]:
    if not product_ids:
        return {}
    rows = session.execute(
        select(CustomerRecord.product_id, func.count())
        .where(CustomerRecord.product_id.in_(product_ids), CustomerRecord.assigned_to_id.is_(None))
        .group_by(CustomerRecord.product_id)
    ).all()
    return dict(rows)


# --- batches (staff) ---------------------------------------------------------------------


@dataclass
class BatchCard:
    batch: Batch | BatchRow
    product_name: str
    size: int
    wa_ada: int
    wa_ceklis1: int
    wa_tidak: int
    resp_ya: int
    resp_tidak: int

    @property
    def worked(self) -> int:
        return self.wa_ada + self.wa_ceklis1 + self.wa_tidak

    @property
    def percent(self) -> int:
        return int(self.worked * 100 / self.size) if self.size else 0

    @property
    def finished(self) -> bool:
        return self.size > 0 and self.worked >= self.size


def _count_columns():
    r = CustomerRecord
    return (
        func.count(r.id).label("size"),
        func.sum(case((r.wa_status == "ada", 1), else_=0)).label("ada"),
        func.sum(case((r.wa_status == "ceklis1", 1), else_=0)).label("ceklis1"),
        func.sum(case((r.wa_status == "tidak", 1), else_=0)).label("tidak"),
        func.sum(case((r.respond_status == "ya", 1), else_=0)).label("ya"),
        func.sum(case((r.respond_status == "tidak", 1), else_=0)).label("rtidak"),
    )


def _card(row) -> BatchCard:
    batch, product_name, size, ada, c1, tidak, ya, rtidak = row
    return BatchCard(batch, product_name, int(size or 0), int(ada or 0), int(c1 or 0), int(tidak or 0), int(ya or 0), int(rtidak or 0))


SORTS = ("date", "size", "completion")


def list_batches(session: Session, *, staff: User, product_id: int | None = None, unfinished: bool = False,
                 sort: str = "date", page: int | None = 1, per_page: int = 12) -> Page[BatchCard]:
    counts = (
        select(CustomerRecord.batch_id.label("batch_id"), *_count_columns())
        .where(CustomerRecord.assigned_to_id == staff.id)
        .group_by(CustomerRecord.batch_id)
        .subquery()
    )
    worked = counts.c.ada + counts.c.ceklis1 + counts.c.tidak
    stmt = (
        select(Batch, Product.name, counts.c.size, counts.c.ada, counts.c.ceklis1, counts.c.tidak, counts.c.ya, counts.c.rtidak)
        .join(counts, counts.c.batch_id == Batch.id)
        .join(Product, Product.id == Batch.product_id)
        .where(Batch.staff_id == staff.id)
    )
    if product_id:
        stmt = stmt.where(Batch.product_id == product_id)
    if unfinished:
        stmt = stmt.where(worked < counts.c.size)
    order = {
        "date": [Batch.created_at.desc()],
        "size": [counts.c.size.desc()],
        "completion": [(worked * 1.0 / counts.c.size).asc()],
    }.get(sort, [Batch.created_at.desc()])
    stmt = stmt.order_by(Batch.pinned.desc(), *order, Batch.id.desc())
    result = paginate(session, stmt, page, per_page, scalars=False)
    return Page([_card(r) for r in result.items], result.page, result.per_page, result.total)


def get_batch(session: Session, *, staff: User, batch_id: int) -> Batch:
    batch = session.get(Batch, batch_id)
    if batch is None or batch.staff_id != staff.id:
        raise NotFound(N_("Batch not found."))
    return batch


# Read-only views of a batch and its product for the staff batch page (rows, not
# ORM objects: the page and every tap read them, and loading entities costs more
# than the query).
BatchRow = namedtuple("BatchRow", "id staff_id product_id kind title pinned created_at")
ProductRow = namedtuple("ProductRow", "id name archived wa_template")


@functools.cache
def _open_batch_stmt():
    """Built once, with bind parameters: no per-call construction or cache-key work."""
    r = CustomerRecord
    batch_id, staff_id = bindparam("batch_id"), bindparam("staff_id")
    counts = select(*_count_columns()).where(r.batch_id == batch_id, r.assigned_to_id == staff_id).subquery()
    return (
        select(Batch.id, Batch.staff_id, Batch.product_id, Batch.kind, Batch.title, Batch.pinned, Batch.created_at,
               Product.id, Product.name, Product.archived, Product.wa_template, *counts.c)
        .join(Product, Product.id == Batch.product_id)
        .join(counts, true())
        .where(Batch.id == batch_id, Batch.staff_id == staff_id)
    )


def open_batch(session: Session, *, staff: User, batch_id: int) -> tuple[BatchCard, ProductRow]:
    """The staff member's batch with its product and counts, in one query."""
    row = session.connection().execute(_open_batch_stmt(), {"batch_id": batch_id, "staff_id": staff.id}).first()
    if row is None:
        raise NotFound(N_("Batch not found."))
    batch, product = BatchRow._make(row[:7]), ProductRow._make(row[7:11])
    return _card((batch, product.name, *row[11:])), product


WA_FILTERS = ("ada", "ceklis1", "tidak", "none")
RESPOND_FILTERS = ("ya", "tidak", "none")


def _status_filter(stmt, column, value, allowed):
    if value not in allowed:
        return stmt
    return stmt.where(column.is_(None) if value == "none" else column == value)


RecordRow = namedtuple("RecordRow", "id username name phone wa_status respond_status batch_id product_id")


@functools.cache
def _records_stmt(wa: str | None, respond: str | None, search: bool, count: bool):
    """The batch records query for one filter shape, built once with bind
    parameters. wa/respond: None (no filter), "none" (not set) or "value"."""
    r = CustomerRecord
    # Plain rows of the shown columns: the busiest staff page skips ORM identity
    # bookkeeping and the JSON of extra fields.
    stmt = select(r.id, r.username, r.name, r.phone, r.wa_status, r.respond_status, r.batch_id, r.product_id).where(
        r.batch_id == bindparam("batch_id"), r.assigned_to_id == bindparam("staff_id")
    )
    for column, mode, key in ((r.wa_status, wa, "wa"), (r.respond_status, respond, "respond")):
        if mode == "none":
            stmt = stmt.where(column.is_(None))
        elif mode:
            stmt = stmt.where(column == bindparam(key))
    if search:
        like = bindparam("like")
        stmt = stmt.where(or_(r.username.like(like, escape=LIKE_ESCAPE), func.lower(r.name).like(like, escape=LIKE_ESCAPE)))
    if count:
        return select(func.count()).select_from(stmt.subquery())
    return stmt.order_by(r.id).limit(bindparam("limit")).offset(bindparam("offset"))


def list_batch_records(session: Session, *, staff: User, batch: Batch, wa: str | None = None, respond: str | None = None,
                       q: str = "", page: int | None = 1, per_page: int = 50, total: int | None = None) -> Page:
    """A page of the batch's records (plain rows). `total`: the batch size when
    already known (no filter), which saves the count query."""
    params: dict = {"batch_id": batch.id, "staff_id": staff.id}
    wa_mode = respond_mode = None
    if wa in WA_FILTERS:
        wa_mode = "none" if wa == "none" else "value"
        params["wa"] = wa
    if respond in RESPOND_FILTERS:
        respond_mode = "none" if respond == "none" else "value"
        params["respond"] = respond
    q = (q or "").strip().lower()
    if q:
        params["like"] = contains(q)
    shape = (wa_mode, respond_mode, bool(q))
    # Plain Core reads on the session's connection: no ORM entities involved.
    conn = session.connection()
    if total is None or any(shape):
        total = conn.execute(_records_stmt(*shape, count=True), params).scalar() or 0
    page, per_page = clamp_page(page, per_page)
    page = min(page, max(1, -(-total // per_page)))
    result = conn.execute(_records_stmt(*shape, count=False), {**params, "limit": per_page, "offset": (page - 1) * per_page})
    rows = list(map(RecordRow._make, result.all()))  # attribute reads on a namedtuple are ~10× cheaper than on a Row
    return Page(items=rows, page=page, per_page=per_page, total=total)


def rename_batch(session: Session, *, actor: User, batch_id: int, title: str) -> Batch:
    batch = get_batch(session, staff=actor, batch_id=batch_id)
    title = " ".join((title or "").split())
    if not title:
        raise ValidationFailed(N_("The title cannot be empty."), field="title")
    if len(title) > TITLE_MAX:
        raise ValidationFailed(N_("The title can have at most %(n)s characters."), field="title", n=TITLE_MAX)
    batch.title = title
    session.flush()
    return batch


def set_pinned(session: Session, *, actor: User, batch_id: int, pinned: bool) -> Batch:
    batch = get_batch(session, staff=actor, batch_id=batch_id)
    batch.pinned = pinned
    session.flush()
    return batch


@functools.cache
def _own_record_stmt(lock: bool):
    stmt = select(CustomerRecord).where(CustomerRecord.id == bindparam("id"))
    return stmt.with_for_update().execution_options(populate_existing=True) if lock else stmt


def get_own_record(session: Session, *, staff: User, record_id: int, lock: bool = False) -> CustomerRecord:
    """The staff member's record; `lock`: hold it (PostgreSQL) so a concurrent
    reassignment or return cannot slip between this check and the write."""
    if lock and _is_pg(session):
        record = session.scalars(_own_record_stmt(True), {"id": record_id}).first()
    else:
        record = session.get(CustomerRecord, record_id)
    if record is None or record.assigned_to_id != staff.id:
        raise NotFound(N_("Record not found."))
    return record


def set_status(session: Session, *, actor: User, record_id: int, field: str, value: str | None) -> CustomerRecord:
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


# --- admin: all assignments ----------------------------------------------------------------------


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
    stmt = _status_filter(stmt, CustomerRecord.wa_status, flt.wa, WA_FILTERS)
    stmt = _status_filter(stmt, CustomerRecord.respond_status, flt.respond, RESPOND_FILTERS)
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


def reassign(session: Session, *, actor: User, record_ids: list[int], to_staff_id: int | None) -> int:
    _require_admin(actor)
    ids = _ids(record_ids)
    target = session.get(User, to_staff_id) if to_staff_id else None
    if target is None or not target.active or target.role_enum is not Role.STAFF:
        raise ValidationFailed(N_("Choose an active staff member."), field="to_staff_id")
    lock = select(CustomerRecord).where(CustomerRecord.id.in_(ids), CustomerRecord.assigned_to_id.is_not(None))
    if _is_pg(session):
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


def return_to_pool(session: Session, *, actor: User, record_ids: list[int]) -> int:
    """Back to the pool: available for the next approval, statuses cleared
    (the status history stays in record_status_events)."""
    _require_admin(actor)
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
