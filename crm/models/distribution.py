"""Record requests and the batches their approvals hand out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, UTCDateTime, utcnow


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
