from __future__ import annotations

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base


class SidebarEntry(Base):
    """Admin-configured sidebar: folders and the placement of registered pages.

    A page without a row keeps its default place at the end of the sidebar.
    """

    __tablename__ = "sidebar_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # "page" | "folder"
    page_key: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    label: Mapped[str] = mapped_column(String(60), default="")
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("sidebar_entries.id", ondelete="SET NULL"), nullable=True, index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    hidden_roles: Mapped[list[str]] = mapped_column(JSON, default=list)
