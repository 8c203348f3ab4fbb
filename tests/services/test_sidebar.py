import pytest
from sqlalchemy import select

from crm.models import AuditEntry, Role
from crm.services.sidebar.pages import PAGES
from crm.services import sidebar as svc
from crm.services.errors import PermissionDenied, ValidationFailed
from tests.conftest import make_user


def keys(nodes):
    out = []
    for n in nodes:
        out.append(n.page.key if n.kind == "page" else f"[{n.label}]")
        out.extend(f"  {c.page.key}" for c in n.children)
    return out


def test_default_sidebar_only_shows_pages_the_role_may_open(db):
    staff_view = keys(svc.sidebar_for(db, Role.STAFF))
    admin_view = keys(svc.sidebar_for(db, Role.ADMIN))
    assert "admin_users" not in staff_view and "home" in staff_view and "my_batches" in staff_view
    # staff pages that mean nothing to admins start hidden for them (an admin can show them)
    assert admin_view == [p.key for p in PAGES if "admin" not in p.hidden_for]
    assert "my_batches" not in admin_view


def test_folders_move_reorder_hide(db):
    admin = make_user(db, "admin")
    folder = svc.create_folder(db, actor=admin, label="Admin stuff")
    svc.move_page(db, actor=admin, page_key="admin_users", folder_id=folder.id)
    svc.move_page(db, actor=admin, page_key="admin_audit", folder_id=folder.id)
    svc.rename_folder(db, actor=admin, folder_id=folder.id, label="Tim")
    view = keys(svc.sidebar_for(db, Role.ADMIN))
    assert view.index("[Tim]") < view.index("  admin_users") < view.index("  admin_audit")
    # move audit above users inside the folder
    svc.move_entry(db, actor=admin, entry_id=None, page_key="admin_audit", offset=-1)
    view = keys(svc.sidebar_for(db, Role.ADMIN))
    assert view.index("  admin_audit") < view.index("  admin_users")
    # drag-and-drop order of the top level: folder first
    top = [("f:%d" % n.entry_id) if n.kind == "folder" else "p:" + n.page.key for n in svc.config_tree(db)]
    new_order = [t for t in top if t.startswith("f:")] + [t for t in top if not t.startswith("f:")]
    svc.reorder(db, actor=admin, parent_id=None, tokens=new_order)
    assert keys(svc.sidebar_for(db, Role.ADMIN))[0] == "[Tim]"
    # staff see no folder (nothing in it is theirs)
    assert "[Tim]" not in keys(svc.sidebar_for(db, Role.STAFF))
    # hide a page from admins but not master admins
    svc.set_hidden(db, actor=admin, page_key="admin_sidebar", role="admin", hidden=True)
    assert "admin_sidebar" not in keys(svc.sidebar_for(db, Role.ADMIN))
    assert "admin_sidebar" in keys(svc.sidebar_for(db, Role.MASTER_ADMIN))
    # delete the folder: its pages return to the top level
    svc.delete_folder(db, actor=admin, folder_id=folder.id)
    assert "[Tim]" not in keys(svc.sidebar_for(db, Role.ADMIN)) and "admin_users" in keys(svc.sidebar_for(db, Role.ADMIN))
    assert len(db.scalars(select(AuditEntry).where(AuditEntry.action == "sidebar.change")).all()) >= 7


def test_new_pages_appear_at_the_end(db, monkeypatch):
    from crm.services.sidebar.pages import PAGES_BY_KEY, PageDef

    admin = make_user(db, "admin")
    folder = svc.create_folder(db, actor=admin, label="F")
    svc.move_page(db, actor=admin, page_key="home", folder_id=folder.id)
    page = PageDef("future", "main.home", "Future", "x", Role.STAFF)
    monkeypatch.setattr("crm.services.sidebar.PAGES", PAGES + [page])
    monkeypatch.setitem(PAGES_BY_KEY, "future", page)
    assert keys(svc.sidebar_for(db, Role.STAFF))[-1] == "future"


def test_sidebar_changes_need_admin_and_valid_input(db):
    staff = make_user(db, "staff")
    admin = make_user(db, "admin")
    with pytest.raises(PermissionDenied):
        svc.create_folder(db, actor=staff, label="x")
    with pytest.raises(ValidationFailed):
        svc.create_folder(db, actor=admin, label="   ")
    with pytest.raises(ValidationFailed):
        svc.create_folder(db, actor=admin, label="x" * 61)
    with pytest.raises(ValidationFailed):
        svc.reorder(db, actor=admin, parent_id=None, tokens=["p:home"])
