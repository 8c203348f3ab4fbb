"""/admin/users, /admin/audit and /admin/sidebar over HTTP."""

from datetime import date

from sqlalchemy import func, select

from crm.models import AuditEntry, User
from tests.html import parse
from tests.conftest import login, make_user


def _count(db):
    return db.scalar(select(func.count()).select_from(User))


def _form(**kw):
    data = {"name": "Rizky Pratama", "email": "rizky@example.com", "role": "staff", "password": "rahasia123", "active": "y", "locale": ""}
    data.update(kw)
    return data


def test_users_list_full_page_and_fragment(client, db):
    admin = make_user(db, "admin")
    make_user(db, "staff", name="Findable Person")
    login(client, admin)
    full = client.get("/admin/users?q=findable")
    assert full.status_code == 200 and b"<html" in full.data and b"Findable Person" in full.data
    assert "HX-Request" in full.headers["Vary"]
    frag = client.get("/admin/users?q=findable", headers={"HX-Request": "true"})
    assert frag.status_code == 200 and b"<html" not in frag.data
    assert b'id="users-results"' in frag.data and b"Findable Person" in frag.data and admin.email.encode() not in frag.data
    assert "HX-Request" in frag.headers["Vary"]


def test_users_list_paginates(client, db):
    admin = make_user(db, "admin")
    for i in range(30):
        make_user(db, "staff", name=f"Paged {i:02d}")
    login(client, admin)
    page2 = client.get("/admin/users?q=paged&page=2").get_data(as_text=True)
    assert "Paged 29" in page2 and "Paged 00" not in page2
    # The pager keeps the search and links the neighbour page.
    assert parse(page2).one("a[rel=prev]").get("href") == "/admin/users?q=paged&page=1"
    page1 = parse(client.get("/admin/users?q=paged").data)
    assert page1.one("a[rel=next]").get("href") == "/admin/users?q=paged&page=2" and page1.find("a[rel=prev]") is None


def test_create_user_and_bad_inputs_change_nothing(client, db):
    admin = make_user(db, "admin", locale="en")
    login(client, admin)
    before = _count(db)
    cases = [
        (_form(name=""), "This field is required."),
        (_form(email="not-an-email"), "valid email"),
        (_form(name="x" * 121), "At most 120 characters."),
        (_form(email="x" * 250 + "@example.com"), "At most 254 characters."),
        (_form(password="short"), "Between 8 and 128 characters."),
        (_form(password=""), "This field is required."),
        (_form(role="superuser"), "Please choose one of the roles offered."),
        (_form(role="master_admin"), "Please choose one of the roles offered."),
        (_form(locale="xx"), "Unknown language."),
    ]
    for data, message in cases:
        r = client.post("/admin/users/new", data=data)
        assert r.status_code == 422, data
        assert message in r.get_data(as_text=True), (data, message)
    assert _count(db) == before
    r = client.post("/admin/users/new", data=_form())
    assert r.status_code == 303
    # the same form posted twice: a clear duplicate message, no second user
    r = client.post("/admin/users/new", data=_form(email="RIZKY@example.com "))
    assert r.status_code == 422 and "already used" in r.get_data(as_text=True)
    assert _count(db) == before + 1
    assert db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "user.create")) == 1


def test_messages_in_indonesian_for_indonesian_admin(client, db):
    admin = make_user(db, "admin", locale="id")
    login(client, admin)
    r = client.post("/admin/users/new", data=_form(name=""))
    assert r.status_code == 422 and "wajib" in r.get_data(as_text=True).lower()


def test_admin_cannot_open_or_change_master_admin(client, db):
    admin = make_user(db, "admin")
    master = make_user(db, "master_admin")
    login(client, admin)
    assert client.get(f"/admin/users/{master.id}").status_code == 403
    assert client.post(f"/admin/users/{master.id}", data=_form(email=master.email, name="Hacked")).status_code == 403
    r = client.post(f"/admin/users/{master.id}/deactivate")
    assert r.status_code == 303
    db.refresh(master)
    assert master.active and master.name != "Hacked"


def test_edit_deactivate_delete_flow(client, db):
    master = make_user(db, "master_admin")
    staff = make_user(db, "staff")
    login(client, master)
    r = client.post(f"/admin/users/{staff.id}", data=_form(email=staff.email, name="Renamed", role="admin", password=""))
    assert r.status_code == 303, [l for l in r.get_data(as_text=True).splitlines() if "error" in l]
    db.refresh(staff)
    assert staff.name == "Renamed" and staff.role == "admin"
    client.post(f"/admin/users/{staff.id}/deactivate")
    db.refresh(staff)
    assert not staff.active
    staff_id = staff.id
    client.post(f"/admin/users/{staff_id}/delete")
    db.expire_all()
    assert db.scalar(select(User).where(User.id == staff_id)) is None
    # deleting yourself: refused with a message
    r = client.post(f"/admin/users/{master.id}/delete", follow_redirects=True)
    assert "cannot delete your own account" in r.get_data(as_text=True)
    assert db.get(User, master.id) is not None
    actions = db.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["user.role_change", "user.deactivate", "user.delete"]


def test_audit_page_filters(client, db):
    master = make_user(db, "master_admin")
    a = make_user(db, "staff", name="Alpha")
    login(client, master)
    client.post(f"/admin/users/{a.id}/deactivate")
    client.post(f"/admin/users/{a.id}/activate")
    def actions(url):
        return [row.get("data-action") for row in parse(client.get(url).data).find_all(".audit-row")]

    assert actions("/admin/audit?action=user.deactivate") == ["user.deactivate"]
    assert sorted(actions(f"/admin/audit?actor={master.id}")) == ["user.activate", "user.deactivate"]
    assert actions(f"/admin/audit?actor={a.id}") == []
    assert actions("/admin/audit?from=2000-01-01&to=2000-01-02") == []
    assert len(actions(f"/admin/audit?from=2000-01-01&to={date.fromordinal(date.today().toordinal() + 1)}")) == 2
    frag = client.get("/admin/audit?action=user.activate", headers={"HX-Request": "true"})
    assert b"<html" not in frag.data and parse(frag.data).by_id("audit-results") is not None


def test_sidebar_configurator_over_http(client, db):
    admin = make_user(db, "admin")
    staff = make_user(db, "staff")
    login(client, admin)
    assert client.post("/admin/sidebar/folders", data={"label": ""}).status_code == 422
    assert client.post("/admin/sidebar/folders", data={"label": "Tim"}).status_code == 303
    html = client.get("/admin/sidebar").get_data(as_text=True)
    assert "Tim" in html and parse(html).find_all("[draggable=true]")
    from crm.models import SidebarEntry

    folder = db.scalar(select(SidebarEntry).where(SidebarEntry.kind == "folder"))
    client.post("/admin/sidebar/pages/admin_users/folder", data={"folder_id": folder.id})
    nav = client.get("/account").get_data(as_text=True)
    assert nav.index("Tim") < nav.index('data-page="admin_users"')
    client.post("/admin/sidebar/pages/home/visibility", data={"role": "staff", "hidden": "1"})
    client.post("/logout")
    login(client, staff)
    staff_nav = client.get("/account").get_data(as_text=True)
    assert 'data-page="home"' not in staff_nav and 'data-page="admin_users"' not in staff_nav
