"""Customer databases (uploaded files), their records, requests and batches."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, UTCDateTime, utcnow

WA_STATUSES = ("ada", "ceklis1", "tidak")
RESPOND_STATUSES = ("ya", "tidak")


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


class CustomerRecord(Base):
    __tablename__ = "customer_records"

    id: Mapped[int] = mapped_column(primary_key=True)  # upload order
    # No foreign-key constraints on these two: the import (their only writer)
    # takes them from a locked, existing database row, and products and
    # databases are never deleted. On PostgreSQL the per-row RI triggers
    # doubled the cost of a bulk import (measured, see README "Benchmarks").
    product_id: Mapped[int] = mapped_column()
    database_id: Mapped[int] = mapped_column()
    # Normalised: stripped and lower-cased (usernames match case-insensitively everywhere).
    username: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)  # E.164 digits, no "+"
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Hand-out state
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), nullable=True)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ever_assigned: Mapped[bool] = mapped_column(Boolean, default=False)
    # Work state
    wa_status: Mapped[str | None] = mapped_column(String(10), nullable=True)
    wa_status_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    respond_status: Mapped[str | None] = mapped_column(String(10), nullable=True)
    respond_status_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        UniqueConstraint("product_id", "username", name="uq_customer_records_product_username"),
        # Available records in upload order. PostgreSQL's planner prefers walking
        # the primary key past every handed-out record (records go out in upload
        # order, so they pile up at the front); this index keeps the pick of a
        # big product at ~1 ms. The next one serves the smaller products.
        # PostgreSQL only (SQLite's planner picks the next index by itself, and
        # its imports pay for every index): see migrations/env.py include_object.
        Index("ix_customer_records_available_id", "id", postgresql_where=text("assigned_to_id IS NULL"),
              info={"dialects": ("postgresql",)}),
        # Available records of a product in upload order (the approval's pick).
        Index(
            "ix_customer_records_available",
            "product_id",
            "id",
            postgresql_where=text("assigned_to_id IS NULL"),
            sqlite_where=text("assigned_to_id IS NULL"),
        ),
        # Partial: never-assigned rows (most of an import) stay out of these.
        Index("ix_customer_records_batch", "batch_id", "id",
              postgresql_where=text("batch_id IS NOT NULL"), sqlite_where=text("batch_id IS NOT NULL")),
        Index("ix_customer_records_assignee", "assigned_to_id", "product_id", "id",
              postgresql_where=text("assigned_to_id IS NOT NULL"), sqlite_where=text("assigned_to_id IS NOT NULL")),
        Index("ix_customer_records_database", "database_id", "id"),
    )


class RecordStatusEvent(Base):
    """Who set which status on which record, when."""

    __tablename__ = "record_status_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("customer_records.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), nullable=True)
    field: Mapped[str] = mapped_column(String(10))  # "wa" | "respond"
    old: Mapped[str | None] = mapped_column(String(10), nullable=True)
    new: Mapped[str | None] = mapped_column(String(10), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_record_status_events_record", "record_id", "at"),
        Index("ix_record_status_events_user_at", "user_id", "at"),
    )


class RecordRequest(Base):
    __tablename__ = "record_requests"

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int]
    note: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(10), default=PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    approved_quantity: Mapped[int | None] = mapped_column(nullable=True)
    reject_reason: Mapped[str] = mapped_column(String(500), default="")
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), nullable=True)

    __table_args__ = (
        # One open request per staff member and product, enforced by the database.
        Index(
            "uq_record_requests_open",
            "staff_id",
            "product_id",
            unique=True,
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        Index("ix_record_requests_status_created", "status", "created_at"),
        Index("ix_record_requests_staff_created", "staff_id", "created_at"),
    )


class Batch(Base):
    """The records handed out by one approval (or the staff member's Manual batch)."""

    __tablename__ = "batches"

    REQUEST = "request"
    MANUAL = "manual"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    kind: Mapped[str] = mapped_column(String(10), default=REQUEST)
    title: Mapped[str] = mapped_column(String(120), default="")
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    request_id: Mapped[int | None] = mapped_column(nullable=True)
    size_at_approval: Mapped[int] = mapped_column(default=0)

    __table_args__ = (
        Index("ix_batches_staff_created", "staff_id", "created_at"),
        # At most one Manual batch per staff member and product.
        Index(
            "uq_batches_manual",
            "staff_id",
            "product_id",
            unique=True,
            postgresql_where=text("kind = 'manual'"),
            sqlite_where=text("kind = 'manual'"),
        ),
    )
