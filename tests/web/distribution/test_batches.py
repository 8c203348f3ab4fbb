"""Staff batches over HTTP: ownership, the one-tap toggle (page and fragment), requests."""

from sqlalchemy import select

from crm.models import CustomerRecord, RecordRequest
from crm.services.distribution import batches as batches_svc
from crm.services.distribution import requests as requests_svc
from tests.conftest import login, make_product, make_records, make_user
from tests.html import parse


def _setup(db, n=5):
    product = make_product(db, "Gemilang", wa_template="Halo {name} ({username})")
    make_records(db, product, 20, prefix="cust")
    staff = make_user(db, "staff")
    other = make_user(db, "staff")
    admin = make_user(db, "admin")
    req = requests_svc.create_request(db, actor=staff, product_id=product.id, quantity=n)
    batch = requests_svc.approve_request(db, actor=admin, request_id=req.id)
    records = batches_svc.list_batch_records(db, staff=staff, batch=batch).items
    return product, staff, other, admin, batch, records


def _tap(client, rid, choice, batch, **extra):
    """A toggle as the batch page posts it (htmx unless told otherwise)."""
    headers = extra.pop("headers", {"HX-Request": "true"})
    return client.post(f"/my/records/{rid}/status", data={"set": choice, "region": f"batch:{batch.id}", **extra}, headers=headers)


def test_batch_pages_full_and_fragment(client, db):
    product, staff, other, admin, batch, records = _setup(db)
    login(client, staff)
    page = client.get("/my/batches")
    assert page.status_code == 200 and b"<html" in page.data and f'id="batch-{batch.id}-card"'.encode() in page.data
    frag = client.get("/my/batches?sort=size", headers={"HX-Request": "true"})
    assert b"<html" not in frag.data and b'id="batches-cards"' in frag.data and "HX-Request" in frag.headers["Vary"]
    full = client.get(f"/my/batches/{batch.id}")
    assert full.status_code == 200 and b"<html" in full.data and "HX-Request" in full.headers["Vary"]
    doc = parse(full.data)
    r = records[0]
    row = doc.by_id(f"record-{r.id}-row")
    assert row is not None and row.tag == "li" and row.parent.get("class") == "records"
    link = row.one("a.btn-wa")
    assert link.get("href") == f"https://wa.me/{r.phone}?text=Halo%20Cust%200%20%28cust-000000%29"
    assert link.get("target") == "_blank" and "noopener" in link.get("rel")
    # the copy button sits right after the link it copies (app.js copies its previous sibling's href)
    copy = row.one("button[data-copy]")
    assert copy.previous_element() is link and copy.text() == "Salin link" and copy.get("data-copied") == "Tersalin!"
    frag = client.get(f"/my/batches/{batch.id}?q=cust-000001", headers={"HX-Request": "true"})
    body = frag.get_data(as_text=True)
    assert "<html" not in body and "HX-Request" in frag.headers["Vary"]
    doc = parse(body)
    assert [e.get("id") for e in doc.elements] == ["batch-records"]
    assert [li.find("strong.username").text() for li in doc.find_all("li.record")] == ["cust-000001"]


def test_toggle_fragment_swaps_row_and_counts(client, db):
    product, staff, other, admin, batch, records = _setup(db)
    login(client, staff)
    rid = records[0].id
    r = _tap(client, rid, "wa:ada", batch)
    assert r.status_code == 200 and b"<html" not in r.data and "HX-Request" in r.headers["Vary"]
    doc = parse(r.data)
    row, counts = doc.elements
    assert row.tag == "li" and row.get("id") == f"record-{rid}-row"
    form = row.one("form.toggles")
    assert form.get("hx-target") == "closest li" and form.get("hx-swap") == "outerHTML" and form.get("hx-post") == form.get("action")
    ada = row.one("button[data-field=wa][data-value=ada]")
    assert ada.get("aria-pressed") == "true" and ada.get("value") == "wa:"  # tapping it again clears
    assert counts.get("id") == f"batch-{batch.id}-counts" and counts.get("hx-swap-oob") == "true"
    assert counts.one("[data-count=wa-ada]").text() == "ada 1" and "1/5" in counts.one("[data-count=percent]").text()
    db.expire_all()
    assert db.get(CustomerRecord, rid).wa_status == "ada"
    # tapping the active value clears it
    _tap(client, rid, "wa:", batch)
    db.expire_all()
    assert db.get(CustomerRecord, rid).wa_status is None


def test_toggle_without_javascript_redirects_to_the_page(client, db):
    product, staff, other, admin, batch, records = _setup(db)
    login(client, staff)
    rid = records[1].id
    r = _tap(client, rid, "respond:ya", batch, next=f"/my/batches/{batch.id}?page=1", headers={})
    assert r.status_code == 303 and r.headers["Location"] == f"/my/batches/{batch.id}?page=1#record-{rid}-row"
    db.expire_all()
    assert db.get(CustomerRecord, rid).respond_status == "ya"
    page = client.get(r.headers["Location"])
    assert b"<html" in page.data
    bad = _tap(client, rid, "wa:nope", batch)
    assert bad.status_code == 422


