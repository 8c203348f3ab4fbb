"""On SQLite, pages keep loading while a long write (an import) holds the lock."""

import time

import pytest
from sqlalchemy import text

from tests.conftest import login, make_user


def test_get_pages_do_not_wait_for_a_writer(live_app, live_db, engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's writer lock only")
    staff = make_user(live_db, "staff")
    live_db.commit()
    client = live_app.test_client()
    login(client, staff)
    with engine.connect() as writer:
        writer.execute(text("UPDATE users SET name = name WHERE id = :i"), {"i": staff.id})  # BEGIN IMMEDIATE: lock held
        t0 = time.perf_counter()
        page = client.get("/my/batches")
        elapsed = time.perf_counter() - t0
        writer.rollback()
    assert page.status_code == 200
    assert elapsed < 2, f"a GET waited {elapsed:.1f}s behind the writer"
