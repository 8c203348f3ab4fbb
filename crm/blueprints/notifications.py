from __future__ import annotations

from flask import Blueprint, url_for

from crm.web.access import login_required
from crm.web.views import actor, int_arg
from crm.web.htmx import redirect_after_post, render
from crm.db import get_session
from crm.services import notifications as svc

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.route("")
@login_required
def index():
    page = svc.list_for(get_session(), actor(), page=int_arg("page", 1))
    return render("notifications/index.html", page=page)


@bp.route("/read", methods=["POST"])
@login_required
def mark_read():
    svc.mark_all_read(get_session(), actor())
    get_session().commit()
    return redirect_after_post(url_for("notifications.index"))
