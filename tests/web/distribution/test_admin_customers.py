"""Products, the database overview and /admin/assignments over HTTP."""

from sqlalchemy import func, select

from crm.models import AuditEntry, CustomerRecord, Product
from crm.services.distribution import batches as batches_svc
from crm.services.distribution import requests as requests_svc
from crm.services.records import toggles
from tests.conftest import login, make_product, make_records, make_user


def test_products_create_rename_archive(client, db):
    admin = make_user(db, "admin", locale="en")
    login(client, admin)
    assert client.post("/products", data={"name": ""}).status_code == 422
    r = client.post("/products", data={"name": "Gemilang", "wa_template": "Halo {name}"})
    assert r.status_code == 303
    r = client.post("/products", data={"name": "gemilang"})
    assert r.status_code == 422 and "already exists" in r.get_data(as_text=True)
    r = client.post("/products", data={"name": "Bad", "wa_template": "Halo {nama}"})
    assert r.status_code == 422 and "{name} and {username}" in r.get_data(as_text=True)
    product = db.scalar(select(Product).where(Product.name == "Gemilang"))
    client.post(f"/products/{product.id}", data={"name": "Gemilang Play", "wa_template": "Hai {username}"})
    client.post(f"/products/{product.id}/archive", data={"archived": "1"})
    db.refresh(product)
    assert (product.name, product.wa_template, product.archived) == ("Gemilang Play", "Hai {username}", True)
    page = client.get("/products").get_data(as_text=True)
    assert "Gemilang Play" in page
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.action.like("product.%")).order_by(AuditEntry.id)).all()
    assert actions == ["product.create", "product.update", "product.archive"]
    # archived products take no new uploads: not offered in the upload form
    assert "Gemilang Play</option>" not in client.get("/databases").get_data(as_text=True)


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
    html = client.get("/databases").get_data(as_text=True)
    card = html.split(f'id="database-{database.id}-card"')[1].split("</article>")[0]
    for label, value in (("Records", 12), ("Available", 7), ("Assigned", 5), ("WA ada", 1), ("ceklis1", 1), ("Responded", 1), ("Deposited", 0)):
        assert f"<dt>{label}</dt><dd>{value}</dd>" in card, label
    assert client.get("/").headers["Location"] == "/databases"


def test_assignments_filter_reassign_return(client, db):
    admin = make_user(db, "admin")
    staff = make_user(db, "staff", name="Dewi")
    staff2 = make_user(db, "staff", name="Rizky")
    product = make_product(db, "Gemilang")
    make_records(db, product, 10, prefix="as")
    req = requests_svc.create_request(db, actor=staff, product_id=product.id, quantity=4)
    batch = requests_svc.approve_request(db, actor=admin, request_id=req.id)
    recs = batches_svc.list_batch_records(db, staff=staff, batch=batch).items
    toggles.set_status(db, actor=staff, record_id=recs[0].id, field="wa", value="ada")
    login(client, admin)
    page = client.get(f"/admin/assignments?staff={staff.id}&wa=ada").get_data(as_text=True)
    assert page.count('id="assignment-') == 1 and "as-000000" in page
    frag = client.get(f"/admin/assignments?staff={staff.id}", headers={"HX-Request": "true"})
    assert b"<html" not in frag.data and frag.data.count(b'id="assignment-') == 4
    r = client.post("/admin/assignments/reassign", data={"ids": [recs[0].id, recs[1].id], "to_staff_id": staff2.id})
    assert r.status_code == 303
    assert client.post("/admin/assignments/reassign", data={"ids": [recs[2].id], "to_staff_id": ""}, follow_redirects=True).status_code == 200
    r = client.post("/admin/assignments/return", data={"ids": [recs[3].id]})
    assert r.status_code == 303
    db.expire_all()
    owners = dict(db.execute(select(CustomerRecord.id, CustomerRecord.assigned_to_id).where(CustomerRecord.id.in_([r.id for r in recs]))).all())
    assert owners == {recs[0].id: staff2.id, recs[1].id: staff2.id, recs[2].id: staff.id, recs[3].id: None}
    # staff cannot use the admin page
    client.post("/logout")
    login(client, staff)
    assert client.get("/admin/assignments").status_code == 403
    assert client.post("/admin/assignments/return", data={"ids": [recs[0].id]}).status_code == 403
    assert db.scalar(select(func.count()).select_from(CustomerRecord).where(CustomerRecord.assigned_to_id == staff2.id)) == 2


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
    import re

    from crm.models import CustomerDatabase

    admin = make_user(db, "admin", locale="en")
    product = make_product(db, "Map")
    database = CustomerDatabase(product_id=product.id, name="m", file_name="m.csv", file_format="csv", status="mapping",
                                headers=["Nama", "HP"], preview=[["Ani", "0812"]], dropped_columns=[],
                                mapping={"suggested": {"username": None, "name": "Nama", "phone": "HP"}})
    db.add(database)
    db.flush()
    login(client, admin)
    page = client.get(f"/databases/{database.id}").get_data(as_text=True)
    username = re.search(r'<select id="map-username"[^>]*>(.*?)</select>', page, re.S)
    assert username and "required" in page.split('id="map-username"')[1].split(">")[0]
    assert '<option value="" selected>Choose a column</option>' in username.group(1)
    assert "selected" not in username.group(1).split("Choose a column")[1]
    name = re.search(r'<select id="map-name"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert '<option value="Nama" selected>' in name
    r = client.post(f"/databases/{database.id}/mapping", data={"username": "", "name": "Nama", "phone": "HP"}, follow_redirects=True)
    assert "Choose the column that holds the username." in r.get_data(as_text=True)


def test_revert_offered_only_while_nothing_was_handed_out(client, db):
    from crm.models import CustomerDatabase

    admin = make_user(db, "admin", locale="en")
    staff = make_user(db, "staff")
    product = make_product(db, "Revertable")
    database = make_records(db, product, 3)
    login(client, admin)
    page = client.get(f"/databases/{database.id}").get_data(as_text=True)
    assert 'id="database-revert"' in page and "data-confirm=" in page.split('id="database-revert"')[1].split(">")[0]
    req = requests_svc.create_request(db, actor=staff, product_id=product.id, quantity=1)
    requests_svc.approve_request(db, actor=admin, request_id=req.id)
    db.flush()
    page = client.get(f"/databases/{database.id}").get_data(as_text=True)
    assert 'id="database-revert"' not in page and 'id="database-revert-closed"' in page
    assert db.get(CustomerDatabase, database.id).status == "done"
