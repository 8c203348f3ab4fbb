"""In-app notices (the full notification system with Telegram/email comes later)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crm.db import utcnow
from crm.models import Notification
from crm.services.actor import Actor
from crm.services.pagination import Page, paginate


def notify(session: Session, *, user_id: int, kind: str, message: str, params: dict[str, Any] | None = None, link: str | None = None) -> Notification:
    note = Notification(user_id=user_id, kind=kind, message=message, params=params or {}, link=link)
    session.add(note)
    session.flush()
    return note


def list_for(session: Session, user: Actor, *, page: int | None = 1) -> Page[Notification]:
    stmt = select(Notification).where(Notification.user_id == user.id).order_by(Notification.created_at.desc(), Notification.id.desc())
    return paginate(session, stmt, page, 30)


def mark_all_read(session: Session, user: Actor) -> int:
    return session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None)).values(read_at=utcnow())
    ).rowcount
