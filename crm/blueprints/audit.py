from __future__ import annotations

from flask import Blueprint, current_app, request

from crm.web.access import requires
from crm.web.views import date_arg, int_arg
from crm.web.htmx import render
from crm.db import get_session
from crm.models import Role
from crm.services import audit
from crm.services.accounts.users import UserFilter, list_users

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


@bp.route("")
@requires(Role.ADMIN)
def index():
    flt = audit.AuditFilter(
        actor_id=int_arg("actor"),
        action=request.args.get("action") if request.args.get("action") in audit.ACTIONS else None,
        date_from=date_arg("from"),
        date_to=date_arg("to"),
    )
    page = audit.list_entries(get_session(), flt, tz=current_app.config["CRM_TIMEZONE"], page=int_arg("page", 1))
    actors = list_users(get_session(), UserFilter(role=None), page=1, per_page=200).items
    return render("audit/index.html", block="results", page=page, flt=flt, actions=audit.ACTIONS, actors=actors)
