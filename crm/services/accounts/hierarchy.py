"""The role hierarchy: master_admin > admin > staff. An admin never edits,
deletes or demotes a master admin, nor grants a role above their own."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.i18n import N_
from crm.models import Role, User
from crm.services.actor import Actor, require_role
from crm.services.errors import PermissionDenied

ROLE_LABELS = {Role.STAFF.value: N_("Staff"), Role.ADMIN.value: N_("Admin"), Role.MASTER_ADMIN.value: N_("Master admin")}  # msgids

_ADMINS_ONLY = N_("Only admins can manage users.")


def require_manager(actor: Actor) -> None:
    """Only admins (and master admins) manage users."""
    require_role(actor, Role.ADMIN, _ADMINS_ONLY)



def require_can_touch(actor: Actor, target: User) -> None:
    require_manager(actor)
    if target.role_enum is Role.MASTER_ADMIN and actor.role_enum is not Role.MASTER_ADMIN:
        raise PermissionDenied(N_("Only a master admin can change a master admin."))


def require_can_grant(actor: Actor, role: Role) -> None:
    if not actor.role_enum.at_least(role):
        raise PermissionDenied(N_("You cannot give a role above your own."))


def active_master_count(session: Session) -> int:
    return session.scalar(
        select(func.count()).select_from(User).where(User.role == Role.MASTER_ADMIN.value, User.active.is_(True))
    ) or 0


def is_last_active_master(session: Session, user: User) -> bool:
    return user.role_enum is Role.MASTER_ADMIN and user.active and active_master_count(session) <= 1


def can_manage(actor: Actor, target: User) -> bool:
    return actor.has_role(Role.ADMIN) and (
        target.role_enum is not Role.MASTER_ADMIN or actor.role_enum is Role.MASTER_ADMIN
    )


def grantable_roles(actor: Actor) -> list[Role]:
    return [r for r in Role if actor.role_enum.at_least(r)]
