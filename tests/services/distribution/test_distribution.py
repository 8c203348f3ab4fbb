"""Requests, the atomic hand-out, batches, status toggles and reassignment — no HTTP."""

import pytest
from sqlalchemy import func, select, update

from crm.models import AuditEntry, Batch, CustomerRecord, Notification, RecordRequest, RecordStatusEvent
from crm.services.distribution import assignments as assignments_svc
from crm.services.distribution import batches as batches_svc
from crm.services.distribution import handout
from crm.services.distribution import requests as requests_svc
from crm.services.records import toggles
from crm.services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tests.conftest import make_product, make_records, make_user


@pytest.fixture
def world(db):
    product = make_product(db, "Gemilang")
    make_records(db, product, 30, prefix="u")
    return {
        "product": product,
        "staff": make_user(db, "staff"),
        "staff2": make_user(db, "staff"),
        "admin": make_user(db, "admin"),
    }


def test_request_validation_and_one_open_request(db, world):
    staff, product = world["staff"], world["product"]
    for qty in (0, None, -3, 5001):
        with pytest.raises(ValidationFailed):
            requests_svc.create_request(db, actor=staff, product_id=product.id, quantity=qty)
    with pytest.raises(ValidationFailed):
        requests_svc.create_request(db, actor=staff, product_id=product.id, quantity=5, note="x" * 501)
    with pytest.raises(NotFound):
        requests_svc.create_request(db, actor=staff, product_id=999999, quantity=5)
    req = requests_svc.create_request(db, actor=staff, product_id=product.id, quantity=5, note="  tolong ya  ")
    assert req.note == "tolong ya"
    with pytest.raises(Conflict) as exc:
        requests_svc.create_request(db, actor=staff, product_id=product.id, quantity=7)
    assert "already have an open request" in exc.value.message
    # another product, or another staff member: fine
    other = make_product(db, "Other")
    requests_svc.create_request(db, actor=staff, product_id=other.id, quantity=1)
    requests_svc.create_request(db, actor=world["staff2"], product_id=product.id, quantity=1)
    requests_svc.cancel_request(db, actor=staff, request_id=req.id)
    requests_svc.create_request(db, actor=staff, product_id=product.id, quantity=7)


def test_archived_product_takes_no_requests(db, world):
    world["product"].archived = True
    with pytest.raises(Conflict):
        requests_svc.create_request(db, actor=world["staff"], product_id=world["product"].id, quantity=1)


def test_approve_hands_out_in_upload_order_and_notifies(db, world):
    staff, admin, product = world["staff"], world["admin"], world["product"]
    req = requests_svc.create_request(db, actor=staff, product_id=product.id, quantity=10)
    batch = requests_svc.approve_request(db, actor=admin, request_id=req.id)
    names = db.scalars(select(CustomerRecord.username).where(CustomerRecord.batch_id == batch.id).order_by(CustomerRecord.id)).all()
    assert names == [f"u-{i:06d}" for i in range(10)]
    assert req.status == RecordRequest.APPROVED and req.approved_quantity == 10 and req.batch_id == batch.id
    assert batch.staff_id == staff.id and batch.kind == Batch.REQUEST
    note = db.scalars(select(Notification).where(Notification.user_id == staff.id)).one()
    assert note.kind == "request_approved" and note.params["n"] == 10
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "request.approve")).actor_id == admin.id
    with pytest.raises(Conflict):  # decided already
        requests_svc.approve_request(db, actor=admin, request_id=req.id)


def test_partial_and_insufficient_approval(db, world):
    staff, staff2, admin, product = world["staff"], world["staff2"], world["admin"], world["product"]
    req = requests_svc.create_request(db, actor=staff, product_id=product.id, quantity=20)
    with pytest.raises(ValidationFailed):
        requests_svc.approve_request(db, actor=admin, request_id=req.id, quantity=21)
    requests_svc.approve_request(db, actor=admin, request_id=req.id, quantity=25 - 5)
    req2 = requests_svc.create_request(db, actor=staff2, product_id=product.id, quantity=15)
    with pytest.raises(handout.NotEnoughRecords) as exc:
        requests_svc.approve_request(db, actor=admin, request_id=req2.id)
    assert exc.value.available == 10
    db.refresh(req2)
    assert req2.status == RecordRequest.PENDING
    assert db.scalar(select(func.count()).select_from(CustomerRecord).where(CustomerRecord.assigned_to_id == staff2.id)) == 0
    requests_svc.approve_request(db, actor=admin, request_id=req2.id, quantity=exc.value.available)
    assert db.scalar(select(func.count()).select_from(CustomerRecord).where(CustomerRecord.assigned_to_id.is_(None))) == 0


