"""crm.services.databases.revert: an import can be reverted while none of its records was handed out."""

import pytest
from sqlalchemy import select

from crm.models import AuditEntry, CustomerDatabase, CustomerRecord
from crm.services.databases import revert as svc
from crm.services.distribution import assignments as assignments_svc
from crm.services.distribution import requests as requests_svc
from crm.services.errors import Conflict
from tests.conftest import make_user
from tests.services.imports.uploads import full_import, records, write_csv


def test_revert_and_refusal_after_hand_out(db, ctx):
    admin, product = ctx["admin"], ctx["product"]
    a = full_import(db, admin, product, write_csv(ctx["dir"] / "a.csv", [["username"], ["a1"], ["a2"]]))
    assert svc.revert_import(db, actor=admin, database_id=a.id) == 2
    assert a.status == CustomerDatabase.REVERTED and records(db, a) == []
    with pytest.raises(Conflict):
        svc.revert_import(db, actor=admin, database_id=a.id)
    b = full_import(db, admin, product, write_csv(ctx["dir"] / "b.csv", [["username"], ["b1"], ["b2"]]))
    staff = make_user(db, "staff")
    req = requests_svc.create_request(db, actor=staff, product_id=product.id, quantity=1)
    requests_svc.approve_request(db, actor=admin, request_id=req.id)
    with pytest.raises(Conflict) as exc:
        svc.revert_import(db, actor=admin, database_id=b.id)
    assert "handed out" in exc.value.message
    assert len(records(db, b)) == 2
    # a record returned to the pool still counts as handed out once
    rec = db.scalars(select(CustomerRecord).where(CustomerRecord.assigned_to_id == staff.id)).one()
    assignments_svc.return_to_pool(db, actor=admin, record_ids=[rec.id])
    with pytest.raises(Conflict):
        svc.revert_import(db, actor=admin, database_id=b.id)
    assert db.scalars(select(AuditEntry.action).where(AuditEntry.action == "database.revert")).all() == ["database.revert"]

