"""Thin RQ entry points over services. Importing this never builds an app;
engines are created lazily inside the work horse."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Callable

from rq import Queue, get_current_job

from crm.db import session_scope
from crm.i18n import N_
from crm.redis_conn import get_redis
from crm.services import jobs
from crm.services.errors import DomainError

log = logging.getLogger(__name__)


def enqueue_run(func: Callable, run_id: int, *, redis_url: str, queue_name: str, timeout: int = 3600):
    """Enqueue after the JobRun row is committed; the id makes it unique."""
    q = Queue(queue_name, connection=get_redis(redis_url))
    return q.enqueue(func, run_id, job_id=f"jobrun-{run_id}", job_timeout=timeout, result_ttl=3600, failure_ttl=86400)


@dataclass(frozen=True)
class RunProgress:
    """How far a JobRun is, for display: read, never written back."""

    done: int
    total: int
    finished: bool

    @property
    def percent(self) -> int:
        if self.finished:
            return 100
        return min(100, int(self.done * 100 / self.total)) if self.total else 0


def live_progress(run, redis_url: str) -> RunProgress:
    """The run's progress: while it runs, the live numbers its RQ job keeps in
    job.meta (the work may be one long transaction that commits nothing until
    the end), else the durable ones. Reads only; a work horse that died is
    noticed by the scheduled reaper (crm.jobs.reaper), not by a page view."""
    from rq.job import Job

    done, total = run.progress_done, run.progress_total
    if not run.finished:
        try:
            meta = Job.fetch(f"jobrun-{run.id}", connection=get_redis(redis_url)).get_meta(refresh=False) or {}
        except Exception:  # no such job, or Redis down: show what the database knows
            meta = {}
        if "done" in meta:
            done, total = int(meta["done"]), int(meta.get("total") or 0)
    return RunProgress(done, total, run.status == run.DONE)


def run_tracked(run_id: int, work: Callable, on_failure: Callable | None = None) -> None:
    """Run `work(session, run, progress)` with the JobRun's status kept durable.

    A finished run is not run again (idempotent). Domain errors end the run as
    failed with their message; other exceptions also propagate to RQ.
    """
    from crm.models import JobRun

    with session_scope() as session:
        run = session.get(JobRun, run_id)
        if run is None or run.finished:
            return
        jobs.mark_running(run)
        session.commit()
        rq_job = get_current_job()

        def progress(done: int, total: int) -> None:
            # Live progress lives in Redis (job.meta): the work itself may be one
            # long transaction that must not be committed half-way.
            run.progress_done, run.progress_total = done, total
            if rq_job is not None:
                rq_job.meta.update(done=done, total=total, at=time.time())
                rq_job.save_meta()

        try:
            work(session, run, progress)
            jobs.mark_done(run, run.message, **(run.message_params or {}))
        except DomainError as exc:
            session.rollback()
            run = session.get(JobRun, run_id)
            jobs.mark_failed(run, exc.message, **exc.params)
            if on_failure:
                on_failure(session, run, exc)
        except Exception as exc:
            log.exception("job run %s failed", run_id)
            session.rollback()
            run = session.get(JobRun, run_id)
            jobs.mark_failed(run, N_("An unexpected error happened. It has been logged; please try again."))
            if on_failure:
                on_failure(session, run, exc)
            session.commit()
            raise