def test_staff_cannot_approve(db, world):
    req = requests_svc.create_request(db, actor=world["staff"], product_id=world["product"].id, quantity=1)
    with pytest.raises(PermissionDenied):
        requests_svc.approve_request(db, actor=world["staff2"], request_id=req.id)


def test_reject_needs_reason_and_notifies(db, world):
    req = requests_svc.create_request(db, actor=world["staff"], product_id=world["product"].id, quantity=3)
    with pytest.raises(ValidationFailed):
        requests_svc.reject_request(db, actor=world["admin"], request_id=req.id, reason="  ")
    requests_svc.reject_request(db, actor=world["admin"], request_id=req.id, reason="Stok habis")
    assert req.status == RecordRequest.REJECTED and req.reject_reason == "Stok habis"
    note = db.scalars(select(Notification).where(Notification.user_id == world["staff"].id)).one()
    assert note.params["reason"] == "Stok habis"


def test_bulk_approve_reports_each(db, world):
    product, admin = world["product"], world["admin"]
    a = requests_svc.create_request(db, actor=world["staff"], product_id=product.id, quantity=20)
    b = requests_svc.create_request(db, actor=world["staff2"], product_id=product.id, quantity=20)
    results = requests_svc.bulk_decide(db, actor=admin, request_ids=[a.id, b.id], approve=True)
    assert [r.ok for r in results] == [True, False]
    assert results[1].params["available"] == 10
    db.refresh(b)
    assert b.status == RecordRequest.PENDING
    results = requests_svc.bulk_decide(db, actor=admin, request_ids=[b.id], approve=False, reason="Nanti ya")
    assert results[0].ok and b.status == RecordRequest.REJECTED


def test_batches_counts_sort_filter_and_pin(db, world):
    staff, admin, product = world["staff"], world["admin"], world["product"]
    r1 = requests_svc.create_request(db, actor=staff, product_id=product.id, quantity=5)
    b1 = requests_svc.approve_request(db, actor=admin, request_id=r1.id)
    r2 = requests_svc.create_request(db, actor=staff, product_id=product.id, quantity=10)
    b2 = requests_svc.approve_request(db, actor=admin, request_id=r2.id)
    recs = batches_svc.list_batch_records(db, staff=staff, batch=b1).items
    for rec in recs:
        toggles.set_status(db, actor=staff, record_id=rec.id, field="wa", value="ada")
    toggles.set_status(db, actor=staff, record_id=recs[0].id, field="respond", value="ya")
    page = batches_svc.list_batches(db, staff=staff)
    assert [c.batch.id for c in page.items] == [b2.id, b1.id]  # newest first
    card1 = next(c for c in page.items if c.batch.id == b1.id)
    assert (card1.size, card1.counts.count("wa", "ada"), card1.counts.count("respond", "ya"), card1.percent, card1.finished) == (5, 5, 1, 100, True)
    assert [c.batch.id for c in batches_svc.list_batches(db, staff=staff, sort="size").items] == [b2.id, b1.id]
    assert [c.batch.id for c in batches_svc.list_batches(db, staff=staff, unfinished=True).items] == [b2.id]
    batches_svc.set_pinned(db, actor=staff, batch_id=b1.id, pinned=True)
    assert batches_svc.list_batches(db, staff=staff).items[0].batch.id == b1.id
    assert batches_svc.list_batches(db, staff=world["staff2"]).total == 0
    with pytest.raises(NotFound):
        batches_svc.get_batch(db, staff=world["staff2"], batch_id=b1.id)
    with pytest.raises(NotFound):
        batches_svc.open_batch(db, staff=world["staff2"], batch_id=b1.id)
    card, product = batches_svc.open_batch(db, staff=staff, batch_id=b1.id)
    assert (card.batch.id, card.size, card.counts.count("wa", "ada"), card.counts.count("respond", "ya"), product.id) == (b1.id, 5, 5, 1, b1.product_id)
    batches_svc.rename_batch(db, actor=staff, batch_id=b1.id, title="  Prioritas   hari ini ")
    assert b1.title == "Prioritas hari ini"
    with pytest.raises(ValidationFailed):
        batches_svc.rename_batch(db, actor=staff, batch_id=b1.id, title=" ")


