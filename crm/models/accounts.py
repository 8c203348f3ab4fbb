from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import Boolean, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from crm.db import Base, UTCDateTime, utcnow


class Role(str, enum.Enum):
    STAFF = "staff"
    ADMIN = "admin"
    MASTER_ADMIN = "master_admin"

    @property
    def rank(self) -> int:
        return {"staff": 1, "admin": 2, "master_admin": 3}[self.value]

    def at_least(self, other: "Role") -> bool:
        return self.rank >= other.rank

    @classmethod
    def parse(cls, value: str) -> "Role | None":
        try:
            return cls(value)
        except ValueError:
            return None


def new_auth_token() -> str:
    return secrets.token_urlsafe(24)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=Role.STAFF.value)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str] = mapped_column(String(5), default="id")
    # Rotated on password change and deactivation: old sessions and remember
    # cookies stop working.
    auth_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_auth_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        Index("ix_users_role_active", "role", "active"),
    )

    # Flask-Login protocol, without importing Flask here.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    def get_id(self) -> str:
        return self.auth_token

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def has_role(self, role: Role) -> bool:
        return self.role_enum.at_least(role)


class SignedInUser:
    """The signed-in user as read on every request: a plain snapshot of the
    user's row with the unread-notice count, without ORM identity tracking.
    It answers what User answers for access checks, services and templates
    (id, role, has_role, name, locale…); a service that changes the user
    loads the User row by id (services.users.own_user)."""

    __slots__ = ("id", "email", "name", "role", "active", "locale", "auth_token", "created_at", "last_login_at",
                 "unread_notifications")
    COLUMNS = __slots__[:-1]

    is_authenticated = True
    is_anonymous = False
    is_active = User.is_active
    get_id = User.get_id
    role_enum = User.role_enum
    has_role = User.has_role

    def __init__(self, row, unread: int = 0):
        for name, value in zip(self.COLUMNS, row):
            setattr(self, name, value)
        self.unread_notifications = unread

    def __repr__(self) -> str:
        return f"<SignedInUser {self.id} {self.role}>"
