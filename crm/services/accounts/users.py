"""Users: create, edit, deactivate, delete, list. Every change is audited; who may
touch whom is decided in accounts.hierarchy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from crm.i18n import LOCALES, N_
from crm.models import AuditEntry, Batch, CustomerDatabase, CustomerRecord, JobRun, RecordRequest, RecordStatusEvent, Role, User
from crm.models.accounts import new_auth_token
from crm.services.actor import Actor
from crm.services import audit
from crm.services.accounts import hierarchy
from crm.services.errors import Conflict, NotFound, ValidationFailed
from crm.services.pagination import Page, paginate
from crm.services.text_search import LIKE_ESCAPE, contains
from crm.db import utcnow

PASSWORD_MIN = 8
PASSWORD_MAX = 128
NAME_MAX = 120
EMAIL_MAX = 254

def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def hash_password(password: str) -> str:
    return generate_password_hash(password)  # scrypt (werkzeug default)


def default_locale(role: Role) -> str:
    return "id" if role is Role.STAFF else "en"


def check_password_rules(password: str) -> None:
    if len(password) < PASSWORD_MIN:
        raise ValidationFailed(N_("The password needs at least %(n)s characters."), field="password", n=PASSWORD_MIN)
    if len(password) > PASSWORD_MAX:
        raise ValidationFailed(N_("The password can have at most %(n)s characters."), field="password", n=PASSWORD_MAX)


def check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(N_("Please enter a name."), field="name")
    if len(name) > NAME_MAX:
        raise ValidationFailed(N_("The name can have at most %(n)s characters."), field="name", n=NAME_MAX)
    return name


def _check_email(session: Session, email: str, *, exclude_id: int | None = None) -> str:
    email = normalize_email(email)
    if not email or "@" not in email or len(email) > EMAIL_MAX:
        raise ValidationFailed(N_("Please enter a valid email address."), field="email")
    stmt = select(User.id).where(User.email == email)
    if exclude_id is not None:
        stmt = stmt.where(User.id != exclude_id)
    if session.scalar(stmt) is not None:
        raise Conflict(N_("The email %(email)s is already used by another user."), field="email", email=email)
    return email


def _parse_role(value: str | Role) -> Role:
    role = value if isinstance(value, Role) else Role.parse(value)
    if role is None:
        raise ValidationFailed(N_("Unknown role."), field="role")
    return role


def find_user(session: Session, user_id: int | None) -> User | None:
    """A user by id, or None (e.g. the uploader of a file, who may have been deleted)."""
    return session.get(User, user_id) if user_id else None


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(N_("User not found."))
    return user


def _snapshot(user: User) -> dict:
    return {"email": user.email, "name": user.name, "role": user.role, "active": user.active, "locale": user.locale}


# --- commands -----------------------------------------------------------------


def create_user(
    session: Session,
    *,
    actor: Actor | None,
    email: str,
    name: str,
    password: str,
    role: str | Role,
    active: bool = True,
    locale: str | None = None,
) -> User:
    """Create a user. `actor=None` is the CLI / system (no hierarchy check)."""
    role = _parse_role(role)
    if actor is not None:
        hierarchy.require_manager(actor)
        hierarchy.require_can_grant(actor, role)
    name = check_name(name)
    email = _check_email(session, email)
    check_password_rules(password)
    if locale not in LOCALES:
        locale = default_locale(role)
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password),
        role=role.value,
        active=active,
        locale=locale,
        auth_token=new_auth_token(),
    )
    session.add(user)
    session.flush()
    audit.record(session, actor=actor, action="user.create", target=user, after=_snapshot(user))
    return user


@dataclass
class UserChanges:
    email: str
    name: str
    role: str
    active: bool
    password: str = ""  # empty: unchanged
    locale: str | None = None


def update_user(session: Session, *, actor: Actor, user: User, changes: UserChanges) -> User:
    hierarchy.require_can_touch(actor, user)
    role = _parse_role(changes.role)
    if role is not user.role_enum:
        hierarchy.require_can_grant(actor, role)
        if hierarchy.is_last_active_master(session, user):
            raise Conflict(N_("This is the last active master admin: the role cannot be lowered."), field="role")
    if not changes.active and user.active:
        _check_can_deactivate(session, actor, user)
    name = check_name(changes.name)
    email = _check_email(session, changes.email, exclude_id=user.id)
    if changes.password:
        check_password_rules(changes.password)
    before = _snapshot(user)
    user.email, user.name, user.role, user.active = email, name, role.value, bool(changes.active)
    if changes.locale in LOCALES:
        user.locale = changes.locale
    after = _snapshot(user)
    if changes.password:
        user.password_hash = hash_password(changes.password)
        user.auth_token = new_auth_token()
        before["password"], after["password"] = "…", "changed"
    if not user.active:
        user.auth_token = new_auth_token()
        _cancel_open_requests(session, user)
    diff_before = {k: v for k, v in before.items() if after.get(k) != v}
    diff_after = {k: after[k] for k in diff_before}
    if not diff_after:
        return user
    action = "user.role_change" if "role" in diff_after else "user.update"
    session.flush()
    audit.record(session, actor=actor, action=action, target=user, before=diff_before, after=diff_after)
    return user


def _check_can_deactivate(session: Session, actor: Actor, user: User) -> None:
    if actor.id == user.id:
        raise Conflict(N_("You cannot deactivate your own account."))
    if hierarchy.is_last_active_master(session, user):
        raise Conflict(N_("This is the last active master admin: it cannot be deactivated."))


def _cancel_open_requests(session: Session, user: User) -> None:
    from sqlalchemy import update

    session.execute(
        update(RecordRequest)
        .where(RecordRequest.staff_id == user.id, RecordRequest.status == RecordRequest.PENDING)
        .values(status=RecordRequest.CANCELLED, decided_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def set_active(session: Session, *, actor: Actor, user: User, active: bool) -> User:
    hierarchy.require_can_touch(actor, user)
    if active == user.active:
        return user
    if not active:
        _check_can_deactivate(session, actor, user)
        user.auth_token = new_auth_token()  # logs them out everywhere
        _cancel_open_requests(session, user)
    user.active = active
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="user.activate" if active else "user.deactivate",
        target=user,
        before={"active": not active},
        after={"active": active},
    )
    return user


# Later features register what counts as a user's history (records held,
# deposits logged, …): (label msgid, function(session, user_id) -> bool).
HISTORY_CHECKS: list[tuple[str, Callable[[Session, int], bool]]] = [
    (N_("actions in the audit log"), lambda s, uid: s.scalar(select(AuditEntry.id).where(AuditEntry.actor_id == uid).limit(1)) is not None),
    (N_("background jobs"), lambda s, uid: s.scalar(select(JobRun.id).where(JobRun.created_by_id == uid).limit(1)) is not None),
    (N_("customer records"), lambda s, uid: s.scalar(select(CustomerRecord.id).where(CustomerRecord.assigned_to_id == uid).limit(1)) is not None),
    (N_("batches"), lambda s, uid: s.scalar(select(Batch.id).where(Batch.staff_id == uid).limit(1)) is not None),
    (N_("record requests"), lambda s, uid: s.scalar(select(RecordRequest.id).where(RecordRequest.staff_id == uid).limit(1)) is not None),
    (N_("status changes"), lambda s, uid: s.scalar(select(RecordStatusEvent.id).where(RecordStatusEvent.user_id == uid).limit(1)) is not None),
    (N_("uploads"), lambda s, uid: s.scalar(select(CustomerDatabase.id).where(CustomerDatabase.uploaded_by_id == uid).limit(1)) is not None),
]


def history_of(session: Session, user: User) -> list[str]:
    return [label for label, check in HISTORY_CHECKS if check(session, user.id)]


def delete_user(session: Session, *, actor: Actor, user: User) -> None:
    hierarchy.require_can_touch(actor, user)
    if actor.id == user.id:
        raise Conflict(N_("You cannot delete your own account."))
    if hierarchy.is_last_active_master(session, user):
        raise Conflict(N_("This is the last active master admin: it cannot be deleted."))
    history = history_of(session, user)
    if history:
        raise Conflict(
            N_("%(name)s still has records or history, so the account cannot be deleted. Deactivate it instead."),
            name=user.name,
        )
    snapshot = _snapshot(user)
    audit.record(session, actor=actor, action="user.delete", target=user, before=snapshot)
    session.delete(user)
    session.flush()


# --- queries ------------------------------------------------------------------


@dataclass(frozen=True)
class UserFilter:
    q: str = ""
    role: str | None = None
    active: bool | None = None


def filter_users(flt: UserFilter):
    stmt = select(User).order_by(func.lower(User.name), User.id)
    q = (flt.q or "").strip().lower()
    if q:
        like = contains(q)
        stmt = stmt.where(or_(func.lower(User.name).like(like, escape=LIKE_ESCAPE), User.email.like(like, escape=LIKE_ESCAPE)))
    if flt.role and Role.parse(flt.role):
        stmt = stmt.where(User.role == flt.role)
    if flt.active is not None:
        stmt = stmt.where(User.active.is_(flt.active))
    return stmt


def list_users(session: Session, flt: UserFilter, *, page: int | None, per_page: int = 25) -> Page[User]:
    return paginate(session, filter_users(flt), page, per_page)
