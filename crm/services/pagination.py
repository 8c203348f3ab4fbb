from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, Sequence, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")

MAX_PER_PAGE = 200
MAX_PAGE = 1_000_000  # a page number past it (typed or forged) is read as the last page


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_index(self) -> int:
        return 0 if not self.total else (self.page - 1) * self.per_page + 1

    @property
    def last_index(self) -> int:
        return min(self.total, self.page * self.per_page)


def clamp_page(page: int | None, per_page: int | None, default_per_page: int = 25) -> tuple[int, int]:
    page = min(page, MAX_PAGE) if page and page > 0 else 1
    per_page = per_page if per_page and per_page > 0 else default_per_page
    return page, min(per_page, MAX_PER_PAGE)


def paginate(session: Session, stmt: Select, page: int | None, per_page: int | None = None, *, scalars: bool = True,
             total: int | None = None) -> Page:
    """One page of `stmt`; `total` may be given when the caller already knows it."""
    page, per_page = clamp_page(page, per_page)
    if total is None:
        total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(page, pages)
    limited = stmt.limit(per_page).offset((page - 1) * per_page)
    items = session.scalars(limited).all() if scalars else session.execute(limited).all()
    return Page(items=items, page=page, per_page=per_page, total=total)


def window_page(conn, stmt, params: dict, page: int | None, per_page: int | None) -> tuple[list, int, int, int]:
    """One page of a prepared statement whose rows carry the number of all
    matching rows in their last column (`count(*) OVER ()`), so the page and
    its total come from one query; `stmt` takes :limit and :offset. A page
    past the end gives the last page, as paginate() does. Returns (rows, page,
    per_page, total)."""
    page, per_page = clamp_page(page, per_page)
    rows = conn.execute(stmt, {**params, "limit": per_page, "offset": (page - 1) * per_page}).all()
    if not rows and page > 1:
        first = conn.execute(stmt, {**params, "limit": 1, "offset": 0}).first()
        page = max(1, -(-(first[-1] if first else 0) // per_page))
        rows = conn.execute(stmt, {**params, "limit": per_page, "offset": (page - 1) * per_page}).all()
    return rows, page, per_page, (rows[0][-1] if rows else 0)