def test_status_toggle_rules(db, world):
    staff, admin, product = world["staff"], world["admin"], world["product"]
    req = requests_svc.create_request(db, actor=staff, product_id=product.id, quantity=2)
    batch = requests_svc.approve_request(db, actor=admin, request_id=req.id)
    rec = batches_svc.list_batch_records(db, staff=staff, batch=batch).items[0]
    with pytest.raises(NotFound):
        toggles.set_status(db, actor=world["staff2"], record_id=rec.id, field="wa", value="ada")
    with pytest.raises(ValidationFailed):
        toggles.set_status(db, actor=staff, record_id=rec.id, field="wa", value="maybe")
    with pytest.raises(ValidationFailed):
        toggles.set_status(db, actor=staff, record_id=rec.id, field="colour", value="ada")
    toggles.set_status(db, actor=staff, record_id=rec.id, field="wa", value="ceklis1")
    toggles.set_status(db, actor=staff, record_id=rec.id, field="wa", value="ada")
    toggles.set_status(db, actor=staff, record_id=rec.id, field="wa", value=None)
    assert rec.wa_status is None
    events = db.scalars(select(RecordStatusEvent).where(RecordStatusEvent.record_id == rec.id).order_by(RecordStatusEvent.id)).all()
    assert [(e.old, e.new, e.user_id) for e in events] == [(None, "ceklis1", staff.id), ("ceklis1", "ada", staff.id), ("ada", None, staff.id)]
    # filters
    toggles.set_status(db, actor=staff, record_id=rec.id, field="respond", value="tidak")
    assert [r.id for r in batches_svc.list_batch_records(db, staff=staff, batch=batch, respond="tidak").items] == [rec.id]
    assert rec.id not in [r.id for r in batches_svc.list_batch_records(db, staff=staff, batch=batch, respond="none").items]
    assert len(batches_svc.list_batch_records(db, staff=staff, batch=batch, q=rec.username.upper()).items) == 1


def test_reassign_and_return_to_pool(db, world):
    staff, staff2, admin, product = world["staff"], world["staff2"], world["admin"], world["product"]
    req = requests_svc.create_request(db, actor=staff, product_id=product.id, quantity=4)
    batch = requests_svc.approve_request(db, actor=admin, request_id=req.id)
    recs = batches_svc.list_batch_records(db, staff=staff, batch=batch).items
    toggles.set_status(db, actor=staff, record_id=recs[0].id, field="wa", value="ada")
    with pytest.raises(ValidationFailed):
        assignments_svc.reassign(db, actor=admin, record_ids=[recs[0].id], to_staff_id=admin.id)  # not staff
    with pytest.raises(PermissionDenied):
        assignments_svc.reassign(db, actor=staff, record_ids=[recs[0].id], to_staff_id=staff2.id)
    moved = assignments_svc.reassign(db, actor=admin, record_ids=[recs[0].id, recs[1].id], to_staff_id=staff2.id)
    assert moved == 2
    assert db.get(CustomerRecord, recs[0].id).wa_status is None  # the new holder starts afresh
    manual = assignments_svc.manual_batch(db, staff_id=staff2.id, product_id=product.id)
    assert manual.kind == Batch.MANUAL
    assert {r.id for r in batches_svc.list_batch_records(db, staff=staff2, batch=manual).items} == {recs[0].id, recs[1].id}
    assert batches_svc.open_batch(db, staff=staff, batch_id=batch.id)[0].size == 2
    # a second reassignment reuses the same Manual batch
    assignments_svc.reassign(db, actor=admin, record_ids=[recs[2].id], to_staff_id=staff2.id)
    assert db.scalar(select(func.count()).select_from(Batch).where(Batch.staff_id == staff2.id, Batch.kind == "manual")) == 1
    returned = assignments_svc.return_to_pool(db, actor=admin, record_ids=[recs[0].id])
    assert returned == 1
    rec0 = db.get(CustomerRecord, recs[0].id)
    db.refresh(rec0)
    assert rec0.assigned_to_id is None and rec0.wa_status is None and rec0.ever_assigned
    # the returned record is available again
    assert requests_svc.available_counts(db, [product.id])[product.id] == 26 + 1
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.action.like("records.%"))).all()
    assert actions == ["records.reassign", "records.reassign", "records.return"]


