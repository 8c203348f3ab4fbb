"""Totals per database and product (the overview cards) and data quality per
database, aggregated in SQL."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from crm.models import CustomerDatabase, CustomerRecord, Product
from crm.services import products


@dataclass
class Stats:
    records: int = 0
    available: int = 0
    assigned: int = 0
    wa_ada: int = 0
    wa_ceklis1: int = 0
    wa_tidak: int = 0
    responded: int = 0
    no_response: int = 0
    deposited: int = 0  # deposits arrive with the OMSET feature; counted from them then

    def add(self, other: "Stats") -> None:
        for k in self.__dataclass_fields__:
            setattr(self, k, getattr(self, k) + getattr(other, k))

    @property
    def wa_set(self) -> int:
        return self.wa_ada + self.wa_ceklis1 + self.wa_tidak

    @property
    def reach_rate(self) -> float | None:
        return self.wa_ada / self.wa_set if self.wa_set else None

    @property
    def response_rate(self) -> float | None:
        return self.responded / self.wa_ada if self.wa_ada else None


def _stats_columns():
    r = CustomerRecord
    return (
        func.count(r.id),
        func.sum(case((r.assigned_to_id.is_(None), 1), else_=0)),
        func.sum(case((r.wa_status == "ada", 1), else_=0)),
        func.sum(case((r.wa_status == "ceklis1", 1), else_=0)),
        func.sum(case((r.wa_status == "tidak", 1), else_=0)),
        func.sum(case((r.respond_status == "ya", 1), else_=0)),
        func.sum(case((r.respond_status == "tidak", 1), else_=0)),
    )


def _row_stats(row) -> Stats:
    records, available, ada, c1, tidak, ya, no = (int(v or 0) for v in row)
    return Stats(records, available, records - available, ada, c1, tidak, ya, no)


def stats_by_database(session: Session, database_ids: list[int]) -> dict[int, Stats]:
    if not database_ids:
        return {}
    rows = session.execute(
        select(CustomerRecord.database_id, *_stats_columns())
        .where(CustomerRecord.database_id.in_(database_ids))
        .group_by(CustomerRecord.database_id)
    ).all()
    return {row[0]: _row_stats(row[1:]) for row in rows}


@dataclass
class ProductOverview:
    product: Product
    totals: Stats
    databases: list[tuple[CustomerDatabase, Stats]] = field(default_factory=list)


def overview(session: Session, *, kind: str = "customer", limit_per_product: int = 50) -> list[ProductOverview]:
    """A card per database (newest first, bounded) with per-product totals."""
    result = []
    for product in products.list_products(session):
        dbs = list(session.scalars(
            select(CustomerDatabase)
            .where(CustomerDatabase.product_id == product.id, CustomerDatabase.kind == kind)
            .order_by(CustomerDatabase.uploaded_at.desc(), CustomerDatabase.id.desc())
            .limit(limit_per_product)
        ))
        stats = stats_by_database(session, [d.id for d in dbs])
        totals_row = session.execute(
            select(*_stats_columns()).join(CustomerDatabase, CustomerDatabase.id == CustomerRecord.database_id)
            .where(CustomerRecord.product_id == product.id, CustomerDatabase.kind == kind)
        ).one()
        result.append(ProductOverview(product, _row_stats(totals_row), [(d, stats.get(d.id, Stats())) for d in dbs]))
    return result


@dataclass
class Quality:
    rows_total: int
    imported: int
    missing_phone: int
    invalid_phone: int
    duplicates_in_file: int
    already_in_product: int
    missing_username: int
    stats: Stats

    @property
    def phone_problems(self) -> int:
        return self.missing_phone + self.invalid_phone


def quality(session: Session, db: CustomerDatabase) -> Quality:
    stats = stats_by_database(session, [db.id]).get(db.id, Stats())
    r = db.rejected_by_reason or {}
    return Quality(
        rows_total=db.rows_total,
        imported=db.rows_imported,
        missing_phone=db.missing_phone,
        invalid_phone=r.get("bad_phone", 0),
        duplicates_in_file=r.get("duplicate_in_file", 0),
        already_in_product=r.get("already_in_product", 0),
        missing_username=r.get("missing_username", 0),
        stats=stats,
    )
