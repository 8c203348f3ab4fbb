from __future__ import annotations

from crm.config import export_dir, timezone_name
from crm.jobs import run_tracked
from crm.services import exports


def export_users(run_id: int) -> None:
    tz = timezone_name()
    run_tracked(run_id, lambda session, run, progress: exports.export_users(session, run, export_dir(), tz=tz, progress=progress))
