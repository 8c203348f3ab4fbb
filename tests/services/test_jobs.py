"""Durable job state: the reaper's rule, without Redis."""

from datetime import timedelta

from sqlalchemy import update

from crm.db import utcnow
from crm.models import JobRun
from crm.services import jobs


def _run(db, status: str, age: timedelta) -> JobRun:
    run = JobRun(kind="export_users", status=status, created_at=utcnow() - age)
    db.add(run)
    db.flush()
    return run


def test_reap_marks_only_dead_unfinished_runs_past_the_grace_period(db):
    dead_running = _run(db, JobRun.RUNNING, timedelta(minutes=5))
    dead_queued = _run(db, JobRun.QUEUED, timedelta(minutes=5))
    alive = _run(db, JobRun.RUNNING, timedelta(minutes=5))
    young = _run(db, JobRun.RUNNING, timedelta(seconds=10))
    done = _run(db, JobRun.DONE, timedelta(minutes=5))
    undone = []
    reaped = jobs.reap(db, is_dead=lambda run: run.id != alive.id, on_failure=lambda s, run: undone.append(run.id),
                       grace=timedelta(minutes=2))
    assert reaped == 2
    assert sorted(undone) == sorted([dead_running.id, dead_queued.id])
    for run in (dead_running, dead_queued):
        assert run.status == JobRun.FAILED and run.message == jobs.DEAD_MESSAGE
    assert alive.status == young.status == JobRun.RUNNING and done.status == JobRun.DONE
    assert jobs.reap(db, is_dead=lambda run: True, grace=timedelta(minutes=2)) == 1  # now only `alive` is left past the grace


def test_reap_leaves_a_run_its_worker_finished_meanwhile(db):
    run = _run(db, JobRun.RUNNING, timedelta(minutes=5))
    undone = []

    def is_dead(candidate):
        # The worker commits DONE between the reaper's read and its write.
        db.execute(update(JobRun).where(JobRun.id == candidate.id).values(status=JobRun.DONE))
        return True

    assert jobs.reap(db, is_dead=is_dead, on_failure=lambda s, r: undone.append(r.id), grace=timedelta(minutes=2)) == 0
    assert undone == [] and run.status == JobRun.DONE and run.message != jobs.DEAD_MESSAGE
