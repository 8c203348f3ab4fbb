"""The role hierarchy and its audit trail, without HTTP."""

import pytest
from sqlalchemy import select

from crm.models import AuditEntry, Role, User
from crm.services.accounts import users as svc
from crm.services.accounts import auth as accounts_auth
from crm.services.accounts import hierarchy
from crm.services.errors import Conflict, PermissionDenied, ValidationFailed
from tests.conftest import make_user


def audit_rows(db, action, target):
    return db.scalars(select(AuditEntry).where(AuditEntry.action == action, AuditEntry.target_id == target.id)).all()


def changes(user, **kw):
    base = dict(email=user.email, name=user.name, role=user.role, active=user.active)
    base.update(kw)
    return svc.UserChanges(**base)


def test_admin_creates_staff_and_admin_with_audit(db):
    admin = make_user(db, "admin")
    staff = svc.create_user(db, actor=admin, email=" New@Example.com ", name="Dewi", password="rahasia123", role="staff")
    assert staff.email == "new@example.com" and staff.locale == "id"
    peer = svc.create_user(db, actor=admin, email="peer@example.com", name="Peer", password="rahasia123", role="admin")
    assert peer.role == "admin" and peer.locale == "en"
    row = audit_rows(db, "user.create", staff)[0]
    assert row.actor_id == admin.id and row.after["role"] == "staff" and "password" not in str(row.after)


def test_admin_cannot_create_master_admin(db):
    admin = make_user(db, "admin")
    with pytest.raises(PermissionDenied):
        svc.create_user(db, actor=admin, email="m@example.com", name="M", password="rahasia123", role="master_admin")
    assert db.scalar(select(User).where(User.email == "m@example.com")) is None


def test_staff_cannot_manage_users(db):
    staff = make_user(db, "staff")
    with pytest.raises(PermissionDenied):
        svc.create_user(db, actor=staff, email="x@example.com", name="X", password="rahasia123", role="staff")


@pytest.mark.parametrize("op", ["edit", "deactivate", "delete"])
def test_admin_cannot_touch_master_admin(db, op):
    admin = make_user(db, "admin")
    master = make_user(db, "master_admin")
    make_user(db, "master_admin")
    with pytest.raises(PermissionDenied):
        if op == "edit":
            svc.update_user(db, actor=admin, user=master, changes=changes(master, name="Hacked"))
        elif op == "deactivate":
            svc.set_active(db, actor=admin, user=master, active=False)
        else:
            svc.delete_user(db, actor=admin, user=master)
    db.refresh(master)
    assert master.name != "Hacked" and master.active


def test_admin_cannot_promote_above_own_role(db):
    admin = make_user(db, "admin")
    staff = make_user(db, "staff")
    with pytest.raises(PermissionDenied):
        svc.update_user(db, actor=admin, user=staff, changes=changes(staff, role="master_admin"))
    db.refresh(staff)
    assert staff.role == "staff"


def test_master_promotes_and_role_change_is_audited(db):
    master = make_user(db, "master_admin")
    staff = make_user(db, "staff")
    svc.update_user(db, actor=master, user=staff, changes=changes(staff, role="admin"))
    row = audit_rows(db, "user.role_change", staff)[0]
    assert row.before == {"role": "staff"} and row.after == {"role": "admin"}


def test_last_active_master_cannot_be_demoted_or_deactivated(db):
    master = make_user(db, "master_admin")
    other_admin = make_user(db, "admin")
    assert other_admin
    with pytest.raises(Conflict):
        svc.update_user(db, actor=master, user=master, changes=changes(master, role="admin"))
    second = make_user(db, "master_admin")
    with pytest.raises(Conflict):  # self-deactivation is refused whatever the count
        svc.set_active(db, actor=master, user=master, active=False)
    # with a second master, one of them may be deactivated — but then not the other
    svc.set_active(db, actor=master, user=second, active=False)
    with pytest.raises(Conflict):
        svc.update_user(db, actor=master, user=master, changes=changes(master, role="staff"))
    assert audit_rows(db, "user.deactivate", second)


