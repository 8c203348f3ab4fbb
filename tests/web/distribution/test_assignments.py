"""Admin assignments: filter, reassign, return to the pool."""

from sqlalchemy import func, select

from crm.models import CustomerRecord
from crm.services.distribution import batches as batches_svc
from crm.services.distribution import requests as requests_svc
from crm.services.records import toggles
from tests.html import parse
from tests.conftest import login, make_product, make_records, make_user


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
    assert [n.get("id") for n in parse(page).iter() if (n.get("id") or "").startswith("assignment-")] == [f"assignment-{recs[0].id}-row"]
    assert "as-000000" in page
    frag = client.get(f"/admin/assignments?staff={staff.id}", headers={"HX-Request": "true"})
    assert b"<html" not in frag.data
    assert len([n for n in parse(frag.data).iter() if (n.get("id") or "").startswith("assignment-")]) == 4
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
