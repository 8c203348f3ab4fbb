"""How a request's database transaction ends.

GETs never write. A GET that wrote nothing ends with COMMIT (psycopg drops
every prepared statement of a connection on ROLLBACK, so read-only pages ending
that way never reuse PostgreSQL plans); a GET that wrote, however, is rolled
back and reported: logged in production, raised in the test suite (so such a
bug fails it). Other methods' uncommitted work is rolled back."""

import logging

import pytest
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


WRITING_GETS = ("/_t/flush-without-commit", "/_t/update-without-commit", "/_t/core-update-without-commit",
                "/_t/text-update-without-commit", "/_t/text-via-session-without-commit", "/_t/write-then-savepoint",
                "/_t/pending")


def test_read_only_get_commits(app_factory, db):
    from tests.conftest import make_product

    make_product(db, "Keep")
    client = _app_with_routes(app_factory).test_client()
    seen, handlers = _commits()
    try:
        assert client.get("/_t/read").get_data(as_text=True) == "1"
        assert seen == ["commit"]
    finally:
        _stop(handlers)


@pytest.mark.parametrize("path", WRITING_GETS)
def test_a_write_inside_a_get_fails_the_test_suite(app_factory, db, path):
    """The suite's apps run with CRM_GET_WRITES=raise: a GET that writes, by
    any path (ORM flush, pending objects, Core, text, before a savepoint), raises."""
    from crm.db import WriteInReadOnlyRequest
    from tests.conftest import make_product

    make_product(db, "Keep")
    client = _app_with_routes(app_factory).test_client()
    with pytest.raises(WriteInReadOnlyRequest, match=path):
        client.get(path)
    db.expire_all()
    assert db.scalars(select(Product.name)).all() == ["Keep"]


def test_in_production_a_write_inside_a_get_is_logged_and_rolled_back(app_factory, db, caplog):
    from tests.conftest import make_product

    make_product(db, "Keep")
    app = _app_with_routes(lambda: app_factory(CRM_GET_WRITES="log"))
    client = app.test_client()
    seen, handlers = _commits()
    try:
        for path in WRITING_GETS:
            seen.clear()
            caplog.clear()
            with caplog.at_level(logging.ERROR):
                assert client.get(path).status_code == 200
            assert any("wrote to the database" in r.getMessage() and path in r.getMessage() for r in caplog.records), path
            if path != "/_t/write-then-savepoint":  # its savepoint's release fires after_commit too
                assert seen == [], path  # not committed (closed: rolled back)
        seen.clear()
        assert client.post("/_t/flush-without-commit").status_code == 200
        assert seen == []  # a POST that did not commit is rolled back, silently
        seen.clear()
        assert client.get("/_t/read").get_data(as_text=True) == "1"
        assert seen == ["commit"]  # the write mark of an earlier request does not stick
    finally:
        _stop(handlers)
    db.expire_all()
    assert db.scalars(select(Product.name)).all() == ["Keep"]