def test_nobody_can_delete_themselves(db):
    master = make_user(db, "master_admin")
    make_user(db, "master_admin")
    with pytest.raises(Conflict):
        svc.delete_user(db, actor=master, user=master)
    assert db.get(User, master.id) is not None


def test_delete_refused_while_user_has_history(db):
    master = make_user(db, "master_admin")
    admin = make_user(db, "admin")
    svc.create_user(db, actor=admin, email="s@example.com", name="S", password="rahasia123", role="staff")
    with pytest.raises(Conflict) as exc:
        svc.delete_user(db, actor=master, user=admin)
    assert "Deactivate" in exc.value.message
    assert db.get(User, admin.id) is not None


def test_delete_user_without_history_is_audited(db):
    master = make_user(db, "master_admin")
    staff = make_user(db, "staff")
    staff_id = staff.id
    svc.delete_user(db, actor=master, user=staff)
    assert db.get(User, staff_id) is None
    row = db.scalar(select(AuditEntry).where(AuditEntry.action == "user.delete", AuditEntry.target_id == staff_id))
    assert row.before["email"] == staff.email


def test_deactivation_rotates_token_and_is_audited(db):
    admin = make_user(db, "admin")
    staff = make_user(db, "staff")
    token = staff.auth_token
    svc.set_active(db, actor=admin, user=staff, active=False)
    assert staff.auth_token != token
    assert accounts_auth.load_by_token(db, staff.auth_token) is None
    assert accounts_auth.authenticate(db, staff.email, "password123") is None
    svc.set_active(db, actor=admin, user=staff, active=True)
    assert [r.action for r in db.scalars(select(AuditEntry).where(AuditEntry.target_id == staff.id).order_by(AuditEntry.id))] == [
        "user.deactivate",
        "user.activate",
    ]


def test_update_validates_and_changes_nothing_on_error(db):
    admin = make_user(db, "admin")
    a = make_user(db, "staff")
    b = make_user(db, "staff")
    with pytest.raises(Conflict):
        svc.update_user(db, actor=admin, user=a, changes=changes(a, email=b.email.upper()))
    with pytest.raises(ValidationFailed):
        svc.update_user(db, actor=admin, user=a, changes=changes(a, role="superuser"))
    with pytest.raises(ValidationFailed):
        svc.update_user(db, actor=admin, user=a, changes=changes(a, name="x" * 121))
    with pytest.raises(ValidationFailed):
        svc.update_user(db, actor=admin, user=a, changes=changes(a, password="short"))
    assert not audit_rows(db, "user.update", a)


def test_password_change_needs_current_password(db):
    user = make_user(db, "staff")
    with pytest.raises(ValidationFailed):
        accounts_auth.change_own_password(db, user=user, current="wrong", new="newpassword1")
    old = user.auth_token
    accounts_auth.change_own_password(db, user=user, current="password123", new="newpassword1")
    assert accounts_auth.authenticate(db, user.email, "newpassword1") is not None
    assert user.auth_token != old
    assert audit_rows(db, "user.password_change", user)


def test_authenticate_is_case_and_space_insensitive_on_email(db):
    user = make_user(db, "staff", email="dewi@example.com")
    assert accounts_auth.authenticate(db, "  DEWI@example.com ", "password123").id == user.id
    assert accounts_auth.authenticate(db, "nobody@example.com", "password123") is None


def test_list_users_search_and_pagination(db):
    for i in range(30):
        make_user(db, "staff", name=f"Zeta {i:02d}")
    page = svc.list_users(db, svc.UserFilter(q="zeta"), page=2, per_page=25)
    assert page.total == 30 and len(page.items) == 5 and page.pages == 2
    assert svc.list_users(db, svc.UserFilter(q="zeta", role="admin"), page=1).total == 0


def test_grantable_roles():
    assert [r.value for r in hierarchy.grantable_roles(User(role="admin"))] == ["staff", "admin"]
    assert len(hierarchy.grantable_roles(User(role="master_admin"))) == 3
    assert Role.MASTER_ADMIN.at_least(Role.ADMIN) and not Role.STAFF.at_least(Role.ADMIN)
