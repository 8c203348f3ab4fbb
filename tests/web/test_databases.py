"""Customer databases pages: overview, upload, mapping, revert."""

from sqlalchemy import select

from crm.services.distribution import batches as batches_svc
from crm.services.distribution import requests as requests_svc
from crm.services.records import toggles
from tests.html import parse
from tests.conftest import login, make_product, make_records, make_user


def test_overview_counts(client, db):
    admin = make_user(db, "admin")
    staff = make_user(db, "staff")
    product = make_product(db, "Nusantara")
    database = make_records(db, product, 12)
    req = requests_svc.create_request(db, actor=staff, product_id=product.id, quantity=5)
    batch = requests_svc.approve_request(db, actor=admin, request_id=req.id)
    recs = batches_svc.list_batch_records(db, staff=staff, batch=batch).items
    toggles.set_status(db, actor=staff, record_id=recs[0].id, field="wa", value="ada")
    toggles.set_status(db, actor=staff, record_id=recs[0].id, field="respond", value="ya")
    toggles.set_status(db, actor=staff, record_id=recs[1].id, field="wa", value="ceklis1")
    login(client, admin)
    card = parse(client.get("/databases").data).by_id(f"database-{database.id}-card")
    shown = {dt.text(): dt.parent.find("dd").text() for dt in card.find_all("dt")}
    expected = {"Records": 12, "Available": 7, "Assigned": 5, "ada": 1, "ceklis1": 1, "no WA": 0, "Responded": 1, "Deposited": 0}
    assert {label: shown.get(label) for label in expected} == {label: str(n) for label, n in expected.items()}
    assert client.get("/").headers["Location"] == "/databases"


def test_upload_when_the_queue_is_down_fails_clearly(app_factory, db, tmp_path):
    import io

    from crm.models import CustomerDatabase

    app = app_factory(REDIS_URL="redis://127.0.0.1:1/0", RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")
    client = app.test_client()
    admin = make_user(db, "admin", locale="en")
    product = make_product(db, "Down")
    login(client, admin)  # sign-in still works without Redis
    r = client.post("/databases", data={"product_id": product.id, "file": (io.BytesIO(b"username\na\n"), "a.csv")},
                    content_type="multipart/form-data")
    assert r.status_code == 303
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "could not be reached" in page
    database = db.scalars(select(CustomerDatabase)).one()
    assert database.status == "failed" and database.stored_path is None


def test_mapping_never_preselects_one_column_for_two_fields(client, db):
    """No username-like header: the username field asks for a choice (required)
    instead of defaulting to the first column, which the name field already uses."""

    from crm.models import CustomerDatabase

    admin = make_user(db, "admin", locale="en")
    product = make_product(db, "Map")
    database = CustomerDatabase(product_id=product.id, name="m", file_name="m.csv", file_format="csv", status="mapping",
                                headers=["Nama", "HP"], preview=[["Ani", "0812"]], dropped_columns=[],
                                mapping={"suggested": {"username": None, "name": "Nama", "phone": "HP"}})
    db.add(database)
    db.flush()
    login(client, admin)
    page = parse(client.get(f"/databases/{database.id}").data)
    username = page.one("select#map-username")
    assert "required" in username.attrs
    assert [(o.get("value"), "selected" in o.attrs) for o in username.find_all("option")] == [("", True), ("Nama", False), ("HP", False)]
    assert username.find("option").text() == "Choose a column"
    assert [o.get("value") for o in page.one("select#map-name").find_all("option[selected]")] == ["Nama"]
    r = client.post(f"/databases/{database.id}/mapping", data={"username": "", "name": "Nama", "phone": "HP"}, follow_redirects=True)
    assert "Choose the column that holds the username." in r.get_data(as_text=True)


def test_revert_offered_only_while_nothing_was_handed_out(client, db):
    from crm.models import CustomerDatabase

    admin = make_user(db, "admin", locale="en")
    staff = make_user(db, "staff")
    product = make_product(db, "Revertable")
    database = make_records(db, product, 3)
    login(client, admin)
    page = parse(client.get(f"/databases/{database.id}").data)
    assert page.by_id("database-revert").get("data-confirm")
    req = requests_svc.create_request(db, actor=staff, product_id=product.id, quantity=1)
    requests_svc.approve_request(db, actor=admin, request_id=req.id)
    db.flush()
    page = parse(client.get(f"/databases/{database.id}").data)
    assert page.by_id("database-revert") is None and page.by_id("database-revert-closed") is not None
    assert db.get(CustomerDatabase, database.id).status == "done"
