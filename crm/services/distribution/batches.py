"""Staff batches: cards with live counts, the batch page's records, title and pin."""

from __future__ import annotations

import functools
from collections import namedtuple
from dataclasses import dataclass

from sqlalchemy import bindparam, case, func, or_, select, true
from sqlalchemy.orm import Session

from crm.i18n import N_
from crm.models import Batch, CustomerRecord, Product
from crm.services.actor import Actor
from crm.services.errors import NotFound, ValidationFailed
from crm.services.pagination import Page, clamp_page, paginate
from crm.services.records.statuses import RESPOND_FILTERS, WA_FILTERS
from crm.services.text_search import LIKE_ESCAPE, contains

TITLE_MAX = 120


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


def list_batches(session: Session, *, staff: Actor, product_id: int | None = None, unfinished: bool = False,
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


def get_batch(session: Session, *, staff: Actor, batch_id: int) -> Batch:
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


def open_batch(session: Session, *, staff: Actor, batch_id: int) -> tuple[BatchCard, ProductRow]:
    """The staff member's batch with its product and counts, in one query."""
    row = session.connection().execute(_open_batch_stmt(), {"batch_id": batch_id, "staff_id": staff.id}).first()
    if row is None:
        raise NotFound(N_("Batch not found."))
    batch, product = BatchRow._make(row[:7]), ProductRow._make(row[7:11])
    return _card((batch, product.name, *row[11:])), product


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


def list_batch_records(session: Session, *, staff: Actor, batch: Batch, wa: str | None = None, respond: str | None = None,
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


def rename_batch(session: Session, *, actor: Actor, batch_id: int, title: str) -> Batch:
    batch = get_batch(session, staff=actor, batch_id=batch_id)
    title = " ".join((title or "").split())
    if not title:
        raise ValidationFailed(N_("The title cannot be empty."), field="title")
    if len(title) > TITLE_MAX:
        raise ValidationFailed(N_("The title can have at most %(n)s characters."), field="title", n=TITLE_MAX)
    batch.title = title
    session.flush()
    return batch


def set_pinned(session: Session, *, actor: Actor, batch_id: int, pinned: bool) -> Batch:
    batch = get_batch(session, staff=actor, batch_id=batch_id)
    batch.pinned = pinned
    session.flush()
    return batch
