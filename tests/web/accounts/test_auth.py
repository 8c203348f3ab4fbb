import re

from sqlalchemy import select

from crm.models import User
from crm.services.accounts import users as svc
from crm.services.accounts import auth as accounts_auth
from tests.conftest import PASSWORD, login, make_user


def test_login_logout_flow(client, db):
    user = make_user(db, "staff")
    r = client.post("/login", data={"email": user.email.upper(), "password": PASSWORD})
    assert r.status_code == 303 and r.headers["Location"] == "/"
    assert client.get("/").headers["Location"] == "/my/batches"  # staff land on their batches
    assert client.get("/account").status_code == 200
    assert client.get("/logout").status_code == 405  # no state change over GET
    r = client.post("/logout")
    assert r.status_code == 303 and "/login" in r.headers["Location"]
    r = client.get("/account")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_login_redirects_back_to_local_next_only(client, db):
    user = make_user(db, "admin")
    r = client.post("/login?next=/admin/users", data={"email": user.email, "password": PASSWORD})
    assert r.headers["Location"] == "/admin/users"
    client.post("/logout")
    r = client.post("/login?next=https://evil.example/", data={"email": user.email, "password": PASSWORD})
    assert r.headers["Location"] == "/"


def test_bad_logins_get_clear_message_in_users_language(client, db):
    user = make_user(db, "staff")
    cases = [
        {"email": user.email, "password": "wrong-password"},
        {"email": "unknown@example.com", "password": PASSWORD},
    ]
    for data in cases:
        r = client.post("/login", data=data, headers={"Accept-Language": "id"})
        assert r.status_code == 422
        assert "Email atau kata sandi salah" in r.get_data(as_text=True)
    r = client.post("/login", data={"email": "", "password": ""}, headers={"Accept-Language": "en"})
    assert r.status_code == 422 and "This field is required." in r.get_data(as_text=True)
    r = client.post("/login", data={"email": "a" * 300 + "@x.com", "password": "x" * 300}, headers={"Accept-Language": "en"})
    assert r.status_code == 422 and "Too long." in r.get_data(as_text=True)
    r = client.get("/account")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_deactivated_user_cannot_login_and_is_logged_out(client, db):
    admin = make_user(db, "admin")
    user = make_user(db, "staff")
    login(client, user)
    assert client.get("/account").status_code == 200
    svc.set_active(db, actor=admin, user=user, active=False)
    db.flush()
    r = client.get("/account")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    r = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert r.status_code == 422


def test_remember_me_cookie_flags(app_factory, db):
    app = app_factory(CRM_HTTPS=True, SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    client = app.test_client()
    user = make_user(db, "staff")
    r = client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    cookies = r.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    session = [c for c in cookies if c.startswith("session=")]
    assert remember and session
    for c in remember + session:
        assert "HttpOnly" in c and "SameSite=Lax" in c and "Secure" in c


def test_remember_cookie_survives_session_loss(client, db):
    user = make_user(db, "staff")
    login(client, user, remember=True)
    client.delete_cookie("session")
    assert client.get("/account").status_code == 200


def test_account_language_and_password(client, db):
    user = make_user(db, "staff", name="Dewi")
    login(client, user)
    page = client.get("/account").get_data(as_text=True)
    assert "Akun saya" in page  # staff default to Indonesian
    r = client.post("/account", data={"prefs-name": "Dewi L", "prefs-locale": "en"})
    assert r.status_code == 303
    assert "My account" in client.get("/account").get_data(as_text=True)
    db.refresh(user)
    assert user.locale == "en" and user.name == "Dewi L"
    # wrong current password: clear message, nothing changes
    r = client.post("/account/password", data={"pw-current_password": "nope", "pw-new_password": "newpass123", "pw-confirm": "newpass123"})
    assert r.status_code == 422 and "The current password is not correct." in r.get_data(as_text=True)
    r = client.post("/account/password", data={"pw-current_password": PASSWORD, "pw-new_password": "newpass123", "pw-confirm": "different"})
    assert r.status_code == 422 and "do not match" in r.get_data(as_text=True)
    r = client.post("/account/password", data={"pw-current_password": PASSWORD, "pw-new_password": "newpass123", "pw-confirm": "newpass123"})
    assert r.status_code == 303
    assert client.get("/account").status_code == 200  # this session stays signed in
    db.refresh(user)
    assert accounts_auth.authenticate(db, user.email, "newpass123") is not None


def test_invalid_language_changes_nothing(client, db):
    user = make_user(db, "staff")
    login(client, user)
    r = client.post("/account", data={"prefs-name": user.name, "prefs-locale": "xx"})
    assert r.status_code == 422
    assert "Bahasa tidak dikenal" in r.get_data(as_text=True) or "Unknown language" in r.get_data(as_text=True)
    db.refresh(user)
    assert user.locale == "id"


def test_theme_cookie_renders_server_side(client):
    r = client.post("/theme", data={"theme": "dark"})
    assert r.status_code == 303 and "theme=dark" in r.headers["Set-Cookie"]
    html = client.get("/login").get_data(as_text=True)
    assert re.search(r'<html lang="\w+" data-theme="dark"', html)


def test_login_page_language_switch(client):
    client.post("/language", data={"locale": "en", "next": "/login"})
    assert "Sign in" in client.get("/login").get_data(as_text=True)
    client.post("/language", data={"locale": "id", "next": "/login"})
    assert "Masuk" in client.get("/login").get_data(as_text=True)


def test_staff_default_indonesian_admin_english(db):
    staff = svc.create_user(db, actor=None, email="s@x.com", name="S", password="rahasia123", role="staff")
    admin = svc.create_user(db, actor=None, email="a@x.com", name="A", password="rahasia123", role="admin")
    assert (staff.locale, admin.locale) == ("id", "en")
    assert db.scalar(select(User.locale).where(User.id == staff.id)) == "id"
