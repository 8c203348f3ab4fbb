"""Customer databases: one uploaded file of customers for a product, kept as a
named unit (the upload row, CustomerDatabase, shared by every kind of upload).

The upload → inspect → map → import pipeline is generic (crm.services.imports);
what is specific to customer databases lives here: their ImportSpec (spec),
revert (revert), totals and data quality (stats), and the row and its
records (below).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.i18n import N_
from crm.models import CustomerDatabase, CustomerRecord
from crm.services import audit
from crm.services.errors import NotFound
from crm.services.pagination import Page, paginate
from crm.services.text_search import LIKE_ESCAPE, contains

ADMINS_ONLY = N_("Only admins can upload databases.")

audit.register_action("database.upload", N_("Database uploaded"))
audit.register_action("database.import", N_("Database imported"))
audit.register_action("database.revert", N_("Import reverted"))


def get_database(session: Session, database_id: int, kind: str | None = None) -> CustomerDatabase:
    db = session.get(CustomerDatabase, database_id)
    if db is None or (kind and db.kind != kind):
        raise NotFound(N_("This database does not exist."))
    return db


def list_records(session: Session, *, database_id: int, q: str = "", page: int | None = 1, per_page: int = 50) -> Page:
    stmt = select(CustomerRecord).where(CustomerRecord.database_id == database_id).order_by(CustomerRecord.id)
    q = (q or "").strip().lower()
    if q:
        like = contains(q)
        stmt = stmt.where(CustomerRecord.username.like(like, escape=LIKE_ESCAPE) | func.lower(CustomerRecord.name).like(like, escape=LIKE_ESCAPE)
                          | CustomerRecord.phone.like(like, escape=LIKE_ESCAPE))
    return paginate(session, stmt, page, per_page)


# Registers the customer-database ImportSpec: whoever handles uploads imports this package.
from crm.services.databases.spec import CUSTOMER_DATABASE, Mapping  # noqa: E402

__all__ = ["ADMINS_ONLY", "CUSTOMER_DATABASE", "Mapping", "get_database", "list_records"]
