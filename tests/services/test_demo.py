from sqlalchemy import func, select

from crm.models import Batch, CustomerRecord, RecordRequest, User
from crm.services.demo import DEMO_USERS, seed


def test_seed_demo_is_idempotent_and_gives_staff_work(db):
    seed(db)
    counts = lambda: (db.scalar(select(func.count()).select_from(User)), db.scalar(select(func.count()).select_from(CustomerRecord)),  # noqa: E731
                      db.scalar(select(func.count()).select_from(Batch)), db.scalar(select(func.count()).select_from(RecordRequest)))
    first = counts()
    seed(db)
    assert counts() == first
    assert first[0] == len(DEMO_USERS) and first[1] == 1000 and first[2] == 4
    staff01 = db.scalar(select(User).where(User.email == "staff01@demo.test"))
    assert db.scalar(select(func.count()).select_from(CustomerRecord).where(CustomerRecord.assigned_to_id == staff01.id)) == 80
    assert db.scalar(select(func.count()).select_from(RecordRequest).where(RecordRequest.status == "pending")) == 2
