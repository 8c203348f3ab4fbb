"""Products page: create, rename, archive."""

from sqlalchemy import select

from crm.models import AuditEntry, Product
from tests.conftest import login, make_user


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
