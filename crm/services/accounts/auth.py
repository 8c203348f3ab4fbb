"""Signing in and the signed-in user: authenticate, the per-request user load, own password and preferences."""

from __future__ import annotations

import functools

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from crm.db import utcnow
from crm.i18n import LOCALES, N_
from crm.models import User
from crm.models.accounts import SignedInUser, new_auth_token
from crm.services.actor import Actor
from crm.services import audit
from crm.services.accounts.users import check_name, check_password_rules, hash_password, normalize_email
from crm.services.errors import NotFound, ValidationFailed

# A hash to compare against when the email is unknown, so timing does not
# reveal which emails exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The active user with this email and password, or None."""
    user = session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    if not user.active:
        return None
    user.last_login_at = utcnow()
    session.flush()
    return user


@functools.cache
def _load_by_token_stmt():
    from crm.models import Notification

    unread = (
        select(func.count(Notification.id))
        .where(Notification.user_id == User.id, Notification.read_at.is_(None))
        .correlate(User)
        .scalar_subquery()
    )
    columns = [User.__table__.c[name] for name in SignedInUser.COLUMNS]
    return select(*columns, unread).where(User.auth_token == bindparam("token"))


def load_by_token(session: Session, token: str) -> SignedInUser | None:
    """The active user of a session token, with the unread notices counted in
    the same query (the header badge costs no extra round trip). Runs on every
    request: the statement is built once and read as a plain row."""
    if not token:
        return None
    row = session.connection().execute(_load_by_token_stmt(), {"token": token}).first()
    if row is None or not row.active:
        return None
    return SignedInUser(row, int(row[-1] or 0))


def own_user(session: Session, user: Actor) -> User:
    """The User row of the signed-in user, for changes to it."""
    if isinstance(user, User):
        return user
    found = session.get(User, user.id)
    if found is None:
        raise NotFound(N_("User not found."))
    return found


def change_own_password(session: Session, *, user: Actor, current: str, new: str) -> User:
    user = own_user(session, user)
    if not check_password_hash(user.password_hash, current or ""):
        raise ValidationFailed(N_("The current password is not correct."), field="current_password")
    check_password_rules(new)
    user.password_hash = hash_password(new)
    user.auth_token = new_auth_token()
    session.flush()
    audit.record(session, actor=user, action="user.password_change", target=user)
    return user


def update_preferences(session: Session, *, user: Actor, name: str, locale: str) -> User:
    user = own_user(session, user)
    if locale not in LOCALES:
        raise ValidationFailed(N_("Unknown language."), field="locale")
    user.name = check_name(name)
    user.locale = locale
    session.flush()
    return user
