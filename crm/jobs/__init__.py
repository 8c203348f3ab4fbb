"""Thin RQ entry points over services. Importing this never builds an app;
engines are created lazily inside the work horse."""

from __future__ import annotations

import logging
import os
import time
from typing import Callable

from rq import Queue, get_current_job

from crm.db import session_scope
from crm.i18n import N_
from crm.redis_conn import get_redis
from crm.services import jobs
from crm.services.errors import DomainError

log = logging.getLogger(__name__)


def queue(redis_url: str | None = None, name: str | None = None) -> Queue:
    url = redis_url or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    return Queue(name or os.environ.get("CRM_QUEUE") or "crm", connection=get_redis(url))


def enqueue_run(func: Callable, run_id: int, *, redis_url: str, queue_name: str, timeout: int = 3600):
    """Enqueue after the JobRun row is committed; the id makes it unique."""
    q = Queue(queue_name, connection=get_redis(redis_url))
    return q.enqueue(func, run_id, job_id=f"jobrun-{run_id}", job_timeout=timeout, result_ttl=3600, failure_ttl=86400)


def live_progress(run, redis_url: str) -> bool:
    """Fill a running JobRun's progress from its RQ job's meta (for display
    only: not to be committed) and notice a work horse that died without
    recording anything (crash, OOM kill). True when the run was marked failed,
    which the caller commits."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    if run.finished:
        return False
    try:
        job = Job.fetch(f"jobrun-{run.id}", connection=get_redis(redis_url))
    except NoSuchJobError:
        return False
    except Exception:  # Redis down: show what the database knows
        return False
    meta = job.get_meta(refresh=False) or {}
    if "done" in meta:
        run.progress_done, run.progress_total = int(meta["done"]), int(meta.get("total") or 0)
    if job.is_failed and not run.finished:
        jobs.mark_failed(run, N_("The background job stopped unexpectedly. Please try again."))
        return True
    return False


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