def test_staff_load(db, world):
    staff, admin, product = world["staff"], world["admin"], world["product"]
    req = requests_svc.create_request(db, actor=staff, product_id=product.id, quantity=4)
    batch = requests_svc.approve_request(db, actor=admin, request_id=req.id)
    rec = batches_svc.list_batch_records(db, staff=staff, batch=batch).items[0]
    toggles.set_status(db, actor=staff, record_id=rec.id, field="wa", value="tidak")
    load = requests_svc.staff_load(db, [staff.id])[staff.id]
    assert (load.open_records, load.completion) == (4, 25)


def test_only_active_staff_get_records(db, world):
    from crm.services.accounts import users

    with pytest.raises(PermissionDenied):
        requests_svc.create_request(db, actor=world["admin"], product_id=world["product"].id, quantity=1)
    req = requests_svc.create_request(db, actor=world["staff"], product_id=world["product"].id, quantity=1)
    users.set_active(db, actor=world["admin"], user=world["staff"], active=False)
    db.refresh(req)
    assert req.status == RecordRequest.CANCELLED  # deactivation empties their queue
    with pytest.raises(Conflict):
        requests_svc.approve_request(db, actor=world["admin"], request_id=req.id)


def test_cancel_after_approval_is_refused(db, world):
    req = requests_svc.create_request(db, actor=world["staff"], product_id=world["product"].id, quantity=2)
    requests_svc.approve_request(db, actor=world["admin"], request_id=req.id)
    with pytest.raises(Conflict):
        requests_svc.cancel_request(db, actor=world["staff"], request_id=req.id)
    assert req.status == RecordRequest.APPROVED


def test_batch_records_filters_combine_and_paginate(db, world):
    staff, admin, product = world["staff"], world["admin"], world["product"]
    req = requests_svc.create_request(db, actor=staff, product_id=product.id, quantity=12)
    batch = requests_svc.approve_request(db, actor=admin, request_id=req.id)
    recs = batches_svc.list_batch_records(db, staff=staff, batch=batch, per_page=50).items
    for rec in recs[:5]:
        toggles.set_status(db, actor=staff, record_id=rec.id, field="wa", value="ada")
    for rec in recs[3:7]:
        toggles.set_status(db, actor=staff, record_id=rec.id, field="respond", value="ya")
    toggles.set_status(db, actor=staff, record_id=recs[8].id, field="wa", value="tidak")

    def ids(**kw):
        page = batches_svc.list_batch_records(db, staff=staff, batch=batch, per_page=50, **kw)
        assert page.total == len(page.items)
        return [r.id for r in page.items]

    all_ids = [r.id for r in recs]
    assert ids() == sorted(all_ids)
    assert ids(wa="ada") == all_ids[:5]
    assert ids(wa="none") == [i for n, i in enumerate(all_ids) if n >= 5 and n != 8]
    assert ids(wa="ada", respond="ya") == all_ids[3:5]
    assert ids(wa="none", respond="ya") == all_ids[5:7]
    assert ids(wa="ada", respond="none") == all_ids[:3]
    assert ids(wa="bogus") == sorted(all_ids)  # an unknown filter is ignored
    assert ids(q=recs[8].username[-3:].upper(), wa="tidak") == [recs[8].id]
    # % and _ are matched literally, not as wildcards
    assert ids(q="%") == [] and ids(q="_") == [] and ids(q="-0000_") == []
    db.execute(update(CustomerRecord).where(CustomerRecord.id == recs[2].id).values(name="Ani 100%_ok"))
    assert ids(q="%_") == [recs[2].id] and ids(q="0%") == [recs[2].id]
    # pages of 5: totals, clamping past the end, the last page's size
    page2 = batches_svc.list_batch_records(db, staff=staff, batch=batch, page=2, per_page=5)
    assert (page2.total, page2.pages, [r.id for r in page2.items]) == (12, 3, all_ids[5:10])
    last = batches_svc.list_batch_records(db, staff=staff, batch=batch, page=99, per_page=5)
    assert (last.page, [r.id for r in last.items]) == (3, all_ids[10:])
    known = batches_svc.list_batch_records(db, staff=staff, batch=batch, page=1, per_page=5, total=12)
    assert [r.id for r in known.items] == all_ids[:5]
    # another staff member sees nothing of it
    assert batches_svc.list_batch_records(db, staff=world["staff2"], batch=batch).total == 0
