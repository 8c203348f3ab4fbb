"""Durable job state on JobRun rows."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from crm.i18n import N_
from crm.models import JobRun
from crm.services.actor import Actor
from crm.services.errors import NotFound
from crm.db import utcnow


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
