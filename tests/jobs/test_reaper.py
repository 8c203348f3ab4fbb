"""A work horse that died without a word: the scheduled reaper (not a page view)
marks its run failed and undoes the run's side state."""

from datetime import timedelta

from rq import Queue
from rq.job import Job, JobStatus

from crm.db import utcnow
from crm.jobs.reaper import reap_dead_runs
from crm.models import CustomerDatabase, JobRun
from crm.redis_conn import get_redis
from crm.services.jobs import DEAD_MESSAGE
from tests.html import parse
from tests.conftest import login, make_product, make_user


def _noop() -> None:  # the RQ job's function; never run here
    return None


def _importing(live_db, product, admin, tmp_path, *, age: timedelta) -> tuple[CustomerDatabase, JobRun]:
    stored = tmp_path / f"upload-{product.id}-{age.seconds}.csv"
    stored.write_text("username\nbudi\n")
    run = JobRun(kind="import_database", status=JobRun.RUNNING, created_by_id=admin.id, created_at=utcnow() - age)
    live_db.add(run)
    live_db.flush()
    db = CustomerDatabase(product_id=product.id, name="Upload", file_name="u.csv", file_format="csv", uploaded_by_id=admin.id,
                          status=CustomerDatabase.IMPORTING, stored_path=str(stored), job_run_id=run.id)
    run.params = {"database_id": 0}
    live_db.add(db)
    live_db.flush()
    run.params = {"database_id": db.id}
    live_db.commit()
    return db, run


def _rq_job(redis, queue_name: str, run: JobRun, status: JobStatus | None) -> Job:
    job = Job.create(_noop, id=f"jobrun-{run.id}", connection=redis, origin=queue_name)
    job.save()
    if status is not None:
        job.set_status(status)
    return job


def test_reaper_fails_dead_runs_only_and_the_page_view_writes_nothing(live_app, live_db, redis_url, tmp_path):
    queue_name = live_app.config["CRM_QUEUE"]
    redis = get_redis(redis_url)
    admin = make_user(live_db, "admin")
    product = make_product(live_db, "Gemilang")
    live_db.commit()
    old = timedelta(minutes=10)
    crashed_db, crashed = _importing(live_db, product, admin, tmp_path, age=old)
    lost_db, lost = _importing(live_db, product, admin, tmp_path, age=old)
    alive_db, alive = _importing(live_db, product, admin, tmp_path, age=old)
    young_db, young = _importing(live_db, product, admin, tmp_path, age=timedelta(seconds=5))
    for run in (crashed, lost, alive, young):  # job ids restart with each test database; Redis outlives them
        redis.delete(f"rq:job:jobrun-{run.id}")
    _rq_job(redis, queue_name, crashed, JobStatus.FAILED)  # the worker saw its horse die
    _rq_job(redis, queue_name, alive, JobStatus.STARTED)
    Queue(queue_name, connection=redis)  # `lost` has no RQ job at all; `young` is within the grace period

    # Opening the upload's page while the horse is dead only reads.
    client = live_app.test_client()
    login(client, admin)
    page = client.get(f"/databases/{crashed_db.id}")
    assert page.status_code == 200 and parse(page.data).by_id(f"database-{crashed_db.id}-progress") is not None
    live_db.expire_all()
    assert live_db.get(JobRun, crashed.id).status == JobRun.RUNNING
    live_db.rollback()  # SQLite: the test's own transaction holds the write lock

    assert reap_dead_runs(redis_url, queue_name) == 2
    live_db.expire_all()
    for run, database in ((crashed, crashed_db), (lost, lost_db)):
        run = live_db.get(JobRun, run.id)
        assert run.status == JobRun.FAILED and run.message == DEAD_MESSAGE and run.finished_at is not None
        database = live_db.get(CustomerDatabase, database.id)
        assert database.status == CustomerDatabase.FAILED and database.error == DEAD_MESSAGE
        assert database.stored_path is None  # the upload (it may hold bank numbers) is removed
    for run, database in ((alive, alive_db), (young, young_db)):
        assert live_db.get(JobRun, run.id).status == JobRun.RUNNING
        assert live_db.get(CustomerDatabase, database.id).status == CustomerDatabase.IMPORTING
    live_db.rollback()
    assert reap_dead_runs(redis_url, queue_name) == 0  # idempotent

    page = parse(client.get(f"/databases/{crashed_db.id}").data)
    assert page.by_id("database-error") is not None and page.by_id(f"database-{crashed_db.id}-progress") is None
