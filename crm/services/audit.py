from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from crm.i18n import N_
from crm.models import AuditEntry
from crm.services.actor import Actor
from crm.services.pagination import Page, paginate


def record(
    session: Session,
    *,
    actor: Actor | None,
    action: str,
    target: Any = None,
    target_type: str = "",
    target_label: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    target_id = None
    if target is not None:
        target_type = target_type or target.__tablename__
        target_id = target.id
        target_label = target_label or getattr(target, "email", None) or getattr(target, "name", "") or ""
    entry = AuditEntry(
        actor_id=actor.id if actor else None,
        actor_label=actor.email if actor else "system",
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=str(target_label)[:254],
        before=before,
        after=after,
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class AuditFilter:
    actor_id: int | None = None
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None


def list_entries(session: Session, flt: AuditFilter, *, tz: str, page: int | None, per_page: int = 50) -> Page[AuditEntry]:
    stmt = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if flt.actor_id:
        stmt = stmt.where(AuditEntry.actor_id == flt.actor_id)
    if flt.action:
        stmt = stmt.where(AuditEntry.action == flt.action)
    zone = ZoneInfo(tz)
    if flt.date_from:
        stmt = stmt.where(AuditEntry.at >= datetime.combine(flt.date_from, time.min, zone))
    if flt.date_to:
        stmt = stmt.where(AuditEntry.at < datetime.combine(flt.date_to + timedelta(days=1), time.min, zone))
    return paginate(session, stmt, page, per_page)


# Every action the product records, with its label (translated by the view).
ACTIONS: dict[str, str] = {
    "user.create": N_("User created"),
    "user.update": N_("User edited"),
    "user.role_change": N_("Role changed"),
    "user.deactivate": N_("User deactivated"),
    "user.activate": N_("User reactivated"),
    "user.delete": N_("User deleted"),
    "user.password_change": N_("Changed own password"),
    "sidebar.change": N_("Sidebar changed"),
    "settings.change": N_("Settings changed"),
    "export.request": N_("Export requested"),
}


def register_action(key: str, label: str) -> None:
    """Later features add their actions here at import time."""
    ACTIONS[key] = label
