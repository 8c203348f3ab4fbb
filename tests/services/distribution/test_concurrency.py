"""Concurrent approvals never hand a record to two staff members.

Real threads, each with its own connection and transaction, against the
suite's database (PostgreSQL: row locks with SKIP LOCKED; SQLite: one writer
transaction at a time)."""

import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm.models import CustomerRecord, RecordRequest
from crm.services.errors import Conflict
from crm.services.distribution import handout
from crm.services.distribution import requests as requests_svc
from tests.conftest import make_product, make_records, make_user

WORKERS = 8
EACH = 1000
POOL = 5000


def test_racing_approvals_hand_out_distinct_records(engine, live_db):
    product = make_product(live_db, "Race")
    make_records(live_db, product, POOL, prefix="race")
    admins = [make_user(live_db, "admin") for _ in range(WORKERS)]
    staff = [make_user(live_db, "staff") for _ in range(WORKERS)]
    requests = [requests_svc.create_request(live_db, actor=s, product_id=product.id, quantity=EACH) for s in staff]
    live_db.commit()
    barrier = threading.Barrier(WORKERS)
    errors: list[BaseException] = []

    def approve(i: int) -> None:
        barrier.wait()  # before touching the database: SQLite's writer lock is taken at BEGIN
        with Session(engine, expire_on_commit=False) as session:
            admin = session.get(type(admins[i]), admins[i].id)
            try:
                requests_svc.approve_request(session, actor=admin, request_id=requests[i].id)
                session.commit()
            except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                session.rollback()
                errors.append(exc)

    threads = [threading.Thread(target=approve, args=(i,)) for i in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    # 5 approvals take the whole pool; the other 3 find nothing left and change nothing
    assert len(errors) == WORKERS - POOL // EACH, errors
    assert all(isinstance(e, handout.NotEnoughRecords) and e.available == 0 for e in errors), errors
    live_db.expire_all()
    assigned = live_db.execute(
        select(CustomerRecord.assigned_to_id, func.count()).where(CustomerRecord.product_id == product.id).group_by(CustomerRecord.assigned_to_id)
    ).all()
    per_staff = dict(assigned)
    assert per_staff.get(None, 0) == 0
    assert sorted(per_staff.values()) == [EACH] * (POOL // EACH)
    assert live_db.scalar(select(func.count(func.distinct(CustomerRecord.id))).where(CustomerRecord.assigned_to_id.is_not(None))) == POOL
    statuses = sorted(live_db.scalars(select(RecordRequest.status)).all())
    assert statuses == ["approved"] * (POOL // EACH) + ["pending"] * (WORKERS - POOL // EACH)
    # each batch holds exactly its own request's records
    for req in live_db.scalars(select(RecordRequest).where(RecordRequest.status == "approved")):
        n = live_db.scalar(select(func.count()).select_from(CustomerRecord).where(CustomerRecord.batch_id == req.batch_id,
                                                                                 CustomerRecord.assigned_to_id == req.staff_id))
        assert n == EACH


def test_two_admins_approving_the_same_request(engine, live_db):
    product = make_product(live_db, "Same")
    make_records(live_db, product, 100, prefix="same")
    admins = [make_user(live_db, "admin") for _ in range(2)]
    staff = make_user(live_db, "staff")
    req = requests_svc.create_request(live_db, actor=staff, product_id=product.id, quantity=10)
    live_db.commit()
    barrier = threading.Barrier(2)
    outcomes = []

    def approve(admin_id):
        barrier.wait()
        with Session(engine, expire_on_commit=False) as session:
            admin = session.get(type(admins[0]), admin_id)
            try:
                requests_svc.approve_request(session, actor=admin, request_id=req.id)
                session.commit()
                outcomes.append("ok")
            except Conflict:
                session.rollback()
                outcomes.append("conflict")

    threads = [threading.Thread(target=approve, args=(a.id,)) for a in admins]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["conflict", "ok"]
    assert live_db.scalar(select(func.count()).select_from(CustomerRecord).where(CustomerRecord.assigned_to_id == staff.id)) == 10
