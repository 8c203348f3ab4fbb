"""Scheduled repair: runs whose work horse died without a word.

A worker killed mid-job (crash, OOM kill, deploy) leaves its JobRun "running"
forever; RQ notices the dead horse (failed job registry), or the job's
heartbeat expires (started-job registry cleanup), or Redis lost the job. This
scheduled job (crm.cron, every minute) marks such runs failed and lets the
run's kind undo its side state, so no GET page ever has to write.
"""

from __future__ import annotations

import logging
import os
from typing import Callable

from sqlalchemy.orm import Session

from crm.db import session_scope
from crm.models import JobRun
from crm.redis_conn import get_redis
from crm.services import jobs
from crm.services.errors import DomainError

log = logging.getLogger(__name__)


def _failure_handlers() -> dict[str, Callable[[Session, JobRun, Exception], None]]:
    """What each kind of run undoes when it is reaped (the same as when it fails)."""
    from crm.jobs import imports

    return {"inspect_database": imports.on_failure, "import_database": imports.on_failure}


def rq_job_is_dead(redis, queue_name: str) -> Callable[[JobRun], bool]:
    from rq import Queue
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus
    from rq.registry import StartedJobRegistry

    # Started jobs whose worker stopped heart-beating move to the failed registry.
    StartedJobRegistry(queue=Queue(queue_name, connection=redis)).cleanup()

    def is_dead(run: JobRun) -> bool:
        try:
            status = Job.fetch(f"jobrun-{run.id}", connection=redis).get_status(refresh=True)
        except NoSuchJobError:
            return True  # lost (expired, Redis flushed) or never enqueued
        # FINISHED without the run finishing: the job returned without recording (cannot happen in run_tracked).
        return status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED, JobStatus.FINISHED)

    return is_dead


def reap_dead_runs(redis_url: str | None = None, queue_name: str | None = None) -> int:
    redis = get_redis(redis_url or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    is_dead = rq_job_is_dead(redis, queue_name or os.environ.get("CRM_QUEUE") or "crm")
    handlers = _failure_handlers()

    def undo(session: Session, run: JobRun) -> None:
        handler = handlers.get(run.kind)
        if handler is not None:
            handler(session, run, DomainError(run.message))

    with session_scope() as session:
        reaped = jobs.reap(session, is_dead=is_dead, on_failure=undo)
    if reaped:
        log.warning("reaped %s job runs whose worker died", reaped)
    return reaped
