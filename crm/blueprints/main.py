from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from crm.web.access import login_required, public
from crm.web.views import actor
from crm.db import get_session
from crm.services import health

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def home():
    """Staff land on their batches, admins on the database overview."""
    from flask import redirect, url_for

    from crm.models import Role

    user = actor()
    return redirect(url_for("databases.index" if user.has_role(Role.ADMIN) else "batches.index"))


@bp.route("/healthz")
@public
def healthz():
    result = health.check(get_session(), current_app.config["REDIS_URL"])
    ok = all(v == "ok" for v in result.values())
    response = jsonify(result)
    response.status_code = 200 if ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response
