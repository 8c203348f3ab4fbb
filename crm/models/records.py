"""Customer records (one row of an uploaded file) and their status history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, UTCDateTime, utcnow

WA_STATUSES = ("ada", "ceklis1", "tidak")
RESPOND_STATUSES = ("ya", "tidak")


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
