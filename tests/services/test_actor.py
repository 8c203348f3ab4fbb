"""The Actor protocol: what every service takes as the acting user."""

import ast
from pathlib import Path

from crm.models import Role, User
from crm.models.accounts import SignedInUser
from crm.services.actor import Actor, require_role
from crm.services.errors import PermissionDenied

SERVICES = Path(__file__).resolve().parents[2] / "crm" / "services"


def test_the_signed_in_user_and_the_orm_user_both_satisfy_actor(db):
    from tests.conftest import make_user

    user = make_user(db, "admin", name="Ani")
    row = (user.id, user.email, user.name, user.role, user.active, user.locale, user.auth_token, user.created_at, user.last_login_at)
    signed_in = SignedInUser(row, unread=2)
    for actor in (user, signed_in):
        assert isinstance(actor, Actor)
        assert (actor.id, actor.email, actor.name, actor.role, actor.locale) == (user.id, user.email, "Ani", "admin", user.locale)
        assert actor.role_enum is Role.ADMIN and actor.has_role(Role.STAFF) and not actor.has_role(Role.MASTER_ADMIN)
    assert not isinstance(object(), Actor)


def test_require_role_is_the_one_role_check():
    staff, admin = User(role="staff"), User(role="admin")
    require_role(admin, Role.ADMIN)
    try:
        require_role(staff, Role.ADMIN, "Only admins can manage products.")
    except PermissionDenied as e:
        assert e.message == "Only admins can manage products."
    else:
        raise AssertionError("staff passed an admin check")


def test_every_service_takes_the_acting_user_as_an_actor():
    """`actor` / `staff` parameters of service functions are typed Actor (not the ORM User)."""
    wrong = []
    for path in SERVICES.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for arg in node.args.args + node.args.kwonlyargs:
                    if arg.arg in ("actor", "staff") and arg.annotation is not None:
                        if ast.unparse(arg.annotation) not in ("Actor", "Actor | None"):
                            wrong.append(f"{path.relative_to(SERVICES)}:{node.name}({arg.arg}: {ast.unparse(arg.annotation)})")
    assert not wrong, wrong
