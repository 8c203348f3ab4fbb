"""The session cookie: verified once per process, still refused when tampered or expired."""

from datetime import timedelta

from tests.conftest import login, make_user


def _cookie(client):
    return client.get_cookie("session").value


def test_signed_in_cookie_keeps_working_and_tampering_signs_out(client, db, app):
    user = make_user(db, "staff")
    login(client, user)
    assert client.get("/my/batches").status_code == 200
    assert client.get("/my/batches").status_code == 200  # the remembered verification
    good = _cookie(client)
    payload, ts, sig = good.rsplit(".", 2)
    for bad in (f"{payload}.{ts}.{'A' * len(sig)}", f"{payload}x.{ts}.{sig}", good[:-1]):
        client.set_cookie("session", bad)
        r = client.get("/my/batches")
        assert r.status_code == 302 and "/login" in r.headers["Location"], bad
    client.set_cookie("session", good)
    assert client.get("/my/batches").status_code == 200


def test_an_expired_cookie_is_refused_even_after_it_was_verified(client, db, app):
    user = make_user(db, "staff")
    login(client, user)
    assert client.get("/my/batches").status_code == 200
    app.permanent_session_lifetime = timedelta(seconds=-1)
    r = client.get("/my/batches")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_session_data_is_not_shared_between_requests(client, db):
    """Flashed messages live in the session cookie: the same cookie sent twice
    shows its message twice (a remembered cookie's data is copied, not shared)."""
    user = make_user(db, "staff", locale="en")
    login(client, user)
    client.post("/logout")
    with_flash = _cookie(client)
    for _ in range(2):
        client.set_cookie("session", with_flash)
        assert "Kamu sudah keluar." in client.get("/login").get_data(as_text=True)
    assert "Kamu sudah keluar." not in client.get("/login").get_data(as_text=True)  # shown once per cookie
