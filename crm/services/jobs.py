"""Durable job state on JobRun rows."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crm.i18n import N_
from crm.models import JobRun
from crm.services.actor import Actor
from crm.db import utcnow
from crm.services.errors import NotFound


def create(session: Session, *, actor: Actor | None, kind: str, params: dict[str, Any] | None = None) -> JobRun:
    run = JobRun(kind=kind, status=JobRun.QUEUED, created_by_id=actor.id if actor else None, params=params or {})
    session.add(run)
    session.flush()
    return run


def get_own(session: Session, *, actor: Actor, run_id: int) -> JobRun:
    """A job run, visible only to whoever started it."""
    run = session.get(JobRun, run_id)
    if run is None or run.created_by_id != actor.id:
        raise NotFound(N_("This job does not exist, or it is not yours."))
    return run


def mark_running(run: JobRun) -> None:
    run.status = JobRun.RUNNING
    run.started_at = utcnow()
    run.message, run.message_params = "", {}


def mark_done(run: JobRun, message: str = "", **params: Any) -> None:
    run.status = JobRun.DONE
    run.finished_at = utcnow()
    run.message, run.message_params = message, params


def mark_failed(run: JobRun, message: str, **params: Any) -> None:
    run.status = JobRun.FAILED
    run.finished_at = utcnow()
    run.message, run.message_params = message, params


DEAD_MESSAGE = N_("The background job stopped unexpectedly. Please try again.")


def unfinished_runs(session: Session, *, created_before: datetime, limit: int = 500) -> list[JobRun]:
    """Queued or running runs created before `created_before`, oldest first
    (the reaper's candidates; the grace period covers the moment between the
    web committing a run and enqueueing its job)."""
    return list(session.scalars(
        select(JobRun)
        .where(JobRun.status.in_((JobRun.QUEUED, JobRun.RUNNING)), JobRun.created_at < created_before)
        .order_by(JobRun.id)
        .limit(limit)
    ))


def reap(session: Session, *, is_dead: Callable[[JobRun], bool], on_failure: Callable[[Session, JobRun], None] | None = None,
         grace: timedelta = timedelta(minutes=2)) -> int:
    """Mark failed every unfinished run whose job `is_dead` says died without
    recording anything (crash, OOM kill, lost queue), then let `on_failure`
    undo its run's side state (e.g. an upload stuck "importing"). Each run is
    claimed with a conditional UPDATE, so a run that its worker finished
    meanwhile is left as it is. Returns how many were reaped. Runs in a
    scheduled job, never in a page view."""
    reaped = 0
    for run in unfinished_runs(session, created_before=utcnow() - grace):
        if not is_dead(run):
            continue
        claimed = session.execute(
            update(JobRun)
            .where(JobRun.id == run.id, JobRun.status.in_((JobRun.QUEUED, JobRun.RUNNING)))
            .values(status=JobRun.FAILED, finished_at=utcnow(), message=DEAD_MESSAGE, message_params={})
            .execution_options(synchronize_session=False)
        ).rowcount
        session.refresh(run)
        if not claimed:
            continue  # finished by its worker while we looked
        if on_failure is not None:
            on_failure(session, run)
        reaped += 1
    session.flush()
    return reaped


def get_run(session: Session, run_id: int | None) -> JobRun | None:
    """A run by id (None for none): for pages that show another object's job."""
    return session.get(JobRun, run_id) if run_id else None


def fail_run(session: Session, run_id: int, message: str, **params: Any) -> None:
    """Mark a run failed that could not even start (e.g. its job could not be enqueued)."""
    run = get_run(session, run_id)
    if run is not None:
        mark_failed(run, message, **params)
        session.flush()
