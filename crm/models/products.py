from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, UTCDateTime, utcnow

DEFAULT_WA_TEMPLATE = "Halo kak {name}, salam dari tim kami. Username kakak: {username} 🙏"


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    wa_template: Mapped[str] = mapped_column(Text, default=DEFAULT_WA_TEMPLATE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
