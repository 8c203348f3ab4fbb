"""Staff batches: cards with live counts, the batch page's records, title and pin."""

from __future__ import annotations

import functools
from collections import namedtuple
from dataclasses import dataclass

from sqlalchemy import bindparam, func, or_, select, true
from sqlalchemy.orm import Session

from crm.i18n import N_
from crm.models import Batch, CustomerRecord, Product
from crm.services.actor import Actor
from crm.services.errors import NotFound, ValidationFailed
from crm.services.pagination import window_page, Page, clamp_page
from crm.services.records import regions
from crm.services.records.counts import StatusCounts, count_columns, worked_column
from crm.services.records.statuses import RESPOND_FILTERS, WA_FILTERS
from crm.services.text_search import LIKE_ESCAPE, contains

TITLE_MAX = 120

# Read-only views of a batch and its product for the staff pages (rows, not ORM
# objects: the batch page, the cards and every tap read them, and loading
# entities costs more than the query).
BatchRow = namedtuple("BatchRow", "id staff_id product_id kind title pinned created_at")
ProductRow = namedtuple("ProductRow", "id name archived wa_template")


@dataclass
class BatchCard:
    batch: BatchRow
    product_name: str
    counts: StatusCounts

    @property
    def size(self) -> int:
        return self.counts.size

    @property
    def worked(self) -> int:
        return self.counts.worked

    @property
    def percent(self) -> int:
        return self.counts.percent

    @property
    def finished(self) -> bool:
        return self.counts.finished



SORTS = ("date", "size", "completion")


@functools.cache
def _list_stmt(by_product: bool, unfinished: bool, sort: str):
    """The staff member's batch cards for one filter shape, built once with bind
    parameters; each row also carries the number of matching batches (a window
    count: the aggregate runs once for the page and its total)."""
    r = CustomerRecord
    staff_id = bindparam("staff_id")
    counts = select(r.batch_id.label("batch_id"), *count_columns()).where(r.assigned_to_id == staff_id).group_by(r.batch_id).subquery()
    worked = worked_column(counts)
    stmt = (
        select(Batch.id, Batch.staff_id, Batch.product_id, Batch.kind, Batch.title, Batch.pinned, Batch.created_at, Product.name,
               *(c for c in counts.c if c.name != "batch_id"), func.count().over().label("total"))
        .join(counts, counts.c.batch_id == Batch.id)
        .join(Product, Product.id == Batch.product_id)
        .where(Batch.staff_id == staff_id)
    )
    if by_product:
        stmt = stmt.where(Batch.product_id == bindparam("product_id"))
    if unfinished:
        stmt = stmt.where(worked < counts.c.size)
    order = {
        "date": [Batch.created_at.desc()],
        "size": [counts.c.size.desc()],
        "completion": [(worked * 1.0 / counts.c.size).asc()],
    }[sort]
    return stmt.order_by(Batch.pinned.desc(), *order, Batch.id.desc()).limit(bindparam("limit")).offset(bindparam("offset"))


def list_batches(session: Session, *, staff: Actor, product_id: int | None = None, unfinished: bool = False,
                 sort: str = "date", page: int | None = 1, per_page: int = 12) -> Page[BatchCard]:
    """The staff member's batches as cards (plain rows), pinned first."""
    stmt = _list_stmt(bool(product_id), unfinished, sort if sort in SORTS else "date")
    params = {"staff_id": staff.id, "product_id": product_id}
    rows, page, per_page, total = window_page(session.connection(), stmt, params, page, per_page)
    n = len(BatchRow._fields)
    return Page([BatchCard(BatchRow._make(row[:n]), row[n], StatusCounts.from_row(row[n + 1:-1])) for row in rows], page, per_page, total)


def get_batch(session: Session, *, staff: Actor, batch_id: int) -> Batch:
    batch = session.get(Batch, batch_id)
    if batch is None or batch.staff_id != staff.id:
        raise NotFound(N_("Batch not found."))
    return batch


@functools.cache
def _open_batch_stmt():
    """Built once, with bind parameters: no per-call construction or cache-key work."""
    r = CustomerRecord
    batch_id, staff_id = bindparam("batch_id"), bindparam("staff_id")
    counts = select(*count_columns()).where(r.batch_id == batch_id, r.assigned_to_id == staff_id).subquery()
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
    return BatchCard(batch, product.name, StatusCounts.from_row(row[11:])), product


# The batch as a region of record rows (crm.services.records.regions): a toggle
# on the batch page answers the row and these counts.

@functools.cache
def _batch_counts_stmt():
    r = CustomerRecord
    return select(*count_columns()).where(r.batch_id == bindparam("batch_id"), r.assigned_to_id == bindparam("staff_id"))


def _batch_holds(_session: Session, staff: Actor, record, batch_id: int) -> bool:
    # A record's batch is its assignee's (the hand-out and reassignment keep it
    # so), and the counts below only ever count the staff member's own records.
    return record.assigned_to_id == staff.id and record.batch_id == batch_id


def batch_counts(session: Session, staff: Actor, batch_id: int) -> StatusCounts:
    """The counts of the staff member's records in the batch."""
    row = session.connection().execute(_batch_counts_stmt(), {"batch_id": batch_id, "staff_id": staff.id}).one()
    return StatusCounts.from_row(row)


regions.register("batch", contains=_batch_holds, counts=batch_counts)


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
