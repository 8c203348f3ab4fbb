"""crm.services.databases (stats, records): totals per database and product, data quality, the records list."""

import pytest
from sqlalchemy import select, update

from crm.models import CustomerDatabase, CustomerRecord
from crm.services import databases
from crm.services.databases import stats
from crm.services.errors import NotFound
from tests.conftest import make_product, make_records
from tests.services.imports.uploads import full_import, write_csv


def test_totals_per_database_and_product(db, ctx):
    product = ctx["product"]
    first = make_records(db, product, 4, prefix="a")
    second = make_records(db, product, 2, prefix="b")
    ids = db.scalars(select(CustomerRecord.id).where(CustomerRecord.product_id == product.id).order_by(CustomerRecord.id)).all()
    db.execute(update(CustomerRecord).where(CustomerRecord.id == ids[0]).values(assigned_to_id=ctx["admin"].id, wa_status="ada",
                                                                               respond_status="ya"))
    db.execute(update(CustomerRecord).where(CustomerRecord.id == ids[1]).values(wa_status="tidak"))
    by_db = stats.stats_by_database(db, [first.id, second.id])
    s = by_db[first.id]
    assert (s.records, s.available, s.assigned, s.wa_ada, s.wa_tidak, s.responded) == (4, 3, 1, 1, 1, 1)
    assert s.reach_rate == 0.5 and s.response_rate == 1.0
    assert by_db[second.id].records == 2 and stats.stats_by_database(db, []) == {}
    make_product(db, "Empty")
    cards = {card.product.name: card for card in stats.overview(db)}
    assert cards["Gemilang"].totals.records == 6 and cards["Gemilang"].totals.assigned == 1
    assert [d.id for d, _ in cards["Gemilang"].databases] == sorted([first.id, second.id], reverse=True)
    assert cards["Empty"].totals.records == 0 and cards["Empty"].databases == []


def test_quality_of_an_import(db, ctx):
    rows = [["username", "phone"], ["a1", "0812 3456 7890"], ["a2", ""], ["a3", "123"], ["A1", "0812 3456 7891"]]
    database = full_import(db, ctx["admin"], ctx["product"], write_csv(ctx["dir"] / "q.csv", rows))
    q = stats.quality(db, database)
    assert (q.rows_total, q.imported, q.missing_phone, q.invalid_phone, q.duplicates_in_file) == (4, 2, 1, 1, 1)
    assert q.phone_problems == 2 and q.stats.records == 2


def test_get_database_and_its_records(db, ctx):
    database = make_records(db, ctx["product"], 3, prefix="cari")
    assert databases.get_database(db, database.id) is database
    with pytest.raises(NotFound):
        databases.get_database(db, database.id, kind="bonanza")
    with pytest.raises(NotFound):
        databases.get_database(db, 0)
    page = databases.list_records(db, database_id=database.id, q="CARI-000001")
    assert [r.username for r in page.items] == ["cari-000001"]
    assert len(databases.list_records(db, database_id=database.id).items) == 3
    assert db.get(CustomerDatabase, database.id).kind == "customer"
