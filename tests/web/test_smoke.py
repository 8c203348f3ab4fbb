from tests.conftest import login


def test_login_page_and_health(client):
    assert client.get("/login").status_code == 200
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json == {"db": "ok", "redis": "ok"}


def test_admin_sees_users(client, users):
    login(client, users["admin"])
    r = client.get("/admin/users")
    assert r.status_code == 200
    assert users["staff"].email.encode() in r.data
