"""Destructive buttons ask first: cancelling changes nothing, accepting acts."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crm.models import CustomerDatabase, CustomerRecord
from tests.browser.conftest import CHROMIUM
from tests.browser.test_batches import sign_in
from tests.conftest import make_product, make_records, make_user

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} not found: browser tests need Debian's chromium")


def test_revert_asks_before_deleting(live_server, live_db, page, console_errors):
    admin = make_user(live_db, "admin", locale="en")
    product = make_product(live_db, "Confirmable")
    database = make_records(live_db, product, 4)
    live_db.commit()
    sign_in(page, live_server, admin)
    page.goto(f"{live_server}/databases/{database.id}")
    questions, accept = [], [False]

    def answer(dialog):
        questions.append(dialog.message)
        dialog.accept() if accept[0] else dialog.dismiss()

    page.on("dialog", answer)
    page.click("#database-revert")
    page.wait_for_timeout(300)
    live_db.expire_all()
    assert live_db.scalar(select(func.count()).select_from(CustomerRecord).where(CustomerRecord.database_id == database.id)) == 4
    assert questions and "4" in questions[0]
    live_db.rollback()  # release SQLite's lock before the app writes
    accept[0] = True
    with page.expect_navigation():
        page.click("#database-revert")
    live_db.expire_all()
    assert live_db.scalar(select(func.count()).select_from(CustomerRecord).where(CustomerRecord.database_id == database.id)) == 0
    assert live_db.get(CustomerDatabase, database.id).status == "reverted"
    assert console_errors == []
