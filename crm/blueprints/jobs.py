from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, send_file

from crm.web.access import login_required
from crm.web.views import actor
from crm.web.htmx import is_htmx, render
from crm.db import get_session
from crm.jobs import live_progress
from crm.services import jobs
from crm.services.errors import NotFound

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

# htmx stops polling when the answer is 286.
STOP_POLLING = 286


def _own(run_id: int):
    try:
        return jobs.get_own(get_session(), actor=actor(), run_id=run_id)
    except NotFound:
        abort(404)


@bp.route("/<int:run_id>")
@login_required
def show(run_id: int):
    run = _own(run_id)
    status = STOP_POLLING if run.finished and is_htmx() else 200
    return render("jobs/show.html", block="progress", run=run, progress=live_progress(run, current_app.config["REDIS_URL"]),
                  status=status)


@bp.route("/<int:run_id>/download")
@login_required
def download(run_id: int):
    run = _own(run_id)
    if run.status != run.DONE or not run.result_path:
        abort(404)
    path = Path(run.result_path).resolve()
    root = Path(current_app.config["CRM_EXPORT_DIR"]).resolve()
    if root not in path.parents or not path.exists():
        abort(404)
    return send_file(path, as_attachment=True, download_name=run.result_name, max_age=0)
