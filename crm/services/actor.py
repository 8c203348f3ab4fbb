"""Who acts: the `Actor` every service takes, and the one role check.

Both the signed-in request user (`SignedInUser`, a plain row snapshot) and
the ORM `User` satisfy `Actor` (tests/services/test_actor.py proves it), so a
service can be called from a view, a job or the CLI alike. A service that
changes the acting user's own row loads it by id (accounts.auth.own_user).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from crm.i18n import N_
from crm.models.accounts import Role
from crm.services.errors import PermissionDenied


@runtime_checkable
class Actor(Protocol):
    id: int
    email: str
    name: str
    role: str
    active: bool
    locale: str

    @property
    def role_enum(self) -> Role: ...

    def has_role(self, role: Role) -> bool: ...


def require_role(actor: Actor, role: Role, message: str = N_("Only admins can do this.")) -> None:
    """Refuse (PermissionDenied, with a translatable message) unless `actor`
    holds `role` or a higher one."""
    if not actor.has_role(role):
        raise PermissionDenied(message)
