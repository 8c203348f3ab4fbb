"""Page benchmarks: the staff pages and the status toggle, each beside its floor.

The bar: each staff page (the batch page, the batches list, the requests
page) and the toggle take at most 1.5× their floor, where floor = the same
request to an empty signed-in page in the same layout (an empty base.html page
with the sidebar; for the toggle, an empty htmx POST) + the request's own SQL
run raw. The empty page lives in this benchmark's app only. The older ratio,
against the request's own SQL alone, is printed beside it for information.
"""

from __future__ import annotations

import os
import time

from jinja2 import DictLoader
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from bench.common import RESULTS, best_pair

BAR = 1.5
REPEAT = 100  # best of 100 alternate runs each: this shared machine has slow phases that last seconds
FLOOR_PATH = "/bench/floor"


def _app(url: str):
    from crm import create_app

    app = create_app({"DATABASE_URL": url, "WTF_CSRF_ENABLED": False, "TESTING": True,
                      "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")})
    app.register_blueprint(_floor_blueprint())
    return app


def _floor_blueprint():
    """An empty signed-in page in the product's layout (base.html: sidebar,
    header, flash area), and an empty htmx answer for the toggle's floor."""
    from flask import Blueprint

    from crm.web.access import login_required
    from crm.web.htmx import render

    class FloorBlueprint(Blueprint):  # its one template, without a file in the product's folders
        jinja_loader = DictLoader({"bench/floor.html": '{% extends "base.html" %}{% block content %}{% endblock %}'})

    bp = FloorBlueprint("bench_floor", __name__)

    @bp.route(FLOOR_PATH)
    @login_required
    def page():  # rendered as the product's pages are (crm.web.htmx.render)
        return render("bench/floor.html")

    @bp.route(FLOOR_PATH, methods=["POST"])
    @login_required
    def fragment():
        return render("bench/floor.html", block="content")

    return bp


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


def _measure(name: str, app_fn, empty_fn, statements, engine) -> None:
    """`app_fn` against its floor (`empty_fn` + its SQL replayed raw), measured
    alternately; prints one table line and records the result."""
    parts: dict[str, list[float]] = {"empty": [], "raw": []}

    def floor_fn():
        t0 = time.perf_counter()
        empty_fn()
        t1 = time.perf_counter()
        _replay(engine, statements)
        t2 = time.perf_counter()
        parts["empty"].append(t1 - t0)
        parts["raw"].append(t2 - t1)

    app_t, floor_t = best_pair(app_fn, floor_fn, repeat=REPEAT)
    empty_t, raw_t = min(parts["empty"]), min(parts["raw"])
    ratio = app_t / floor_t
    ok = ratio <= BAR
    RESULTS.append((name, app_t, floor_t, f"≤ {BAR}× floor", ok))
    print(f"  {name:<32} {app_t * 1000:8.3f} {floor_t * 1000:9.3f} = {empty_t * 1000:6.3f} + {raw_t * 1000:6.3f} ({len(statements)})"
          f"   {ratio:5.2f}×  ≤ {BAR}×  {'OK  ' if ok else 'OVER'}   {app_t / raw_t:5.2f}×", flush=True)


def _header() -> None:
    print(f"  floor = an empty signed-in page in the layout, same user and cookie (the toggle: an empty htmx POST)"
          f" + the request's own SQL run raw; bar: ≤ {BAR}× floor", flush=True)
    print(f"  {'request (ms)':<32} {'app':>8} {'floor':>9} = {'empty':>6} + {'SQL raw':>6} (statements)"
          f" ratio  bar     result   vs SQL raw only (older ratio, for information)", flush=True)


def bench_pages(engine, url: str) -> None:
    """The staff pages and a status toggle, each against its floor.

    The raw side is what the app really runs: the statements are captured from
    the app's engine during one request and replayed on a plain connection
    (SQLAlchemy `exec_driver_sql`), so the floor follows the code. The app side
    is the WSGI application called as a server calls it, with the session
    cookie a phone holds after signing in through the real login form; the
    empty page gets the same cookie."""
    from crm.models import User

    staff_id, batch_id, record_id = _busiest(engine)
    app = _app(url)
    client = app.test_client()
    with Session(engine) as s:
        email = s.get(User, staff_id).email
    r = client.post("/login", data={"email": email, "password": "bench-password"})
    assert r.status_code == 303, r.status_code
    client.get("/my/batches")  # the first signed-in page stores the CSRF secret in the session

    def check(call, expect: bytes, status: int = 200):
        def run():
            got, body = call()
            assert got == status and expect in body, (got, body[:300])
        return run

    empty_page = check(_wsgi_request(app, "GET", FLOOR_PATH, client), b'id="main"')
    empty_fragment = check(_wsgi_request(app, "POST", FLOOR_PATH, client, data={}, headers={"HX-Request": "true"}), b"")
    batch_url = f"/my/batches/{batch_id}?page=2"
    _status, body = _wsgi_request(app, "GET", batch_url, client)()
    assert body.count(b'class="record"') == 50, body[:300]
    _header()
    for name, path, expect in (
        ("staff batch page (50 rows)", batch_url, b'class="record"'),
        ("staff batches list /my/batches", "/my/batches", b'id="batches-cards"'),
        ("staff requests page /requests", "/requests", b'id="main"'),
    ):
        view = check(_wsgi_request(app, "GET", path, client), expect)
        view()
        _measure(name, view, empty_page, _captured(app, view), engine)

    values = ["ada", "ceklis1"]
    i = [0]
    tap = _wsgi_request(app, "POST", f"/my/records/{record_id}/status", client,
                        data={"set": "wa:ada", "region": f"batch:{batch_id}", "next": batch_url}, headers={"HX-Request": "true"})

    def toggle():
        i[0] += 1
        status, body = tap({"set": f"wa:{values[i[0] % 2]}", "region": f"batch:{batch_id}", "next": batch_url})
        assert status == 200 and f'id="record-{record_id}-row"'.encode() in body and b"hx-swap-oob" in body, (status, body[:300])

    toggle()
    toggle_sql = _captured(app, toggle)
    assert any(st.lstrip().upper().startswith("UPDATE") for st, _ in toggle_sql), "the captured toggle changed nothing"
    _measure("status toggle round trip", toggle, empty_fragment, toggle_sql, engine)
    app.extensions["crm_engine"].dispose()
