"""Customer databases: one uploaded file of a product, kept as a named unit."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, UTCDateTime, utcnow


class CustomerDatabase(Base):
    """One uploaded file for a product, kept as a named unit.

    `kind` is "customer" for customer databases; special lists (DB Bonanza,
    Member WD, …) reuse the same pipeline with their own kind.
    """

    __tablename__ = "customer_databases"

    UPLOADED = "uploaded"  # stored, waiting for inspection
    INSPECTING = "inspecting"
    MAPPING = "mapping"  # headers and preview known, waiting for the admin's mapping
    IMPORTING = "importing"
    DONE = "done"
    FAILED = "failed"
    REVERTED = "reverted"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    kind: Mapped[str] = mapped_column(String(20), default="customer")
    name: Mapped[str] = mapped_column(String(200))
    file_name: Mapped[str] = mapped_column(String(255))
    file_format: Mapped[str] = mapped_column(String(10))  # csv | xlsx | xls
    file_size: Mapped[int] = mapped_column(default=0)
    stored_path: Mapped[str | None] = mapped_column(String(500), nullable=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(12), default=UPLOADED)
    # Inspection: detected encoding/delimiter, header row, first rows, suggested mapping.
    encoding: Mapped[str | None] = mapped_column(String(20), nullable=True)
    delimiter: Mapped[str | None] = mapped_column(String(4), nullable=True)
    headers: Mapped[list[str]] = mapped_column(JSON, default=list)
    preview: Mapped[list[list[str]]] = mapped_column(JSON, default=list)
    # Mapping chosen by the admin: {"username": col, "name": col|None, "phone": col|None}
    mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dropped_columns: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Report
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_imported: Mapped[int] = mapped_column(default=0)
    rows_rejected: Mapped[int] = mapped_column(default=0)
    rejected_by_reason: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    missing_phone: Mapped[int] = mapped_column(default=0)
    rejected_path: Mapped[str | None] = mapped_column(String(500), nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")
    error_params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    job_run_id: Mapped[int | None] = mapped_column(ForeignKey("job_runs.id", ondelete="SET NULL"), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_customer_databases_product_kind", "product_id", "kind", "uploaded_at"),)