def test_other_staff_get_404_and_change_nothing(client, db):
    product, staff, other, admin, batch, records = _setup(db)
    login(client, other)
    rid = records[0].id
    assert client.get(f"/my/batches/{batch.id}").status_code == 404
    gone = _tap(client, rid, "wa:ada", batch)
    # htmx: the row is replaced by a notice (e.g. the record was reassigned meanwhile), nothing of it is shown
    assert gone.status_code == 200 and f'id="record-{rid}-row"'.encode() in gone.data and records[0].username.encode() not in gone.data
    assert _tap(client, rid, "wa:ada", batch, headers={}).status_code == 404
    assert client.post(f"/my/batches/{batch.id}/title", data={"title": "mine now"}).status_code == 404
    assert client.post(f"/my/batches/{batch.id}/pin", data={"pinned": "1"}).status_code == 404
    assert f"batch-{batch.id}-card".encode() not in client.get("/my/batches").data
    db.expire_all()
    assert db.get(CustomerRecord, rid).wa_status is None
    db.refresh(batch)
    assert batch.title != "mine now" and not batch.pinned


def test_rename_and_pin(client, db):
    product, staff, other, admin, batch, records = _setup(db)
    login(client, staff)
    assert client.post(f"/my/batches/{batch.id}/title", data={"title": "Hari Senin"}).status_code == 303
    client.post(f"/my/batches/{batch.id}/pin", data={"pinned": "1"})
    db.refresh(batch)
    assert batch.title == "Hari Senin" and batch.pinned


def test_request_flow_over_http(client, db):
    product = make_product(db, "Nusantara")
    make_records(db, product, 10, prefix="n")
    staff = make_user(db, "staff", locale="id")
    admin = make_user(db, "admin", locale="en")
    login(client, staff)
    r = client.post("/requests", data={"product_id": product.id, "quantity": 0})
    assert r.status_code == 422
    r = client.post("/requests", data={"product_id": product.id, "quantity": 4, "note": "buat besok"})
    assert r.status_code == 303
    r = client.post("/requests", data={"product_id": product.id, "quantity": 4})
    assert r.status_code == 422 and "sudah punya permintaan" in r.get_data(as_text=True).lower()
    assert client.post("/requests/1/approve").status_code == 403  # staff cannot approve
    client.post("/logout")
    login(client, admin)
    queue = client.get("/requests").get_data(as_text=True)
    assert "buat besok" in queue and "10 available" in queue
    req = db.scalars(select(RecordRequest)).one()
    r = client.post(f"/requests/{req.id}/approve", data={"quantity": 3}, follow_redirects=True)
    assert "Approved: 3 records handed out." in r.get_data(as_text=True)
    client.post("/logout")
    login(client, staff)
    page = client.get("/my/batches").get_data(as_text=True)
    assert "3 data" in page or "3 records" in page
    assert client.get("/notifications").status_code == 200


def test_bulk_reason_with_enter_never_approves(client, db):
    product = make_product(db, "Bulk")
    make_records(db, product, 10, prefix="bk")
    staff = make_user(db, "staff")
    admin = make_user(db, "admin", locale="en")
    req = requests_svc.create_request(db, actor=staff, product_id=product.id, quantity=3)
    login(client, admin)
    # Enter in the reason box submits the first button: Reject comes first in the form
    page = client.get("/requests").get_data(as_text=True)
    bar = page.split('class="bulk-bar"')[1]
    assert bar.index('value="reject"') < bar.index('value="approve"')
    r = client.post("/requests/bulk", data={"ids": [req.id], "action": "approve", "reason": "stok habis"}, follow_redirects=True)
    assert "You typed a rejection reason" in r.get_data(as_text=True)
    db.refresh(req)
    assert req.status == RecordRequest.PENDING
    r = client.post(f"/requests/{req.id}/approve", data={"quantity": "1.000"}, follow_redirects=True)
    assert "digits only" in r.get_data(as_text=True)
    db.refresh(req)
    assert req.status == RecordRequest.PENDING
    client.post("/requests/bulk", data={"ids": [req.id], "action": "reject", "reason": "stok habis"})
    db.refresh(req)
    assert req.status == RecordRequest.REJECTED and req.reject_reason == "stok habis"


def test_unread_badge_counts_and_clears(client, db):
    product, staff, other, admin, batch, records = _setup(db)
    login(client, staff)
    page = parse(client.get("/my/batches").data)
    assert page.by_id("notifications-badge").text() == "1"  # the approval notice
    client.post("/notifications/read")
    assert 'id="notifications-badge"' not in client.get("/my/batches").get_data(as_text=True)


def test_record_rows_escape_customer_data(client, db):
    """Customer values are escaped in the rows of the page and of a toggle's answer."""
    product, staff, other, admin, batch, records = _setup(db)
    record = db.get(CustomerRecord, records[0].id)
    record.username, record.name = '<img src=x onerror=alert(1)>', '"><script>alert(2)</script>'
    db.flush()
    login(client, staff)
    for r in (client.get(f"/my/batches/{batch.id}"), _tap(client, record.id, "wa:ada", batch)):
        html = r.get_data(as_text=True)
        assert r.status_code == 200
        assert "<img src=x" not in html and "<script>alert" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html and "&gt;&lt;script&gt;alert(2)&lt;/script&gt;" in html
        assert '"><script' not in html and ("&quot;&gt;" in html or "&#34;&gt;" in html)


def test_an_absurd_page_number_shows_the_last_page(client, db):
    """Typed or forged ?page= beyond any list: the last page, never a 500 (SQL offsets overflow)."""
    staff = make_user(db, "staff")
    admin = make_user(db, "admin")
    product = make_product(db, "Jauh")
    make_records(db, product, 3)
    req = requests_svc.create_request(db, actor=staff, product_id=product.id, quantity=3)
    requests_svc.approve_request(db, actor=admin, request_id=req.id)
    login(client, staff)
    for path in ("/requests", "/my/batches"):
        r = client.get(f"{path}?page=99999999999999999999")
        assert r.status_code == 200, path
    assert b'id="request-' in client.get("/requests?page=99999999999999999999").data
