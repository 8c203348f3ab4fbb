from __future__ import annotations

import os

from crm.config import export_dir
from crm.jobs import run_tracked
from crm.services import exports


def export_users(run_id: int) -> None:
    tz = os.environ.get("CRM_TIMEZONE") or "Asia/Jakarta"
    run_tracked(run_id, lambda session, run, progress: exports.export_users(session, run, export_dir(), tz=tz, progress=progress))
