"""CSRF, rate limiting and security headers, against the real app and Redis."""

from sqlalchemy import select

from crm.models import User
from tests.html import parse
from tests.conftest import PASSWORD, login, make_user


def _token(client, url="/account"):
    import re

    html = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', html).group(1) or None


def test_csrf_enforced_on_posts(app_factory, db):
    app = app_factory(WTF_CSRF_ENABLED=True)
    client = app.test_client()
    admin = make_user(db, "admin")
    # login itself needs the token
    r = client.post("/login", data={"email": admin.email, "password": PASSWORD})
    assert r.status_code == 400
    html = client.get("/login").get_data(as_text=True)
    import re

    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    r = client.post("/login", data={"email": admin.email, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 303
    # a state change without a token: 400 and nothing changes
    r = client.post("/admin/users/new", data={"name": "Eve", "email": "eve@example.com", "role": "staff", "password": "rahasia123", "active": "y"})
    assert r.status_code == 400
    assert db.scalar(select(User).where(User.email == "eve@example.com")) is None
    # an htmx POST with the token in the header succeeds
    html = client.get("/admin/users").get_data(as_text=True)
    header_token = re.search(r'"X-CSRFToken": "([^"]+)"', html).group(1)
    r = client.post(
        "/admin/users/new",
        data={"name": "Eve", "email": "eve@example.com", "role": "staff", "password": "rahasia123", "active": "y"},
        headers={"X-CSRFToken": header_token, "HX-Request": "true"},
    )
    assert r.status_code == 200 and r.headers["HX-Redirect"] == "/admin/users"
    assert db.scalar(select(User).where(User.email == "eve@example.com")) is not None


def test_login_rate_limit_per_ip(client, db):
    user = make_user(db, "staff")
    for i in range(10):
        r = client.post("/login", data={"email": f"nobody{i}@example.com", "password": "bad"})
        assert r.status_code == 422, i
    r = client.post("/login", data={"email": user.email, "password": PASSWORD}, headers={"Accept-Language": "id"})
    assert r.status_code == 429
    assert "Terlalu banyak percobaan" in r.get_data(as_text=True) and "<html" in r.get_data(as_text=True)
    assert 1 <= int(r.headers["Retry-After"]) <= 61
    # Another address and another email are not blocked by these failures.
    other = make_user(db, "staff")
    r = client.post("/login", data={"email": other.email, "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert r.status_code == 303


def test_login_rate_limit_per_email_across_ips(client, db):
    user = make_user(db, "staff")
    for i in range(10):
        r = client.post("/login", data={"email": user.email, "password": "bad"}, environ_base={"REMOTE_ADDR": f"10.0.0.{i + 1}"})
        assert r.status_code == 422
    r = client.post("/login", data={"email": user.email, "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.0.1.1"}, headers={"Accept-Language": "en"})
    assert r.status_code == 429 and "Too many attempts" in r.get_data(as_text=True)


def test_every_configured_login_limit_applies(app_factory, db):
    app = app_factory(CRM_LOGIN_LIMIT="100 per minute; 3 per hour")
    client = app.test_client()
    user = make_user(db, "staff")
    for _ in range(3):
        assert client.post("/login", data={"email": user.email, "password": "bad"}).status_code == 422
    r = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert r.status_code == 429 and 60 < int(r.headers["Retry-After"]) <= 3601


def test_successful_logins_do_not_count(client, db):
    user = make_user(db, "staff")
    for _ in range(12):
        login(client, user)
        client.post("/logout")


def test_security_headers(client, db):
    r = client.get("/login")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"]
    assert "Strict-Transport-Security" not in r.headers
    html = r.get_data(as_text=True)
    doc = parse(html)
    assert all(script.get("src") for script in doc.find_all("script"))  # no inline script
    assert not [(n.tag, a) for n in doc.iter() for a in n.attrs if a.startswith("on")]  # no inline event handlers
    assert '"allowEval":false' in html and '"includeIndicatorStyles":false' in html


def test_hsts_when_https(app_factory):
    client = app_factory(CRM_HTTPS=True).test_client()
    assert "max-age" in client.get("/login").headers["Strict-Transport-Security"]


def test_pages_with_data_are_not_cached(client, db):
    login(client, make_user(db, "admin"))
    assert client.get("/admin/users").headers["Cache-Control"] == "no-store"


def test_healthz_names_what_is_down(app_factory):
    client = app_factory(REDIS_URL="redis://127.0.0.1:1/0").test_client()
    r = client.get("/healthz")
    assert r.status_code == 503
    assert r.json["db"] == "ok" and r.json["redis"].startswith("error")


def test_remembered_csrf_token_validates_and_belongs_to_its_session(app_factory, db):
    """The signed CSRF token is remembered per session secret: the same token on
    every page of a session, accepted; another session's token is refused."""
    import re

    app = app_factory(WTF_CSRF_ENABLED=True)
    admin = make_user(db, "admin")
    clients = []
    for _ in range(2):
        client = app.test_client()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
        assert client.post("/login", data={"email": admin.email, "password": PASSWORD, "csrf_token": token}).status_code == 303
        clients.append(client)
    first, second = clients
    tokens = [re.search(r'"X-CSRFToken": "([^"]+)"', first.get("/admin/users").get_data(as_text=True)).group(1) for _ in range(2)]
    assert tokens[0] == tokens[1]
    other = re.search(r'"X-CSRFToken": "([^"]+)"', second.get("/admin/users").get_data(as_text=True)).group(1)
    assert other != tokens[0]
    data = {"name": "Eve", "email": "eve@example.com", "role": "staff", "password": "rahasia123", "active": "y"}
    r = second.post("/admin/users/new", data=data, headers={"X-CSRFToken": tokens[0], "HX-Request": "true"})
    assert r.status_code == 400 and db.scalar(select(User).where(User.email == "eve@example.com")) is None
    r = first.post("/admin/users/new", data=data, headers={"X-CSRFToken": tokens[1], "HX-Request": "true"})
    assert r.status_code == 200 and db.scalar(select(User).where(User.email == "eve@example.com")) is not None
