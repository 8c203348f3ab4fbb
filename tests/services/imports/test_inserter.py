"""crm.services.imports.inserter: tuples straight through the driver, and existing keys per scope."""

from sqlalchemy import select

from crm.models import CustomerRecord
from crm.services.imports.inserter import bulk_insert, existing_keys
from tests.conftest import make_product

COLUMNS = ("product_id", "database_id", "username", "name", "phone", "extra", "ever_assigned")


def test_bulk_insert_and_existing_keys_per_scope(db):
    a, b = make_product(db, "A"), make_product(db, "B")
    db.flush()
    bulk_insert(db, "customer_records", COLUMNS, [
        (a.id, 7, "ani", "Ani", "6281234567890", '{"kota": "Medan"}', False),
        (a.id, 8, "budi", "", None, "{}", False),
        (b.id, 9, "ani", "", None, "{}", False),
    ])
    got = db.execute(select(CustomerRecord.username, CustomerRecord.extra, CustomerRecord.phone)
                     .where(CustomerRecord.product_id == a.id).order_by(CustomerRecord.id)).all()
    assert got == [("ani", {"kota": "Medan"}, "6281234567890"), ("budi", {}, None)]
    assert existing_keys(db, "customer_records", "username", "database_id", [("product_id", a.id)], ["ani", "budi", "x"]) \
        == {"ani": 7, "budi": 8}
    assert existing_keys(db, "customer_records", "username", "database_id", [("product_id", b.id)], ["ani", "budi"]) == {"ani": 9}
    everywhere = existing_keys(db, "customer_records", "username", "database_id", [], ["budi"])
    assert everywhere == {"budi": 8}
    many = [f"u{i}" for i in range(70_000)] + ["budi"]  # more than one statement's worth on SQLite
    assert existing_keys(db, "customer_records", "username", "database_id", [("product_id", a.id)], many) == {"budi": 8}
