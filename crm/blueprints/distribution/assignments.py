from __future__ import annotations

from flask import Blueprint, current_app, request, url_for
from flask_babel import gettext

from crm.web.access import requires
from crm.web.forms import apply_action
from crm.web.views import actor, date_arg, int_arg, safe_next
from crm.web.htmx import redirect_after_post, render
from crm.db import get_session
from crm.models import Role
from crm.services.distribution import assignments as assignments_svc
from crm.services import products

bp = Blueprint("assignments", __name__, url_prefix="/admin/assignments")


@bp.route("")
@requires(Role.ADMIN)
def index():
    flt = assignments_svc.AssignmentFilter(
        staff_id=int_arg("staff"),
        product_id=int_arg("product"),
        batch_id=int_arg("batch"),
        wa=request.args.get("wa") or None,
        respond=request.args.get("respond") or None,
        date_from=date_arg("from"),
        date_to=date_arg("to"),
        q=request.args.get("q", "")[:100],
    )
    session = get_session()
    page = assignments_svc.list_assignments(session, flt, tz=current_app.config["CRM_TIMEZONE"], page=int_arg("page", 1))
    return render("distribution/assignments/index.html", block="results", page=page, flt=flt, staff=assignments_svc.staff_choices(session),
                  products=products.list_products(session))


def _ids() -> list[int]:
    return [int(i) for i in request.form.getlist("ids") if i.isdigit()]


@bp.route("/reassign", methods=["POST"])
@requires(Role.ADMIN)
def reassign():
    apply_action(lambda s: assignments_svc.reassign(s, actor=actor(), record_ids=_ids(), to_staff_id=request.form.get("to_staff_id", type=int)),
                 lambda n: gettext("%(n)s records reassigned.", n=n))
    return redirect_after_post(safe_next(request.form.get("next"), url_for("assignments.index")))


@bp.route("/return", methods=["POST"])
@requires(Role.ADMIN)
def return_to_pool():
    apply_action(lambda s: assignments_svc.return_to_pool(s, actor=actor(), record_ids=_ids()),
                 lambda n: gettext("%(n)s records returned to the pool.", n=n))
    return redirect_after_post(safe_next(request.form.get("next"), url_for("assignments.index")))
