"""Upload processing: inspection (header, preview, suggested mapping) and the import."""

from __future__ import annotations

from crm.config import export_dir
from crm.jobs import run_tracked
from crm.services.imports import pipeline


def on_failure(session, run, exc) -> None:
    pipeline.mark_failed(session, run.params["database_id"], exc)


def inspect_database(run_id: int) -> None:
    run_tracked(run_id, lambda s, run, progress: pipeline.inspect_database(s, run.params["database_id"], progress), on_failure)


def import_database(run_id: int) -> None:
    run_tracked(
        run_id,
        lambda s, run, progress: pipeline.run_import(s, run.params["database_id"], reject_dir=export_dir() / "rejected", progress=progress),
        on_failure,
    )
