"""Page benchmarks: staff pages and the status toggle, each beside its floor."""

from __future__ import annotations

import os

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from bench.common import best_pair, report


def _app(url: str):
    from crm import create_app

    return create_app({"DATABASE_URL": url, "WTF_CSRF_ENABLED": False, "TESTING": True,
                       "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")})


def _busiest(engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        row = conn.execute(text(
            "SELECT b.staff_id, b.id, min(r.id) FROM batches b JOIN customer_records r ON r.batch_id = b.id "
            "WHERE b.size_at_approval >= 300 GROUP BY b.staff_id, b.id ORDER BY count(*) DESC LIMIT 1")).one()
    return row[0], row[1], row[2]


def _captured(app, fn) -> list[tuple[str, object]]:
    """The SQL statements (with their parameters) the app runs during `fn()`."""
    statements: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _executemany):
        statements.append((statement, parameters))

    engine = app.extensions["crm_engine"]
    event.listen(engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return statements


def _replay(engine, statements) -> None:
    """Run captured statements straight on a connection: no Flask, no ORM, no
    templates; one transaction, as the request had."""
    with engine.connect() as conn:
        for statement, parameters in statements:
            if statement.strip().upper() in ("BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK", "SELECT 1"):
                continue  # the connection's own transaction control and pool pings
            result = conn.exec_driver_sql(statement, parameters)
            if result.returns_rows:
                result.fetchall()
        conn.commit()


def _wsgi_request(app, method: str, path: str, client, data: dict | None = None, headers: dict | None = None):
    """A request as a WSGI server makes it: the environ is built once, then each
    call runs only the application (no test-client cookie jar or response
    wrapper in the measured time). Same phone as the test `client` that signed
    in: its session cookie, address and user agent. Returns a function giving
    (status, body); a response that changes the session cookie is an error (a
    phone would store it, a replayed environ would not)."""
    import io
    from urllib.parse import urlencode

    from werkzeug.test import EnvironBuilder

    body = urlencode(data or {}).encode()
    all_headers = {"Cookie": f"session={client.get_cookie('session').value}", **(headers or {})}
    if data is not None:
        all_headers["Content-Type"] = "application/x-www-form-urlencoded"
    base = EnvironBuilder(path=path, method=method, headers=all_headers, data=body if data is not None else None,
                          environ_base=client.environ_base).get_environ()
    captured = {}

    def start_response(status, response_headers, _exc_info=None):
        captured["status"] = int(status.split()[0])
        assert not any(k.lower() == "set-cookie" for k, _v in response_headers), "the session changed on a replayed request"

    def call(form: dict | None = None):
        environ = dict(base)
        payload = urlencode(form).encode() if form is not None else body
        environ["wsgi.input"] = io.BytesIO(payload)
        environ["CONTENT_LENGTH"] = str(len(payload))
        result = app(environ, start_response)
        try:
            out = b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()
        return captured["status"], out

    return call


def bench_pages(engine, url: str) -> None:
    """The staff batch page and a status toggle, each against its own SQL run raw.

    The raw side is what the app really runs: the statements are captured from
    the app's engine during one request and replayed on a plain connection
    (SQLAlchemy `exec_driver_sql`), so the floor follows the code. The app side
    is the WSGI application called as a server calls it, with the session
    cookie a phone holds after signing in through the real login form."""
    from crm.models import User

    staff_id, batch_id, record_id = _busiest(engine)
    app = _app(url)
    client = app.test_client()
    with Session(engine) as s:
        email = s.get(User, staff_id).email
    r = client.post("/login", data={"email": email, "password": "bench-password"})
    assert r.status_code == 303, r.status_code
    client.get("/my/batches")  # the first signed-in page stores the CSRF secret in the session

    page = _wsgi_request(app, "GET", f"/my/batches/{batch_id}?page=2", client)
    status, body = page()
    assert status == 200 and body.count(b'class="record"') == 50, status

    def page_view():
        status, _body = page()
        assert status == 200, status

    page_sql = _captured(app, page_view)
    app_t, raw = best_pair(page_view, lambda: _replay(engine, page_sql))
    report(f"staff batch page (50 rows) vs its SQL run raw ({len(page_sql)} statements)", app_t * 1000, raw * 1000,
           "≤ 3× raw SQL", app_t <= 3 * raw, unit="ms")

    values = ["ada", "ceklis1"]
    i = [0]
    tap = _wsgi_request(app, "POST", f"/my/records/{record_id}/status", client, data={"set": "wa:ada"}, headers={"HX-Request": "true"})

    def toggle():
        i[0] += 1
        status, body = tap({"set": f"wa:{values[i[0] % 2]}"})
        assert status == 200 and b"record-" in body, status

    toggle()
    toggle_sql = _captured(app, toggle)
    assert any(st.lstrip().upper().startswith("UPDATE") for st, _ in toggle_sql), "the captured toggle changed nothing"
    tog, raw_t = best_pair(toggle, lambda: _replay(engine, toggle_sql))
    report(f"status toggle round trip vs its SQL run raw ({len(toggle_sql)} statements)", tog * 1000, raw_t * 1000,
           "≤ 3× raw SQL", tog <= 3 * raw_t, unit="ms")
    app.extensions["crm_engine"].dispose()
