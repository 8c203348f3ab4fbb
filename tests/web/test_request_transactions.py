"""How a request's database transaction ends.

A GET that wrote nothing ends with COMMIT (psycopg drops every prepared
statement of a connection on ROLLBACK, so read-only pages ending that way never
reuse PostgreSQL plans); anything that wrote without committing is rolled back."""

from sqlalchemy import event, func, select, text, update
from sqlalchemy.orm import Session

from crm.web.access import public
from crm.db import get_session
from crm.models import Product


def _app_with_routes(app_factory):
    app = app_factory()

    @app.route("/_t/read")
    @public
    def read():
        return str(get_session().scalar(select(func.count()).select_from(Product)))

    @app.route("/_t/flush-without-commit", methods=["GET", "POST"])
    @public
    def flush_without_commit():
        session = get_session()
        session.add(Product(name="Never saved"))
        session.flush()
        return "ok"

    @app.route("/_t/update-without-commit")
    @public
    def update_without_commit():
        get_session().execute(update(Product).values(name="Renamed"))
        return "ok"

    @app.route("/_t/core-update-without-commit")
    @public
    def core_update_without_commit():
        get_session().connection().execute(update(Product).values(name="Core renamed"))
        return "ok"

    @app.route("/_t/text-update-without-commit")
    @public
    def text_update_without_commit():
        get_session().connection().exec_driver_sql("UPDATE products SET name = 'Text renamed'")
        return "ok"

    @app.route("/_t/text-via-session-without-commit")
    @public
    def text_via_session_without_commit():
        get_session().execute(text("UPDATE products SET name = 'Session text renamed'"))
        return "ok"

    @app.route("/_t/write-then-savepoint")
    @public
    def write_then_savepoint():
        session = get_session()
        session.add(Product(name="Before a savepoint"))
        session.flush()
        with session.begin_nested():
            session.execute(select(func.count()).select_from(Product))
        return "ok"

    @app.route("/_t/pending")
    @public
    def pending():
        get_session().add(Product(name="Pending only"))
        return "ok"

    return app


def _commits():
    seen = []
    handlers = [("after_commit", lambda s: seen.append("commit"))]
    for name, fn in handlers:
        event.listen(Session, name, fn)
    return seen, handlers


def _stop(handlers):
    for name, fn in handlers:
        event.remove(Session, name, fn)


def test_read_only_get_commits_and_writes_are_rolled_back(app_factory, db):
    from tests.conftest import make_product

    make_product(db, "Keep")
    app = _app_with_routes(app_factory)
    client = app.test_client()
    seen, handlers = _commits()
    try:
        assert client.get("/_t/read").get_data(as_text=True) == "1"
        assert seen == ["commit"]
        for path in ("/_t/flush-without-commit", "/_t/update-without-commit", "/_t/core-update-without-commit",
                     "/_t/text-update-without-commit", "/_t/text-via-session-without-commit", "/_t/write-then-savepoint",
                     "/_t/pending"):
            seen.clear()
            assert client.get(path).status_code == 200
            if path != "/_t/write-then-savepoint":  # its savepoint's release fires after_commit too
                assert seen == [], path  # not committed (closed: rolled back)
        seen.clear()
        assert client.post("/_t/flush-without-commit").status_code == 200
        assert seen == []
        seen.clear()
        assert client.get("/_t/read").get_data(as_text=True) == "1"
        assert seen == ["commit"]  # the write mark of an earlier request does not stick
    finally:
        _stop(handlers)
    db.expire_all()
    assert db.scalars(select(Product.name)).all() == ["Keep"]
